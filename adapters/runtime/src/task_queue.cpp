#include "ocsp/task_queue.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <utility>

namespace ocsp {

namespace {

using steady = std::chrono::steady_clock;

error_info shutting_down() {
  return make_error(errc::internal_error, "the OCSP task queue is shutting down; the task was withdrawn");
}

}  // namespace

struct task_queue::test_state {
  enum class phase { queued, running, done, withdrawn };

  test_task task;
  phase at = phase::queued;
  std::optional<test_result> result;  // set when done
  std::size_t waiters = 0;                        // callers waiting on it
};

task_queue::task_queue(std::chrono::milliseconds queue_wait_limit) : limit_(queue_wait_limit) {
  worker_ = std::thread([this] { work(); });
  worker_id_ = worker_.get_id();
}

task_queue::~task_queue() {
  stop();
  // Callers woken by stop() still touch the mutex on their way out of run_test.
  std::unique_lock lock(mutex_);
  callers_cv_.wait(lock, [this] { return callers_ == 0; });
}

bool task_queue::post(poll_task task) {
  if (!task) return false;
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  const auto waiting = std::find_if(queue_.begin(), queue_.end(), [](const entry& e) { return e.poll != nullptr; });
  if (waiting != queue_.end()) {
    waiting->poll = std::move(task);
    return false;
  }
  queue_.push_back(entry{std::move(task), nullptr});
  work_cv_.notify_one();
  return true;
}

task_queue::test_result task_queue::run_test(test_task task) {
  if (std::this_thread::get_id() == worker_id_)
    return make_error(errc::internal_error, "run_test was called from a task of the same queue (it would wait for itself)");

  std::unique_lock lock(mutex_);
  if (stopping_) return shutting_down();
  const auto start = steady::now();
  const auto deadline = start + limit_;

  std::shared_ptr<test_state> state = queued_test_;
  if (!state) {
    if (!task) return make_error(errc::internal_error, "run_test was given an empty task");
    state = std::make_shared<test_state>();
    state->task = std::move(task);
    queue_.push_back(entry{nullptr, state});
    queued_test_ = state;
    work_cv_.notify_one();
  }
  ++state->waiters;
  ++callers_;

  std::optional<test_result> answer;
  while (!answer) {
    switch (state->at) {
      case test_state::phase::done: answer = *state->result; break;
      case test_state::phase::withdrawn: answer = shutting_down(); break;
      case test_state::phase::running: done_cv_.wait(lock); break;
      case test_state::phase::queued:
        if (steady::now() < deadline) {
          done_cv_.wait_until(lock, deadline);
          break;
        }
        // Not started within the limit. The last caller to give up withdraws the task.
        if (state->waiters == 1) {
          std::erase_if(queue_, [&](const entry& e) { return e.test == state; });
          queued_test_.reset();
          state->at = test_state::phase::withdrawn;
        }
        answer = make_error(
            errc::task_queued_for_too_long,
            fmt::format("the OCSP test task did not start within {} ms (waited {} ms behind another query); it was withdrawn",
                        limit_.count(),
                        std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count()));
        break;
    }
  }

  --state->waiters;
  if (--callers_ == 0) callers_cv_.notify_all();
  return std::move(*answer);
}

void task_queue::stop() noexcept {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      stopping_ = true;
      for (auto& e : queue_) {
        if (e.test) {
          e.test->at = test_state::phase::done;
          e.test->result = shutting_down();
        }
      }
      queue_.clear();
      queued_test_.reset();
    }
  }
  work_cv_.notify_all();
  done_cv_.notify_all();
  // stop() from a task of this queue: the worker leaves after that task; it cannot join itself.
  if (std::this_thread::get_id() != worker_id_ && worker_.joinable()) worker_.join();
}

std::size_t task_queue::test_callers() const {
  std::lock_guard lock(mutex_);
  return callers_;
}

void task_queue::work() noexcept {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;  // stop() already withdrew what was queued
    entry next = std::move(queue_.front());
    queue_.pop_front();

    if (next.test) {
      const auto state = std::move(next.test);
      queued_test_.reset();
      state->at = test_state::phase::running;
      auto task = std::move(state->task);
      lock.unlock();
      done_cv_.notify_all();  // waiters stop counting their queue-wait limit
      std::optional<test_result> result;
      try {
        result = task();
      } catch (...) {
        result = make_error(errc::internal_error, "the OCSP test task threw an exception");
      }
      task = nullptr;  // whatever the task holds is released outside the lock
      lock.lock();
      state->result = std::move(result);
      state->at = test_state::phase::done;
      done_cv_.notify_all();
    } else {
      lock.unlock();
      try {
        next.poll();
      } catch (...) {
        // The poller reports failures through the status; an exception here is a bug it already lost.
      }
      next.poll = nullptr;
      lock.lock();
    }
  }
}

}  // namespace ocsp
