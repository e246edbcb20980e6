#include "ocsp/status_cache.hpp"

#include <utility>

namespace ocsp {

std::optional<ocsp_status> status_cache::current() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void status_cache::store(ocsp_status status) {
  std::lock_guard lock(mutex_);
  status_ = std::move(status);
}

void status_cache::invalidate() {
  std::lock_guard lock(mutex_);
  status_.reset();
}

}  // namespace ocsp
