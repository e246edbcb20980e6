// The one queue that runs OCSP queries: the poller's and POST /v1/ocsp/test's.
//
// One worker thread runs tasks one at a time, in the order they were queued, so the responder never
// sees two queries of ours at once and a test waits behind a poll (and the reverse). The work queued
// is bounded: at most one poll task and at most one test task wait at any time, plus the one running.
//
// - post(task): poller work. A post while a poll task is still waiting replaces that task's function
//   in its place in the queue (coalescing: the newest closure runs, once). A poll task running does
//   not count as waiting, so a post during it queues the next one.
// - run_test(task): blocks the caller until a test task ran and returns its result (a cache_entry:
//   the service needs the DER, not only the status, to cache a test's answer). Callers that
//   arrive while a test task is queued and not yet started join it: their own function is dropped
//   and they all get that task's result (N concurrent tests cost one query). Each caller waits at
//   most `queue_wait_limit` (contract: 5 s) for the task to START; a caller whose limit passes gets
//   errc::task_queued_for_too_long. When the last caller waiting on a queued test task gives up,
//   the task is withdrawn and never runs. Once started, a task runs to its end (its own deadline,
//   response_timeout, bounds it) and every caller still waiting gets its result.
// - stop() / the destructor: the running task finishes; queued tasks are withdrawn and their callers
//   get errc::internal_error ("shutting down") at once, without waiting for the running task; the
//   worker is joined; the destructor also waits for callers still inside run_test to leave it.
//   After stop, post returns false and run_test answers internal_error.
//
// Thread-safe for any number of callers. Tasks may call post(); a task must not call run_test (it
// would wait for itself: internal_error at once) nor destroy the queue. An exception escaping a task
// is caught: a test's callers get internal_error, a poll task's is dropped (the poller reports its
// own failures through the status, not by throwing).
#pragma once

#include <ocsp/error.hpp>
#include <ocsp/status_cache.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace ocsp {

class task_queue {
 public:
  using poll_task = std::function<void()>;
  /// A test answers the verified response (DER and status), which the service caches when enabled.
  using test_result = api_result<cache_entry>;
  using test_task = std::function<test_result()>;

  /// Starts the worker thread. `queue_wait_limit` is how long a test may wait to start (contract: 5 s;
  /// tests use less).
  explicit task_queue(std::chrono::milliseconds queue_wait_limit = std::chrono::seconds{5});
  ~task_queue();
  task_queue(const task_queue&) = delete;
  task_queue& operator=(const task_queue&) = delete;

  /// Queues poller work, coalesced with a poll task still waiting. Returns true when a new task was
  /// queued, false when it replaced the waiting one, was empty, or the queue is stopped.
  bool post(poll_task task);

  /// Runs `task` (or joins the test task already queued) and returns its result; errors:
  /// task_queued_for_too_long (not started within the limit), internal_error (stopped, called
  /// from a task of this queue, or the task threw).
  test_result run_test(test_task task);

  /// Withdraws what is queued, lets the running task finish and joins the worker. Idempotent.
  void stop() noexcept;

  /// Callers currently inside run_test (for tests and metrics).
  std::size_t test_callers() const;
  /// The limit given to the constructor.
  std::chrono::milliseconds queue_wait_limit() const noexcept { return limit_; }

 private:
  struct test_state;
  struct entry {
    poll_task poll;                    // set for a poll task
    std::shared_ptr<test_state> test;  // set for a test task
  };

  void work() noexcept;

  const std::chrono::milliseconds limit_;
  mutable std::mutex mutex_;
  std::condition_variable work_cv_;     // the worker: something queued, or stopping
  std::condition_variable done_cv_;     // run_test callers: a test started, ended or was withdrawn
  std::condition_variable callers_cv_;  // the destructor: the last run_test caller left
  std::deque<entry> queue_;             // at most one poll and one test entry
  std::shared_ptr<test_state> queued_test_;  // the test entry in queue_, if any
  std::size_t callers_ = 0;
  bool stopping_ = false;
  std::thread worker_;  // started in the constructor's body, once everything above exists
  std::thread::id worker_id_;
};

}  // namespace ocsp
