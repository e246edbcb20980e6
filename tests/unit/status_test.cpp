#include <ocsp/status.hpp>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

using namespace std::chrono;

namespace {

sys_seconds at(year_month_day ymd, hours h, minutes m, seconds s) { return sys_days(ymd) + h + m + s; }

std::vector<std::string> keys_of(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json).get(obj)) FAIL("invalid JSON: " << json);
  std::vector<std::string> keys;
  for (auto field : obj) keys.emplace_back(field.key);
  return keys;
}

}  // namespace

TEST_CASE("format_rfc1123: GMT dates as the vendor prints them", "[status][time]") {
  CHECK(ocsp::format_rfc1123(sys_seconds{}) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(ocsp::format_rfc1123(at(2021y / December / 22, 12h, 50min, 11s)) == "Wed, 22 Dec 2021 12:50:11 GMT");
  CHECK(ocsp::format_rfc1123(at(2024y / February / 29, 23h, 59min, 59s)) == "Thu, 29 Feb 2024 23:59:59 GMT");
  CHECK(ocsp::format_rfc1123(at(2000y / March / 1, 0h, 0min, 0s)) == "Wed, 01 Mar 2000 00:00:00 GMT");
  CHECK(ocsp::format_rfc1123(at(2049y / December / 31, 23h, 59min, 59s)) == "Fri, 31 Dec 2049 23:59:59 GMT");
  CHECK(ocsp::format_rfc1123(at(1950y / January / 1, 6h, 7min, 8s)) == "Sun, 01 Jan 1950 06:07:08 GMT");
}

TEST_CASE("format_rfc1123: every day of 1600..2400 and the edges of the four-digit years", "[status][time]") {
  // A reference built the slow, obvious way, against the fixed-width formatter.
  static constexpr std::array<const char*, 7> weekdays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto reference = [&](sys_seconds t) {
    const sys_days day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<seconds> hms{t - day};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02ld:%02ld:%02ld GMT", weekdays[weekday{day}.c_encoding()],
                  static_cast<unsigned>(ymd.day()), months[static_cast<unsigned>(ymd.month()) - 1],
                  static_cast<int>(ymd.year()), static_cast<long>(hms.hours().count()),
                  static_cast<long>(hms.minutes().count()), static_cast<long>(hms.seconds().count()));
    return std::string(buf);
  };
  std::size_t mismatches = 0;
  std::int64_t second_of_day = 0;
  for (sys_days d = sys_days{1600y / January / 1}; d <= sys_days{2400y / December / 31}; d += days{1}) {
    second_of_day = (second_of_day + 7919) % 86400;  // walks through the hours, minutes and seconds
    const sys_seconds t = d + seconds{second_of_day};
    if (ocsp::format_rfc1123(t) != reference(t)) ++mismatches;
  }
  CHECK(mismatches == 0);
  CHECK(ocsp::format_rfc1123(sys_days{0y / January / 1}) == "Sat, 01 Jan 0000 00:00:00 GMT");
  CHECK(ocsp::format_rfc1123(sys_days{9999y / December / 31} + 86399s) == "Fri, 31 Dec 9999 23:59:59 GMT");
  // Past the four digits the year is printed as it is, not cut.
  CHECK(ocsp::format_rfc1123(sys_days{10000y / January / 1}) == "Sat, 01 Jan 10000 00:00:00 GMT");
}

TEST_CASE("status JSON: the pre-cache form has no times", "[status]") {
  const auto s = ocsp::ocsp_status::not_cached("http://r.test/ocsp");
  CHECK(ocsp::to_json(s) == R"({"cert_status":"UNKNOWN","responder_url":"http://r.test/ocsp"})");
}

TEST_CASE("status JSON: the seed's REVOKED example, keys alphabetical", "[status]") {
  ocsp::ocsp_status s;
  s.status = ocsp::cert_status::revoked;
  s.responder_url = "http://responder.ocsp.url.com";
  s.produced_at = at(2021y / December / 22, 12h, 50min, 11s);
  s.this_update = at(2021y / December / 22, 12h, 50min, 11s);
  s.next_update = at(2021y / December / 22, 14h, 50min, 0s);
  s.revocation_time = at(2021y / December / 22, 12h, 50min, 4s);
  const std::string json = ocsp::to_json(s);
  CHECK(json ==
        R"({"cert_status":"REVOKED","next_update":"Wed, 22 Dec 2021 14:50:00 GMT","produced_at":"Wed, 22 Dec 2021 12:50:11 GMT","responder_url":"http://responder.ocsp.url.com","revocation_time":"Wed, 22 Dec 2021 12:50:04 GMT","this_update":"Wed, 22 Dec 2021 12:50:11 GMT"})");
  auto keys = keys_of(json);
  CHECK(std::is_sorted(keys.begin(), keys.end()));
  CHECK(keys.size() == 6);
}

TEST_CASE("status JSON: revocation_time only for REVOKED, next_update only when present", "[status]") {
  ocsp::ocsp_status s;
  s.status = ocsp::cert_status::good;
  s.responder_url = "u";
  s.produced_at = s.this_update = sys_seconds{seconds{1}};
  s.revocation_time = sys_seconds{seconds{0}};  // ignored: not REVOKED
  const auto keys = keys_of(ocsp::to_json(s));
  CHECK(keys == std::vector<std::string>{"cert_status", "produced_at", "responder_url", "this_update"});
  CHECK(ocsp::to_string(ocsp::cert_status::good) == "GOOD");
  CHECK(ocsp::to_string(ocsp::cert_status::unknown) == "UNKNOWN");
}
