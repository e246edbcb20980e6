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

std::string format_rfc1123(std::chrono::sys_seconds t) {
  using namespace std::chrono;
  static constexpr std::array<std::string_view, 7> weekdays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> clock{t - day};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", weekdays[weekday{day}.c_encoding()],
                     static_cast<unsigned>(ymd.day()), months[static_cast<unsigned>(ymd.month()) - 1],
                     static_cast<int>(ymd.year()), clock.hours().count(), clock.minutes().count(),
                     clock.seconds().count());
}

std::string to_json(const ocsp_status& status) {
  // Keys in alphabetical order.
  json_object_writer w;
  w.field("cert_status", to_string(status.status));
  if (status.next_update) w.field("next_update", format_rfc1123(*status.next_update));
  if (status.produced_at) w.field("produced_at", format_rfc1123(*status.produced_at));
  w.field("responder_url", status.responder_url);
  if (status.status == cert_status::revoked && status.revocation_time) {
    w.field("revocation_time", format_rfc1123(*status.revocation_time));
  }
  if (status.this_update) w.field("this_update", format_rfc1123(*status.this_update));
  return w.finish();
}

}  // namespace ocsp
