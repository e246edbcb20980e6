// When to query the OCSP responder: the contract's "Polling" rules as a pure state machine.
//
// No clock and no threads: every call takes `now`, and `next_query()` says when the next query is
// due. The poller (a runtime with a timer) asks it after each event; tests drive it with made-up
// times and check the exact sequence.
//
// The rules:
// - Disabled: no query is due (nullopt); the failure count and the cache are left as they were.
// - Enabled (configure), a configuration change (configure again) or a new proxy certificate
//   (certificate_changed): a query is due at once (`now`).
// - After a success: the next query is at now + query_frequency, or earlier when the response's
//   validity window would otherwise lapse: at thisUpdate + (nextUpdate - thisUpdate) / 2, but not
//   earlier than now + minimum_refresh_interval (a responder that hands out almost-expired answers
//   must not make us spin). The failure count resets.
// - After a failure: failures += 1. While failures < recovery_max_tries, the next query is at
//   now + recovery_frequency. When failures reaches recovery_max_tries the result says
//   `invalidate` (the cached status is dropped, once) and polling goes back to query_frequency;
//   further failures stay at query_frequency (nothing is cached to protect) until a success.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace ocsp {

struct poll_settings {
  bool enabled = false;
  std::chrono::seconds query_frequency{3600};
  std::chrono::seconds recovery_frequency{60};
  std::uint32_t recovery_max_tries = 5;
  /// The earliest a nextUpdate-driven refresh may come after a success.
  std::chrono::seconds minimum_refresh_interval{60};
};

class poll_schedule {
 public:
  enum class action : std::uint8_t {
    none,
    invalidate,  // drop the cached status: recovery_max_tries consecutive failures
  };

  /// Applies new settings; when enabled, a query is due at `now`. Disabling clears what is due.
  void configure(const poll_settings& settings, std::chrono::sys_seconds now) noexcept;
  /// The proxy certificate was replaced: a query is due at `now` (if enabled); failures reset.
  void certificate_changed(std::chrono::sys_seconds now) noexcept;

  /// A query finished with a verified answer (thisUpdate/nextUpdate of its SingleResponse).
  void on_success(std::chrono::sys_seconds now, std::chrono::sys_seconds this_update,
                  std::optional<std::chrono::sys_seconds> next_update) noexcept;
  /// A query failed (no valid answer). Returns invalidate exactly when the consecutive failures
  /// reach recovery_max_tries.
  action on_failure(std::chrono::sys_seconds now) noexcept;

  /// When the next query is due; nullopt when disabled.
  std::optional<std::chrono::sys_seconds> next_query() const noexcept;
  /// Whether a query is due at `now`.
  bool due(std::chrono::sys_seconds now) const noexcept;

  std::uint32_t consecutive_failures() const noexcept { return failures_; }
  const poll_settings& settings() const noexcept { return settings_; }

 private:
  poll_settings settings_{};
  std::optional<std::chrono::sys_seconds> next_{};
  std::uint32_t failures_ = 0;
};

}  // namespace ocsp
