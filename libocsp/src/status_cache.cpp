#include "ocsp/status_cache.hpp"

#include "ocsp/status_store.hpp"

#include <algorithm>
#include <utility>

namespace ocsp {

std::shared_ptr<const cache_entry> status_cache::entry() const {
  std::lock_guard lock(entry_mutex_);
  return entry_;
}

void status_cache::publish(std::shared_ptr<const cache_entry> entry) {
  std::shared_ptr<const cache_entry> old;
  {
    std::lock_guard lock(entry_mutex_);
    old = std::exchange(entry_, std::move(entry));
  }
  generation_.fetch_add(1, std::memory_order_acq_rel);
  // `old` is released here, outside entry_mutex_.
}

std::optional<ocsp_status> status_cache::current() const {
  if (auto e = entry()) return e->status;
  return std::nullopt;
}

std::shared_ptr<const cache_entry> status_cache::staple(std::span<const std::uint8_t> cert_id_der,
                                                        std::chrono::sys_seconds now) const {
  std::shared_ptr<const cache_entry> e = entry();
  if (!e || e->response_der.empty()) return nullptr;
  if (!std::ranges::equal(e->cert_id_der, cert_id_der)) return nullptr;
  if (e->status.next_update && *e->status.next_update < now) return nullptr;
  return e;
}

api_result<bool> status_cache::store(cache_entry entry, std::optional<std::uint64_t> if_generation) {
  std::lock_guard lock(write_mutex_);
  if (if_generation && *if_generation != generation()) return false;
  if (subject_ && !entry.cert_id_der.empty() && entry.cert_id_der != *subject_) return false;
  if (store_) {
    BOOST_OUTCOME_TRY(store_->save(stored_response{entry.cert_id_der, entry.response_der}));
  }
  publish(std::make_shared<const cache_entry>(std::move(entry)));
  return true;
}

void status_cache::store(ocsp_status status) {
  std::lock_guard lock(write_mutex_);
  publish(std::make_shared<const cache_entry>(cache_entry{std::move(status), {}, {}}));
}

api_result<bool> status_cache::invalidate(std::optional<std::uint64_t> if_generation) {
  std::lock_guard lock(write_mutex_);
  if (if_generation && *if_generation != generation()) return false;
  publish(nullptr);
  if (store_) {
    BOOST_OUTCOME_TRY(store_->save(std::nullopt));
  }
  return true;
}

api_result<void> status_cache::change_subject(std::vector<std::uint8_t> cert_id_der) {
  std::lock_guard lock(write_mutex_);
  subject_ = std::move(cert_id_der);
  publish(nullptr);
  if (store_) return store_->save(std::nullopt);
  return boost::outcome_v2::success();
}

void status_cache::set_subject(std::vector<std::uint8_t> cert_id_der) {
  std::lock_guard lock(write_mutex_);
  subject_ = std::move(cert_id_der);
}

void status_cache::restore(std::shared_ptr<const cache_entry> entry) {
  std::lock_guard lock(write_mutex_);
  std::lock_guard entry_lock(entry_mutex_);
  entry_ = std::move(entry);
}

}  // namespace ocsp
