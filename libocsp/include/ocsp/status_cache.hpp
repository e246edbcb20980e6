// The latest OCSP status the service has accepted, shared by the API and the poller.
//
// Thread-safe; reads copy the status out under a short lock. Empty until a status is stored, and
// again after `invalidate` (the poller's answer to recovery_max_tries consecutive failures).
#pragma once

#include "ocsp/status.hpp"

#include <mutex>
#include <optional>

namespace ocsp {

class status_cache {
 public:
  /// The cached status, or nullopt when there is none.
  std::optional<ocsp_status> current() const;
  void store(ocsp_status status);
  void invalidate();

 private:
  mutable std::mutex mutex_;
  std::optional<ocsp_status> status_;
};

}  // namespace ocsp
