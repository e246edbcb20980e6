#include "ocsp/describe.hpp"

#include "ocsp/json.hpp"
#include "ocsp/oids.hpp"

#include <fmt/format.h>

#include <vector>

namespace ocsp {
namespace {

constexpr char lower_digits[] = "0123456789abcdef";
constexpr char upper_digits[] = "0123456789ABCDEF";

std::string hex(der::bytes data, const char* digits) {
  std::string out;
  out.reserve(data.size() * 2);
  for (std::uint8_t b : data) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0x0f]);
  }
  return out;
}

json_object_writer& optional_time(json_object_writer& w, std::string_view key,
                                  const std::optional<std::chrono::sys_seconds>& t) {
  return t ? w.field(key, format_iso8601(*t)) : w.field_null(key);
}

std::string describe_extensions(const std::optional<extension_list>& list) {
  json_array_writer a;
  if (list) {
    for (const extension& ext : *list) {
      a.add_raw(json_object_writer{}.field("critical", ext.critical).field("oid", der::oid_to_string(ext.oid)).finish());
    }
  }
  return a.finish();
}

// RFC 8954 nonce, hex, or null.
json_object_writer& nonce_field(json_object_writer& w, const std::optional<der::bytes>& nonce) {
  return nonce ? w.field("nonce", to_hex(*nonce)) : w.field_null("nonce");
}

// The CertID fields every single request and response shares.
json_object_writer& cert_id_fields(json_object_writer& w, const cert_id& id) {
  const std::string_view name = hash_algorithm_name(id.hash_algorithm);
  if (name.empty()) {
    w.field_null("hash_algorithm");
  } else {
    w.field("hash_algorithm", name);
  }
  return w.field("hash_algorithm_oid", der::oid_to_string(id.hash_algorithm))
      .field("issuer_key_hash", to_hex(id.issuer_key_hash))
      .field("issuer_name_hash", to_hex(id.issuer_name_hash));
}

std::string_view cert_status_name(cert_status s) noexcept {
  switch (s) {
    case cert_status::good: return "good";
    case cert_status::revoked: return "revoked";
    case cert_status::unknown: return "unknown";
  }
  return "unknown";
}

std::string describe_single(const single_response& r) {
  json_object_writer w;
  w.field("cert_status", cert_status_name(r.status));
  cert_id_fields(w, r.id);
  optional_time(w, "next_update", r.next_update);
  optional_time(w, "revocation_time", r.revocation_time);
  if (r.reason) {
    w.field("revocation_reason", to_string(*r.reason)).field("revocation_reason_code", static_cast<std::int64_t>(*r.reason));
  } else {
    w.field_null("revocation_reason").field_null("revocation_reason_code");
  }
  return w.field("serial_hex", serial_to_hex(r.id.serial_number))
      .field_raw("single_extensions", describe_extensions(r.extensions))
      .field("this_update", format_iso8601(r.this_update))
      .finish();
}

std::string describe_responder(const responder_id& id) {
  json_object_writer w;
  if (id.type == responder_id::kind::by_key) return w.field("key_hash", to_hex(id.value)).field("type", "by_key").finish();
  return w.field("name_der_hex", to_hex(id.value)).field("type", "by_name").finish();
}

}  // namespace

std::string to_hex(der::bytes data) { return hex(data, lower_digits); }

std::string serial_to_hex(der::bytes c) {
  if (c.empty()) return {};
  if ((c[0] & 0x80) == 0) {
    if (c.size() > 1 && c[0] == 0) c = c.subspan(1);
    return hex(c, upper_digits);
  }
  // Negative: print '-' and the magnitude (two's complement negated).
  std::vector<std::uint8_t> magnitude(c.begin(), c.end());
  bool carry = true;
  for (std::size_t i = magnitude.size(); i-- > 0;) {
    magnitude[i] = static_cast<std::uint8_t>(~magnitude[i]);
    if (carry) {
      magnitude[i] = static_cast<std::uint8_t>(magnitude[i] + 1);
      carry = magnitude[i] == 0;
    }
  }
  der::bytes m(magnitude);
  while (m.size() > 1 && m[0] == 0) m = m.subspan(1);
  return "-" + hex(m, upper_digits);
}

std::string format_iso8601(std::chrono::sys_seconds t) {
  using namespace std::chrono;
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<seconds> clock{t - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), clock.hours().count(),
                     clock.minutes().count(), clock.seconds().count());
}

std::string_view hash_algorithm_name(der::bytes id) noexcept {
  if (oid::equal(id, oid::sha1)) return "sha1";
  if (oid::equal(id, oid::sha256)) return "sha256";
  if (oid::equal(id, oid::sha384)) return "sha384";
  if (oid::equal(id, oid::sha512)) return "sha512";
  return {};
}

std::string describe_json(const ocsp_response& response) {
  json_object_writer w;
  w.field("has_response_bytes", response.basic.has_value()).field("kind", "response");
  if (const auto& basic = response.basic) {
    json_array_writer singles;
    for (const single_response& r : basic->responses) singles.add_raw(describe_single(r));
    nonce_field(w, basic->nonce())
        .field("num_certs", static_cast<std::int64_t>(basic->certs.size()))
        .field("num_single_responses", static_cast<std::int64_t>(basic->responses.size()))
        .field("parse", "ok")
        .field("produced_at", format_iso8601(basic->produced_at))
        .field_raw("responder_id", describe_responder(basic->responder))
        .field_raw("response_extensions", describe_extensions(basic->extensions));
    w.field("response_status", to_string(response.status))
        .field("response_status_code", static_cast<std::int64_t>(response.status))
        .field("signature_algorithm_oid", der::oid_to_string(basic->signature_algorithm))
        .field_raw("single_responses", singles.finish());
  } else {
    w.field("parse", "ok")
        .field("response_status", to_string(response.status))
        .field("response_status_code", static_cast<std::int64_t>(response.status));
  }
  return w.finish();
}

std::string describe_json(const ocsp_request& request) {
  json_array_writer singles;
  for (const single_request& r : request.requests) {
    json_object_writer s;
    cert_id_fields(s, r.id);
    singles.add_raw(s.field("serial_hex", serial_to_hex(r.id.serial_number))
                        .field_raw("single_request_extensions", describe_extensions(r.extensions))
                        .finish());
  }
  json_object_writer w;
  w.field("kind", "request");
  nonce_field(w, request.nonce())
      .field("num_certs", static_cast<std::int64_t>(request.certs.size()))
      .field("num_requests", static_cast<std::int64_t>(request.requests.size()))
      .field("parse", "ok")
      .field_raw("request_extensions", describe_extensions(request.extensions))
      .field_raw("requests", singles.finish());
  if (request.is_signed) w.field("signature_algorithm_oid", der::oid_to_string(request.signature_algorithm));
  return w.field("signed", request.is_signed).field("version", request.version).finish();
}

}  // namespace ocsp
