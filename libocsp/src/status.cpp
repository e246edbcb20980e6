#include "ocsp/status.hpp"

#include "ocsp/json.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace ocsp {

std::string_view to_string(cert_status s) noexcept {
  switch (s) {
    case cert_status::good: return "GOOD";
    case cert_status::revoked: return "REVOKED";
    case cert_status::unknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

ocsp_status ocsp_status::not_cached(std::string responder_url) {
  ocsp_status s;
  s.responder_url = std::move(responder_url);
  return s;
}

namespace {

constexpr std::string_view weekday_names = "SunMonTueWedThuFriSat";
constexpr std::string_view month_names = "JanFebMarAprMayJunJulAugSepOctNovDec";

// The three-letter names of the day's weekday and month.
std::string_view weekday_name(std::chrono::sys_days day) {
  return weekday_names.substr(3 * std::chrono::weekday{day}.c_encoding(), 3);
}
std::string_view month_name(std::chrono::month m) { return month_names.substr(3 * (static_cast<unsigned>(m) - 1), 3); }

// "Wed, 22 Dec 2021 12:50:11 GMT": always 29 characters for the years 0000 to 9999.
constexpr std::size_t rfc1123_size = 29;
using rfc1123_chars = std::array<char, rfc1123_size>;

void put2(char* at, unsigned v) noexcept {
  at[0] = static_cast<char>('0' + v / 10);
  at[1] = static_cast<char>('0' + v % 10);
}

/// False for a year outside 0000..9999 (the fixed-width form cannot hold it).
bool to_rfc1123(std::chrono::sys_seconds t, rfc1123_chars& out) noexcept {
  using namespace std::chrono;
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) return false;
  const auto seconds_of_day = static_cast<unsigned>((t - day).count());
  char* p = out.data();
  weekday_name(day).copy(p, 3);
  p[3] = ',';
  p[4] = ' ';
  put2(p + 5, static_cast<unsigned>(ymd.day()));
  p[7] = ' ';
  month_name(ymd.month()).copy(p + 8, 3);
  p[11] = ' ';
  put2(p + 12, static_cast<unsigned>(year) / 100);
  put2(p + 14, static_cast<unsigned>(year) % 100);
  p[16] = ' ';
  put2(p + 17, seconds_of_day / 3600);
  p[19] = ':';
  put2(p + 20, seconds_of_day / 60 % 60);
  p[22] = ':';
  put2(p + 23, seconds_of_day % 60);
  std::string_view(" GMT").copy(p + 25, 4);
  return true;
}

// The date as a JSON string field, without building a std::string on the common path.
void time_field(json_object_writer& w, std::string_view key, std::chrono::sys_seconds t) {
  rfc1123_chars chars;
  if (to_rfc1123(t, chars)) {
    w.field(key, std::string_view(chars.data(), chars.size()));
  } else {
    w.field(key, format_rfc1123(t));
  }
}

}  // namespace

std::string format_rfc1123(std::chrono::sys_seconds t) {
  rfc1123_chars chars;
  if (to_rfc1123(t, chars)) return std::string(chars.data(), chars.size());
  // Outside 0000..9999: the same form with the year as it comes (no OCSP time gets here).
  using namespace std::chrono;
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> clock{t - day};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", weekday_name(day),
                     static_cast<unsigned>(ymd.day()), month_name(ymd.month()),
                     static_cast<int>(ymd.year()), clock.hours().count(), clock.minutes().count(),
                     clock.seconds().count());
}

std::string to_json(const ocsp_status& status) {
  // Keys in alphabetical order.
  json_object_writer w;
  w.field("cert_status", to_string(status.status));
  if (status.next_update) time_field(w, "next_update", *status.next_update);
  if (status.produced_at) time_field(w, "produced_at", *status.produced_at);
  w.field("responder_url", status.responder_url);
  if (status.status == cert_status::revoked && status.revocation_time) {
    time_field(w, "revocation_time", *status.revocation_time);
  }
  if (status.this_update) time_field(w, "this_update", *status.this_update);
  return w.finish();
}

}  // namespace ocsp
