#include "ocsp/status_cache.hpp"

#include "ocsp/status_store.hpp"

#include <algorithm>
#include <utility>

namespace ocsp {

std::optional<ocsp_status> status_cache::current() const {
  if (auto e = entry()) return e->status;
  return std::nullopt;
}

std::shared_ptr<const cache_entry> status_cache::staple(std::span<const std::uint8_t> cert_id_der,
                                                        std::chrono::sys_seconds now) const noexcept {
  std::shared_ptr<const cache_entry> e = entry();
  if (!e || e->response_der.empty()) return nullptr;
  if (!std::ranges::equal(e->cert_id_der, cert_id_der)) return nullptr;
  if (e->status.next_update && *e->status.next_update < now) return nullptr;
  return e;
}

api_result<bool> status_cache::store(cache_entry entry, std::optional<std::uint64_t> if_generation) {
  std::lock_guard lock(write_mutex_);
  if (if_generation && *if_generation != generation()) return false;
  if (store_) {
    BOOST_OUTCOME_TRY(store_->save(stored_response{entry.cert_id_der, entry.response_der}));
  }
  entry_.store(std::make_shared<const cache_entry>(std::move(entry)), std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

void status_cache::store(ocsp_status status) {
  std::lock_guard lock(write_mutex_);
  entry_.store(std::make_shared<const cache_entry>(cache_entry{std::move(status), {}, {}}), std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

api_result<void> status_cache::invalidate() {
  std::lock_guard lock(write_mutex_);
  entry_.store(nullptr, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  if (store_) return store_->save(std::nullopt);
  return boost::outcome_v2::success();
}

void status_cache::restore(std::shared_ptr<const cache_entry> entry) noexcept {
  std::lock_guard lock(write_mutex_);
  entry_.store(std::move(entry), std::memory_order_release);
}

}  // namespace ocsp
