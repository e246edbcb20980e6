// When to query the OCSP responder: the contract's "Polling" rules as a pure state machine.
//
// No clock and no threads: every call takes `now`, and `next_query()` says when the next query is
// due. The poller (a runtime with a timer) asks it after each event; tests drive it with made-up
// times and check the exact sequence. Not thread-safe: the poller owns it (one strand/thread).
//
// The rules:
// - Disabled: no query is due (nullopt); the failure count and the cache are left as they were.
//   on_success / on_failure while disabled change nothing (a late result of a query that started
//   before the disable, or a POST test while disabled, which the contract says must not touch the
//   poller's failure count).
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
//
// Edge cases, decided:
// - nextUpdate absent: query_frequency alone decides (now + query_frequency).
// - The half-way point is unusable: already passed or closer than minimum_refresh_interval (a
//   responder that serves pre-produced answers whose thisUpdate is old), or there is no window
//   (nextUpdate not after thisUpdate). Then the refresh is half-way between now and nextUpdate, so
//   successive refreshes halve the remaining time instead of polling every
//   minimum_refresh_interval for the rest of the window. In every case the clamp follows: never
//   earlier than now + minimum_refresh_interval (this covers a nextUpdate already past) and never
//   later than now + query_frequency. Half-way points round down to whole seconds.
// - configure with settings equal to the current ones while enabled (an identical PUT, `{}`, or a
//   GET -> PUT round-trip; the service calls configure on every accepted PUT) is NOT a change:
//   the schedule stays as it was. Only the fields of poll_settings count: a PUT that changes only
//   response_timeout does not reschedule.
// - A configuration change keeps the failure count (the count is a fact about the responder, not
//   the settings), so a change mid-recovery queries at once and the streak continues; if the new
//   recovery_max_tries is already reached by the streak, the next failure invalidates (still once).
// - Disabled then enabled keeps the failure count and whether the status was already invalidated;
//   a success (or certificate_changed) resets both.
// - certificate_changed resets the failure count even while disabled (the streak was about the old
//   certificate's status); when enabled a query is due at once.
// - Settings are validated by the configuration layer (contract ranges); here a frequency below 1 s
//   (query_frequency, recovery_frequency, minimum_refresh_interval) counts as 1 s and
//   recovery_max_tries 0 as 1, so no input makes the poller spin.
// - A result may belong to a query started before a configure / certificate_changed that
//   rescheduled (epoch() changed in between): the poller should drop such a result rather than
//   report it, or the "at once" query of the new settings is lost.
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

  friend bool operator==(const poll_settings&, const poll_settings&) = default;
};

class poll_schedule {
 public:
  enum class action : std::uint8_t {
    none,
    invalidate,  // drop the cached status: recovery_max_tries consecutive failures
  };

  /// Applies new settings; when enabled and they differ from the current ones (or the schedule was
  /// disabled), a query is due at `now`. Equal settings while enabled keep the schedule. Disabling
  /// clears what is due.
  void configure(const poll_settings& settings, std::chrono::sys_seconds now) noexcept;
  /// The proxy certificate was replaced: a query is due at `now` (if enabled); failures reset.
  void certificate_changed(std::chrono::sys_seconds now) noexcept;

  /// A query finished with a verified answer (thisUpdate/nextUpdate of its SingleResponse).
  /// Ignored while disabled.
  void on_success(std::chrono::sys_seconds now, std::chrono::sys_seconds this_update,
                  std::optional<std::chrono::sys_seconds> next_update) noexcept;
  /// A query failed (no valid answer). Returns invalidate exactly once per failure streak, when the
  /// consecutive failures reach recovery_max_tries. Ignored (none) while disabled.
  action on_failure(std::chrono::sys_seconds now) noexcept;

  /// When the next query is due; nullopt when disabled.
  std::optional<std::chrono::sys_seconds> next_query() const noexcept { return next_; }
  /// Whether a query is due at `now`.
  bool due(std::chrono::sys_seconds now) const noexcept { return next_.has_value() && *next_ <= now; }

  std::uint32_t consecutive_failures() const noexcept { return failures_; }
  /// Whether the current failure streak has already invalidated the cached status.
  bool invalidated() const noexcept { return invalidated_; }
  /// Changes each time configure or certificate_changed makes a query due at once.
  std::uint64_t epoch() const noexcept { return epoch_; }
  /// The settings in force (after the clamping described above).
  const poll_settings& settings() const noexcept { return settings_; }

 private:
  void due_now(std::chrono::sys_seconds now) noexcept;

  poll_settings settings_{};
  std::optional<std::chrono::sys_seconds> next_{};
  std::uint32_t failures_ = 0;
  bool invalidated_ = false;
  std::uint64_t epoch_ = 0;
};

}  // namespace ocsp
