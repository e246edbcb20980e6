#include "ocsp/error.hpp"

#include <boost/system/system_error.hpp>

#include <array>
#include <utility>

namespace ocsp {
namespace {

struct errc_entry {
  errc code;
  std::string_view name;         // the enumerator, for logs and scripts
  std::string_view rest_code;    // what the API caller sees
  unsigned status;               // HTTP status
  std::string_view description;  // error_category::message
};

// One row per enumerator; rest_code and status are the API's view of it.
constexpr std::array errc_table{
    errc_entry{errc::unauthorized, "unauthorized", "unauthorized", 401, "authentication required"},
    errc_entry{errc::not_found, "not_found", "not_found", 404, "no such resource"},
    errc_entry{errc::method_not_allowed, "method_not_allowed", "method_not_allowed", 405, "method not allowed on this resource"},
    errc_entry{errc::insufficient_permissions, "insufficient_permissions", "insufficient_permissions", 403, "the caller's role lacks the permission"},
    errc_entry{errc::ocsp_unsupported_by_capability, "ocsp_unsupported_by_capability", "ocsp_unsupported_by_capability", 406, "not all nodes support the OCSP capability"},
    errc_entry{errc::invalid_schema, "invalid_schema", "invalid_schema", 400, "an illegal parameter or a parameter with an illegal value"},
    errc_entry{errc::no_responder_url, "no_responder_url", "no_responder_url", 500, "there is no OCSP responder URL to query"},
    errc_entry{errc::enable_without_responder_url, "enable_without_responder_url", "no_responder_url", 400, "OCSP cannot be enabled without a responder URL"},
    errc_entry{errc::task_queued_for_too_long, "task_queued_for_too_long", "task_queued_for_too_long", 500, "the OCSP task was queued for too long"},
    errc_entry{errc::invalid_ocsp_response, "invalid_ocsp_response", "invalid_ocsp_response", 500, "the responder's answer is not a usable OCSP response"},
    errc_entry{errc::ocsp_query_failed, "ocsp_query_failed", "ocsp_query_failed", 500, "the OCSP query yielded no response"},
    errc_entry{errc::internal_error, "internal_error", "internal_error", 500, "internal error"},
    errc_entry{errc::bad_request, "bad_request", "bad_request", 400, "malformed HTTP request"},
    errc_entry{errc::payload_too_large, "payload_too_large", "payload_too_large", 413, "the request body is too large"},
    errc_entry{errc::request_header_fields_too_large, "request_header_fields_too_large", "request_header_fields_too_large", 431,
               "the request headers are too large"},
    errc_entry{errc::service_unavailable, "service_unavailable", "service_unavailable", 503, "too many connections"},
    errc_entry{errc::state_dir_unusable, "state_dir_unusable", "internal_error", 500, "the state directory cannot be used"},
    errc_entry{errc::state_locked, "state_locked", "internal_error", 500, "the state directory is locked by another process"},
    errc_entry{errc::state_unreadable, "state_unreadable", "internal_error", 500, "a state file cannot be read"},
    errc_entry{errc::state_corrupt, "state_corrupt", "internal_error", 500, "a state file is corrupt"},
    errc_entry{errc::state_write_failed, "state_write_failed", "internal_error", 500, "a state file could not be written durably"},
    errc_entry{errc::certificate_unreadable, "certificate_unreadable", "internal_error", 500, "a certificate file cannot be read"},
    errc_entry{errc::certificate_invalid, "certificate_invalid", "internal_error", 500, "a certificate is not valid PEM/X.509"},
    errc_entry{errc::certificate_issuer_mismatch, "certificate_issuer_mismatch", "internal_error", 500, "the issuer certificate did not issue the proxy certificate"},
    errc_entry{errc::node_registry_unavailable, "node_registry_unavailable", "internal_error", 500, "the cluster's node registry cannot be read"},
    errc_entry{errc::der_truncated, "der_truncated", "invalid_ocsp_response", 500, "DER: an element runs past the end of its container"},
    errc_entry{errc::der_bad_length, "der_bad_length", "invalid_ocsp_response", 500, "DER: indefinite, non-minimal or oversized length"},
    errc_entry{errc::der_high_tag_number, "der_high_tag_number", "invalid_ocsp_response", 500, "DER: high tag numbers are not supported"},
    errc_entry{errc::der_unexpected_tag, "der_unexpected_tag", "invalid_ocsp_response", 500, "DER: unexpected element"},
    errc_entry{errc::der_trailing_data, "der_trailing_data", "invalid_ocsp_response", 500, "DER: trailing data after the last element"},
    errc_entry{errc::der_bad_boolean, "der_bad_boolean", "invalid_ocsp_response", 500, "DER: BOOLEAN must be one byte, 0x00 or 0xFF"},
    errc_entry{errc::der_bad_integer, "der_bad_integer", "invalid_ocsp_response", 500, "DER: INTEGER empty, non-minimal or out of range"},
    errc_entry{errc::der_bad_bit_string, "der_bad_bit_string", "invalid_ocsp_response", 500, "DER: BIT STRING with invalid unused bits"},
    errc_entry{errc::der_bad_oid, "der_bad_oid", "invalid_ocsp_response", 500, "DER: malformed OBJECT IDENTIFIER"},
    errc_entry{errc::der_bad_time, "der_bad_time", "invalid_ocsp_response", 500, "DER: time not in RFC 5280 form"},
    errc_entry{errc::der_bad_null, "der_bad_null", "invalid_ocsp_response", 500, "DER: NULL with contents"},
    errc_entry{errc::der_too_deep, "der_too_deep", "invalid_ocsp_response", 500, "DER writer: too many nested elements"},
    errc_entry{errc::der_buffer_too_small, "der_buffer_too_small", "invalid_ocsp_response", 500, "DER writer: the buffer is full"},
    errc_entry{errc::ocsp_unknown_response_status, "ocsp_unknown_response_status", "invalid_ocsp_response", 500, "OCSP: unknown responseStatus"},
    errc_entry{errc::ocsp_missing_response_bytes, "ocsp_missing_response_bytes", "invalid_ocsp_response", 500, "OCSP: successful response without responseBytes"},
    errc_entry{errc::ocsp_unexpected_response_bytes, "ocsp_unexpected_response_bytes", "invalid_ocsp_response", 500, "OCSP: unsuccessful response with responseBytes"},
    errc_entry{errc::ocsp_unsupported_response_type, "ocsp_unsupported_response_type", "invalid_ocsp_response", 500, "OCSP: responseType is not id-pkix-ocsp-basic"},
    errc_entry{errc::ocsp_unsupported_version, "ocsp_unsupported_version", "invalid_ocsp_response", 500, "OCSP: unsupported version"},
    errc_entry{errc::ocsp_bad_cert_status, "ocsp_bad_cert_status", "invalid_ocsp_response", 500, "OCSP: certStatus is not good, revoked or unknown"},
    errc_entry{errc::ocsp_bad_revocation_reason, "ocsp_bad_revocation_reason", "invalid_ocsp_response", 500, "OCSP: revocation reason outside RFC 5280"},
    errc_entry{errc::ocsp_duplicate_extension, "ocsp_duplicate_extension", "invalid_ocsp_response", 500, "OCSP: the same extension appears twice"},
    errc_entry{errc::ocsp_no_single_response, "ocsp_no_single_response", "invalid_ocsp_response", 500, "OCSP: no single response or request"},
    errc_entry{errc::ocsp_response_not_successful, "ocsp_response_not_successful", "invalid_ocsp_response", 500, "OCSP: responseStatus is not successful"},
    errc_entry{errc::ocsp_unsupported_signature_algorithm, "ocsp_unsupported_signature_algorithm", "invalid_ocsp_response", 500, "OCSP: unsupported signature algorithm or key type"},
    errc_entry{errc::ocsp_bad_signature, "ocsp_bad_signature", "invalid_ocsp_response", 500, "OCSP: the signature does not verify"},
    errc_entry{errc::ocsp_responder_id_mismatch, "ocsp_responder_id_mismatch", "invalid_ocsp_response", 500, "OCSP: no known signer matches the ResponderID"},
    errc_entry{errc::ocsp_signer_not_issued_by_issuer, "ocsp_signer_not_issued_by_issuer", "invalid_ocsp_response", 500, "OCSP: the delegated signer was not issued by the certificate's issuer"},
    errc_entry{errc::ocsp_signer_not_authorized, "ocsp_signer_not_authorized", "invalid_ocsp_response", 500, "OCSP: the delegated signer lacks id-kp-OCSPSigning"},
    errc_entry{errc::ocsp_signer_not_valid, "ocsp_signer_not_valid", "invalid_ocsp_response", 500, "OCSP: the delegated signer's certificate is not valid at the checking time"},
    errc_entry{errc::ocsp_cert_id_not_found, "ocsp_cert_id_not_found", "invalid_ocsp_response", 500, "OCSP: no single response for the certificate"},
    errc_entry{errc::ocsp_response_not_yet_valid, "ocsp_response_not_yet_valid", "invalid_ocsp_response", 500, "OCSP: thisUpdate is in the future"},
    errc_entry{errc::ocsp_response_expired, "ocsp_response_expired", "invalid_ocsp_response", 500, "OCSP: nextUpdate has passed"},
    errc_entry{errc::ocsp_nonce_mismatch, "ocsp_nonce_mismatch", "invalid_ocsp_response", 500, "OCSP: the response's nonce is absent or differs from the request's"},
    errc_entry{errc::ocsp_unknown_critical_extension, "ocsp_unknown_critical_extension", "invalid_ocsp_response", 500, "OCSP: unknown critical extension"},
    errc_entry{errc::ocsp_issuer_key_unsupported, "ocsp_issuer_key_unsupported", "invalid_ocsp_response", 500, "OCSP: the issuer's public key cannot be used for verification"},
    errc_entry{errc::responder_bad_url, "responder_bad_url", "ocsp_query_failed", 500, "responder: the URL is not http(s)://host[:port][/path]"},
    errc_entry{errc::responder_unreachable, "responder_unreachable", "ocsp_query_failed", 500, "responder: cannot connect"},
    errc_entry{errc::responder_timeout, "responder_timeout", "ocsp_query_failed", 500, "responder: no answer within response_timeout"},
    errc_entry{errc::responder_tls_failed, "responder_tls_failed", "ocsp_query_failed", 500, "responder: TLS handshake or certificate check failed"},
    errc_entry{errc::responder_protocol_error, "responder_protocol_error", "ocsp_query_failed", 500, "responder: the answer is not valid HTTP/1.1"},
    errc_entry{errc::responder_http_status, "responder_http_status", "ocsp_query_failed", 500, "responder: HTTP status other than 200"},
    errc_entry{errc::responder_content_type, "responder_content_type", "ocsp_query_failed", 500, "responder: Content-Type is not application/ocsp-response"},
    errc_entry{errc::responder_body_too_large, "responder_body_too_large", "ocsp_query_failed", 500, "responder: the body exceeds the size cap"},
    errc_entry{errc::user_exists, "user_exists", "invalid_schema", 400, "users: the user already exists"},
    errc_entry{errc::user_not_found, "user_not_found", "not_found", 404, "users: no such user"},
    errc_entry{errc::invalid_user_name, "invalid_user_name", "invalid_schema", 400, "users: a name must be 1..64 characters of [A-Za-z0-9._@-]"},
    errc_entry{errc::weak_password, "weak_password", "invalid_schema", 400, "users: a password must be 8..1024 bytes"},
};

constexpr const errc_entry* find_entry(errc e) noexcept {
  for (const auto& entry : errc_table) {
    if (entry.code == e) return &entry;
  }
  return nullptr;
}

// boost::system::error_category has a protected non-virtual destructor by design (categories are
// never deleted through a base pointer), which -Wnon-virtual-dtor cannot know.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class ocsp_category final : public boost::system::error_category {
 public:
  // A fixed id makes codes compare equal across shared-library boundaries.
  constexpr ocsp_category() noexcept : error_category(0x6f637370'6c696230ULL) {}
  const char* name() const noexcept override { return "ocsp"; }
  std::string message(int ev) const override {
    const errc_entry* entry = find_entry(static_cast<errc>(ev));
    return entry ? std::string(entry->description) : "unknown ocsp error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& error_category() noexcept {
  static const ocsp_category instance;
  return instance;
}

std::string_view errc_name(errc e) noexcept {
  const errc_entry* entry = find_entry(e);
  return entry ? entry->name : "unknown";
}

std::string_view rest_error_code(errc e) noexcept {
  const errc_entry* entry = find_entry(e);
  return entry ? entry->rest_code : "internal_error";
}

unsigned http_status(errc e) noexcept {
  const errc_entry* entry = find_entry(e);
  return entry ? entry->status : 500;
}

errc error_info::ocsp_code() const noexcept {
  return code.category() == error_category() ? static_cast<errc>(code.value()) : errc::internal_error;
}

error_info make_error(errc code, std::string message) {
  return error_info{make_error_code(code), std::move(message)};
}

void outcome_throw_as_system_error_with_payload(const error_info& e) {
  throw boost::system::system_error(e.code, e.message);
}

}  // namespace ocsp
