// The fast paths of the DER reader, each against an independent reference:
// - the SWAR time parser against std::chrono's calendar, on every day of 1600..2400 and on
//   random days of 0000..9999, and on every month/day pair 00..99 (accepted exactly when the
//   date exists);
// - der::reader::validated: the same values as a strict reader on accepted bytes, and still
//   bounds-checked (never reads outside its bytes) on bytes nobody validated;
// - the word-at-a-time OID check against the octet loop (der::is_valid_oid), on every OID of up
//   to four octets over an alphabet of boundary octets and on random ones of 1..20 octets, with
//   0..9 bytes after the element (the word reads need 8);
// - element_list: the first element, kept decoded, and the others, decoded again, equal what
//   the element parser gives for each element on its own.
#include <ocsp/der.hpp>
#include <ocsp/error.hpp>
#include <ocsp/ocsp_types.hpp>
#include <ocsp/oids.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace der = ocsp::der;
using ocsp::errc;

namespace {

using buf = std::vector<std::uint8_t>;
using namespace std::chrono;

buf element(std::uint8_t tag, const std::string& text) {
  buf out{tag, static_cast<std::uint8_t>(text.size())};
  out.insert(out.end(), text.begin(), text.end());
  return out;
}

std::string generalized(int y, unsigned m, unsigned d, unsigned hh, unsigned mm, unsigned ss) {
  char s[32];
  std::snprintf(s, sizeof s, "%04d%02u%02u%02u%02u%02uZ", y, m, d, hh, mm, ss);
  return s;
}

// What the reader should answer: the instant by std::chrono, or nothing if the date does not exist.
std::optional<sys_seconds> reference(int y, unsigned m, unsigned d, unsigned hh, unsigned mm, unsigned ss) {
  const year_month_day ymd{year{y}, month{m}, day{d}};
  if (!ymd.ok() || hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  return sys_days(ymd) + hours(hh) + minutes(mm) + seconds(ss);
}

// Reads `bytes` as GeneralizedTime with a strict reader and with a validated one.
std::pair<errc, sys_seconds> read_strict(const buf& bytes) {
  der::reader r{der::bytes(bytes)};
  sys_seconds t{};
  const errc e = r.get_generalized_time(t);
  return {e, t};
}

}  // namespace

TEST_CASE("der fast path: GeneralizedTime agrees with std::chrono on every day of 1600..2400", "[der][time]") {
  std::size_t days = 0;
  for (sys_days d = sys_days(year{1600} / 1 / 1); d <= sys_days(year{2400} / 12 / 31); d += std::chrono::days{1}) {
    const year_month_day ymd{d};
    const unsigned hh = static_cast<unsigned>(days % 24), mm = static_cast<unsigned>(days % 60),
                   ss = static_cast<unsigned>((days * 7) % 60);
    const buf bytes = element(der::tag::generalized_time,
                              generalized(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                                          static_cast<unsigned>(ymd.day()), hh, mm, ss));
    const auto [e, t] = read_strict(bytes);
    REQUIRE(e == errc{});
    REQUIRE(t == d + hours(hh) + minutes(mm) + seconds(ss));
    der::reader fast = der::reader::validated(der::bytes(bytes));
    sys_seconds t2{};
    REQUIRE(fast.get_generalized_time(t2) == errc{});
    REQUIRE(t2 == t);
    ++days;
  }
  CHECK(days == 801 * 365 + 195);  // 801 years, 195 of them leap
}

TEST_CASE("der fast path: random instants of 0000..9999 and their UTCTime twins", "[der][time]") {
  std::mt19937_64 rng(20261122);
  const auto first = sys_days(year{0} / 1 / 1), last = sys_days(year{9999} / 12 / 31);
  std::uniform_int_distribution<std::int64_t> pick(first.time_since_epoch().count(), last.time_since_epoch().count());
  for (int i = 0; i < 20000; ++i) {
    const sys_days d{std::chrono::days{pick(rng)}};
    const year_month_day ymd{d};
    const int y = static_cast<int>(ymd.year());
    const unsigned m = static_cast<unsigned>(ymd.month()), dd = static_cast<unsigned>(ymd.day());
    const unsigned hh = static_cast<unsigned>(rng() % 24), mm = static_cast<unsigned>(rng() % 60),
                   ss = static_cast<unsigned>(rng() % 60);
    const auto [e, t] = read_strict(element(der::tag::generalized_time, generalized(y, m, dd, hh, mm, ss)));
    INFO(generalized(y, m, dd, hh, mm, ss));
    REQUIRE(e == errc{});
    REQUIRE(t == *reference(y, m, dd, hh, mm, ss));
    if (y >= 1950 && y <= 2049) {
      const buf utc = element(der::tag::utc_time, generalized(y, m, dd, hh, mm, ss).substr(2));
      der::reader r{der::bytes(utc)};
      sys_seconds u{};
      REQUIRE(r.get_utc_time(u) == errc{});
      REQUIRE(u == t);
    }
  }
}

TEST_CASE("der fast path: a date is accepted exactly when it exists", "[der][time]") {
  std::size_t accepted = 0;
  for (const int y : {1900, 2000, 2023, 2024}) {  // common (century), leap (400), common, leap
    for (unsigned m = 0; m <= 99; ++m) {
      for (unsigned d = 0; d <= 99; ++d) {
        const auto [e, t] = read_strict(element(der::tag::generalized_time, generalized(y, m, d, 12, 0, 0)));
        const auto want = reference(y, m, d, 12, 0, 0);
        INFO(y << "-" << m << "-" << d);
        REQUIRE((e == errc{}) == want.has_value());
        if (want) {
          REQUIRE(t == *want);
          ++accepted;
        } else {
          REQUIRE(e == errc::der_bad_time);
        }
      }
    }
  }
  CHECK(accepted == 365 + 366 + 365 + 366);
  for (unsigned hh = 0; hh <= 99; ++hh) {
    const auto [e, t] = read_strict(element(der::tag::generalized_time, generalized(2024, 6, 1, hh, 59, 59)));
    CHECK((e == errc{}) == (hh <= 23));
  }
}

TEST_CASE("der fast path: every non-digit octet in every digit position is rejected", "[der][time]") {
  const std::string good = "20240229235959Z";
  for (std::size_t pos = 0; pos < 14; ++pos) {
    for (int c = 0; c < 256; ++c) {
      if (c >= '0' && c <= '9') continue;
      std::string bad = good;
      bad[pos] = static_cast<char>(c);
      const auto [e, t] = read_strict(element(der::tag::generalized_time, bad));
      INFO("position " << pos << " octet " << c);
      REQUIRE(e == errc::der_bad_time);
    }
  }
}

TEST_CASE("der fast path: a validated reader is still bounds-checked on bytes nobody validated", "[der]") {
  // An element whose length runs past the end, an OID with a non-minimal arc, and a bad time: the
  // validated reader may accept the last two (it skips their checks) but never reads outside.
  const buf too_long{0x30, 0x05, 0x02, 0x01};
  der::reader r = der::reader::validated(der::bytes(too_long));
  der::reader contents;
  CHECK(r.get(der::tag::sequence, contents) == errc::der_truncated);
  CHECK(r.size() == too_long.size());

  const buf short_time = element(der::tag::generalized_time, "2024");
  der::reader t = der::reader::validated(der::bytes(short_time));
  sys_seconds out{};
  CHECK(t.get_generalized_time(out) == errc::der_bad_time);  // the length is still checked

  const buf oid{0x06, 0x02, 0x80, 0x01};
  der::reader o = der::reader::validated(der::bytes(oid));
  der::bytes value;
  CHECK(o.get_oid(value) == errc{});  // skipped: the caller vouched for the bytes
  der::reader strict{der::bytes(oid)};
  CHECK(strict.get_oid(value) == errc::der_bad_oid);
  CHECK(strict.size() == oid.size());
  CHECK_FALSE(strict.is_validated());
  CHECK(o.is_validated());
}

TEST_CASE("der fast path: the word-at-a-time OID check agrees with the octet loop", "[der][oid]") {
  const std::array<std::uint8_t, 8> alphabet{0x00, 0x01, 0x2a, 0x7f, 0x80, 0x81, 0x86, 0xff};
  std::mt19937_64 rng(0x0c5b);
  std::size_t checked = 0, rejected = 0;
  auto check = [&](const buf& contents) {
    for (std::size_t trailing = 0; trailing < 10; ++trailing) {
      buf bytes{der::tag::object_identifier, static_cast<std::uint8_t>(contents.size())};
      bytes.insert(bytes.end(), contents.begin(), contents.end());
      for (std::size_t i = 0; i < trailing; ++i) bytes.push_back(i % 2 == 0 ? 0x80 : 0xff);
      der::reader r{der::bytes(bytes)};
      der::bytes value;
      const errc e = r.get_oid(value);
      const bool expected = der::is_valid_oid(der::bytes(contents));
      INFO("contents " << contents.size() << " octets, " << trailing << " trailing");
      REQUIRE((e == errc{}) == expected);
      if (expected) {
        REQUIRE(value.size() == contents.size());
        REQUIRE(r.size() == trailing);
      } else {
        REQUIRE(e == errc::der_bad_oid);
        REQUIRE(r.size() == bytes.size());
        ++rejected;
      }
      ++checked;
    }
  };
  for (std::size_t length = 1; length <= 4; ++length) {
    std::size_t combinations = 1;
    for (std::size_t i = 0; i < length; ++i) combinations *= alphabet.size();
    for (std::size_t n = 0; n < combinations; ++n) {
      buf contents;
      for (std::size_t i = 0, k = n; i < length; ++i, k /= alphabet.size()) contents.push_back(alphabet[k % alphabet.size()]);
      check(contents);
    }
  }
  for (int i = 0; i < 20000; ++i) {
    buf contents(1 + rng() % 20);
    for (std::uint8_t& b : contents) b = alphabet[rng() % alphabet.size()];
    check(contents);
  }
  CHECK(rejected > checked / 10);  // both answers were exercised
  CHECK(rejected < checked);
}

TEST_CASE("der fast path: the memo of the last GeneralizedTime never vouches for unchecked bytes", "[der][time]") {
  // A validated reader converts bytes without checking them; a strict reader that meets the same
  // bytes next must still reject them (the memo only keeps what a strict parse accepted).
  for (const char* bad : {"2024AB01000000Z", "20241301000000Z", "20240230000000Z", "20240101240000Z"}) {
    const buf bytes = element(der::tag::generalized_time, bad);
    der::reader trusting = der::reader::validated(der::bytes(bytes));
    sys_seconds ignored{};
    (void)trusting.get_generalized_time(ignored);
    INFO(bad);
    CHECK(read_strict(bytes).first == errc::der_bad_time);
  }
  // A strict hit gives the instant of its own bytes, also when the same value repeats, and a
  // different value in between replaces the memo.
  const buf a = element(der::tag::generalized_time, generalized(2026, 11, 22, 2, 44, 41));
  const buf b = element(der::tag::generalized_time, generalized(2026, 11, 29, 2, 44, 41));
  for (const buf* bytes : {&a, &a, &b, &a, &b, &b}) {
    const auto [e, t] = read_strict(*bytes);
    REQUIRE(e == errc{});
    CHECK(t == (bytes == &a ? *reference(2026, 11, 22, 2, 44, 41) : *reference(2026, 11, 29, 2, 44, 41)));
  }
  // The starting entries are true ones: on a new thread (a fresh memo), the first time converted
  // hits them. 1970-01-01T00:00:00Z must be 0, and a validated reader (which trusts the memo like
  // any hit) must agree.
  std::pair<errc, sys_seconds> fresh{errc::der_truncated, sys_seconds{}};
  sys_seconds fresh_validated{std::chrono::seconds(-1)};
  std::thread([&] {
    const buf epoch = element(der::tag::generalized_time, "19700101000000Z");
    fresh = read_strict(epoch);
    der::reader trusting = der::reader::validated(der::bytes(epoch));
    (void)trusting.get_generalized_time(fresh_validated);
  }).join();
  CHECK(fresh.first == errc{});
  CHECK(fresh.second.time_since_epoch().count() == 0);
  CHECK(fresh_validated.time_since_epoch().count() == 0);
}

TEST_CASE("der fast path: element_list keeps its first element and decodes the rest on iteration", "[der][list]") {
  // Three Extensions; the second is critical.
  auto ext = [](std::uint8_t last_arc, bool critical, std::uint8_t value) {
    buf e{0x06, 0x03, 0x2b, 0x06, last_arc};
    if (critical) e.insert(e.end(), {0x01, 0x01, 0xff});
    e.insert(e.end(), {0x04, 0x01, value});
    buf out{0x30, static_cast<std::uint8_t>(e.size())};
    out.insert(out.end(), e.begin(), e.end());
    return out;
  };
  buf all;
  for (const buf& e : {ext(1, false, 0xa1), ext(2, true, 0xa2), ext(3, false, 0xa3)}) all.insert(all.end(), e.begin(), e.end());

  ocsp::extension_list parsed;
  REQUIRE(ocsp::extension_list::parse(der::reader(der::bytes(all)), parsed) == errc{});
  const ocsp::extension_list constructed(der::reader(der::bytes(all)), 3);
  for (const ocsp::extension_list* list : {static_cast<const ocsp::extension_list*>(&parsed), &constructed}) {
    REQUIRE(list->size() == 3);
    der::reader each{der::bytes(all)};
    std::size_t n = 0;
    for (const ocsp::extension& got : *list) {
      ocsp::extension want;
      REQUIRE(ocsp::parse_extension(each, want) == errc{});
      CHECK(got.oid.data() == want.oid.data());
      CHECK(got.critical == want.critical);
      CHECK(got.value.data() == want.value.data());
      CHECK(got.value[0] == 0xa1 + n);
      ++n;
    }
    CHECK(n == 3);
    // A second iteration, and a copy of the list, see the same elements.
    const ocsp::extension_list copy = *list;
    CHECK(std::distance(copy.begin(), copy.end()) == 3);
    CHECK((*copy.begin()).value[0] == 0xa1);
  }
  const ocsp::extension_list empty;
  CHECK(empty.begin() == empty.end());
}
