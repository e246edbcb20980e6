// task_queue: order, poll coalescing, test tasks with a queue-wait limit, joining, shutdown.
//
// The worker is blocked on a gate the test controls, so "busy" is a fact, not a sleep; the only
// real waiting is the short queue-wait limits (a few hundred ms).
#include <ocsp/task_queue.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using ocsp::task_queue;
using steady = std::chrono::steady_clock;

namespace {

/// A one-shot gate: wait() blocks until open(). Opens itself on destruction, so a failed REQUIRE
/// never leaves the worker blocked forever.
class gate {
 public:
  gate() = default;
  gate(const gate&) = delete;
  gate& operator=(const gate&) = delete;
  ~gate() { open(); }
  void open() {
    // Notify under the lock: the waiter may destroy the gate as soon as it sees open_.
    std::lock_guard lock(mutex_);
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return open_; });
  }
  /// True when opened within `limit`.
  bool wait_for(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [this] { return open_; });
  }
  bool is_open() {
    std::lock_guard lock(mutex_);
    return open_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

/// Occupies the worker until `release` opens; returns once the task is running.
void block_worker(task_queue& q, gate& running, gate& release) {
  REQUIRE(q.post([&] {
    running.open();
    release.wait();
  }));
  REQUIRE(running.wait_for(5s));
}

/// Polls `pred` until it holds (true) or 5 s pass (false).
template <class Pred>
bool eventually(Pred pred) {
  const auto until = steady::now() + 5s;
  while (!pred()) {
    if (steady::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

/// Waits until everything queued before this call has run.
void drain(task_queue& q) {
  gate done;
  REQUIRE(eventually([&] { return q.post([&] { done.open(); }); }));
  REQUIRE(done.wait_for(5s));
}

using result = task_queue::test_result;

ocsp::cache_entry good(std::string url) {
  ocsp::cache_entry e;
  e.status.status = ocsp::cert_status::good;
  e.status.responder_url = std::move(url);
  e.status.this_update = std::chrono::sys_seconds{1'700'000'000s};
  e.response_der = {0x30, 0x03, 0x0a, 0x01, 0x00};
  e.cert_id_der = {0x30, 0x00};
  return e;
}

bool same(const ocsp::cache_entry& a, const ocsp::cache_entry& b) {
  return a.status == b.status && a.response_der == b.response_der && a.cert_id_der == b.cert_id_der;
}

/// A thread-safe record of what ran.
class run_log {
 public:
  void add(std::string what) {
    std::lock_guard lock(mutex_);
    entries_.push_back(std::move(what));
  }
  std::vector<std::string> entries() {
    std::lock_guard lock(mutex_);
    return entries_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> entries_;
};

}  // namespace

TEST_CASE("task_queue: poll tasks run in order, one at a time", "[task_queue]") {
  task_queue q;
  run_log ran;
  std::atomic<int> concurrent{0};
  std::atomic<int> max_concurrent{0};
  for (int i = 0; i < 5; ++i) {
    gate done;
    CHECK(q.post([&, i] {
      const int now = ++concurrent;
      max_concurrent = std::max(max_concurrent.load(), now);
      ran.add("p" + std::to_string(i));
      --concurrent;
      done.open();
    }));
    REQUIRE(done.wait_for(5s));
  }
  CHECK(ran.entries() == std::vector<std::string>{"p0", "p1", "p2", "p3", "p4"});
  CHECK(max_concurrent == 1);
}

TEST_CASE("task_queue: polls and tests run in the order they were queued", "[task_queue]") {
  const bool test_first = GENERATE(true, false);
  INFO("test queued first: " << test_first);
  task_queue q{10s};
  run_log ran;
  gate running, release, poll_done;
  block_worker(q, running, release);

  auto queue_poll = [&] { CHECK(q.post([&] { ran.add("poll"); poll_done.open(); })); };
  if (!test_first) queue_poll();
  result answer = ocsp::make_error(ocsp::errc::internal_error, "unset");  // Catch2 asserts on this thread only
  std::thread caller([&] {
    answer = q.run_test([&]() -> result {
      ran.add("test");
      return good("http://r.test");
    });
  });
  REQUIRE(eventually([&] { return q.test_callers() == 1; }));
  if (test_first) queue_poll();
  CHECK(ran.entries().empty());  // the worker is still busy

  release.open();
  caller.join();
  CHECK(answer.has_value());
  REQUIRE(poll_done.wait_for(5s));
  const std::vector<std::string> expected =
      test_first ? std::vector<std::string>{"test", "poll"} : std::vector<std::string>{"poll", "test"};
  CHECK(ran.entries() == expected);
}

TEST_CASE("task_queue: a poll posted while one waits replaces it, only the newest runs", "[task_queue]") {
  task_queue q;
  gate running, release, last_done;
  block_worker(q, running, release);
  std::atomic<int> first{0}, second{0}, third{0};

  CHECK(q.post([&] { ++first; }));   // queued
  CHECK_FALSE(q.post([&] { ++second; }));  // coalesced
  CHECK_FALSE(q.post([&] {                 // coalesced
    ++third;
    last_done.open();
  }));
  release.open();
  REQUIRE(last_done.wait_for(5s));
  drain(q);
  CHECK(first == 0);
  CHECK(second == 0);
  CHECK(third == 1);

  // A post while a poll runs queues the next one (running does not count as waiting).
  gate running2, release2;
  block_worker(q, running2, release2);
  gate next_done;
  CHECK(q.post([&] { next_done.open(); }));
  release2.open();
  CHECK(next_done.wait_for(5s));
  CHECK_FALSE(q.post(nullptr));
}

TEST_CASE("task_queue: a test task answers its result, error or value", "[task_queue]") {
  task_queue q;
  SECTION("a status") {
    auto r = q.run_test([] { return result{good("http://r.test/a")}; });
    REQUIRE(r.has_value());
    CHECK(same(r.value(), good("http://r.test/a")));
  }
  SECTION("an error") {
    auto r = q.run_test([]() -> result {
      return ocsp::make_error(ocsp::errc::ocsp_query_failed, "connection refused");
    });
    REQUIRE(r.has_error());
    CHECK(r.error().ocsp_code() == ocsp::errc::ocsp_query_failed);
  }
  SECTION("a task that throws: internal_error, and the worker lives on") {
    auto r = q.run_test([]() -> result { throw std::runtime_error("boom"); });
    REQUIRE(r.has_error());
    CHECK(r.error().ocsp_code() == ocsp::errc::internal_error);
    CHECK(q.post([] { throw std::runtime_error("poll boom"); }));
    auto again = q.run_test([] { return result{good("http://r.test/b")}; });
    REQUIRE(again.has_value());
    CHECK(again.value().status.responder_url == "http://r.test/b");
  }
  SECTION("an empty task") {
    auto r = q.run_test(nullptr);
    REQUIRE(r.has_error());
    CHECK(r.error().ocsp_code() == ocsp::errc::internal_error);
  }
  CHECK(q.test_callers() == 0);
}

TEST_CASE("task_queue: a test that cannot start within the limit times out and never runs", "[task_queue]") {
  const auto limit = 200ms;
  task_queue q{limit};
  CHECK(q.queue_wait_limit() == limit);
  gate running, release;
  block_worker(q, running, release);
  std::atomic<int> ran{0};

  const auto start = steady::now();
  auto r = q.run_test([&] {
    ++ran;
    return result{good("http://r.test")};
  });
  const auto waited = steady::now() - start;
  REQUIRE(r.has_error());
  CHECK(r.error().ocsp_code() == ocsp::errc::task_queued_for_too_long);
  CHECK(waited >= limit);
  CHECK(waited < limit + 2s);
  CHECK(q.test_callers() == 0);

  release.open();
  drain(q);
  CHECK(ran == 0);

  // The queue still serves tests afterwards.
  auto next = q.run_test([&] {
    ++ran;
    return result{good("http://r.test")};
  });
  CHECK(next.has_value());
  CHECK(ran == 1);
}

TEST_CASE("task_queue: concurrent tests while the worker is busy cost one query", "[task_queue]") {
  constexpr int callers = 16;
  task_queue q{30s};
  gate running, release;
  block_worker(q, running, release);
  std::atomic<int> ran{0};

  std::vector<result> results(callers, ocsp::make_error(ocsp::errc::internal_error, "unset"));
  std::vector<std::thread> threads;
  for (int i = 0; i < callers; ++i) {
    threads.emplace_back([&, i] {
      results[static_cast<std::size_t>(i)] = q.run_test([&, i] {
        ++ran;
        return result{good("http://r.test/" + std::to_string(i))};
      });
    });
  }
  REQUIRE(eventually([&] { return q.test_callers() == callers; }));
  CHECK(ran == 0);
  release.open();
  for (auto& t : threads) t.join();

  CHECK(ran == 1);
  REQUIRE(results[0].has_value());
  for (const auto& r : results) {
    REQUIRE(r.has_value());
    CHECK(same(r.value(), results[0].value()));
  }
  CHECK(q.test_callers() == 0);
}

TEST_CASE("task_queue: each caller has its own limit, the task stays while someone waits for it", "[task_queue]") {
  const auto limit = 1000ms;
  task_queue q{limit};
  gate running, release;
  block_worker(q, running, release);
  std::atomic<int> ran{0};
  auto task = [&] {
    ++ran;
    return result{good("http://r.test")};
  };

  result first = ocsp::make_error(ocsp::errc::internal_error, "unset");
  std::thread first_caller([&] { first = q.run_test(task); });
  REQUIRE(eventually([&] { return q.test_callers() == 1; }));
  std::this_thread::sleep_for(500ms);
  result second = ocsp::make_error(ocsp::errc::internal_error, "unset");
  std::thread second_caller([&] { second = q.run_test(task); });  // joins the queued task

  first_caller.join();  // its limit passes while the worker is still busy
  REQUIRE(first.has_error());
  CHECK(first.error().ocsp_code() == ocsp::errc::task_queued_for_too_long);
  release.open();  // about 500 ms before the second caller's limit
  second_caller.join();
  REQUIRE(second.has_value());
  CHECK(same(second.value(), good("http://r.test")));
  CHECK(ran == 1);
}

TEST_CASE("task_queue: a caller arriving while a test runs queues a new one", "[task_queue]") {
  task_queue q{10s};
  gate running, release;
  std::atomic<int> ran{0};
  result first_answer = ocsp::make_error(ocsp::errc::internal_error, "unset");
  result second_answer = ocsp::make_error(ocsp::errc::internal_error, "unset");
  std::thread first([&] {
    first_answer = q.run_test([&] {
      ++ran;
      running.open();
      release.wait();
      return result{good("http://r.test/first")};
    });
  });
  REQUIRE(running.wait_for(5s));
  std::thread second([&] {
    second_answer = q.run_test([&] {
      ++ran;
      return result{good("http://r.test/second")};
    });
  });
  REQUIRE(eventually([&] { return q.test_callers() == 2; }));
  release.open();
  first.join();
  second.join();
  CHECK(ran == 2);
  REQUIRE(first_answer.has_value());
  CHECK(first_answer.value().status.responder_url == "http://r.test/first");
  REQUIRE(second_answer.has_value());
  CHECK(second_answer.value().status.responder_url == "http://r.test/second");
}

TEST_CASE("task_queue: run_test from a task of the same queue fails at once", "[task_queue]") {
  task_queue q{10s};
  gate done;
  std::optional<ocsp::errc> code;
  const auto start = steady::now();
  REQUIRE(q.post([&] {
    auto r = q.run_test([] { return result{good("x")}; });
    if (r.has_error()) code = r.error().ocsp_code();
    done.open();
  }));
  REQUIRE(done.wait_for(5s));
  CHECK(code == ocsp::errc::internal_error);
  CHECK(steady::now() - start < 5s);
}

TEST_CASE("task_queue: stop withdraws queued work at once and lets the running task finish", "[task_queue]") {
  auto q = std::make_unique<task_queue>(30s);
  gate running, release;
  std::atomic<bool> running_finished{false};
  REQUIRE(q->post([&] {
    running.open();
    release.wait();
    running_finished = true;
  }));
  REQUIRE(running.wait_for(5s));
  std::atomic<int> ran{0};
  CHECK(q->post([&] { ++ran; }));

  result answer = ocsp::make_error(ocsp::errc::ocsp_query_failed, "unset");
  std::thread caller([&] {
    answer = q->run_test([&] {
      ++ran;
      return result{good("x")};
    });
  });
  REQUIRE(eventually([&] { return q->test_callers() == 1; }));

  gate stopped;
  std::thread stopper([&] {
    q->stop();
    stopped.open();
  });
  const auto start = steady::now();
  caller.join();  // promptly, while the running task still blocks the worker
  CHECK(steady::now() - start < 2s);
  REQUIRE(answer.has_error());
  CHECK(answer.error().ocsp_code() == ocsp::errc::internal_error);
  CHECK_FALSE(stopped.wait_for(50ms));  // stop waits for the running task

  release.open();
  stopper.join();
  CHECK(running_finished);
  CHECK(ran == 0);

  CHECK_FALSE(q->post([&] { ++ran; }));
  auto after = q->run_test([&] {
    ++ran;
    return result{good("x")};
  });
  REQUIRE(after.has_error());
  CHECK(after.error().ocsp_code() == ocsp::errc::internal_error);
  q->stop();  // idempotent
  q.reset();
  CHECK(ran == 0);
}

TEST_CASE("task_queue: destruction with a waiting caller and queued work runs nothing more", "[task_queue]") {
  auto q = std::make_unique<task_queue>(30s);
  gate running, release;
  REQUIRE(q->post([&] {
    running.open();
    release.wait();
  }));
  REQUIRE(running.wait_for(5s));
  std::atomic<int> ran{0};
  CHECK(q->post([&] { ++ran; }));
  result answer = ocsp::make_error(ocsp::errc::ocsp_query_failed, "unset");
  task_queue* const raw = q.get();
  std::thread caller([&] {
    answer = raw->run_test([&] {
      ++ran;
      return result{good("x")};
    });
  });
  REQUIRE(eventually([&] { return raw->test_callers() == 1; }));

  std::thread destroyer([&] { q.reset(); });
  caller.join();
  REQUIRE(answer.has_error());
  CHECK(answer.error().ocsp_code() == ocsp::errc::internal_error);
  release.open();
  destroyer.join();
  CHECK(ran == 0);
}
