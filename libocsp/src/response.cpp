#include "ocsp/response.hpp"

#include "ocsp/oids.hpp"

#include <limits>

namespace ocsp {
namespace {

using std::chrono::sys_seconds;

result<void> ok() noexcept { return boost::outcome_v2::success(); }

// The next element whole, header included, whatever its tag (e.g. AlgorithmIdentifier parameters).
result<der::bytes> read_any_element(der::reader& in) noexcept {
  const der::bytes before = in.data();
  std::uint8_t t = 0;
  BOOST_OUTCOME_TRY(in.read_any_valid(t));
  return before.first(before.size() - in.size());
}

// An ENUMERATED as an int64. A well-formed value too large for int64 lies outside every
// enumeration of OCSP, so it is reported as `outside` (what the caller reports for any value it
// does not know); der::reader reports it as der_bad_integer, like a non-minimal encoding.
result<std::int64_t> read_enumerated_value(der::reader& in, errc outside) noexcept {
  const der::reader saved = in;
  auto value = in.read_enumerated(std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
  if (value || value.error() != make_error_code(errc::der_bad_integer)) return value;
  der::reader probe = saved;
  if (auto contents = probe.read(der::tag::enumerated); contents && contents.value().size() > 8) {
    // The reader has just said "bad integer": tell "too large" from "not minimal".
    if (der::is_minimal_integer(contents.value().data())) return make_error_code(outside);
  }
  return value;
}

// RFC 5280 4.1.1.2:
//   AlgorithmIdentifier ::= SEQUENCE {
//     algorithm   OBJECT IDENTIFIER,
//     parameters  ANY DEFINED BY algorithm OPTIONAL }
struct algorithm_identifier {
  der::bytes oid;
  der::bytes parameters;  // the element whole, empty when absent
};

result<algorithm_identifier> parse_algorithm_identifier(der::reader& in) noexcept {
  BOOST_OUTCOME_TRY(der::reader seq, in.read(der::tag::sequence));
  algorithm_identifier alg;
  BOOST_OUTCOME_TRY(alg.oid, seq.read_oid());
  if (!seq.empty()) {
    BOOST_OUTCOME_TRY(alg.parameters, read_any_element(seq));
  }
  BOOST_OUTCOME_TRY(seq.expect_end());
  return alg;
}

// RFC 6960 4.2.1, inside SingleResponse and ResponseData:
//   nextUpdate           [0] EXPLICIT GeneralizedTime OPTIONAL
result<std::optional<sys_seconds>> parse_explicit_time(der::reader& in, unsigned n) noexcept {
  BOOST_OUTCOME_TRY(std::optional<der::reader> wrapper, in.read_optional(der::tag::context_constructed(n)));
  if (!wrapper) return std::optional<sys_seconds>{};
  BOOST_OUTCOME_TRY(const sys_seconds t, wrapper->read_generalized_time());
  BOOST_OUTCOME_TRY(wrapper->expect_end());
  return std::optional<sys_seconds>(t);
}

// RFC 6960 4.2.1:
//   singleExtensions     [1] EXPLICIT Extensions OPTIONAL
//   responseExtensions   [1] EXPLICIT Extensions OPTIONAL
// RFC 5280 4.1:
//   Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
result<std::optional<extension_list>> parse_explicit_extensions(der::reader& in, unsigned n) noexcept {
  BOOST_OUTCOME_TRY(std::optional<der::reader> wrapper, in.read_optional(der::tag::context_constructed(n)));
  if (!wrapper) return std::optional<extension_list>{};
  BOOST_OUTCOME_TRY(const der::reader seq, wrapper->read(der::tag::sequence));
  BOOST_OUTCOME_TRY(wrapper->expect_end());
  BOOST_OUTCOME_TRY(const extension_list list, parse_extensions(seq));
  return std::optional<extension_list>(list);
}

// RFC 5280 5.3.1:
//   CRLReason ::= ENUMERATED {
//     unspecified             (0),
//     keyCompromise           (1),
//     cACompromise            (2),
//     affiliationChanged      (3),
//     superseded              (4),
//     cessationOfOperation    (5),
//     certificateHold         (6),
//          -- value 7 is not used
//     removeFromCRL           (8),
//     privilegeWithdrawn      (9),
//     aACompromise           (10) }
result<revocation_reason> parse_crl_reason(der::reader& in) noexcept {
  BOOST_OUTCOME_TRY(const std::int64_t v, read_enumerated_value(in, errc::ocsp_bad_revocation_reason));
  if (v < 0 || v > 10 || v == 7) return make_error_code(errc::ocsp_bad_revocation_reason);
  return static_cast<revocation_reason>(v);
}

// RFC 6960 4.2.1:
//   RevokedInfo ::= SEQUENCE {
//     revocationTime              GeneralizedTime,
//     revocationReason    [0]     EXPLICIT CRLReason OPTIONAL }
// `contents` is the contents of the [1] IMPLICIT RevokedInfo.
result<void> parse_revoked_info(der::reader contents, single_response& r) noexcept {
  BOOST_OUTCOME_TRY(r.revocation_time, contents.read_generalized_time());
  BOOST_OUTCOME_TRY(std::optional<der::reader> reason, contents.read_optional(der::tag::context_constructed(0)));
  if (reason) {
    BOOST_OUTCOME_TRY(r.reason, parse_crl_reason(*reason));
    BOOST_OUTCOME_TRY(reason->expect_end());
  }
  return contents.expect_end();
}

// RFC 6960 4.2.1:
//   CertStatus ::= CHOICE {
//     good        [0]     IMPLICIT NULL,
//     revoked     [1]     IMPLICIT RevokedInfo,
//     unknown     [2]     IMPLICIT UnknownInfo }
//   UnknownInfo ::= NULL
result<void> parse_cert_status(der::reader& in, single_response& r) noexcept {
  const std::optional<std::uint8_t> t = in.peek_tag();
  if (!t) return make_error_code(errc::der_truncated);
  if (*t == der::tag::context_primitive(0) || *t == der::tag::context_primitive(2)) {
    BOOST_OUTCOME_TRY(const der::reader null, in.read(*t));
    if (!null.empty()) return make_error_code(errc::der_bad_null);
    r.status = *t == der::tag::context_primitive(0) ? cert_status::good : cert_status::unknown;
    return ok();
  }
  if (*t == der::tag::context_constructed(1)) {
    BOOST_OUTCOME_TRY(const der::reader revoked, in.read(*t));
    r.status = cert_status::revoked;
    return parse_revoked_info(revoked, r);
  }
  return make_error_code(errc::ocsp_bad_cert_status);
}

// RFC 6960 4.2.1:
//   ResponderID ::= CHOICE {
//     byName   [1] Name,
//     byKey    [2] KeyHash }
//   KeyHash ::= OCTET STRING -- SHA-1 hash of responder's public key
// RFC 5280 4.1.2.4 (only the SEQUENCE is checked; the Name is kept whole):
//   Name ::= CHOICE { -- only one possibility for now --
//     rdnSequence  RDNSequence }
//   RDNSequence ::= SEQUENCE OF RelativeDistinguishedName
// The module uses EXPLICIT tags, so both alternatives are [n] EXPLICIT.
result<responder_id> parse_responder_id(der::reader& in) noexcept {
  responder_id id;
  if (in.next_is(der::tag::context_constructed(2))) {
    BOOST_OUTCOME_TRY(der::reader by_key, in.read(der::tag::context_constructed(2)));
    id.type = responder_id::kind::by_key;
    BOOST_OUTCOME_TRY(id.value, by_key.read_octet_string());
    BOOST_OUTCOME_TRY(by_key.expect_end());
    return id;
  }
  BOOST_OUTCOME_TRY(der::reader by_name, in.read(der::tag::context_constructed(1)));
  id.type = responder_id::kind::by_name;
  BOOST_OUTCOME_TRY(by_name.read(der::tag::sequence, id.value));
  BOOST_OUTCOME_TRY(by_name.expect_end());
  return id;
}

// RFC 6960 4.2.1:
//   version              [0] EXPLICIT Version DEFAULT v1
//   Version ::= INTEGER { v1(0) }
result<void> parse_version(der::reader& in) noexcept {
  BOOST_OUTCOME_TRY(std::optional<der::reader> wrapper, in.read_optional(der::tag::context_constructed(0)));
  if (!wrapper) return ok();  // absent: v1
  BOOST_OUTCOME_TRY(const der::bytes version, wrapper->read_integer());
  BOOST_OUTCOME_TRY(wrapper->expect_end());
  // DER (X.690 11.5) forbids encoding a value equal to its DEFAULT. errc has no dedicated reason
  // for that, so an explicit v1 is der_bad_integer: the INTEGER is not allowed here.
  if (version.size() == 1 && version[0] == 0) return make_error_code(errc::der_bad_integer);
  return make_error_code(errc::ocsp_unsupported_version);
}

// RFC 6960 4.2.1:
//   responses                SEQUENCE OF SingleResponse
// At least one: a response that answers nothing is ocsp_no_single_response.
result<single_response_list> parse_single_responses(der::reader& in) noexcept {
  BOOST_OUTCOME_TRY(const der::reader seq, in.read(der::tag::sequence));
  std::size_t count = 0;
  for (der::reader walk = seq; !walk.empty(); ++count) {
    BOOST_OUTCOME_TRY(parse_single_response(walk));
  }
  if (count == 0) return make_error_code(errc::ocsp_no_single_response);
  return single_response_list(seq, count);
}

// RFC 6960 4.2.1:
//   ResponseData ::= SEQUENCE {
//     version              [0] EXPLICIT Version DEFAULT v1,
//     responderID              ResponderID,
//     producedAt               GeneralizedTime,
//     responses                SEQUENCE OF SingleResponse,
//     responseExtensions   [1] EXPLICIT Extensions OPTIONAL }
result<void> parse_response_data(der::reader& in, basic_response& r) noexcept {
  BOOST_OUTCOME_TRY(der::reader seq, in.read(der::tag::sequence, r.tbs_response_data));
  BOOST_OUTCOME_TRY(parse_version(seq));
  BOOST_OUTCOME_TRY(r.responder, parse_responder_id(seq));
  BOOST_OUTCOME_TRY(r.produced_at, seq.read_generalized_time());
  BOOST_OUTCOME_TRY(r.responses, parse_single_responses(seq));
  BOOST_OUTCOME_TRY(r.extensions, parse_explicit_extensions(seq, 1));
  return seq.expect_end();
}

// RFC 6960 4.2.1:
//   certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL
// A present but empty SEQUENCE is rejected (der_truncated, as for an empty Extensions): the
// structure could not tell it from an absent one, so it would not re-encode byte for byte, and
// a responder with no certificates to send omits the field.
result<certificate_list> parse_certs(der::reader& in) noexcept {
  BOOST_OUTCOME_TRY(std::optional<der::reader> wrapper, in.read_optional(der::tag::context_constructed(0)));
  if (!wrapper) return certificate_list{};
  BOOST_OUTCOME_TRY(const der::reader seq, wrapper->read(der::tag::sequence));
  BOOST_OUTCOME_TRY(wrapper->expect_end());
  std::size_t count = 0;
  for (der::reader walk = seq; !walk.empty(); ++count) {
    BOOST_OUTCOME_TRY(parse_certificate_element(walk));
  }
  if (count == 0) return make_error_code(errc::der_truncated);
  return certificate_list(seq, count);
}

// RFC 6960 4.2.1:
//   BasicOCSPResponse       ::= SEQUENCE {
//     tbsResponseData      ResponseData,
//     signatureAlgorithm   AlgorithmIdentifier,
//     signature            BIT STRING,
//     certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
// `der` must be exactly one BasicOCSPResponse.
result<basic_response> parse_basic_response(der::bytes der) noexcept {
  BOOST_OUTCOME_TRY(der::reader seq, der::read_single(der, der::tag::sequence));
  basic_response r;
  BOOST_OUTCOME_TRY(parse_response_data(seq, r));
  BOOST_OUTCOME_TRY(const algorithm_identifier alg, parse_algorithm_identifier(seq));
  r.signature_algorithm = alg.oid;
  r.signature_parameters = alg.parameters;
  BOOST_OUTCOME_TRY(r.signature, seq.read_bit_string());
  BOOST_OUTCOME_TRY(r.certs, parse_certs(seq));
  BOOST_OUTCOME_TRY(seq.expect_end());
  return r;
}

// RFC 6960 4.2.1:
//   ResponseBytes ::=       SEQUENCE {
//     responseType   OBJECT IDENTIFIER,
//     response       OCTET STRING }
// "For a basic OCSP responder, responseType will be id-pkix-ocsp-basic", the only type libocsp
// knows; the OCTET STRING then holds exactly one BasicOCSPResponse.
result<basic_response> parse_response_bytes(der::reader& in) noexcept {
  BOOST_OUTCOME_TRY(der::reader seq, in.read(der::tag::sequence));
  BOOST_OUTCOME_TRY(const der::bytes type, seq.read_oid());
  BOOST_OUTCOME_TRY(const der::bytes response, seq.read_octet_string());
  BOOST_OUTCOME_TRY(seq.expect_end());
  if (!oid::equal(type, oid::pkix_ocsp_basic)) return make_error_code(errc::ocsp_unsupported_response_type);
  return parse_basic_response(response);
}

// RFC 6960 4.2.1:
//   OCSPResponseStatus ::= ENUMERATED {
//     successful            (0),  -- Response has valid confirmations
//     malformedRequest      (1),  -- Illegal confirmation request
//     internalError         (2),  -- Internal error in issuer
//     tryLater              (3),  -- Try again later
//                                 -- (4) is not used
//     sigRequired           (5),  -- Must sign the request
//     unauthorized          (6)   -- Request unauthorized
//   }
result<response_status> parse_response_status(der::reader& in) noexcept {
  BOOST_OUTCOME_TRY(const std::int64_t v, read_enumerated_value(in, errc::ocsp_unknown_response_status));
  if (v < 0 || v > 6 || v == 4) return make_error_code(errc::ocsp_unknown_response_status);
  return static_cast<response_status>(v);
}

// [1] EXPLICIT Extensions OPTIONAL: singleExtensions and responseExtensions alike.
void encode_explicit_extensions(der::writer& out, const std::optional<extension_list>& list) noexcept {
  if (!list) return;
  out.begin(der::tag::context_constructed(1));
  out.begin(der::tag::sequence);
  for (const extension& ext : *list) encode(out, ext);
  out.end();
  out.end();
}

// A time der::writer cannot encode (GeneralizedTime stops at 9999): the encoder writes it for a
// missing revocationTime so that the writer fails (der_bad_time) instead of inventing a time.
constexpr sys_seconds unencodable_time{std::chrono::sys_days{std::chrono::year{10000} / 1 / 1}};

}  // namespace

std::string_view to_string(response_status s) noexcept {
  switch (s) {
    case response_status::successful: return "successful";
    case response_status::malformed_request: return "malformedRequest";
    case response_status::internal_error: return "internalError";
    case response_status::try_later: return "tryLater";
    case response_status::sig_required: return "sigRequired";
    case response_status::unauthorized: return "unauthorized";
  }
  return "";
}

std::string_view to_string(revocation_reason r) noexcept {
  switch (r) {
    case revocation_reason::unspecified: return "unspecified";
    case revocation_reason::key_compromise: return "keyCompromise";
    case revocation_reason::ca_compromise: return "cACompromise";
    case revocation_reason::affiliation_changed: return "affiliationChanged";
    case revocation_reason::superseded: return "superseded";
    case revocation_reason::cessation_of_operation: return "cessationOfOperation";
    case revocation_reason::certificate_hold: return "certificateHold";
    case revocation_reason::remove_from_crl: return "removeFromCRL";
    case revocation_reason::privilege_withdrawn: return "privilegeWithdrawn";
    case revocation_reason::aa_compromise: return "aACompromise";
  }
  return "";
}

// SingleResponse (RFC 6960 4.2.1): see response.hpp.
result<single_response> parse_single_response(der::reader& in) noexcept {
  const der::reader saved = in;
  auto parsed = [&]() noexcept -> result<single_response> {
    BOOST_OUTCOME_TRY(der::reader seq, in.read(der::tag::sequence));
    single_response r;
    BOOST_OUTCOME_TRY(r.id, parse_cert_id(seq));
    BOOST_OUTCOME_TRY(parse_cert_status(seq, r));
    BOOST_OUTCOME_TRY(r.this_update, seq.read_generalized_time());
    BOOST_OUTCOME_TRY(r.next_update, parse_explicit_time(seq, 0));
    BOOST_OUTCOME_TRY(r.extensions, parse_explicit_extensions(seq, 1));
    BOOST_OUTCOME_TRY(seq.expect_end());
    return r;
  }();
  if (!parsed) in = saved;
  return parsed;
}

// RFC 5280 4.1:
//   Certificate  ::=  SEQUENCE { ... }
result<der::bytes> parse_certificate_element(der::reader& in) noexcept {
  der::bytes element;
  BOOST_OUTCOME_TRY(in.read(der::tag::sequence, element));  // advances only on success
  return element;
}

std::optional<der::bytes> basic_response::nonce() const noexcept {
  if (!extensions) return std::nullopt;
  const std::optional<extension> ext = find_extension(*extensions, oid::pkix_ocsp_nonce);
  if (!ext) return std::nullopt;
  // RFC 8954 2.1: Nonce ::= OCTET STRING inside extnValue; some responders put the raw bytes.
  if (auto inner = der::read_single(ext->value, der::tag::octet_string)) return inner.value().data();
  return ext->value;
}

// OCSPResponse (RFC 6960 4.2.1): see response.hpp.
//   responseBytes          [0] EXPLICIT ResponseBytes OPTIONAL
// "The value for responseBytes consists of an OBJECT IDENTIFIER and a response syntax identified
// by that OID": present only when successful.
result<ocsp_response> parse_ocsp_response(der::bytes der) noexcept {
  BOOST_OUTCOME_TRY(der::reader seq, der::read_single(der, der::tag::sequence));
  ocsp_response r;
  BOOST_OUTCOME_TRY(r.status, parse_response_status(seq));
  BOOST_OUTCOME_TRY(std::optional<der::reader> response_bytes, seq.read_optional(der::tag::context_constructed(0)));
  BOOST_OUTCOME_TRY(seq.expect_end());
  if (r.status != response_status::successful) {
    if (response_bytes) return make_error_code(errc::ocsp_unexpected_response_bytes);
    return r;
  }
  if (!response_bytes) return make_error_code(errc::ocsp_missing_response_bytes);
  BOOST_OUTCOME_TRY(r.basic, parse_response_bytes(*response_bytes));
  BOOST_OUTCOME_TRY(response_bytes->expect_end());
  return r;
}

void encode(der::writer& out, const single_response& r) noexcept {
  out.begin(der::tag::sequence);
  encode(out, r.id);
  switch (r.status) {
    case cert_status::good:
      out.add_element(der::tag::context_primitive(0), {});
      break;
    case cert_status::revoked:
      out.begin(der::tag::context_constructed(1));
      out.add_generalized_time(r.revocation_time.value_or(unencodable_time));
      if (r.reason) {
        out.begin(der::tag::context_constructed(0));
        out.add_enumerated(static_cast<std::int64_t>(*r.reason));
        out.end();
      }
      out.end();
      break;
    case cert_status::unknown:
      out.add_element(der::tag::context_primitive(2), {});
      break;
  }
  out.add_generalized_time(r.this_update);
  if (r.next_update) {
    out.begin(der::tag::context_constructed(0));
    out.add_generalized_time(*r.next_update);
    out.end();
  }
  encode_explicit_extensions(out, r.extensions);
  out.end();
}

void encode_tbs_response_data(der::writer& out, const basic_response& r) noexcept {
  out.begin(der::tag::sequence);
  // version: always v1, the DEFAULT, which DER leaves out.
  if (r.responder.type == responder_id::kind::by_key) {
    out.begin(der::tag::context_constructed(2));
    out.add_octet_string(r.responder.value);
  } else {
    out.begin(der::tag::context_constructed(1));
    out.add_raw(r.responder.value);
  }
  out.end();
  out.add_generalized_time(r.produced_at);
  out.begin(der::tag::sequence);
  for (const single_response& s : r.responses) encode(out, s);
  out.end();
  encode_explicit_extensions(out, r.extensions);
  out.end();
}

void encode(der::writer& out, const basic_response& r) noexcept {
  out.begin(der::tag::sequence);
  encode_tbs_response_data(out, r);
  out.begin(der::tag::sequence);
  out.add_oid(r.signature_algorithm);
  out.add_raw(r.signature_parameters);
  out.end();
  out.add_bit_string(r.signature.bits, r.signature.unused_bits);
  if (!r.certs.empty()) {
    out.begin(der::tag::context_constructed(0));
    out.begin(der::tag::sequence);
    for (const der::bytes cert : r.certs) out.add_raw(cert);
    out.end();
    out.end();
  }
  out.end();
}

void encode(der::writer& out, const ocsp_response& r) noexcept {
  out.begin(der::tag::sequence);
  out.add_enumerated(static_cast<std::int64_t>(r.status));
  if (r.basic) {
    out.begin(der::tag::context_constructed(0));
    out.begin(der::tag::sequence);
    out.add_oid(oid::pkix_ocsp_basic);
    // begin/end only write a tag and back-patch a length, so they wrap the nested encoding in
    // the OCTET STRING without a temporary buffer.
    out.begin(der::tag::octet_string);
    encode(out, *r.basic);
    out.end();
    out.end();
    out.end();
  }
  out.end();
}

}  // namespace ocsp
