// The latest OCSP answer the service has accepted, shared by the API, the poller and the TLS
// stapling callback.
//
// An entry is the verified OCSPResponse (DER), the CertID it answers (DER) and the status object
// derived from it. Entries are immutable and published as a shared_ptr: readers (GET status, the
// stapling callback on any TLS thread) copy the pointer under a lock held only for that copy, so
// they never wait for a writer's disk write, and a writer never waits for readers. Empty until an
// entry is stored, and again after `invalidate` (a new proxy certificate, or recovery_max_tries
// consecutive failed queries).
//
// The cache knows whose status it holds (`subject`, the current certificate's CertID): an entry
// for another CertID is refused, so an answer about a certificate that was replaced while it was
// being fetched can never land.
//
// With a status_store attached, `store` and `invalidate` are durable before they return and
// before the new state is visible, so what a restart loads is never older than what was served.
#pragma once

#include "ocsp/error.hpp"
#include "ocsp/status.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace ocsp {

class status_store;

struct cache_entry {
  ocsp_status status;
  /// The verified OCSPResponse, as the responder sent it; empty for an entry that has none (a
  /// status set by hand, for tests and embedders).
  std::vector<std::uint8_t> response_der;
  /// The encoded CertID of the certificate the response answers.
  std::vector<std::uint8_t> cert_id_der;
};

class status_cache {
 public:
  /// A cache in memory only.
  status_cache() = default;
  /// A cache that persists through `store` (see status_store.hpp).
  explicit status_cache(std::shared_ptr<status_store> store) : store_(std::move(store)) {}

  /// The cached entry, or null when there is none. Never waits for a writer's disk write.
  std::shared_ptr<const cache_entry> entry() const;
  /// The cached status, or nullopt when there is none.
  std::optional<ocsp_status> current() const;

  /// The DER response to staple for the certificate whose CertID is `cert_id_der`, at `now`: only
  /// an entry for that exact CertID whose status is not expired (nextUpdate, where present, not
  /// passed); null otherwise. Never blocks.
  std::shared_ptr<const cache_entry> staple(std::span<const std::uint8_t> cert_id_der,
                                            std::chrono::sys_seconds now) const;

  /// Replaces the entry; durable first when a store is attached (state_write_failed: the entry in
  /// memory is unchanged). `if_generation`: store only if no invalidate or store happened since
  /// generation() returned that value. False when it did not store because of that, or because
  /// the entry's CertID is not the subject's (an entry without a CertID is not checked).
  api_result<bool> store(cache_entry entry, std::optional<std::uint64_t> if_generation = std::nullopt);
  /// A status without a response (kept for embedders and tests): store({status, {}, {}}).
  void store(ocsp_status status);
  /// Drops the entry (durably, when a store is attached; a failed write still drops it in memory,
  /// since serving a status that should be gone is the worse error). With `if_generation`, only
  /// if nothing was stored or dropped since (false otherwise).
  api_result<bool> invalidate(std::optional<std::uint64_t> if_generation = std::nullopt);
  /// A new certificate: drops the entry as invalidate() does and makes `cert_id_der` the subject
  /// (empty: no certificate, and entries with a CertID are refused).
  api_result<void> change_subject(std::vector<std::uint8_t> cert_id_der);

  /// Bumped by every store and invalidate.
  std::uint64_t generation() const noexcept { return generation_.load(std::memory_order_acquire); }

  /// Sets the subject without dropping anything (start-up, before any entry is restored).
  void set_subject(std::vector<std::uint8_t> cert_id_der);
  /// Puts an entry loaded at start-up in place without writing it back.
  void restore(std::shared_ptr<const cache_entry> entry);

 private:
  void publish(std::shared_ptr<const cache_entry> entry);

  std::shared_ptr<status_store> store_;
  std::mutex write_mutex_;  // serialises writers across persist + publish; guards subject_
  std::optional<std::vector<std::uint8_t>> subject_;  // nullopt: not set (every CertID accepted)
  mutable std::mutex entry_mutex_;  // held only to copy or swap entry_
  std::shared_ptr<const cache_entry> entry_;
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace ocsp
