// The poller: keeps the service's cached OCSP answer fresh by asking the proxy certificate's
// responder on the contract's schedule (poll_schedule.hpp), and runs POST /v1/ocsp/test queries
// through the same task queue.
//
// Each query: build the request for the current certificate (proxy_identity, with a fresh nonce
// for POST; none for an RFC 5019 GET, whose point is to be cacheable), send it (query_responder,
// deadline = response_timeout), and accept the answer only through proxy_identity::accept (parse +
// every verification check). A verified answer is cached (persisted first, with the service's
// status_store) when OCSP is enabled; any failure leaves the cached answer as it was, until
// recovery_max_tries consecutive failures invalidate it.
//
// Threads: one worker (the task queue) runs every query; one timer thread posts a poll when one is
// due. `staple()` is safe from any thread and never waits for either. For tests, `start_threads`
// false leaves both out: the test calls `run_due()` with its own clock (an injected executor).
//
// Lifetime: create() attaches the poller to the service as its observer and querier; stop() (or
// the destructor) detaches it, finishes the running query and joins the threads.
#pragma once

#include "ocsp/poll_schedule.hpp"
#include "ocsp/proxy_identity.hpp"
#include "ocsp/responder_client.hpp"
#include "ocsp/service.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace ocsp {

class task_queue;

/// Sends one request and returns the responder's body (query_responder's contract).
using responder_fetch = std::function<api_result<std::vector<std::uint8_t>>(
    const responder_url& url, der::bytes request_der, const responder_query_options& options)>;

struct poller_options {
  /// The clock of the schedule and of verification; null: the system clock.
  std::function<std::chrono::sys_seconds()> clock{};
  /// How requests travel; null: query_responder over the network.
  responder_fetch fetch{};
  /// Transport settings; `timeout` is replaced by the configuration's response_timeout per query.
  responder_query_options transport{};
  /// Tolerated clock difference for thisUpdate / nextUpdate.
  std::chrono::seconds skew{std::chrono::minutes(5)};
  /// Send a nonce with POST requests (and require it back).
  bool send_nonce = true;
  /// A POST /v1/ocsp/test still queued after this answers task_queued_for_too_long.
  std::chrono::milliseconds max_queue_wait{std::chrono::seconds(5)};
  /// The earliest a nextUpdate-driven refresh comes after a success.
  std::chrono::seconds minimum_refresh_interval{60};
  /// One line per event (query sent, answer accepted or rejected and why, invalidation); null: silent.
  std::function<void(std::string_view)> log{};
  /// false: no threads; the caller drives run_due() (tests).
  bool start_threads = true;
};

class poller final : public status_querier, public service_observer, public std::enable_shared_from_this<poller> {
 public:
  /// Creates the poller for `svc` (which must outlive it), attaches it as the service's observer
  /// and querier, and schedules the first query if OCSP is enabled.
  static std::shared_ptr<poller> create(service& svc, poller_options options = {});
  ~poller() override;

  poller(const poller&) = delete;
  poller& operator=(const poller&) = delete;

  /// Detaches from the service, finishes the running query, joins the threads. Idempotent.
  void stop();

  /// The DER response to staple for the current proxy certificate now: the cached answer, only if
  /// it is for this certificate's CertID and not past its nextUpdate; null otherwise. Any thread,
  /// never blocks.
  std::shared_ptr<const cache_entry> staple() const;

  /// Without threads: runs the poll that is due at the clock's now, on the calling thread.
  /// Returns whether one ran.
  bool run_due();

  /// When the next poll is due (nullopt: disabled), and the consecutive failures so far.
  std::optional<std::chrono::sys_seconds> next_query() const;
  std::uint32_t consecutive_failures() const;

  // status_querier: POST /v1/ocsp/test, through the task queue.
  api_result<cache_entry> query(const proxy_certificate& certificate, const ocsp_config& config) override;
  void answer_cached(const ocsp_status& status) override;
  // service_observer
  void config_changed(const ocsp_config& config) override;
  void certificate_changed(const std::shared_ptr<const proxy_certificate>& certificate) override;

 private:
  poller(service& svc, poller_options options);
  std::chrono::sys_seconds now() const;
  api_result<cache_entry> ask(const std::shared_ptr<const proxy_identity>& identity, const ocsp_config& config);
  void poll();
  void timer_loop();
  void log(std::string_view line) const;
  std::shared_ptr<const proxy_identity> identity() const;

  service& service_;
  poller_options options_;
  std::unique_ptr<task_queue> queue_;

  mutable std::mutex mutex_;  // guards schedule_, identity_, stopping_
  std::condition_variable wake_;
  poll_schedule schedule_;
  std::shared_ptr<const proxy_identity> identity_;  // null: no certificate, or one that cannot be used
  bool stopping_ = false;
  bool poll_posted_ = false;
  std::uint64_t epoch_ = 0;  // bumped by every rescheduling from outside a poll
  std::thread timer_;
};

}  // namespace ocsp
