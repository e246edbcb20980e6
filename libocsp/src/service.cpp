#include "ocsp/service.hpp"

#include "ocsp/config_json.hpp"
#include "ocsp/proxy_identity.hpp"

#include <fmt/format.h>

#include <utility>

namespace ocsp {
namespace {
std::vector<std::uint8_t> subject_of(const std::shared_ptr<const proxy_certificate>& certificate);
}  // namespace

api_result<std::unique_ptr<service>> service::create(service_options options) {
  if (!options.store) return make_error(errc::internal_error, "service_options.store is required");
  if (!options.nodes) options.nodes = std::make_shared<single_node_registry>();
  BOOST_OUTCOME_TRY(auto initial, options.store->load());
  // Whatever the store, the service never runs on a configuration outside the contract's ranges.
  if (auto checked = check_ranges(initial); !checked) {
    return make_error(errc::state_corrupt, "the stored OCSP configuration is invalid: " + checked.error().message);
  }
  std::unique_ptr<service> created(new service(std::move(options), initial));
  created->restore_cached_answer();
  return created;
}

service::service(service_options options, const ocsp_config& initial)
    : options_(std::move(options)), cache_(options_.answers), config_(initial) {}

// Reloads the persisted answer and serves it only if it passes every check again now; anything
// else (no certificate, another certificate, a stale or tampered answer, a corrupt file) drops it,
// so the worst a bad file can cost is one query.
namespace {
// The CertID the cache may hold answers for: the certificate's, or nothing (empty) without a
// usable certificate.
std::vector<std::uint8_t> subject_of(const std::shared_ptr<const proxy_certificate>& certificate) {
  if (!certificate) return {};
  auto identity = proxy_identity::create(certificate);
  return identity ? identity.value()->cert_id_der() : std::vector<std::uint8_t>{};
}
}  // namespace

// Reloads the persisted answer and serves it only if it passes every check again now; anything
// else (no certificate, another certificate, a stale or tampered answer, a corrupt file) drops it,
// so the worst a bad file can cost is one query.
void service::restore_cached_answer() {
  cache_.set_subject(subject_of(options_.certificate));
  if (!options_.answers) return;
  auto loaded = options_.answers->load();
  const auto drop = [this](std::string why) {
    restore_note_ = "cached OCSP answer dropped: " + std::move(why);
    (void)cache_.invalidate();
  };
  if (!loaded) return drop(loaded.error().message);
  if (!loaded.value()) return;
  stored_response& stored = *loaded.value();
  if (!options_.certificate) return drop("no proxy certificate is configured");
  auto identity = proxy_identity::create(options_.certificate);
  if (!identity) return drop(identity.error().message);
  if (stored.cert_id_der != identity.value()->cert_id_der()) {
    return drop("it answers for another certificate than the current proxy certificate");
  }
  verify_options options;
  options.now = now();
  auto entry = identity.value()->accept(std::move(stored.response_der), options);
  if (!entry) return drop(entry.error().message);
  restore_note_ = fmt::format("cached OCSP answer reloaded and verified again: {}", to_string(entry.value().status.status));
  cache_.restore(std::make_shared<const cache_entry>(std::move(entry).value()));
}

service::~service() {
  // The observer and the querier (the poller) may hold threads that call into this service: stop
  // them while every member is still alive, outside the locks they take.
  std::shared_ptr<service_observer> observer;
  std::shared_ptr<status_querier> querier;
  {
    std::lock_guard write(write_mutex_);
    observer = std::move(observer_);
  }
  {
    std::lock_guard lock(state_mutex_);
    querier = std::move(options_.querier);
  }
  observer.reset();
  querier.reset();
}

std::chrono::sys_seconds service::now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

void service::set_observer(std::shared_ptr<service_observer> observer) {
  std::lock_guard write(write_mutex_);
  observer_ = std::move(observer);
}

void service::set_querier(std::shared_ptr<status_querier> querier) {
  std::lock_guard lock(state_mutex_);
  options_.querier = std::move(querier);
}

api_result<void> service::authorize(const principal& caller, permission needed) const {
  if (!has_permission(caller.role, needed)) {
    return make_error(errc::insufficient_permissions,
                      fmt::format("user {} with role {} lacks the {} permission", caller.user,
                                  to_string(caller.role), to_string(needed)));
  }
  BOOST_OUTCOME_TRY(auto supported, options_.nodes->supported_by_all(ocsp_capability));
  if (!supported) {
    return make_error(errc::ocsp_unsupported_by_capability,
                      "not all nodes of the cluster support the ocsp capability");
  }
  return boost::outcome_v2::success();
}

std::string service::responder_url() const {
  std::lock_guard lock(state_mutex_);
  return options_.certificate ? options_.certificate->responder_url() : std::string();
}

ocsp_config service::config() const {
  std::lock_guard lock(state_mutex_);
  return config_;
}

std::shared_ptr<const proxy_certificate> service::certificate() const {
  std::lock_guard lock(state_mutex_);
  return options_.certificate;
}

void service::replace_certificate(std::shared_ptr<const proxy_certificate> certificate) {
  std::lock_guard write(write_mutex_);
  {
    std::lock_guard lock(state_mutex_);
    options_.certificate = certificate;
    ++generation_;
  }
  // Drops the old answer and refuses any late one about the old certificate. A failed write
  // still drops it in memory; a restart re-checks the stored CertID anyway.
  (void)cache_.change_subject(subject_of(certificate));
  if (observer_) observer_->certificate_changed(certificate);
}

api_result<config_object> service::get_config(const principal& caller) const {
  BOOST_OUTCOME_TRY(authorize(caller, permission::view_ocsp_config));
  std::lock_guard lock(state_mutex_);
  return config_object{config_, options_.certificate ? options_.certificate->responder_url() : std::string()};
}

api_result<config_object> service::put_config(const principal& caller, std::string_view json_body) {
  BOOST_OUTCOME_TRY(authorize(caller, permission::config_ocsp));
  std::lock_guard write(write_mutex_);
  const std::string url = responder_url();  // one snapshot: swaps wait for write_mutex_
  BOOST_OUTCOME_TRY(auto patch, parse_config_patch(json_body, url));
  return commit(patch, url);
}

api_result<config_object> service::put_config(const principal& caller, const config_patch& patch) {
  BOOST_OUTCOME_TRY(authorize(caller, permission::config_ocsp));
  std::lock_guard write(write_mutex_);
  BOOST_OUTCOME_TRY(check_ranges(patch));
  return commit(patch, responder_url());
}

// Called with write_mutex_ held and `patch` range-checked: stores durably, then publishes.
api_result<config_object> service::commit(const config_patch& patch, const std::string& url) {
  const ocsp_config current = config();
  // Enabling means turning it on: a PUT that repeats true while it is already on (GET -> edit ->
  // PUT after a certificate without a URL was swapped in) is not refused.
  if (patch.ocsp_functionality == true && !current.ocsp_functionality && url.empty()) {
    return make_error(errc::enable_without_responder_url,
                      "ocsp_functionality cannot be enabled: the proxy certificate has no OCSP responder URL "
                      "in its Authority Information Access extension");
  }
  const ocsp_config updated = apply(current, patch);
  if (updated != current) {
    if (auto saved = options_.store->save(updated); !saved) {
      // A save can fail after the new contents became visible (a failed directory fsync); the
      // configuration in force must be the one a restart would load, so re-read it.
      if (auto stored = options_.store->load()) {
        {
          std::lock_guard lock(state_mutex_);
          config_ = stored.value();
        }
        if (observer_) observer_->config_changed(stored.value());
      }
      return std::move(saved).error();
    }
  }
  {
    std::lock_guard lock(state_mutex_);
    config_ = updated;
  }
  if (observer_) observer_->config_changed(updated);
  return config_object{updated, url};
}

api_result<ocsp_status> service::get_status(const principal& caller) const {
  BOOST_OUTCOME_TRY(authorize(caller, permission::view_ocsp_status));
  const std::shared_ptr<const cache_entry> cached = cache_.entry();
  if (!cached) return ocsp_status::not_cached(responder_url());
  // The contract's "cached response cannot be used": an answer past its nextUpdate (the
  // responder has not given a fresh one since) is not reported as if it were current.
  if (cached->status.next_update && *cached->status.next_update < now()) {
    return make_error(errc::invalid_ocsp_response,
                      fmt::format("the cached OCSP response expired at its nextUpdate ({}) and no fresh answer "
                                  "has been accepted since",
                                  format_rfc1123(*cached->status.next_update)));
  }
  return cached->status;
}

api_result<ocsp_status> service::test(const principal& caller) {
  BOOST_OUTCOME_TRY(authorize(caller, permission::test_ocsp_status));
  std::shared_ptr<const proxy_certificate> cert;
  std::uint64_t generation = 0;
  std::uint64_t cache_generation = 0;
  std::shared_ptr<status_querier> querier;
  {
    std::lock_guard lock(state_mutex_);
    cert = options_.certificate;
    querier = options_.querier;
    generation = generation_;
    cache_generation = cache_.generation();
  }
  if (!cert || cert->responder_url().empty()) {
    return make_error(errc::no_responder_url,
                      cert ? fmt::format("the proxy certificate ({}) has no OCSP responder URL in its Authority "
                                         "Information Access extension",
                                         cert->subject())
                           : std::string("no proxy certificate is configured, so there is no responder URL"));
  }
  if (!querier) {
    return make_error(errc::ocsp_query_failed, "no OCSP query engine is attached to this service");
  }
  const ocsp_config current = config();
  BOOST_OUTCOME_TRY(auto answer, querier->query(*cert, current));
  ocsp_status status = answer.status;
  if (current.ocsp_functionality) {
    // The query may take seconds: cache the answer only if the certificate it is about is still
    // the proxy's (a swap meanwhile discarded the cache and must not be undone) and nothing newer
    // was cached meanwhile. A failed persist is the caller's error: nothing is acknowledged that
    // a restart would not show.
    bool same_certificate = false;
    {
      std::lock_guard lock(state_mutex_);
      same_certificate = generation == generation_;
    }
    if (same_certificate && cache_.generation() == cache_generation) {
      BOOST_OUTCOME_TRY(auto stored, cache_.store(std::move(answer), cache_generation));
      if (stored) querier->answer_cached(status);
    }
  }
  return status;
}

}  // namespace ocsp
