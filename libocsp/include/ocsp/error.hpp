// The error model of libocsp, chosen once for the whole library.
//
// Every failure is an `ocsp::errc` value registered as a boost::system error category, so it
// travels in the same `boost::system::error_code` as Asio's and Beast's errors. The REST API error
// codes (`invalid_schema`, `no_responder_url`, ...) are values of the enum; finer-grained reasons
// (a corrupt state file, later a codec or verification failure) are values too, and each maps to
// the REST code and HTTP status a caller of the API sees (`rest_error_code`, `http_status`).
//
// Two result types:
//   result<T>      Boost.Outcome result carrying only an error_code: cheap, for hot paths.
//   api_result<T>  carries an `error_info` (code + a message naming the field and the rule);
//                  the service and the router use it so a caller learns exactly what was wrong.
// No exception crosses the library boundary.
#pragma once

#include <boost/outcome/result.hpp>
#include <boost/outcome/try.hpp>
#include <boost/system/error_code.hpp>

#include <string>
#include <string_view>
#include <type_traits>

namespace ocsp {

enum class errc {
  // 0 is success in every error category.

  // REST API errors: the JSON error_code is the enumerator's name.
  unauthorized = 1,
  not_found,
  method_not_allowed,
  insufficient_permissions,
  ocsp_unsupported_by_capability,
  invalid_schema,
  no_responder_url,              // POST /v1/ocsp/test with no responder URL: 500
  enable_without_responder_url,  // PUT enabling OCSP with no responder URL: 400 no_responder_url
  task_queued_for_too_long,
  invalid_ocsp_response,
  ocsp_query_failed,  // not in the seeds: "polling task failed" (contract)
  internal_error,
  // The transport adapters' own answers, before a request reaches the router.
  bad_request,                      // malformed HTTP: 400
  payload_too_large,                // body over the adapter's cap: 413
  request_header_fields_too_large,  // request line + headers over the cap: 431
  service_unavailable,              // too many connections: 503

  // State directory and configuration store (start-up and write failures). REST: internal_error.
  state_dir_unusable = 100,
  state_locked,
  state_unreadable,
  state_corrupt,
  state_write_failed,

  // Proxy certificate loading. REST: internal_error.
  certificate_unreadable = 120,
  certificate_invalid,
  certificate_issuer_mismatch,

  // Cluster node registry. REST: internal_error.
  node_registry_unavailable = 140,

  // DER decoding and encoding (ocsp::der). REST: invalid_ocsp_response.
  der_truncated = 200,    // an element runs past the end of its container
  der_bad_length,         // indefinite, non-minimal or oversized length
  der_high_tag_number,    // tag number >= 31 (not used by OCSP or X.509)
  der_unexpected_tag,     // the element is not the one the grammar requires here
  der_trailing_data,      // bytes after the last element of a container
  der_bad_boolean,        // not 0x00 / 0xFF, or not one byte
  der_bad_integer,        // empty, non-minimal, or out of the range the field allows
  der_bad_bit_string,     // unused-bit count invalid, or unused bits not zero
  der_bad_oid,            // empty, non-minimal sub-identifier, or truncated
  der_bad_time,           // not a UTCTime / GeneralizedTime of RFC 5280's form
  der_bad_null,           // NULL with contents
  der_too_deep,           // writer: too many nested scopes
  der_buffer_too_small,   // writer: a fixed buffer is full

  // OCSP structure (RFC 6960) beyond DER. REST: invalid_ocsp_response.
  ocsp_unknown_response_status = 240,
  ocsp_missing_response_bytes,       // successful but no responseBytes
  ocsp_unexpected_response_bytes,    // not successful but responseBytes present
  ocsp_unsupported_response_type,    // responseType is not id-pkix-ocsp-basic
  ocsp_unsupported_version,          // a version other than v1
  ocsp_bad_cert_status,              // certStatus is none of good / revoked / unknown
  ocsp_bad_revocation_reason,        // CRLReason outside RFC 5280's values
  ocsp_duplicate_extension,          // the same extension OID twice in one list
  ocsp_no_single_response,           // responses (or requestList) is empty

  // Verification (RFC 6960 3.2, 4.2.2.2; api-contract "Verification"): REST invalid_ocsp_response.
  ocsp_response_not_successful = 280,  // responseStatus is not successful
  ocsp_unsupported_signature_algorithm,  // a signature algorithm or key type this library does not verify
  ocsp_bad_signature,                  // the signature does not verify with the signer's key
  ocsp_responder_id_mismatch,          // no candidate signer (issuer, embedded or given certificate) matches the ResponderID
  ocsp_signer_not_issued_by_issuer,    // the delegated signer was not issued (Name) or not signed by the issuer
  ocsp_signer_not_authorized,          // the delegated signer lacks id-kp-OCSPSigning
  ocsp_signer_not_valid,               // the delegated signer is outside its validity at the checking time
  ocsp_cert_id_not_found,              // no SingleResponse for the certificate's CertID (or, for an issuer check, one names another issuer)
  ocsp_response_not_yet_valid,         // thisUpdate is after the checking time plus the skew
  ocsp_response_expired,               // nextUpdate is before the checking time minus the skew
  ocsp_nonce_mismatch,                 // a nonce was sent and the response's is absent or different
  ocsp_unknown_critical_extension,     // a critical extension this library does not understand
  ocsp_issuer_key_unsupported,         // the issuer's public key cannot be decoded for verification

  // The responder client (api-contract "POST test"): REST ocsp_query_failed.
  responder_bad_url = 320,       // the responder URL is not http(s)://host[:port][/path]
  responder_unreachable,         // name resolution or connection failed (refused, unreachable)
  responder_timeout,             // no whole answer within response_timeout
  responder_tls_failed,          // the TLS handshake or the certificate check of an https responder failed
  responder_protocol_error,      // the answer is not valid HTTP/1.1
  responder_http_status,         // an HTTP status other than 200 (redirects are not followed)
  responder_content_type,        // Content-Type is not application/ocsp-response
  responder_body_too_large,      // the body exceeds the size cap

  // The users store (users.hpp): refused changes. REST as listed in error.cpp's table.
  user_exists = 360,   // add_user with a name already taken: invalid_schema (400)
  user_not_found,      // a change to a name that does not exist: not_found (404)
  invalid_user_name,   // not 1..64 characters of [A-Za-z0-9._@-]: invalid_schema (400)
  weak_password,       // a new password outside 8..1024 bytes: invalid_schema (400)
};

/// The boost::system category of `errc` (name "ocsp").
const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// The enumerator's own name (e.g. "ocsp_bad_signature"), a stable identifier for logs and
/// scripts; "unknown" for a value outside the enumeration.
std::string_view errc_name(errc e) noexcept;

/// The REST `error_code` string an API caller sees for `e` (e.g. "invalid_schema").
std::string_view rest_error_code(errc e) noexcept;

/// The HTTP status an API caller sees for `e` (e.g. 400 for invalid_schema).
unsigned http_status(errc e) noexcept;

/// An error with the message a person reads: it names the field and the rule that failed.
struct error_info {
  boost::system::error_code code;
  std::string message;

  /// The `errc` of `code`, or internal_error when the code belongs to another category.
  errc ocsp_code() const noexcept;
};

/// Builds an error_info; `message` should say what was wrong and what would be right.
error_info make_error(errc code, std::string message);

// Outcome's hooks for an error type that carries a payload: `.value()` on a failed api_result
// throws boost::system::system_error with the message (only where exceptions are wanted).
inline const boost::system::error_code& make_error_code(const error_info& e) noexcept { return e.code; }
[[noreturn]] void outcome_throw_as_system_error_with_payload(const error_info& e);

template <class T>
using result = boost::outcome_v2::result<T>;

template <class T>
using api_result = boost::outcome_v2::result<T, error_info>;

}  // namespace ocsp

template <>
struct boost::system::is_error_code_enum<ocsp::errc> : std::true_type {};
