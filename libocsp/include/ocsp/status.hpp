// The OCSP status object: what GET /v1/ocsp/status and POST /v1/ocsp/test return.
//
// Times are `std::chrono::sys_seconds`; the API renders them as RFC 1123 GMT strings
// ("Wed, 22 Dec 2021 12:50:11 GMT"). revocation_time is meaningful only for REVOKED and
// next_update only where the response carried one; absent optionals are absent JSON keys.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ocsp {

enum class cert_status { good, revoked, unknown };

/// "GOOD", "REVOKED" or "UNKNOWN".
std::string_view to_string(cert_status s) noexcept;

struct ocsp_status {
  cert_status status = cert_status::unknown;
  std::string responder_url;
  std::optional<std::chrono::sys_seconds> produced_at;
  std::optional<std::chrono::sys_seconds> this_update;
  std::optional<std::chrono::sys_seconds> next_update;
  std::optional<std::chrono::sys_seconds> revocation_time;

  /// The status before any response has been cached: UNKNOWN, no times.
  static ocsp_status not_cached(std::string responder_url);

  friend bool operator==(const ocsp_status&, const ocsp_status&) = default;
};

/// Formats `t` as an RFC 1123 date in GMT, e.g. "Wed, 22 Dec 2021 12:50:11 GMT" (RFC 7231 IMF-fixdate).
std::string format_rfc1123(std::chrono::sys_seconds t);

/// The compact JSON of the status object, keys in alphabetical order.
std::string to_json(const ocsp_status& status);

}  // namespace ocsp
