// The OCSP request (RFC 6960 4.1): building the CertID of a certificate, writing the DER request a
// client sends, and parsing a request (what a responder receives) into a zero-copy view.
//
// make_cert_id hashes with OpenSSL (SHA-1 or SHA-256), the only part here that is not pure DER.
// write_ocsp_request writes what `openssl ocsp -issuer ca.pem -cert c.pem -reqout r.der` writes:
// one Request, unsigned, with an optional RFC 8954 nonce. Given a certificate and its issuer it
// hashes the issuer's Name and key on every call; a client that polls the same certificate again
// and again calls make_cert_id once and writes each request from the cert_id, which is several
// times faster and writes the same bytes. Neither allocates with a fixed der::writer.
// parse_ocsp_request is strict DER and allocates nothing; every field of an ocsp_request is a view
// into the bytes it was given, so keep them alive as long as the view is used.
// encode(out, parse(x)) writes x again, byte for byte.
//
// Errors: der_* for anything that is not strict DER or does not follow the grammar (an explicit
// DEFAULT version v1 is der_bad_integer), ocsp_unsupported_version for a version other than v1,
// ocsp_no_single_response for an empty requestList, and for the embedded certificates and
// requestorName those of parse_certificate / parse_general_name. An extension OID that appears
// twice is accepted, as parse_extensions accepts it (docs/codec.md): look extensions up with
// find_unique_extension where the ambiguity matters.
#pragma once

#include "ocsp/cert_view.hpp"
#include "ocsp/der.hpp"
#include "ocsp/error.hpp"
#include "ocsp/ocsp_types.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace ocsp {

enum class cert_id_hash { sha1, sha256 };

/// Where make_cert_id writes the two hashes its cert_id points to. The cert_id points into it: keep
/// it alive, and in place, as long as the cert_id is used.
struct cert_id_storage {
  std::array<std::uint8_t, 32> name_hash{}, key_hash{};
  std::uint8_t hash_size = 0;
};

/// Builds the CertID of `cert` issued by `issuer`: issuerNameHash = H(cert's issuer Name DER, which
/// must be byte-equal to the issuer's subject), issuerKeyHash = H(issuer's subjectPublicKey bits),
/// serialNumber = cert's serial; hashAlgorithm parameters NULL (05 00), as OpenSSL writes them.
/// The result points into `out` (hashes), into `cert` (serial) and to static OID constants.
/// Allocates nothing; safe to call from any number of threads.
/// Errors: certificate_issuer_mismatch when the names differ; internal_error if hashing fails.
result<cert_id> make_cert_id(const certificate_view& cert, const certificate_view& issuer, cert_id_hash hash,
                             cert_id_storage& out) noexcept;

/// RFC 6960 4.1.1:
///   Request ::= SEQUENCE {
///     reqCert                     CertID,
///     singleRequestExtensions     [0] EXPLICIT Extensions OPTIONAL }
struct single_request {
  cert_id id;
  std::optional<extension_list> extensions;
};

/// Reads one Request. On failure `in` is unchanged.
result<single_request> parse_single_request(der::reader& in) noexcept;
/// The same as a der::reader primitive (errc{} on success).
errc parse_single_request(der::reader& in, single_request& out) noexcept;
void encode(der::writer& out, const single_request& request) noexcept;

using single_request_list = element_list<single_request, parse_single_request>;

using request_certificate_list = certificate_list;

/// RFC 6960 4.1.1:
///   OCSPRequest ::= SEQUENCE {
///     tbsRequest                  TBSRequest,
///     optionalSignature   [0]     EXPLICIT Signature OPTIONAL }
///   TBSRequest ::= SEQUENCE {
///     version             [0]     EXPLICIT Version DEFAULT v1,
///     requestorName       [1]     EXPLICIT GeneralName OPTIONAL,
///     requestList                 SEQUENCE OF Request,
///     requestExtensions   [2]     EXPLICIT Extensions OPTIONAL }
///   Signature ::= SEQUENCE {
///     signatureAlgorithm      AlgorithmIdentifier,
///     signature               BIT STRING,
///     certs               [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
struct ocsp_request {
  der::bytes tbs_request;                     // whole TBSRequest element (the signed bytes)
  std::int64_t version = 0;                   // always 0 (v1) after parsing
  std::optional<der::bytes> requestor_name;   // [1] EXPLICIT GeneralName, whole inner element
  single_request_list requests;               // at least one
  std::optional<extension_list> extensions;   // requestExtensions [2] EXPLICIT
  bool is_signed = false;                     // optionalSignature [0] EXPLICIT present
  der::bytes signature_algorithm;             // OID contents when signed
  der::bytes signature_parameters;            // its parameters element (e.g. 05 00), empty when absent
  der::bit_string signature;                  // when signed
  bool has_certs = false;                     // certs [0] present (it may be an empty SEQUENCE)
  request_certificate_list certs;             // each a whole Certificate element

  /// RFC 8954: the contents of the OCTET STRING the (first) nonce extension holds, or its raw
  /// extnValue contents when it holds something else (pre-RFC 8954 clients); nullopt when there is
  /// no nonce. A responder that must not guess between two nonces checks find_unique_extension.
  std::optional<der::bytes> nonce() const noexcept;
};

/// Parses `der`, which must be exactly one OCSPRequest. Strict DER, no trailing bytes at any
/// level, no heap allocation.
result<ocsp_request> parse_ocsp_request(der::bytes der) noexcept;

struct request_options {
  cert_id_hash hash = cert_id_hash::sha1;
  /// The raw nonce octets (RFC 8954: 1 to 32 of them), written as extnValue = OCTET STRING(nonce).
  std::optional<der::bytes> nonce;
};

/// Writes the DER OCSPRequest (unsigned, one Request) for `cert` issued by `issuer` to `out`
/// (growable or fixed writer). Errors: those of make_cert_id; der_bad_length for a nonce that is
/// empty or longer than 32 octets; the writer's error (e.g. der_buffer_too_small).
result<void> write_ocsp_request(der::writer& out, const certificate_view& cert, const certificate_view& issuer,
                                const request_options& options = {}) noexcept;

/// The same request for a CertID made earlier by make_cert_id (or taken from a parsed request), for
/// a client that polls the same certificate again and again: it hashes the issuer's Name and key
/// once, not on every request. Byte-identical to the overload above when `id` is what make_cert_id
/// builds with `options.hash` and `nonce` is `options.nonce`. `id` is only read during the call.
/// Errors: der_bad_length for a nonce that is empty or longer than 32 octets; der_bad_integer for
/// a serial that is not a minimal INTEGER; the writer's error (e.g. der_buffer_too_small).
result<void> write_ocsp_request(der::writer& out, const cert_id& id,
                                std::optional<der::bytes> nonce = std::nullopt) noexcept;

/// Re-encodes a parsed request byte-exactly: encode(parse(x)) == x for every x parse accepts.
void encode(der::writer& out, const ocsp_request& request) noexcept;

}  // namespace ocsp
