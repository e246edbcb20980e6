#include "ocsp/poll_schedule.hpp"

#include <algorithm>
#include <limits>

namespace ocsp {

namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

poll_settings clamped(poll_settings s) noexcept {
  s.query_frequency = std::max(s.query_frequency, seconds{1});
  s.recovery_frequency = std::max(s.recovery_frequency, seconds{1});
  s.minimum_refresh_interval = std::max(s.minimum_refresh_interval, seconds{1});
  s.recovery_max_tries = std::max<std::uint32_t>(s.recovery_max_tries, 1);
  return s;
}

}  // namespace

void poll_schedule::due_now(sys_seconds now) noexcept {
  next_ = now;
  ++epoch_;
}

void poll_schedule::configure(const poll_settings& settings, sys_seconds now) noexcept {
  const poll_settings s = clamped(settings);
  const bool was_enabled = settings_.enabled && next_.has_value();
  const bool changed = !(s == settings_);
  settings_ = s;
  if (!s.enabled) {
    next_.reset();
    return;
  }
  // An identical configuration while enabled is not a change (the service calls this on every
  // accepted PUT, including `{}`): keep what is due.
  if (!was_enabled || changed) due_now(now);
}

void poll_schedule::certificate_changed(sys_seconds now) noexcept {
  failures_ = 0;
  invalidated_ = false;
  if (settings_.enabled) due_now(now);
}

void poll_schedule::on_success(sys_seconds now, sys_seconds this_update,
                               std::optional<sys_seconds> next_update) noexcept {
  if (!settings_.enabled) return;
  failures_ = 0;
  invalidated_ = false;

  sys_seconds next = now + settings_.query_frequency;
  if (next_update) {
    const sys_seconds earliest = now + settings_.minimum_refresh_interval;
    std::optional<sys_seconds> refresh;
    // Half-way through the validity window, when there is a window and that point is usable.
    if (*next_update > this_update) {
      const sys_seconds half_way = this_update + (*next_update - this_update) / 2;
      if (half_way >= earliest) refresh = half_way;
    }
    // Otherwise (old pre-produced answers, an empty or inverted window): halve what remains.
    if (!refresh && *next_update > now) refresh = now + (*next_update - now) / 2;
    next = std::min(next, std::max(refresh.value_or(earliest), earliest));
  }
  next_ = next;
}

poll_schedule::action poll_schedule::on_failure(sys_seconds now) noexcept {
  if (!settings_.enabled) return action::none;
  if (failures_ < std::numeric_limits<std::uint32_t>::max()) ++failures_;
  action result = action::none;
  // >= rather than ==: a reconfiguration may lower recovery_max_tries below a running streak.
  if (!invalidated_ && failures_ >= settings_.recovery_max_tries) {
    invalidated_ = true;
    result = action::invalidate;
  }
  next_ = now + (invalidated_ ? settings_.query_frequency : settings_.recovery_frequency);
  return result;
}

}  // namespace ocsp
