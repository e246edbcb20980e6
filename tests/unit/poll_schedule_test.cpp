// poll_schedule: the exact query times the contract's Polling rules give, on made-up times.
#include <ocsp/poll_schedule.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono;
using ocsp::poll_schedule;
using ocsp::poll_settings;

namespace {

const sys_seconds t0 = sys_days(2024y / January / 1);

sys_seconds at(std::int64_t offset) { return t0 + seconds{offset}; }

std::optional<std::int64_t> offset_of(std::optional<sys_seconds> t) {
  if (!t) return std::nullopt;
  return (*t - t0).count();
}

poll_settings enabled(std::int64_t query, std::int64_t recovery, std::uint32_t tries, std::int64_t min_refresh = 60) {
  poll_settings s;
  s.enabled = true;
  s.query_frequency = seconds{query};
  s.recovery_frequency = seconds{recovery};
  s.recovery_max_tries = tries;
  s.minimum_refresh_interval = seconds{min_refresh};
  return s;
}

struct trace {
  std::vector<std::int64_t> times;         // offsets from t0 of the queries made
  std::vector<std::size_t> invalidations;  // indexes into `times` of the failures that invalidated
};

/// Plays a poller: queries whenever the schedule says, with outcomes from `script`:
/// 'S' success without nextUpdate, 'W' success whose validity window is `window` from the query
/// time, 'F' failure.
trace drive(poll_schedule& s, std::string_view script, seconds window = seconds{0}) {
  trace out;
  for (char outcome : script) {
    const auto next = s.next_query();
    if (!next) FAIL("no query due before outcome " << out.times.size());
    const sys_seconds now = *next;
    REQUIRE(s.due(now));
    REQUIRE_FALSE(s.due(now - seconds{1}));
    out.times.push_back((now - t0).count());
    switch (outcome) {
      case 'S': s.on_success(now, now, std::nullopt); break;
      case 'W': s.on_success(now, now, now + window); break;
      case 'F':
        if (s.on_failure(now) == poll_schedule::action::invalidate) out.invalidations.push_back(out.times.size() - 1);
        break;
      default: FAIL("bad script character " << outcome);
    }
  }
  return out;
}

using times = std::vector<std::int64_t>;
using indexes = std::vector<std::size_t>;

}  // namespace

TEST_CASE("poll_schedule: disabled by default, nothing due", "[poll_schedule]") {
  poll_schedule s;
  CHECK_FALSE(s.next_query().has_value());
  CHECK_FALSE(s.due(at(1'000'000)));
}

TEST_CASE("poll_schedule: enabled queries at once, then every query_frequency", "[poll_schedule]") {
  poll_schedule s;
  s.configure(enabled(3600, 60, 5), at(0));
  CHECK(offset_of(s.next_query()) == 0);
  const auto t = drive(s, "SSSS");
  CHECK(t.times == times{0, 3600, 7200, 10800});
  CHECK(t.invalidations.empty());
  CHECK(offset_of(s.next_query()) == 14400);
}

TEST_CASE("poll_schedule: nextUpdate half-way refresh when it comes before query_frequency", "[poll_schedule]") {
  poll_schedule s;
  s.configure(enabled(3600, 60, 5), at(0));
  SECTION("window 1800 s: every 900 s") { CHECK(drive(s, "WWWW", seconds{1800}).times == times{0, 900, 1800, 2700}); }
  SECTION("window 7199 s: half-way rounds down to 3599 s, just before query_frequency") {
    CHECK(drive(s, "WWW", seconds{7199}).times == times{0, 3599, 7198});
  }
  SECTION("window a week: query_frequency wins") { CHECK(drive(s, "WWW", days{7}).times == times{0, 3600, 7200}); }
  SECTION("window 100 s: clamped to minimum_refresh_interval") {
    CHECK(drive(s, "WWW", seconds{100}).times == times{0, 60, 120});
  }
}

namespace {

struct refresh_case {
  const char* name;
  std::int64_t this_update;                 // offsets from the query time `now` = at(1000)
  std::optional<std::int64_t> next_update;  // idem
  std::int64_t expected;                    // the next query, offset from now
  std::int64_t query_frequency = 3600;
  std::int64_t min_refresh = 60;
};

}  // namespace

TEST_CASE("poll_schedule: the refresh point after a success, edge cases", "[poll_schedule]") {
  const refresh_case cases[] = {
      {"nextUpdate absent: query_frequency", 0, std::nullopt, 3600},
      {"fresh answer, half-way", 0, 1800, 900},
      {"fresh answer, long window: query_frequency", 0, 86400, 3600},
      {"half-way closer than the minimum: halve the rest, then clamp", 0, 100, 60},
      {"old pre-produced answer: half of what remains", -1000, 1000, 500},
      {"old answer, half-way 30 s ahead (< minimum): half of what remains", -1940, 2000, 1000},
      {"half-way exactly at the minimum is usable", -1880, 2000, 60},
      {"almost expired: clamped to the minimum", -3000, 100, 60},
      {"nextUpdate already past: the minimum", -200, -10, 60},
      {"nextUpdate == now: the minimum", -200, 0, 60},
      {"empty window in the future: half of what remains", 500, 500, 250},
      {"inverted window (thisUpdate after nextUpdate): half of what remains", 36000, 14400, 7200, 86400},
      {"inverted window, both past: the minimum", -100, -200, 60},
      {"thisUpdate in the future (skew), short window", 30, 1830, 930},
      {"minimum above query_frequency: query_frequency", 0, 100, 3600, 3600, 7200},
      {"minimum 0 counts as 1 s", 0, 1, 1, 3600, 0},
      {"negative minimum counts as 1 s", 0, 3, 1, 3600, -5},
      {"query_frequency 0 counts as 1 s", 0, std::nullopt, 1, 0},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    poll_schedule s;
    s.configure(enabled(c.query_frequency, 60, 5, c.min_refresh), at(0));
    const sys_seconds now = at(1000);
    std::optional<sys_seconds> next_update;
    if (c.next_update) next_update = now + seconds{*c.next_update};
    s.on_success(now, now + seconds{c.this_update}, next_update);
    CHECK(offset_of(s.next_query()) == 1000 + c.expected);
  }
}

TEST_CASE("poll_schedule: failures retry every recovery_frequency, invalidate once, then query_frequency",
          "[poll_schedule]") {
  poll_schedule s;
  s.configure(enabled(3600, 60, 5), at(0));
  const auto t = drive(s, "SFFFFFFFSS");
  CHECK(t.times == times{0, 3600, 3660, 3720, 3780, 3840, 7440, 11040, 14640, 18240});
  CHECK(t.invalidations == indexes{5});  // the fifth consecutive failure, and only it
  CHECK(s.consecutive_failures() == 0);
  CHECK_FALSE(s.invalidated());
}

TEST_CASE("poll_schedule: invalidation exactly at recovery_max_tries", "[poll_schedule]") {
  struct row {
    std::uint32_t tries;
    times expected;
    std::size_t invalidating;
  };
  const row rows[] = {
      {0, {0, 100, 200, 300}, 0},  // 0 counts as 1: the first failure invalidates
      {1, {0, 100, 200, 300}, 0},
      {2, {0, 10, 110, 210}, 1},
      {3, {0, 10, 20, 120}, 2},
      {5, {0, 10, 20, 30}, 99},  // four failures do not reach five
  };
  for (const auto& r : rows) {
    INFO("recovery_max_tries " << r.tries);
    poll_schedule s;
    s.configure(enabled(100, 10, r.tries), at(0));
    const auto t = drive(s, "FFFF");
    CHECK(t.times == r.expected);
    if (r.invalidating == 99) {
      CHECK(t.invalidations.empty());
      CHECK_FALSE(s.invalidated());
    } else {
      CHECK(t.invalidations == indexes{r.invalidating});
      CHECK(s.invalidated());
    }
    CHECK(s.consecutive_failures() == 4);
  }
}

TEST_CASE("poll_schedule: a success after invalidation restores, and a new streak invalidates again",
          "[poll_schedule]") {
  poll_schedule s;
  s.configure(enabled(3600, 60, 2), at(0));
  const auto t = drive(s, "FFFSFFF");
  CHECK(t.times == times{0, 60, 3660, 7260, 10860, 10920, 14520});
  CHECK(t.invalidations == indexes{1, 5});
}

TEST_CASE("poll_schedule: reconfiguration mid-recovery", "[poll_schedule]") {
  poll_schedule s;
  s.configure(enabled(3600, 60, 5), at(0));
  REQUIRE(drive(s, "SFF").times == times{0, 3600, 3660});
  REQUIRE(s.consecutive_failures() == 2);
  const auto epoch = s.epoch();

  SECTION("an identical configuration is not a change") {
    s.configure(enabled(3600, 60, 5), at(3700));
    CHECK(offset_of(s.next_query()) == 3720);
    CHECK(s.epoch() == epoch);
    CHECK(drive(s, "FFF").invalidations == indexes{2});
  }
  SECTION("a changed recovery_frequency queries at once, the streak continues") {
    s.configure(enabled(3600, 120, 5), at(3700));
    CHECK(offset_of(s.next_query()) == 3700);
    CHECK(s.epoch() != epoch);
    CHECK(s.consecutive_failures() == 2);
    const auto t = drive(s, "FFFFS");
    CHECK(t.times == times{3700, 3820, 3940, 7540, 11140});
    CHECK(t.invalidations == indexes{2});  // failures 3, 4, 5
  }
  SECTION("recovery_max_tries lowered below the streak: the next failure invalidates, once") {
    s.configure(enabled(3600, 60, 1), at(3700));
    const auto t = drive(s, "FF");
    CHECK(t.times == times{3700, 7300});
    CHECK(t.invalidations == indexes{0});
  }
  SECTION("a changed minimum_refresh_interval alone is a change") {
    s.configure(enabled(3600, 60, 5, 30), at(3700));
    CHECK(offset_of(s.next_query()) == 3700);
  }
}

TEST_CASE("poll_schedule: reconfiguration after invalidation does not invalidate again", "[poll_schedule]") {
  poll_schedule s;
  s.configure(enabled(3600, 60, 2), at(0));
  REQUIRE(drive(s, "FF").invalidations == indexes{1});
  s.configure(enabled(1800, 60, 3), at(100));
  const auto t = drive(s, "FFS");
  CHECK(t.times == times{100, 1900, 3700});
  CHECK(t.invalidations.empty());
}

TEST_CASE("poll_schedule: disable and enable", "[poll_schedule]") {
  poll_schedule s;
  s.configure(enabled(3600, 60, 3), at(0));
  REQUIRE(drive(s, "FF").times == times{0, 60});
  REQUIRE(s.consecutive_failures() == 2);

  auto off = enabled(3600, 60, 3);
  off.enabled = false;
  s.configure(off, at(100));
  CHECK_FALSE(s.next_query().has_value());
  CHECK_FALSE(s.due(at(1'000'000)));
  // Results while disabled change nothing.
  CHECK(s.on_failure(at(110)) == poll_schedule::action::none);
  s.on_success(at(120), at(120), std::nullopt);
  CHECK(s.consecutive_failures() == 2);
  CHECK_FALSE(s.next_query().has_value());
  // Disabling again (an identical PUT while disabled) keeps it disabled.
  s.configure(off, at(130));
  CHECK_FALSE(s.next_query().has_value());

  // Enabled again with the same settings: a query at once, and the streak was kept.
  s.configure(enabled(3600, 60, 3), at(5000));
  CHECK(offset_of(s.next_query()) == 5000);
  const auto t = drive(s, "FF");
  CHECK(t.times == times{5000, 8600});
  CHECK(t.invalidations == indexes{0});  // the third consecutive failure
}

TEST_CASE("poll_schedule: certificate change", "[poll_schedule]") {
  poll_schedule s;
  s.configure(enabled(3600, 60, 3), at(0));
  REQUIRE(drive(s, "SFF").times == times{0, 3600, 3660});
  const auto epoch = s.epoch();

  SECTION("while enabled: a query at once, failures reset") {
    s.certificate_changed(at(3700));
    CHECK(offset_of(s.next_query()) == 3700);
    CHECK(s.consecutive_failures() == 0);
    CHECK(s.epoch() != epoch);
    const auto t = drive(s, "FFF");
    CHECK(t.times == times{3700, 3760, 3820});
    CHECK(t.invalidations == indexes{2});
  }
  SECTION("after invalidation: the new certificate's streak can invalidate again") {
    REQUIRE(drive(s, "F").invalidations == indexes{0});
    s.certificate_changed(at(4000));
    CHECK_FALSE(s.invalidated());
    CHECK(drive(s, "FFF").invalidations == indexes{2});
  }
  SECTION("while disabled: nothing due, failures reset") {
    auto off = enabled(3600, 60, 3);
    off.enabled = false;
    s.configure(off, at(3700));
    s.certificate_changed(at(3800));
    CHECK_FALSE(s.next_query().has_value());
    CHECK(s.consecutive_failures() == 0);
  }
}
