// The OCSP service: the four API requests as typed calls, for every adapter to share.
//
// Each call takes the caller's principal and runs the contract's checks in order: permission (403)
// -> capability (406) -> body and state (400/500). Authentication and routing come before, in the
// router (or in the caller, for typed in-process use). A PUT is validated whole, stored durably
// through the config_store, and only then made visible and acknowledged; any error leaves the
// configuration exactly as it was. All calls are thread-safe; concurrent PUTs are serialised.
//
// `test` runs an OCSP query through the attached `status_querier` (the poller's task queue, in
// ocsp_runtime). Without one it answers ocsp_query_failed.
//
// The cached answer: with a status_store the cache is persisted, and `create` reloads it, checking
// it again (signature, signer, the current certificate's CertID, freshness at the clock's now)
// before serving it; an answer that no longer passes, or a corrupt file, is dropped (a query will
// replace it), never served. `restore_note()` says what happened, for the host to log.
#pragma once

#include "ocsp/capability.hpp"
#include "ocsp/certificate.hpp"
#include "ocsp/config.hpp"
#include "ocsp/config_store.hpp"
#include "ocsp/error.hpp"
#include "ocsp/permissions.hpp"
#include "ocsp/status.hpp"
#include "ocsp/status_cache.hpp"
#include "ocsp/status_store.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace ocsp {

/// Runs one OCSP query for the proxy certificate and returns the verified answer (the service
/// caches it when OCSP is enabled).
class status_querier {
 public:
  virtual ~status_querier() = default;
  /// errc::task_queued_for_too_long, errc::invalid_ocsp_response (or a finer reason that maps to
  /// it), errc::ocsp_query_failed.
  virtual api_result<cache_entry> query(const proxy_certificate& certificate, const ocsp_config& config) = 0;
  /// The service cached the answer `query` returned (OCSP enabled, certificate unchanged): the
  /// poller restarts its schedule from it and clears its failure count.
  virtual void answer_cached(const ocsp_status& status) { (void)status; }
};

/// Told of every accepted configuration change and certificate swap, in order, after it is in
/// force (the poller reschedules). Called with the service's write lock held: return quickly.
class service_observer {
 public:
  virtual ~service_observer() = default;
  virtual void config_changed(const ocsp_config& config) = 0;
  virtual void certificate_changed(const std::shared_ptr<const proxy_certificate>& certificate) = 0;
};

struct service_options {
  /// Required: where the configuration is loaded from and saved to.
  std::shared_ptr<config_store> store{};
  /// The cluster's nodes; default: this process alone, supporting ocsp.
  std::shared_ptr<const node_registry> nodes{};
  /// The proxy certificate; null means none is configured (responder_url is "").
  std::shared_ptr<const proxy_certificate> certificate{};
  /// Runs POST /v1/ocsp/test queries; null means none is attached.
  std::shared_ptr<status_querier> querier{};
  /// Persists the cached answer; null keeps it in memory only.
  std::shared_ptr<status_store> answers{};
  /// The clock that judges a cached answer's freshness (at reload and for GET status); null means
  /// the system clock.
  std::function<std::chrono::sys_seconds()> clock{};
};

class service {
 public:
  /// Loads the configuration from the store. Fails with the store's error (a corrupt state file
  /// is a start-up error, never a silent reset) or errc::internal_error without a store.
  static api_result<std::unique_ptr<service>> create(service_options options);
  /// Detaches (and so stops) the observer and querier before anything else goes.
  ~service();
  service(const service&) = delete;
  service& operator=(const service&) = delete;

  /// GET /v1/ocsp.
  api_result<config_object> get_config(const principal& caller) const;
  /// PUT /v1/ocsp with a JSON body: errc::invalid_schema, errc::enable_without_responder_url.
  api_result<config_object> put_config(const principal& caller, std::string_view json_body);
  /// PUT /v1/ocsp with a typed patch: the same rules, minus JSON parsing.
  api_result<config_object> put_config(const principal& caller, const config_patch& patch);
  /// GET /v1/ocsp/status: the cached status, or the pre-cache form (UNKNOWN, no times);
  /// errc::invalid_ocsp_response when the cached answer is past its nextUpdate.
  api_result<ocsp_status> get_status(const principal& caller) const;
  /// POST /v1/ocsp/test: queries now; caches the answer only when OCSP is enabled.
  api_result<ocsp_status> test(const principal& caller);

  // For the programs that host the service (not API requests, so no principal).
  ocsp_config config() const;
  std::shared_ptr<const proxy_certificate> certificate() const;
  /// Swaps the proxy certificate and discards the cached status (it belonged to the old one).
  /// Serialised with PUTs. OCSP stays enabled even if the new certificate has no responder URL;
  /// GET shows responder_url "" and test answers no_responder_url until a certificate has one.
  void replace_certificate(std::shared_ptr<const proxy_certificate> certificate);
  status_cache& cache() noexcept { return cache_; }
  /// What happened to the persisted answer at start-up ("" when there was none to reload).
  const std::string& restore_note() const noexcept { return restore_note_; }
  /// Attaches the observer (one; null detaches).
  void set_observer(std::shared_ptr<service_observer> observer);
  /// Attaches the querier after creation (the poller needs the service first); null detaches.
  void set_querier(std::shared_ptr<status_querier> querier);

 private:
  service(service_options options, const ocsp_config& initial);
  api_result<void> authorize(const principal& caller, permission needed) const;
  std::string responder_url() const;
  api_result<config_object> commit(const config_patch& patch, const std::string& url);
  void restore_cached_answer();
  std::chrono::sys_seconds now() const;

  service_options options_;
  status_cache cache_;
  std::mutex write_mutex_;          // serialises PUTs and certificate swaps across validate + save + publish
  mutable std::mutex state_mutex_;  // guards config_, options_.certificate and generation_; held briefly
  ocsp_config config_;
  std::uint64_t generation_ = 0;    // bumped by every certificate swap
  std::shared_ptr<service_observer> observer_;  // guarded by write_mutex_
  std::string restore_note_;
};

}  // namespace ocsp
