// The OCSP response (RFC 6960 4.2): OCSPResponse, BasicOCSPResponse and SingleResponse, decoded
// into views and encoded back.
//
// `parse_ocsp_response` decodes a whole DER OCSPResponse with strict DER and RFC 6960's rules and
// no heap allocation: every byte field is a view into the buffer it was given, and the lists
// (single responses, extensions, certificates) are `element_list` views validated completely
// during the parse, so iterating them cannot fail. Keep that buffer alive as long as you use the
// result. `basic_response::tbs_response_data` is the exact signed bytes for signature checks.
//
// The encoders write the same structures with a der::writer (the test responder and fixtures use
// them) and are byte-exact: encode(parse(x)) == x for every x that parse accepts.
//
// Errors are ocsp::errc der_* and ocsp_* values (REST: invalid_ocsp_response).
#pragma once

#include "ocsp/cert_view.hpp"
#include "ocsp/der.hpp"
#include "ocsp/ocsp_types.hpp"
#include "ocsp/status.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ocsp {

/// RFC 6960 4.2.1: OCSPResponseStatus (4 is not used).
enum class response_status : std::uint8_t {
  successful = 0,
  malformed_request = 1,
  internal_error = 2,
  try_later = 3,
  sig_required = 5,
  unauthorized = 6,
};

/// The RFC name: "successful", "malformedRequest", "internalError", "tryLater", "sigRequired",
/// "unauthorized"; "" for a value outside the enumeration.
std::string_view to_string(response_status s) noexcept;

/// RFC 5280 5.3.1: CRLReason (7 is not used).
enum class revocation_reason : std::uint8_t {
  unspecified = 0,
  key_compromise = 1,
  ca_compromise = 2,
  affiliation_changed = 3,
  superseded = 4,
  cessation_of_operation = 5,
  certificate_hold = 6,
  remove_from_crl = 8,
  privilege_withdrawn = 9,
  aa_compromise = 10,
};

/// The RFC name: "unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
/// "superseded", "cessationOfOperation", "certificateHold", "removeFromCRL",
/// "privilegeWithdrawn", "aACompromise"; "" for a value outside the enumeration.
std::string_view to_string(revocation_reason r) noexcept;

/// RFC 6960 4.2.1:
///   SingleResponse ::= SEQUENCE {
///     certID                       CertID,
///     certStatus                   CertStatus,
///     thisUpdate                   GeneralizedTime,
///     nextUpdate         [0]       EXPLICIT GeneralizedTime OPTIONAL,
///     singleExtensions   [1]       EXPLICIT Extensions OPTIONAL }
struct single_response {
  cert_id id;
  cert_status status = cert_status::unknown;
  std::optional<std::chrono::sys_seconds> revocation_time;  // revoked only (the encoder requires it then)
  std::optional<revocation_reason> reason;                  // revoked only, when present
  std::chrono::sys_seconds this_update{};
  std::optional<std::chrono::sys_seconds> next_update;
  std::optional<extension_list> extensions;  // singleExtensions
};

/// Reads one SingleResponse and advances `in`; on failure `in` is unchanged.
/// errc::ocsp_bad_cert_status, errc::ocsp_bad_revocation_reason, der_*.
result<single_response> parse_single_response(der::reader& in) noexcept;
/// The same as a der::reader primitive (errc{} on success).
errc parse_single_response(der::reader& in, single_response& out) noexcept;

using single_response_list = element_list<single_response, parse_single_response>;

/// RFC 6960 4.2.1:
///   ResponderID ::= CHOICE {
///     byName   [1] Name,
///     byKey    [2] KeyHash }
struct responder_id {
  enum class kind : std::uint8_t { by_name, by_key };
  kind type = kind::by_name;
  der::bytes value;  // by_name: the whole Name element (DER, header included); by_key: the KeyHash OCTET STRING contents
};


/// RFC 6960 4.2.1:
///   BasicOCSPResponse ::= SEQUENCE {
///     tbsResponseData      ResponseData,
///     signatureAlgorithm   AlgorithmIdentifier,
///     signature            BIT STRING,
///     certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
///   ResponseData ::= SEQUENCE {
///     version              [0] EXPLICIT Version DEFAULT v1,
///     responderID              ResponderID,
///     producedAt               GeneralizedTime,
///     responses                SEQUENCE OF SingleResponse,
///     responseExtensions   [1] EXPLICIT Extensions OPTIONAL }
struct basic_response {
  der::bytes tbs_response_data;  // the exact encoded ResponseData element (header included): the signed bytes
  responder_id responder;
  std::chrono::sys_seconds produced_at{};
  single_response_list responses;             // at least one
  std::optional<extension_list> extensions;   // responseExtensions
  der::bytes signature_algorithm;             // OID contents
  der::bytes signature_parameters;            // the parameters element whole, empty when absent
  der::bit_string signature;
  certificate_list certs;  // empty when absent

  /// RFC 8954: the (first) nonce extension's value: the inner OCTET STRING contents when extnValue
  /// holds an OCTET STRING, else extnValue's contents as they are; nullopt without the extension.
  /// Extensions may repeat (docs/codec.md): a verifier that must not guess between two nonces
  /// checks find_unique_extension.
  std::optional<der::bytes> nonce() const noexcept;
};

/// RFC 6960 4.2.1:
///   OCSPResponse ::= SEQUENCE {
///     responseStatus         OCSPResponseStatus,
///     responseBytes          [0] EXPLICIT ResponseBytes OPTIONAL }
struct ocsp_response {
  response_status status = response_status::internal_error;
  std::optional<basic_response> basic;  // present exactly when status is successful
};

/// Decodes a whole OCSPResponse; the views point into `der`. Zero heap allocations.
/// errc::ocsp_unknown_response_status, ocsp_missing_response_bytes, ocsp_unexpected_response_bytes,
/// ocsp_unsupported_response_type, ocsp_unsupported_version, ocsp_bad_cert_status,
/// ocsp_bad_revocation_reason, ocsp_no_single_response, der_*.
result<ocsp_response> parse_ocsp_response(der::bytes der) noexcept;

/// Encoders. Byte-exact: encode(parse(x)) == x for every x parse accepts. They write what the
/// structure holds without judging it (a non-successful ocsp_response with `basic` set is written
/// with responseBytes), except that a revoked single_response without revocation_time makes the
/// writer fail (errc::der_bad_time) rather than invent a time.
void encode(der::writer& out, const single_response& r) noexcept;
/// ResponseData from the fields (not by copying tbs_response_data).
void encode_tbs_response_data(der::writer& out, const basic_response& r) noexcept;
/// BasicOCSPResponse: ResponseData from the fields, signatureAlgorithm, signature, [0] certs when non-empty.
void encode(der::writer& out, const basic_response& r) noexcept;
/// OCSPResponse; responseBytes (id-pkix-ocsp-basic) wraps the BasicOCSPResponse when basic is set.
void encode(der::writer& out, const ocsp_response& r) noexcept;

}  // namespace ocsp
