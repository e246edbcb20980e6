#include "ocsp/cert_view.hpp"

#include "ocsp/oids.hpp"
#include "detail/der_try.hpp"

#include <algorithm>
#include <cstring>

// The productions below are der::reader primitives in the CBS style: they answer with an errc
// (errc{} on success) and fill out-parameters. The internal get_* functions do not put their
// reader back on failure, so that the certificate parse copies no readers; the public parse_*
// functions do, and the result<> ones wrap those.

namespace ocsp {
namespace {

// The bytes `in` consumed since it was `before`.
der::bytes consumed(der::bytes before, const der::reader& in) noexcept { return before.first(before.size() - in.size()); }

template <class T>
result<T> wrap(errc e, const T& value) noexcept {
  if (!der::ok(e)) return make_error_code(e);
  return value;
}

// `data` must be exactly one element with tag `t`; `contents` receives its contents.
errc get_single(der::bytes data, std::uint8_t t, der::reader& contents) noexcept {
  der::reader whole(data);
  OCSP_DER_TRY(whole.get(t, contents));
  return whole.end();
}

// IA5String (X.680 41): the 128 characters of ISO 646 / ASCII.
bool is_ia5(der::bytes s) noexcept {
  return std::ranges::all_of(s, [](std::uint8_t c) { return c < 0x80; });
}

// X.690 11.6: "The encodings of the component values of a set-of value shall appear in ascending
// order, the encodings being compared as octet strings with the shorter components being padded
// at their trailing end with 0-octets." Whether `previous` may come before `next`; equal
// encodings may follow each other (ascending, not strictly).
bool in_set_of_order(der::bytes previous, der::bytes next) noexcept {
  const std::size_t common = std::min(previous.size(), next.size());
  if (common != 0) {
    if (const int c = std::memcmp(previous.data(), next.data(), common); c != 0) return c < 0;
  }
  // The common part is equal: the longer one is greater unless its tail is all padding (zeros).
  // (For two whole DER elements this cannot happen: equal headers mean equal lengths.)
  return std::ranges::all_of(previous.subspan(common), [](std::uint8_t b) { return b == 0; });
}

// RFC 5280 4.1.1.2:
//   AlgorithmIdentifier ::= SEQUENCE {
//     algorithm   OBJECT IDENTIFIER,
//     parameters  ANY DEFINED BY algorithm OPTIONAL }
errc get_algorithm_identifier(der::reader& in, algorithm_identifier& alg) noexcept {
  der::reader seq, parameters;
  OCSP_DER_TRY(in.get(der::tag::sequence, seq));
  OCSP_DER_TRY(seq.get_oid(alg.oid));
  alg.parameters = {};
  if (!seq.empty()) {
    std::uint8_t t = 0;
    OCSP_DER_TRY(seq.get_any_valid(t, parameters, &alg.parameters));
  }
  return seq.end();
}

// RFC 5280 4.1.2.4:
//   AttributeTypeAndValue ::= SEQUENCE {
//     type     AttributeType,
//     value    AttributeValue }
//   AttributeType ::= OBJECT IDENTIFIER
//   AttributeValue ::= ANY -- DEFINED BY AttributeType
// `element` receives the whole element (the SET OF order compares them).
errc get_attribute_type_and_value(der::reader& in, der::bytes& element) noexcept {
  der::reader seq, value;
  OCSP_DER_TRY(in.get(der::tag::sequence, seq, &element));
  der::bytes type;
  OCSP_DER_TRY(seq.get_oid(type));
  std::uint8_t t = 0;
  OCSP_DER_TRY(seq.get_any_valid(t, value));
  return seq.end();
}

// RFC 5280 4.1.2.4:
//   RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
// An empty SET is der_truncated (as an empty Extensions is). The elements must be in DER order
// (X.690 11.6); errc has no DER code for a misordered SET OF, so that is certificate_invalid.
errc get_relative_distinguished_name(der::reader& in) noexcept {
  der::reader set;
  OCSP_DER_TRY(in.get(der::tag::set, set));
  der::bytes previous, next;
  OCSP_DER_TRY(get_attribute_type_and_value(set, previous));  // SIZE (1..MAX): empty is der_truncated
  while (!set.empty()) {  // a multi-valued RDN
    OCSP_DER_TRY(get_attribute_type_and_value(set, next));
    if (!in_set_of_order(previous, next)) return errc::certificate_invalid;
    previous = next;
  }
  return errc{};
}

// RFC 5280 4.1.2.4:
//   Name ::= CHOICE { -- only one possibility for now --
//     rdnSequence  RDNSequence }
//   RDNSequence ::= SEQUENCE OF RelativeDistinguishedName
// An empty RDNSequence is allowed (an empty subject, RFC 5280 4.1.2.6).
errc get_name(der::reader& in, der::bytes& element) noexcept {
  der::reader seq;
  OCSP_DER_TRY(in.get(der::tag::sequence, seq, &element));
  while (!seq.empty()) {
    OCSP_DER_TRY(get_relative_distinguished_name(seq));
  }
  return errc{};
}

// The contents of the GeneralName choices that get_general_name reads with get_any.
errc check_general_name_contents(std::uint8_t t, der::reader& contents) noexcept {
  switch (t) {
    case der::tag::context_constructed(0): {  // otherName
      der::reader value, inner;
      der::bytes type;
      OCSP_DER_TRY(contents.get_oid(type));
      OCSP_DER_TRY(contents.get(der::tag::context_constructed(0), value));
      std::uint8_t value_tag = 0;
      OCSP_DER_TRY(value.get_any_valid(value_tag, inner));
      OCSP_DER_TRY(value.end());
      return contents.end();
    }
    case der::tag::context_primitive(1):  // rfc822Name
    case der::tag::context_primitive(2):  // dNSName
    case der::tag::context_primitive(6):  // uniformResourceIdentifier
      return is_ia5(contents.data()) ? errc{} : errc::certificate_invalid;
    case der::tag::context_primitive(7):  // iPAddress
      return errc{};
    case der::tag::context_constructed(4): {  // directoryName
      der::bytes name;
      OCSP_DER_TRY(get_name(contents, name));
      return contents.end();
    }
    default:
      return errc::der_unexpected_tag;
  }
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
errc get_general_name(der::reader& in, der::bytes& element) noexcept {
  const der::bytes before = in.data();
  const std::optional<std::uint8_t> next = in.peek_tag();
  if (!next) return errc::der_truncated;
  der::reader contents;
  std::uint8_t t = 0;
  switch (*next) {
    case der::tag::context_primitive(8): {  // registeredID
      der::bytes id;
      OCSP_DER_TRY(in.get_oid(id, *next));
      break;
    }
    case der::tag::context_constructed(3):  // ORAddress: not used by OCSP, kept as an element
    case der::tag::context_constructed(5):  // EDIPartyName: likewise; still DER all the way down
      OCSP_DER_TRY(in.get_any_valid(t, contents));
      break;
    default:
      OCSP_DER_TRY(in.get_any(t, contents));
      OCSP_DER_TRY(check_general_name_contents(t, contents));
      break;
  }
  element = consumed(before, in);
  return errc{};
}

// RFC 5280 4.1:
//   Validity ::= SEQUENCE {
//     notBefore      Time,
//     notAfter       Time }
//   Time ::= CHOICE {
//     utcTime        UTCTime,
//     generalTime    GeneralizedTime }
errc get_validity(der::reader& in, validity& v) noexcept {
  der::reader seq;
  OCSP_DER_TRY(in.get(der::tag::sequence, seq));
  OCSP_DER_TRY(seq.get_time(v.not_before));
  OCSP_DER_TRY(seq.get_time(v.not_after));
  return seq.end();
}

// RFC 5280 4.1:
//   SubjectPublicKeyInfo ::= SEQUENCE {
//     algorithm            AlgorithmIdentifier,
//     subjectPublicKey     BIT STRING }
// The key is hashed as whole octets (issuerKeyHash), so unused bits are refused.
errc get_subject_public_key_info(der::reader& in, certificate_view& cert) noexcept {
  der::reader seq;
  OCSP_DER_TRY(in.get(der::tag::sequence, seq, &cert.subject_public_key_info));
  algorithm_identifier algorithm;
  OCSP_DER_TRY(get_algorithm_identifier(seq, algorithm));
  der::bit_string key;
  OCSP_DER_TRY(seq.get_bit_string(key));
  if (key.unused_bits != 0) return errc::der_bad_bit_string;
  cert.public_key = key.bits;
  return seq.end();
}

// RFC 5280 4.1:
//   Version ::= INTEGER { v1(0), v2(1), v3(2) }
// as `version [0] EXPLICIT Version DEFAULT v1`: DER forbids encoding the DEFAULT, so an explicit
// v1 is der_bad_integer (as an explicit critical FALSE is in parse_extension).
errc get_certificate_version(der::reader& in, std::int64_t& version) noexcept {
  der::reader tagged;
  bool present = false;
  OCSP_DER_TRY(in.get_optional(der::tag::context_constructed(0), tagged, present));
  version = 0;
  if (!present) return errc{};
  OCSP_DER_TRY(tagged.get_int64(der::tag::integer, 0, 2, version));
  OCSP_DER_TRY(tagged.end());
  return version == 0 ? errc::der_bad_integer : errc{};
}

// RFC 5280 4.1:
//   UniqueIdentifier ::= BIT STRING
// under `issuerUniqueID [1] IMPLICIT` or `subjectUniqueID [2] IMPLICIT`, v2 or v3 only.
errc get_unique_identifier(der::reader& in, unsigned number, std::int64_t version) noexcept {
  const std::uint8_t t = der::tag::context_primitive(number);
  if (!in.next_is(t)) return errc{};
  der::bit_string id;
  OCSP_DER_TRY(in.get_bit_string(id, t));
  return version < 1 ? errc::certificate_invalid : errc{};
}

// RFC 5280 4.1:
//   extensions      [3]  EXPLICIT Extensions OPTIONAL
//                        -- If present, version MUST be v3
//   Extensions  ::=  SEQUENCE SIZE (1..MAX) OF Extension
errc get_certificate_extensions(der::reader& in, std::int64_t version, std::optional<extension_list>& out) noexcept {
  out.reset();
  if (!in.next_is(der::tag::context_constructed(3))) return errc{};
  der::reader wrapper, list;
  OCSP_DER_TRY(in.get(der::tag::context_constructed(3), wrapper));
  OCSP_DER_TRY(wrapper.get(der::tag::sequence, list));
  OCSP_DER_TRY(wrapper.end());
  OCSP_DER_TRY(parse_extensions(list, out.emplace()));
  return version != 2 ? errc::certificate_invalid : errc{};
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
// `contents` is the SEQUENCE's contents; `signature` receives the inner AlgorithmIdentifier.
errc get_tbs_certificate(der::reader& contents, certificate_view& cert, algorithm_identifier& signature) noexcept {
  OCSP_DER_TRY(get_certificate_version(contents, cert.version));
  OCSP_DER_TRY(contents.get_integer(cert.serial_number));
  OCSP_DER_TRY(get_algorithm_identifier(contents, signature));
  OCSP_DER_TRY(get_name(contents, cert.issuer));
  OCSP_DER_TRY(get_validity(contents, cert.validity));
  OCSP_DER_TRY(get_name(contents, cert.subject));
  OCSP_DER_TRY(get_subject_public_key_info(contents, cert));
  OCSP_DER_TRY(get_unique_identifier(contents, 1, cert.version));
  OCSP_DER_TRY(get_unique_identifier(contents, 2, cert.version));
  OCSP_DER_TRY(get_certificate_extensions(contents, cert.version, cert.extensions));
  return contents.end();
}

// RFC 5280 4.1:
//   Certificate  ::=  SEQUENCE  {
//     tbsCertificate       TBSCertificate,
//     signatureAlgorithm   AlgorithmIdentifier,
//     signatureValue       BIT STRING  }
// 4.1.1.2: signatureAlgorithm MUST be the same as the signature field of TBSCertificate.
// `contents` is the SEQUENCE's contents; the caller sets cert.der.
errc get_certificate(der::reader& contents, certificate_view& cert) noexcept {
  der::reader tbs;
  OCSP_DER_TRY(contents.get(der::tag::sequence, tbs, &cert.tbs_certificate));
  algorithm_identifier inner, outer;
  OCSP_DER_TRY(get_tbs_certificate(tbs, cert, inner));
  OCSP_DER_TRY(get_algorithm_identifier(contents, outer));
  OCSP_DER_TRY(contents.get_bit_string(cert.signature));
  OCSP_DER_TRY(contents.end());
  if (!std::ranges::equal(outer.oid, inner.oid) || !std::ranges::equal(outer.parameters, inner.parameters)) {
    return errc::certificate_invalid;
  }
  cert.signature_algorithm = outer.oid;
  return errc{};
}

// The extension with `oid`. RFC 5280 4.2: "A certificate MUST NOT include more than one instance of
// a particular extension"; parse_extensions accepts duplicates (docs/codec.md), so an accessor
// refuses them (ocsp_duplicate_extension) rather than guess which instance counts.
result<std::optional<extension>> find_certificate_extension(const certificate_view& cert, der::bytes oid) noexcept {
  if (!cert.extensions) return std::optional<extension>{};
  return find_unique_extension(*cert.extensions, oid);
}

constexpr std::uint8_t uniform_resource_identifier = der::tag::context_primitive(6);

// RFC 5280 4.2.2.1:
//   AuthorityInfoAccessSyntax  ::=  SEQUENCE SIZE (1..MAX) OF AccessDescription
//   AccessDescription  ::=  SEQUENCE {
//     accessMethod          OBJECT IDENTIFIER,
//     accessLocation        GeneralName  }
// Validates the whole value; then, when `visit` is given, calls it for each OCSP URI (not
// noexcept: the caller's function may throw).
errc walk_authority_info_access(der::bytes value, const detail::uri_visitor* visit) {
  der::reader list;
  OCSP_DER_TRY(get_single(value, der::tag::sequence, list));
  if (list.empty()) return errc::der_truncated;  // SIZE (1..MAX)
  while (!list.empty()) {
    der::reader seq;
    der::bytes method, location;
    OCSP_DER_TRY(list.get(der::tag::sequence, seq));
    OCSP_DER_TRY(seq.get_oid(method));
    OCSP_DER_TRY(get_general_name(seq, location));
    OCSP_DER_TRY(seq.end());
    if (visit != nullptr && oid::equal(method, oid::ad_ocsp) && location.front() == uniform_resource_identifier) {
      der::reader uri;
      // get_general_name read this element: reading its header again cannot fail.
      [[maybe_unused]] const errc e = der::reader(location).get(uniform_resource_identifier, uri);
      visit->call(visit->context, std::string_view(reinterpret_cast<const char*>(uri.data().data()), uri.size()));
    }
  }
  return errc{};
}

// RFC 5280 4.2.1.12:
//   ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId
//   KeyPurposeId ::= OBJECT IDENTIFIER
errc get_extended_key_usage(der::bytes value, der::bytes purpose_oid, bool& found) noexcept {
  der::reader list;
  OCSP_DER_TRY(get_single(value, der::tag::sequence, list));
  if (list.empty()) return errc::der_truncated;  // SIZE (1..MAX)
  found = false;
  while (!list.empty()) {
    der::bytes purpose;
    OCSP_DER_TRY(list.get_oid(purpose));
    found = found || oid::equal(purpose, purpose_oid);
  }
  return errc{};
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
errc get_key_usage(der::bytes value, std::uint16_t& out) noexcept {
  der::reader r(value);
  der::bit_string bits;
  OCSP_DER_TRY(r.get_bit_string(bits));
  OCSP_DER_TRY(r.end());
  // X.680 named bits: bit 0 is the most significant bit of the first octet.
  unsigned usage = 0;
  for (std::size_t i = 0; i < bits.bits.size(); ++i) {
    if (i >= 2) {
      if (bits.bits[i] != 0) return errc::certificate_invalid;  // no such key usage
      continue;
    }
    for (unsigned bit = 0; bit < 8; ++bit) {
      if ((bits.bits[i] & (0x80U >> bit)) != 0) usage |= 1U << (8 * i + bit);
    }
  }
  if (usage == 0) return errc::certificate_invalid;
  out = static_cast<std::uint16_t>(usage);
  return errc{};
}

// RFC 7633 6:
//   Features ::= SEQUENCE OF INTEGER
// The integers are TLS extension types (0..65535); status_request is 5 (RFC 6066).
errc get_status_request_feature(der::bytes value, bool& status_request) noexcept {
  der::reader list;
  OCSP_DER_TRY(get_single(value, der::tag::sequence, list));
  status_request = false;
  while (!list.empty()) {
    std::int64_t type = 0;
    OCSP_DER_TRY(list.get_int64(der::tag::integer, 0, 65535, type));
    status_request = status_request || type == 5;
  }
  return errc{};
}

// The public primitives: `Get` on `in`, which is put back where it was if `Get` fails.
template <class T, errc (*Get)(der::reader&, T&) noexcept>
errc restore_on_failure(der::reader& in, T& out) noexcept {
  const der::reader saved = in;
  const errc e = Get(in, out);
  if (!der::ok(e)) [[unlikely]] in = saved;
  return e;
}

template <class T, errc (*Get)(der::reader&, T&) noexcept>
result<T> restore_on_failure(der::reader& in) noexcept {
  T out{};
  return wrap(restore_on_failure<T, Get>(in, out), out);
}

}  // namespace

// AlgorithmIdentifier (RFC 5280 4.1.1.2): see cert_view.hpp.
errc parse_algorithm_identifier(der::reader& in, algorithm_identifier& out) noexcept {
  return restore_on_failure<algorithm_identifier, get_algorithm_identifier>(in, out);
}

result<algorithm_identifier> parse_algorithm_identifier(der::reader& in) noexcept {
  return restore_on_failure<algorithm_identifier, get_algorithm_identifier>(in);
}

void encode(der::writer& out, const algorithm_identifier& alg) noexcept {
  out.begin(der::tag::sequence);
  out.add_oid(alg.oid);
  out.add_raw(alg.parameters);
  out.end();
}

// Name (RFC 5280 4.1.2.4): see cert_view.hpp.
errc parse_name(der::reader& in, der::bytes& out) noexcept { return restore_on_failure<der::bytes, get_name>(in, out); }

result<der::bytes> parse_name(der::reader& in) noexcept { return restore_on_failure<der::bytes, get_name>(in); }

// GeneralName (RFC 5280 4.2.1.6): see cert_view.hpp.
errc parse_general_name(der::reader& in, der::bytes& out) noexcept {
  return restore_on_failure<der::bytes, get_general_name>(in, out);
}

result<der::bytes> parse_general_name(der::reader& in) noexcept { return restore_on_failure<der::bytes, get_general_name>(in); }

// Certificate (RFC 5280 4.1): see cert_view.hpp.
errc parse_certificate(der::bytes der, certificate_view& cert) noexcept {
  der::reader outer(der), contents;
  OCSP_DER_TRY(outer.get(der::tag::sequence, contents, &cert.der));
  OCSP_DER_TRY(outer.end());
  return get_certificate(contents, cert);
}

result<certificate_view> parse_certificate(der::bytes der) noexcept {
  certificate_view cert;
  return wrap(parse_certificate(der, cert), cert);
}

// A Certificate element of `certs` (RFC 6960 4.1.1, 4.2.1): see cert_view.hpp. An element_list
// iterates its elements with a validated reader, over bytes this function accepted when the list
// was parsed: then the header is enough, and the certificate is not parsed a second time.
errc parse_certificate_element(der::reader& in, der::bytes& out) noexcept {
  der::reader contents;
  if (in.is_validated()) return in.get(der::tag::sequence, contents, &out);
  const der::reader saved = in;
  OCSP_DER_TRY(in.get(der::tag::sequence, contents, &out));
  certificate_view cert;
  if (const errc e = get_certificate(contents, cert); !der::ok(e)) [[unlikely]] {
    in = saved;
    return e;
  }
  return errc{};
}

result<der::bytes> parse_certificate_element(der::reader& in) noexcept {
  der::bytes element;
  return wrap(parse_certificate_element(in, element), element);
}

result<void> detail::for_each_ocsp_uri(const certificate_view& cert, uri_visitor visit) {
  BOOST_OUTCOME_TRY(const std::optional<extension> aia, find_certificate_extension(cert, oid::pe_authority_info_access));
  if (!aia) return boost::outcome_v2::success();
  // Validate everything first, so the callback never sees part of a malformed extension.
  if (const errc e = walk_authority_info_access(aia->value, nullptr); !der::ok(e)) return make_error_code(e);
  if (const errc e = walk_authority_info_access(aia->value, &visit); !der::ok(e)) return make_error_code(e);
  return boost::outcome_v2::success();
}

result<std::optional<std::string_view>> first_ocsp_http_uri(const certificate_view& cert) noexcept {
  std::optional<std::string_view> first;
  BOOST_OUTCOME_TRY(for_each_ocsp_uri(cert, [&first](std::string_view uri) noexcept {
    if (!first && (uri.starts_with("http://") || uri.starts_with("https://"))) first = uri;
  }));
  return first;
}

result<bool> has_extended_key_usage(const certificate_view& cert, der::bytes purpose_oid) noexcept {
  BOOST_OUTCOME_TRY(const std::optional<extension> eku, find_certificate_extension(cert, oid::ce_ext_key_usage));
  if (!eku) return false;
  bool found = false;
  return wrap(get_extended_key_usage(eku->value, purpose_oid, found), found);
}

// RFC 6960 4.2.2.2.1:
//   id-pkix-ocsp-nocheck OBJECT IDENTIFIER ::= { id-pkix-ocsp 5 }
//   extnValue is NULL.
result<bool> has_ocsp_nocheck(const certificate_view& cert) noexcept {
  BOOST_OUTCOME_TRY(const std::optional<extension> nocheck, find_certificate_extension(cert, oid::pkix_ocsp_nocheck));
  if (!nocheck) return false;
  der::reader value(nocheck->value);
  errc e = value.get_null();
  if (der::ok(e)) e = value.end();
  return wrap(e, true);
}

result<std::optional<std::uint16_t>> key_usage(const certificate_view& cert) noexcept {
  BOOST_OUTCOME_TRY(const std::optional<extension> ku, find_certificate_extension(cert, oid::ce_key_usage));
  if (!ku) return std::optional<std::uint16_t>{};
  std::uint16_t usage = 0;
  if (const errc e = get_key_usage(ku->value, usage); !der::ok(e)) return make_error_code(e);
  return std::optional<std::uint16_t>(usage);
}

result<bool> must_staple(const certificate_view& cert) noexcept {
  BOOST_OUTCOME_TRY(const std::optional<extension> feature, find_certificate_extension(cert, oid::pe_tls_feature));
  if (!feature) return false;
  bool status_request = false;
  return wrap(get_status_request_feature(feature->value, status_request), status_request);
}

}  // namespace ocsp
