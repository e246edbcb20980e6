#include "ocsp/poller.hpp"

#include "ocsp/task_queue.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <array>

namespace ocsp {
namespace {

poll_settings settings_of(const ocsp_config& config, std::chrono::seconds minimum_refresh_interval) {
  poll_settings s;
  s.enabled = config.ocsp_functionality;
  s.query_frequency = std::chrono::seconds(config.query_frequency);
  s.recovery_frequency = std::chrono::seconds(config.recovery_frequency);
  s.recovery_max_tries = static_cast<std::uint32_t>(config.recovery_max_tries);
  s.minimum_refresh_interval = minimum_refresh_interval;
  return s;
}

std::string format_time(std::chrono::sys_seconds t) { return format_rfc1123(t); }

}  // namespace

std::shared_ptr<poller> poller::create(service& svc, poller_options options) {
  std::shared_ptr<poller> p(new poller(svc, std::move(options)));
  // Attach first, then read the service's state: a change in between reaches the observer, and
  // the reading below sees it too, so none is missed.
  svc.set_observer(p);
  svc.set_querier(p);
  p->certificate_changed(svc.certificate());
  p->config_changed(svc.config());
  if (p->options_.start_threads) p->timer_ = std::thread([raw = p.get()] { raw->timer_loop(); });
  return p;
}

poller::poller(service& svc, poller_options options) : service_(svc), options_(std::move(options)) {
  if (!options_.fetch) options_.fetch = query_responder;
  queue_ = std::make_unique<task_queue>(options_.max_queue_wait);
}

poller::~poller() { stop(); }

void poller::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  service_.set_observer(nullptr);
  service_.set_querier(nullptr);
  queue_->stop();
  if (timer_.joinable()) timer_.join();
}

std::chrono::sys_seconds poller::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

void poller::log(std::string_view line) const {
  if (options_.log) options_.log(line);
}

std::shared_ptr<const proxy_identity> poller::identity() const {
  std::lock_guard lock(mutex_);
  return identity_;
}

std::shared_ptr<const cache_entry> poller::staple() const {
  const std::shared_ptr<const proxy_identity> id = identity();
  if (!id) return nullptr;
  return service_.cache().staple(id->cert_id_der(), now());
}

std::optional<std::chrono::sys_seconds> poller::next_query() const {
  std::lock_guard lock(mutex_);
  return schedule_.next_query();
}

std::uint32_t poller::consecutive_failures() const {
  std::lock_guard lock(mutex_);
  return schedule_.consecutive_failures();
}

// One exchange with the responder for `identity`: request, fetch, accept. Runs on the worker.
api_result<cache_entry> poller::ask(const std::shared_ptr<const proxy_identity>& identity, const ocsp_config& config) {
  if (!identity) {
    return make_error(errc::invalid_ocsp_response, "the proxy certificate or its issuer cannot be used for OCSP");
  }
  const std::string& url_text = identity->certificate().responder_url();
  if (url_text.empty()) {
    return make_error(errc::no_responder_url, fmt::format("the proxy certificate ({}) has no OCSP responder URL",
                                                          identity->certificate().subject()));
  }
  auto url = parse_responder_url(url_text);
  if (!url) {
    return make_error(errc::ocsp_query_failed,
                      fmt::format("the responder URL {} cannot be used: {}", url_text, url.error().message()));
  }
  responder_query_options transport = options_.transport;
  transport.timeout = std::chrono::seconds(config.response_timeout);

  // A nonce only with POST: an RFC 5019 GET exists to be cacheable by intermediaries.
  std::array<std::uint8_t, 16> nonce{};
  const bool with_nonce = options_.send_nonce && !transport.use_get;
  if (with_nonce && RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
    return make_error(errc::internal_error, "no random bytes for the OCSP nonce");
  }
  BOOST_OUTCOME_TRY(auto request, identity->request(with_nonce ? std::optional<der::bytes>(nonce) : std::nullopt));
  auto body = options_.fetch(url.value(), request, transport);
  if (!body) {
    // Every transport failure is ocsp_query_failed to the API; the message keeps the detail.
    return make_error(errc::ocsp_query_failed, body.error().message.empty() ? body.error().code.message()
                                                                            : body.error().message);
  }
  verify_options verify;
  verify.now = now();
  verify.skew = options_.skew;
  if (with_nonce) verify.nonce = der::bytes(nonce);
  return identity->accept(std::move(body).value(), verify);
}

void poller::poll() {
  const ocsp_config config = service_.config();
  std::shared_ptr<const proxy_identity> id;
  std::uint64_t epoch = 0;
  {
    std::lock_guard lock(mutex_);
    poll_posted_ = false;
    if (!schedule_.due(now())) return;  // rescheduled since it was posted (a test answered, a reconfiguration)
    id = identity_;
    epoch = epoch_;
  }
  const std::uint64_t generation = service_.cache().generation();
  auto answer = ask(id, config);

  // The outcome. A reconfiguration, a new certificate or a cached test answer during the query
  // has rescheduled already: then this poll's answer is neither stored nor counted. The cache
  // itself refuses an answer about a replaced certificate (its subject) or one older than what
  // it holds (the generation).
  const auto superseded = [&] {
    std::lock_guard lock(mutex_);
    return epoch != epoch_;
  };
  if (superseded()) return;
  std::optional<ocsp_status> accepted;
  if (answer) {
    const ocsp_status status = answer.value().status;
    auto put = service_.cache().store(std::move(answer).value(), generation);
    if (!put) {
      log("OCSP answer verified but not cached: " + put.error().message);
    } else if (!put.value()) {
      log("OCSP answer verified but superseded while it was checked; not cached");
      return;
    } else {
      accepted = status;
      log(fmt::format("OCSP answer accepted: {}, thisUpdate {}{}", to_string(status.status),
                      format_time(status.this_update.value_or(std::chrono::sys_seconds{})),
                      status.next_update ? ", nextUpdate " + format_time(*status.next_update) : std::string()));
    }
  } else {
    log("OCSP query failed: " + answer.error().message);
  }
  poll_schedule::action action = poll_schedule::action::none;
  std::uint64_t after = 0;
  {
    std::lock_guard lock(mutex_);
    if (epoch != epoch_) return;
    if (accepted) {
      schedule_.on_success(now(), accepted->this_update.value_or(now()), accepted->next_update);
    } else {
      action = schedule_.on_failure(now());
    }
    after = service_.cache().generation();
  }
  wake_.notify_all();
  if (action == poll_schedule::action::invalidate) {
    // Only if nothing was cached since this poll failed (a test answer that landed meanwhile is
    // fresher than the failures).
    auto dropped = service_.cache().invalidate(after);
    if (!dropped) {
      log("the invalidation could not be persisted: " + dropped.error().message);
    } else if (dropped.value()) {
      log(fmt::format("OCSP: {} consecutive failed queries; the cached status is invalidated",
                      config.recovery_max_tries));
    }
  }
}

bool poller::run_due() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !schedule_.due(now())) return false;
  }
  poll();
  return true;
}

void poller::timer_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const auto next = schedule_.next_query();
    const auto at = now();
    if (next && *next <= at && !poll_posted_) {
      poll_posted_ = true;
      lock.unlock();
      queue_->post([this] { poll(); });
      lock.lock();
      continue;
    }
    // Sleep until the next poll is due, a change wakes us, or a second passes (the system clock
    // may jump; a second's granularity is the schedule's own).
    std::chrono::seconds wait{1};
    if (next && !poll_posted_) wait = std::clamp(*next - at, std::chrono::seconds(0), std::chrono::seconds(1));
    wake_.wait_for(lock, wait);
  }
}

api_result<cache_entry> poller::query(const proxy_certificate& certificate, const ocsp_config& config) {
  // The certificate the service asks about; normally the one this poller already knows.
  std::shared_ptr<const proxy_identity> id = identity();
  if (!id || &id->certificate() != &certificate) {
    auto made = proxy_identity::create(std::make_shared<const proxy_certificate>(certificate));
    id = made ? std::move(made).value() : nullptr;
  }
  return queue_->run_test([this, id, config]() -> api_result<cache_entry> { return ask(id, config); });
}

void poller::answer_cached(const ocsp_status& status) {
  {
    std::lock_guard lock(mutex_);
    schedule_.on_success(now(), status.this_update.value_or(now()), status.next_update);
    ++epoch_;
  }
  wake_.notify_all();
}

void poller::config_changed(const ocsp_config& config) {
  {
    std::lock_guard lock(mutex_);
    schedule_.configure(settings_of(config, options_.minimum_refresh_interval), now());
    ++epoch_;
  }
  wake_.notify_all();
}

void poller::certificate_changed(const std::shared_ptr<const proxy_certificate>& certificate) {
  std::shared_ptr<const proxy_identity> made;
  if (certificate) {
    if (auto id = proxy_identity::create(certificate)) {
      made = std::move(id).value();
    } else {
      log("the new proxy certificate cannot be checked for OCSP: " + id.error().message);
    }
  }
  {
    std::lock_guard lock(mutex_);
    identity_ = std::move(made);
    schedule_.certificate_changed(now());
    ++epoch_;
  }
  wake_.notify_all();
}

}  // namespace ocsp
