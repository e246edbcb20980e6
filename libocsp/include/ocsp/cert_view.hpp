// A zero-copy view of an X.509 certificate (RFC 5280 4.1) and accessors for the extensions OCSP
// cares about: Authority Information Access, extended key usage, id-pkix-ocsp-nocheck, key usage
// and the TLS feature (must-staple).
//
// parse_certificate checks the DER strictly (through ocsp::der) and the structure of every field,
// but it does not verify the signature or any chain: it is a codec, not a validator. Every field
// of a certificate_view is a view into the bytes given to parse_certificate; keep them alive as
// long as the view is used. Parsing allocates nothing.
//
// Errors: der_* for anything that is not strict DER or does not follow the ASN.1 grammar (an
// explicitly encoded DEFAULT version is der_bad_integer, like an explicit critical FALSE);
// certificate_invalid for X.509 rules beyond the grammar (extensions outside v3, unique
// identifiers in v1, inner and outer signature algorithms that differ, an IA5String byte >= 0x80)
// and for a multi-valued RDN whose elements are not in DER SET OF order (X.690 11.6: errc has no
// der_* code for it). docs/codec.md, "Certificate view", lists every rule.
#pragma once

#include "ocsp/der.hpp"
#include "ocsp/error.hpp"
#include "ocsp/ocsp_types.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>

namespace ocsp {

/// RFC 5280 4.1:
///   Validity ::= SEQUENCE {
///     notBefore      Time,
///     notAfter       Time }
struct validity {
  std::chrono::sys_seconds not_before{}, not_after{};
};

/// RFC 5280 4.1 Certificate, zero-copy: every field is a view into the DER given to parse_certificate.
///   Certificate ::= SEQUENCE {
///     tbsCertificate       TBSCertificate,
///     signatureAlgorithm   AlgorithmIdentifier,
///     signatureValue       BIT STRING }
struct certificate_view {
  der::bytes der;                       // the whole Certificate element
  der::bytes tbs_certificate;           // the whole TBSCertificate element (signed bytes)
  std::int64_t version = 0;             // 0 = v1, 1 = v2, 2 = v3
  der::bytes serial_number;             // INTEGER contents octets
  der::bytes signature_algorithm;       // outer signatureAlgorithm OID contents
  der::bytes issuer;                    // whole Name element
  der::bytes subject;                   // whole Name element
  ocsp::validity validity;
  der::bytes subject_public_key_info;   // whole SubjectPublicKeyInfo element
  der::bytes public_key;                // subjectPublicKey BIT STRING bits (what issuerKeyHash hashes)
  std::optional<extension_list> extensions;  // [3] EXPLICIT, v3 only
  der::bit_string signature;
};

/// Parses `der`, which must be exactly one Certificate (no trailing bytes). Allocates nothing.
/// Errors: der_* (see above), certificate_invalid; der_bad_bit_string when the subjectPublicKey
/// has unused bits. An extension OID that appears twice is accepted here, as parse_extensions
/// accepts it (docs/codec.md); the accessors below refuse the one they are asked for.
result<certificate_view> parse_certificate(der::bytes der) noexcept;
/// The same as a der::reader primitive (errc{} on success).
errc parse_certificate(der::bytes der, certificate_view& out) noexcept;

/// Reads one element that must be a Certificate (checked as parse_certificate checks one) and
/// returns it whole, header included: an element of `certs` in OCSP requests and responses. From a
/// der::reader::validated reader (bytes accepted before: element_list's iteration) only the header
/// is read, so a list of certificates is parsed once. On failure `in` is unchanged.
result<der::bytes> parse_certificate_element(der::reader& in) noexcept;
errc parse_certificate_element(der::reader& in, der::bytes& out) noexcept;

/// `SEQUENCE OF Certificate`, each element whole.
using certificate_list = element_list<der::bytes, parse_certificate_element>;

/// RFC 5280 4.1.1.2:
///   AlgorithmIdentifier ::= SEQUENCE {
///     algorithm   OBJECT IDENTIFIER,
///     parameters  ANY DEFINED BY algorithm OPTIONAL }
struct algorithm_identifier {
  der::bytes oid;         // contents octets
  der::bytes parameters;  // the whole parameters element (e.g. 05 00), empty when absent
};

/// Reads one AlgorithmIdentifier; the parameters, when present, must be DER all the way down
/// (der::reader::read_any_valid). On failure `in` is unchanged.
result<algorithm_identifier> parse_algorithm_identifier(der::reader& in) noexcept;
errc parse_algorithm_identifier(der::reader& in, algorithm_identifier& out) noexcept;
void encode(der::writer& out, const algorithm_identifier& alg) noexcept;

/// Reads one GeneralName (RFC 5280 4.2.1.6) and returns the whole element. directoryName is checked
/// as a Name, the IA5String choices as IA5 (certificate_invalid otherwise), registeredID as an
/// OBJECT IDENTIFIER, otherName, x400Address and ediPartyName as DER all the way down; iPAddress
/// by its tag. Shared with the OCSP requestorName. On failure `in` is unchanged.
result<der::bytes> parse_general_name(der::reader& in) noexcept;
errc parse_general_name(der::reader& in, der::bytes& out) noexcept;

/// Reads one Name (RFC 5280 4.1.2.4: RDNSequence, SET OF AttributeTypeAndValue) and returns the
/// whole element. An empty RDNSequence is accepted; an empty RDN is der_truncated (SIZE (1..MAX));
/// the AttributeTypeAndValues of a multi-valued RDN must be in DER SET OF order (X.690 11.6),
/// certificate_invalid otherwise (equal encodings may repeat). On failure `in` is unchanged.
result<der::bytes> parse_name(der::reader& in) noexcept;
errc parse_name(der::reader& in, der::bytes& out) noexcept;

// --- Extension accessors ------------------------------------------------------------------------
// Each finds its extension and parses the value when asked: an extension that is present but
// malformed is an error (der_*, certificate_invalid), never "absent"; one that appears twice
// (RFC 5280 4.2: MUST NOT) is ocsp_duplicate_extension.

namespace detail {
/// A non-owning callable reference (the part of std::function_ref that for_each_ocsp_uri needs).
struct uri_visitor {
  void* context;
  void (*call)(void* context, std::string_view uri);
};
result<void> for_each_ocsp_uri(const certificate_view& cert, uri_visitor visit);
}  // namespace detail

/// AIA (RFC 5280 4.2.2.1): calls `f(std::string_view uri)` for each id-ad-ocsp accessLocation that
/// is a uniformResourceIdentifier, in certificate order. The whole extension is validated before
/// `f` is first called, so `f` sees nothing of a malformed extension. No extension: no calls, success.
/// The views point into the certificate's DER. Allocates nothing.
template <class F>
result<void> for_each_ocsp_uri(const certificate_view& cert, F&& f) {
  using function = std::remove_reference_t<F>;
  return detail::for_each_ocsp_uri(
      cert, detail::uri_visitor{const_cast<void*>(static_cast<const void*>(std::addressof(f))),
                                [](void* context, std::string_view uri) { (*static_cast<function*>(context))(uri); }});
}

/// The first OCSP URI of the AIA extension that starts with "http://" or "https://"; nullopt when
/// there is none (or no AIA extension).
result<std::optional<std::string_view>> first_ocsp_http_uri(const certificate_view& cert) noexcept;

/// Whether the extended key usage extension lists `purpose_oid` (contents octets, e.g.
/// oid::kp_ocsp_signing); false when there is no EKU extension. anyExtendedKeyUsage is not expanded.
result<bool> has_extended_key_usage(const certificate_view& cert, der::bytes purpose_oid) noexcept;

/// Whether the certificate carries id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1); its value must be NULL.
result<bool> has_ocsp_nocheck(const certificate_view& cert) noexcept;

/// Key usage bits (RFC 5280 4.2.1.3) with bit n as (1 << n): bit 0 digitalSignature, 5 keyCertSign,
/// 8 decipherOnly. nullopt when absent. As BoringSSL does, trailing zero bits are tolerated (some
/// CAs pad the named bit list); no bit set, or a bit >= 16 set, is certificate_invalid.
result<std::optional<std::uint16_t>> key_usage(const certificate_view& cert) noexcept;

/// RFC 7633: whether the TLS feature extension lists status_request (5). false when absent.
result<bool> must_staple(const certificate_view& cert) noexcept;

}  // namespace ocsp
