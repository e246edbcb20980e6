#include "ocsp/cert_view.hpp"

#include "ocsp/oids.hpp"
#include "detail/der_try.hpp"

#include <algorithm>

namespace ocsp {
namespace {

// The bytes `in` consumed since it was `before`.
der::bytes consumed(der::bytes before, const der::reader& in) noexcept { return before.first(before.size() - in.size()); }

// IA5String (X.680 41): the 128 characters of ISO 646 / ASCII.
bool is_ia5(der::bytes s) noexcept {
  return std::ranges::all_of(s, [](std::uint8_t c) { return c < 0x80; });
}

// The contents of a BIT STRING under an IMPLICIT tag, checked as der::reader::read_bit_string
// checks a universal one (the reader has no implicit-tag variant).
bool is_bit_string_contents(der::bytes b) noexcept {
  return !b.empty() && b[0] <= 7 && (b.size() > 1 || b[0] == 0) &&
         (b.size() == 1 || (b.back() & ((1U << b[0]) - 1U)) == 0);
}

// The contents of an OBJECT IDENTIFIER under an IMPLICIT tag, as der::reader::read_oid checks them.
bool is_oid_contents(der::bytes o) noexcept {
  if (o.empty() || (o.back() & 0x80) != 0) return false;
  bool at_start = true;
  for (const std::uint8_t b : o) {
    if (at_start && b == 0x80) return false;
    at_start = (b & 0x80) == 0;
  }
  return true;
}

// RFC 5280 4.1.2.4:
//   AttributeTypeAndValue ::= SEQUENCE {
//     type     AttributeType,
//     value    AttributeValue }
//   AttributeType ::= OBJECT IDENTIFIER
//   AttributeValue ::= ANY -- DEFINED BY AttributeType
result<void> parse_attribute_type_and_value(der::reader& in) noexcept {
  return der::restoring(in, [&]() noexcept -> result<void> {
    BOOST_OUTCOME_TRY(der::reader seq, in.read(der::tag::sequence));
    BOOST_OUTCOME_TRY(seq.read_oid());
    std::uint8_t t = 0;
    BOOST_OUTCOME_TRY(seq.read_any_valid(t));
    return seq.expect_end();
  });
}

// RFC 5280 4.1.2.4:
//   RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
result<void> parse_relative_distinguished_name(der::reader& in) noexcept {
  return der::restoring(in, [&]() noexcept -> result<void> {
    BOOST_OUTCOME_TRY(der::reader set, in.read(der::tag::set));
    if (set.empty()) return make_error_code(errc::der_truncated);  // SIZE (1..MAX), as parse_extensions
    while (!set.empty()) {
      BOOST_OUTCOME_TRY(parse_attribute_type_and_value(set));
    }
    return boost::outcome_v2::success();
  });
}

// RFC 5280 4.1:
//   Validity ::= SEQUENCE {
//     notBefore      Time,
//     notAfter       Time }
//   Time ::= CHOICE {
//     utcTime        UTCTime,
//     generalTime    GeneralizedTime }
result<validity> parse_validity(der::reader& in) noexcept {
  return der::restoring(in, [&]() noexcept -> result<validity> {
    BOOST_OUTCOME_TRY(der::reader seq, in.read(der::tag::sequence));
    validity v;
    BOOST_OUTCOME_TRY(v.not_before, seq.read_time());
    BOOST_OUTCOME_TRY(v.not_after, seq.read_time());
    BOOST_OUTCOME_TRY(seq.expect_end());
    return v;
  });
}

// RFC 5280 4.1:
//   SubjectPublicKeyInfo ::= SEQUENCE {
//     algorithm            AlgorithmIdentifier,
//     subjectPublicKey     BIT STRING }
// The key is hashed as whole octets (issuerKeyHash), so unused bits are refused.
result<void> parse_subject_public_key_info(der::reader& in, certificate_view& cert) noexcept {
  return der::restoring(in, [&]() noexcept -> result<void> {
    BOOST_OUTCOME_TRY(der::reader seq, in.read(der::tag::sequence, cert.subject_public_key_info));
    BOOST_OUTCOME_TRY(parse_algorithm_identifier(seq));
    BOOST_OUTCOME_TRY(const der::bit_string key, seq.read_bit_string());
    if (key.unused_bits != 0) return make_error_code(errc::der_bad_bit_string);
    cert.public_key = key.bits;
    return seq.expect_end();
  });
}

// RFC 5280 4.1:
//   Version ::= INTEGER { v1(0), v2(1), v3(2) }
// as `version [0] EXPLICIT Version DEFAULT v1`: DER forbids encoding the DEFAULT, so an explicit
// v1 is der_bad_integer (as an explicit critical FALSE is in parse_extension).
result<std::int64_t> parse_certificate_version(der::reader& in) noexcept {
  return der::restoring(in, [&]() noexcept -> result<std::int64_t> {
    BOOST_OUTCOME_TRY(const std::optional<der::reader> tagged, in.read_optional(der::tag::context_constructed(0)));
    if (!tagged) return std::int64_t{0};
    der::reader contents = *tagged;
    BOOST_OUTCOME_TRY(const std::int64_t version, contents.read_small_integer(0, 2));
    BOOST_OUTCOME_TRY(contents.expect_end());
    if (version == 0) return make_error_code(errc::der_bad_integer);
    return version;
  });
}

// RFC 5280 4.1:
//   UniqueIdentifier ::= BIT STRING
// under `issuerUniqueID [1] IMPLICIT` or `subjectUniqueID [2] IMPLICIT`, v2 or v3 only.
result<void> parse_unique_identifier(der::reader& in, unsigned number, std::int64_t version) noexcept {
  return der::restoring(in, [&]() noexcept -> result<void> {
    BOOST_OUTCOME_TRY(const std::optional<der::reader> id, in.read_optional(der::tag::context_primitive(number)));
    if (!id) return boost::outcome_v2::success();
    if (!is_bit_string_contents(id->data())) return make_error_code(errc::der_bad_bit_string);
    if (version < 1) return make_error_code(errc::certificate_invalid);
    return boost::outcome_v2::success();
  });
}

// RFC 5280 4.1:
//   TBSCertificate  ::=  SEQUENCE  {
//     version         [0]  EXPLICIT Version DEFAULT v1,
//     serialNumber         CertificateSerialNumber,
//     signature            AlgorithmIdentifier,
//     issuer               Name,
//     validity             Validity,
//     subject              Name,
//     subjectPublicKeyInfo SubjectPublicKeyInfo,
//     issuerUniqueID  [1]  IMPLICIT UniqueIdentifier OPTIONAL,
//                          -- If present, version MUST be v2 or v3
//     subjectUniqueID [2]  IMPLICIT UniqueIdentifier OPTIONAL,
//                          -- If present, version MUST be v2 or v3
//     extensions      [3]  EXPLICIT Extensions OPTIONAL
//                          -- If present, version MUST be v3 }
//   CertificateSerialNumber  ::=  INTEGER
//   Extensions  ::=  SEQUENCE SIZE (1..MAX) OF Extension
// `contents` is the SEQUENCE's contents; `signature` receives the inner AlgorithmIdentifier.
result<void> parse_tbs_certificate(der::reader contents, certificate_view& cert,
                                   algorithm_identifier& signature) noexcept {
  BOOST_OUTCOME_TRY(cert.version, parse_certificate_version(contents));
  BOOST_OUTCOME_TRY(cert.serial_number, contents.read_integer());
  BOOST_OUTCOME_TRY(signature, parse_algorithm_identifier(contents));
  BOOST_OUTCOME_TRY(cert.issuer, parse_name(contents));
  BOOST_OUTCOME_TRY(cert.validity, parse_validity(contents));
  BOOST_OUTCOME_TRY(cert.subject, parse_name(contents));
  BOOST_OUTCOME_TRY(parse_subject_public_key_info(contents, cert));
  BOOST_OUTCOME_TRY(parse_unique_identifier(contents, 1, cert.version));
  BOOST_OUTCOME_TRY(parse_unique_identifier(contents, 2, cert.version));
  BOOST_OUTCOME_TRY(const std::optional<der::reader> tagged, contents.read_optional(der::tag::context_constructed(3)));
  if (tagged) {
    der::reader explicit_contents = *tagged;
    BOOST_OUTCOME_TRY(const der::reader list, explicit_contents.read(der::tag::sequence));
    BOOST_OUTCOME_TRY(explicit_contents.expect_end());
    BOOST_OUTCOME_TRY(cert.extensions, parse_extensions(list));
    if (cert.version != 2) return make_error_code(errc::certificate_invalid);
  }
  return contents.expect_end();
}

// The extension with `oid`. RFC 5280 4.2: "A certificate MUST NOT include more than one instance of
// a particular extension"; parse_extensions accepts duplicates (docs/codec.md), so an accessor
// refuses them (ocsp_duplicate_extension) rather than guess which instance counts.
result<std::optional<extension>> find_certificate_extension(const certificate_view& cert, der::bytes oid) noexcept {
  if (!cert.extensions) return std::optional<extension>{};
  return find_unique_extension(*cert.extensions, oid);
}

// RFC 5280 4.2.2.1:
//   AccessDescription  ::=  SEQUENCE {
//     accessMethod          OBJECT IDENTIFIER,
//     accessLocation        GeneralName  }
struct access_description {
  der::bytes method;    // OID contents
  der::bytes location;  // the whole GeneralName element
};

result<access_description> parse_access_description(der::reader& in) noexcept {
  return der::restoring(in, [&]() noexcept -> result<access_description> {
    BOOST_OUTCOME_TRY(der::reader seq, in.read(der::tag::sequence));
    access_description ad;
    BOOST_OUTCOME_TRY(ad.method, seq.read_oid());
    BOOST_OUTCOME_TRY(ad.location, parse_general_name(seq));
    BOOST_OUTCOME_TRY(seq.expect_end());
    return ad;
  });
}

constexpr std::uint8_t uniform_resource_identifier = der::tag::context_primitive(6);

// RFC 5280 4.2.2.1:
//   AuthorityInfoAccessSyntax  ::=  SEQUENCE SIZE (1..MAX) OF AccessDescription
// Validates the whole value; then, when `visit` is given, calls it for each OCSP URI.
result<void> walk_authority_info_access(der::bytes value, const detail::uri_visitor* visit) {
  BOOST_OUTCOME_TRY(der::reader list, der::read_single(value, der::tag::sequence));
  if (list.empty()) return make_error_code(errc::der_truncated);  // SIZE (1..MAX)
  while (!list.empty()) {
    BOOST_OUTCOME_TRY(const access_description ad, parse_access_description(list));
    if (visit != nullptr && oid::equal(ad.method, oid::ad_ocsp) && ad.location.front() == uniform_resource_identifier) {
      // parse_general_name read this element: reading it again cannot fail.
      const der::bytes uri = der::read_single(ad.location, uniform_resource_identifier).assume_value().data();
      visit->call(visit->context, std::string_view(reinterpret_cast<const char*>(uri.data()), uri.size()));
    }
  }
  return boost::outcome_v2::success();
}

}  // namespace

// AlgorithmIdentifier (RFC 5280 4.1.1.2): see cert_view.hpp.
result<algorithm_identifier> parse_algorithm_identifier(der::reader& in) noexcept {
  return der::restoring(in, [&]() noexcept -> result<algorithm_identifier> {
    BOOST_OUTCOME_TRY(der::reader seq, in.read(der::tag::sequence));
    algorithm_identifier alg;
    BOOST_OUTCOME_TRY(alg.oid, seq.read_oid());
    if (!seq.empty()) {
      const der::bytes before = seq.data();
      std::uint8_t t = 0;
      BOOST_OUTCOME_TRY(seq.read_any_valid(t));
      alg.parameters = consumed(before, seq);
    }
    BOOST_OUTCOME_TRY(seq.expect_end());
    return alg;
  });
}

void encode(der::writer& out, const algorithm_identifier& alg) noexcept {
  out.begin(der::tag::sequence);
  out.add_oid(alg.oid);
  out.add_raw(alg.parameters);
  out.end();
}

// RFC 5280 4.1.2.4:
//   Name ::= CHOICE { -- only one possibility for now --
//     rdnSequence  RDNSequence }
//   RDNSequence ::= SEQUENCE OF RelativeDistinguishedName
result<der::bytes> parse_name(der::reader& in) noexcept {
  return der::restoring(in, [&]() noexcept -> result<der::bytes> {
    der::bytes element;
    BOOST_OUTCOME_TRY(der::reader seq, in.read(der::tag::sequence, element));
    while (!seq.empty()) {
      BOOST_OUTCOME_TRY(parse_relative_distinguished_name(seq));
    }
    return element;
  });
}

// RFC 5280 4.2.1.6 (implicitly tagged module):
//   GeneralName ::= CHOICE {
//     otherName                       [0]     OtherName,
//     rfc822Name                      [1]     IA5String,
//     dNSName                         [2]     IA5String,
//     x400Address                     [3]     ORAddress,
//     directoryName                   [4]     Name,
//     ediPartyName                    [5]     EDIPartyName,
//     uniformResourceIdentifier       [6]     IA5String,
//     iPAddress                       [7]     OCTET STRING,
//     registeredID                    [8]     OBJECT IDENTIFIER }
//   OtherName ::= SEQUENCE {
//     type-id    OBJECT IDENTIFIER,
//     value      [0] EXPLICIT ANY DEFINED BY type-id }
// directoryName is a CHOICE, so its tag is explicit: [4] holds one whole Name.
result<der::bytes> parse_general_name(der::reader& in) noexcept {
  return der::restoring(in, [&]() noexcept -> result<der::bytes> {
    const der::bytes before = in.data();
    std::uint8_t t = 0;
    BOOST_OUTCOME_TRY(der::reader contents, in.read_any(t));
    const der::bytes element = consumed(before, in);
    switch (t) {
      case der::tag::context_constructed(0): {
        BOOST_OUTCOME_TRY(contents.read_oid());
        BOOST_OUTCOME_TRY(der::reader value, contents.read(der::tag::context_constructed(0)));
        std::uint8_t value_tag = 0;
        BOOST_OUTCOME_TRY(value.read_any_valid(value_tag));
        BOOST_OUTCOME_TRY(value.expect_end());
        BOOST_OUTCOME_TRY(contents.expect_end());
        return element;
      }
      case der::tag::context_primitive(1):
      case der::tag::context_primitive(2):
      case der::tag::context_primitive(6):
        if (!is_ia5(contents.data())) return make_error_code(errc::certificate_invalid);
        return element;
      case der::tag::context_constructed(3):  // ORAddress: not used by OCSP, kept as an element
      case der::tag::context_constructed(5): {  // EDIPartyName: likewise; still DER all the way down
        der::reader whole(element);
        std::uint8_t whole_tag = 0;
        BOOST_OUTCOME_TRY(whole.read_any_valid(whole_tag));
        return element;
      }
      case der::tag::context_primitive(7):
        return element;
      case der::tag::context_constructed(4): {
        BOOST_OUTCOME_TRY(parse_name(contents));
        BOOST_OUTCOME_TRY(contents.expect_end());
        return element;
      }
      case der::tag::context_primitive(8):
        if (!is_oid_contents(contents.data())) return make_error_code(errc::der_bad_oid);
        return element;
      default:
        return make_error_code(errc::der_unexpected_tag);
    }
  });
}

// RFC 5280 4.1:
//   Certificate  ::=  SEQUENCE  {
//     tbsCertificate       TBSCertificate,
//     signatureAlgorithm   AlgorithmIdentifier,
//     signatureValue       BIT STRING  }
// 4.1.1.2: signatureAlgorithm MUST be the same as the signature field of TBSCertificate.
result<certificate_view> parse_certificate(der::bytes der) noexcept {
  certificate_view cert;
  der::reader outer(der);
  BOOST_OUTCOME_TRY(der::reader seq, outer.read(der::tag::sequence, cert.der));
  BOOST_OUTCOME_TRY(outer.expect_end());
  BOOST_OUTCOME_TRY(const der::reader tbs, seq.read(der::tag::sequence, cert.tbs_certificate));
  algorithm_identifier inner_algorithm;
  BOOST_OUTCOME_TRY(parse_tbs_certificate(tbs, cert, inner_algorithm));
  BOOST_OUTCOME_TRY(const algorithm_identifier algorithm, parse_algorithm_identifier(seq));
  BOOST_OUTCOME_TRY(cert.signature, seq.read_bit_string());
  BOOST_OUTCOME_TRY(seq.expect_end());
  if (!std::ranges::equal(algorithm.oid, inner_algorithm.oid) ||
      !std::ranges::equal(algorithm.parameters, inner_algorithm.parameters)) {
    return make_error_code(errc::certificate_invalid);
  }
  cert.signature_algorithm = algorithm.oid;
  return cert;
}

result<void> detail::for_each_ocsp_uri(const certificate_view& cert, uri_visitor visit) {
  BOOST_OUTCOME_TRY(const std::optional<extension> aia, find_certificate_extension(cert, oid::pe_authority_info_access));
  if (!aia) return boost::outcome_v2::success();
  // Validate everything first, so the callback never sees part of a malformed extension.
  BOOST_OUTCOME_TRY(walk_authority_info_access(aia->value, nullptr));
  return walk_authority_info_access(aia->value, &visit);
}

result<std::optional<std::string_view>> first_ocsp_http_uri(const certificate_view& cert) noexcept {
  std::optional<std::string_view> first;
  BOOST_OUTCOME_TRY(for_each_ocsp_uri(cert, [&first](std::string_view uri) noexcept {
    if (!first && (uri.starts_with("http://") || uri.starts_with("https://"))) first = uri;
  }));
  return first;
}

// RFC 5280 4.2.1.12:
//   ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId
//   KeyPurposeId ::= OBJECT IDENTIFIER
result<bool> has_extended_key_usage(const certificate_view& cert, der::bytes purpose_oid) noexcept {
  BOOST_OUTCOME_TRY(const std::optional<extension> eku, find_certificate_extension(cert, oid::ce_ext_key_usage));
  if (!eku) return false;
  BOOST_OUTCOME_TRY(der::reader list, der::read_single(eku->value, der::tag::sequence));
  if (list.empty()) return make_error_code(errc::der_truncated);  // SIZE (1..MAX)
  bool found = false;
  while (!list.empty()) {
    BOOST_OUTCOME_TRY(const der::bytes purpose, list.read_oid());
    found = found || oid::equal(purpose, purpose_oid);
  }
  return found;
}

// RFC 6960 4.2.2.2.1:
//   id-pkix-ocsp-nocheck OBJECT IDENTIFIER ::= { id-pkix-ocsp 5 }
//   extnValue is NULL.
result<bool> has_ocsp_nocheck(const certificate_view& cert) noexcept {
  BOOST_OUTCOME_TRY(const std::optional<extension> nocheck, find_certificate_extension(cert, oid::pkix_ocsp_nocheck));
  if (!nocheck) return false;
  der::reader value(nocheck->value);
  BOOST_OUTCOME_TRY(value.read_null());
  BOOST_OUTCOME_TRY(value.expect_end());
  return true;
}

// RFC 5280 4.2.1.3:
//   KeyUsage ::= BIT STRING {
//     digitalSignature        (0),
//     nonRepudiation          (1), -- recent editions of X.509 have
//                                  -- renamed this bit to contentCommitment
//     keyEncipherment         (2),
//     dataEncipherment        (3),
//     keyAgreement            (4),
//     keyCertSign             (5),
//     cRLSign                 (6),
//     encipherOnly            (7),
//     decipherOnly            (8) }
// "When the keyUsage extension appears in a certificate, at least one of the bits MUST be set to 1."
result<std::optional<std::uint16_t>> key_usage(const certificate_view& cert) noexcept {
  BOOST_OUTCOME_TRY(const std::optional<extension> ku, find_certificate_extension(cert, oid::ce_key_usage));
  if (!ku) return std::optional<std::uint16_t>{};
  der::reader value(ku->value);
  BOOST_OUTCOME_TRY(const der::bit_string bits, value.read_bit_string());
  BOOST_OUTCOME_TRY(value.expect_end());
  // X.680 named bits: bit 0 is the most significant bit of the first octet.
  unsigned usage = 0;
  for (std::size_t i = 0; i < bits.bits.size(); ++i) {
    if (i >= 2) {
      if (bits.bits[i] != 0) return make_error_code(errc::certificate_invalid);  // no such key usage
      continue;
    }
    for (unsigned bit = 0; bit < 8; ++bit) {
      if ((bits.bits[i] & (0x80U >> bit)) != 0) usage |= 1U << (8 * i + bit);
    }
  }
  if (usage == 0) return make_error_code(errc::certificate_invalid);
  return std::optional<std::uint16_t>(static_cast<std::uint16_t>(usage));
}

// RFC 7633 6:
//   Features ::= SEQUENCE OF INTEGER
// The integers are TLS extension types (0..65535); status_request is 5 (RFC 6066).
result<bool> must_staple(const certificate_view& cert) noexcept {
  BOOST_OUTCOME_TRY(const std::optional<extension> feature, find_certificate_extension(cert, oid::pe_tls_feature));
  if (!feature) return false;
  BOOST_OUTCOME_TRY(der::reader list, der::read_single(feature->value, der::tag::sequence));
  bool status_request = false;
  while (!list.empty()) {
    BOOST_OUTCOME_TRY(const std::int64_t type, list.read_small_integer(0, 65535));
    status_request = status_request || type == 5;
  }
  return status_request;
}

}  // namespace ocsp

namespace ocsp {
namespace {
template <class T>
errc unwrap(result<T> r, T& out) noexcept {
  if (!r) return static_cast<errc>(r.error().value());
  out = r.value();
  return errc{};
}
}  // namespace
errc parse_certificate(der::bytes der, certificate_view& out) noexcept { return unwrap(parse_certificate(der), out); }
errc parse_algorithm_identifier(der::reader& in, algorithm_identifier& out) noexcept {
  return unwrap(parse_algorithm_identifier(in), out);
}
errc parse_name(der::reader& in, der::bytes& out) noexcept { return unwrap(parse_name(in), out); }

// Certificate element (RFC 5280 4.1): see cert_view.hpp.
errc parse_certificate_element(der::reader& in, der::bytes& out) noexcept {
  der::reader probe = in, contents;
  der::bytes element;
  OCSP_DER_TRY(probe.get(der::tag::sequence, contents, &element));
  certificate_view cert;
  OCSP_DER_TRY(parse_certificate(element, cert));
  in = probe;
  out = element;
  return errc{};
}

result<der::bytes> parse_certificate_element(der::reader& in) noexcept {
  der::bytes element;
  if (const errc e = parse_certificate_element(in, element); !der::ok(e)) return make_error_code(e);
  return element;
}

}  // namespace ocsp
