#include "ocsp/response.hpp"

#include "ocsp/cert_view.hpp"
#include "ocsp/oids.hpp"
#include "detail/der_try.hpp"
#include "detail/ocsp_grammar.hpp"

#include <limits>

namespace ocsp {
namespace {

using std::chrono::sys_seconds;

// An ENUMERATED as an int64. A well-formed value too large for int64 lies outside every
// enumeration of OCSP, so it is reported as `outside` (what the caller reports for any value it
// does not know); der::reader reports it as der_bad_integer, like a non-minimal encoding.
errc get_enumerated_value(der::reader& in, errc outside, std::int64_t& out) noexcept {
  const der::reader saved = in;
  const errc e = in.get_int64(der::tag::enumerated, std::numeric_limits<std::int64_t>::min(),
                              std::numeric_limits<std::int64_t>::max(), out);
  if (e != errc::der_bad_integer) return e;
  der::reader probe = saved, contents;
  if (der::ok(probe.get(der::tag::enumerated, contents)) && contents.size() > 8 &&
      der::is_minimal_integer(contents.data())) {
    return outside;  // the reader has just said "bad integer": tell "too large" from "not minimal"
  }
  return e;
}

// RFC 6960 4.2.1, inside SingleResponse:
//   nextUpdate           [0] EXPLICIT GeneralizedTime OPTIONAL
[[gnu::always_inline]] inline errc get_explicit_time(der::reader& in, unsigned n, std::optional<sys_seconds>& out) noexcept {
  der::reader wrapper;
  bool present = false;
  OCSP_DER_TRY(in.get_optional(der::tag::context_constructed(n), wrapper, present));
  if (!present) {
    out.reset();
    return errc{};
  }
  sys_seconds t;
  OCSP_DER_TRY(wrapper.get_generalized_time(t));
  out = t;
  return wrapper.end();
}

// RFC 6960 4.2.1:
//   singleExtensions     [1] EXPLICIT Extensions OPTIONAL
//   responseExtensions   [1] EXPLICIT Extensions OPTIONAL
// RFC 5280 4.1:
//   Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
errc get_present_extensions(der::reader& in, unsigned n, std::optional<extension_list>& out) noexcept {
  der::reader wrapper, seq;
  OCSP_DER_TRY(in.get(der::tag::context_constructed(n), wrapper));
  OCSP_DER_TRY(wrapper.get(der::tag::sequence, seq));
  OCSP_DER_TRY(wrapper.end());
  return parse_extensions(seq, out.emplace());
}

[[gnu::always_inline]] inline errc get_explicit_extensions(der::reader& in, unsigned n,
                                                           std::optional<extension_list>& out) noexcept {
  if (in.next_is(der::tag::context_constructed(n))) return get_present_extensions(in, n, out);
  out.reset();
  return errc{};
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
[[gnu::always_inline]] inline errc get_crl_reason(der::reader& in, revocation_reason& out) noexcept {
  std::int64_t v = 0;
  OCSP_DER_TRY(get_enumerated_value(in, errc::ocsp_bad_revocation_reason, v));
  if (v < 0 || v > 10 || v == 7) return errc::ocsp_bad_revocation_reason;
  out = static_cast<revocation_reason>(v);
  return errc{};
}

// RFC 6960 4.2.1:
//   RevokedInfo ::= SEQUENCE {
//     revocationTime              GeneralizedTime,
//     revocationReason    [0]     EXPLICIT CRLReason OPTIONAL }
// `contents` is the contents of the [1] IMPLICIT RevokedInfo.
[[gnu::always_inline]] inline errc get_revoked_info(der::reader contents, single_response& r) noexcept {
  sys_seconds t;
  OCSP_DER_TRY(contents.get_generalized_time(t));
  r.revocation_time = t;
  der::reader reason;
  bool present = false;
  OCSP_DER_TRY(contents.get_optional(der::tag::context_constructed(0), reason, present));
  if (present) {
    OCSP_DER_TRY(get_crl_reason(reason, r.reason.emplace()));
    OCSP_DER_TRY(reason.end());
  }
  return contents.end();
}

// RFC 6960 4.2.1:
//   CertStatus ::= CHOICE {
//     good        [0]     IMPLICIT NULL,
//     revoked     [1]     IMPLICIT RevokedInfo,
//     unknown     [2]     IMPLICIT UnknownInfo }
//   UnknownInfo ::= NULL
[[gnu::always_inline]] inline errc get_cert_status(der::reader& in, single_response& r) noexcept {
  const std::optional<std::uint8_t> t = in.peek_tag();
  if (!t) return errc::der_truncated;
  der::reader contents;
  r.revocation_time.reset();
  r.reason.reset();
  switch (*t) {
    case der::tag::context_primitive(0):
    case der::tag::context_primitive(2):
      OCSP_DER_TRY(in.get(*t, contents));
      if (!contents.empty()) return errc::der_bad_null;
      r.status = *t == der::tag::context_primitive(0) ? cert_status::good : cert_status::unknown;
      return errc{};
    case der::tag::context_constructed(1):
      OCSP_DER_TRY(in.get(*t, contents));
      r.status = cert_status::revoked;
      return get_revoked_info(contents, r);
    default:
      return errc::ocsp_bad_cert_status;
  }
}

// RFC 6960 4.2.1:
//   SingleResponse ::= SEQUENCE {
//     certID                       CertID,
//     certStatus                   CertStatus,
//     thisUpdate                   GeneralizedTime,
//     nextUpdate         [0]       EXPLICIT GeneralizedTime OPTIONAL,
//     singleExtensions   [1]       EXPLICIT Extensions OPTIONAL }
[[gnu::always_inline]] inline errc get_single_response(der::reader& in, single_response& r) noexcept {
  der::reader seq;
  OCSP_DER_TRY(in.get(der::tag::sequence, seq));
  OCSP_DER_TRY(detail::get_cert_id(seq, r.id));
  OCSP_DER_TRY(get_cert_status(seq, r));
  OCSP_DER_TRY(seq.get_generalized_time(r.this_update));
  OCSP_DER_TRY(get_explicit_time(seq, 0, r.next_update));
  OCSP_DER_TRY(get_explicit_extensions(seq, 1, r.extensions));
  return seq.end();
}

// RFC 6960 4.2.1:
//   ResponderID ::= CHOICE {
//     byName   [1] Name,
//     byKey    [2] KeyHash }
//   KeyHash ::= OCTET STRING -- SHA-1 hash of responder's public key
// The module uses EXPLICIT tags, so both alternatives are [n] EXPLICIT. byName is checked as a
// Name (RFC 5280 4.1.2.4) and kept whole.
errc get_responder_id(der::reader& in, responder_id& id) noexcept {
  der::reader contents;
  if (in.next_is(der::tag::context_constructed(2))) {
    OCSP_DER_TRY(in.get(der::tag::context_constructed(2), contents));
    id.type = responder_id::kind::by_key;
    OCSP_DER_TRY(contents.get_octet_string(id.value));
    return contents.end();
  }
  OCSP_DER_TRY(in.get(der::tag::context_constructed(1), contents));
  id.type = responder_id::kind::by_name;
  OCSP_DER_TRY(parse_name(contents, id.value));
  return contents.end();
}

// RFC 6960 4.2.1:
//   version              [0] EXPLICIT Version DEFAULT v1
//   Version ::= INTEGER { v1(0) }
errc get_version(der::reader& in) noexcept {
  der::reader wrapper;
  bool present = false;
  OCSP_DER_TRY(in.get_optional(der::tag::context_constructed(0), wrapper, present));
  if (!present) return errc{};  // absent: v1
  der::bytes version;
  OCSP_DER_TRY(wrapper.get_integer(version));
  OCSP_DER_TRY(wrapper.end());
  // DER (X.690 11.5) forbids encoding a value equal to its DEFAULT. errc has no dedicated reason
  // for that, so an explicit v1 is der_bad_integer: the INTEGER is not allowed here.
  if (version.size() == 1 && version[0] == 0) return errc::der_bad_integer;
  return errc::ocsp_unsupported_version;
}

// RFC 6960 4.2.1:
//   ResponseData ::= SEQUENCE {
//     version              [0] EXPLICIT Version DEFAULT v1,
//     responderID              ResponderID,
//     producedAt               GeneralizedTime,
//     responses                SEQUENCE OF SingleResponse,
//     responseExtensions   [1] EXPLICIT Extensions OPTIONAL }
// `responses` has at least one element: a response that answers nothing is ocsp_no_single_response.
errc get_response_data(der::reader& in, basic_response& r) noexcept {
  der::reader seq, responses;
  OCSP_DER_TRY(in.get(der::tag::sequence, seq, &r.tbs_response_data));
  OCSP_DER_TRY(get_version(seq));
  OCSP_DER_TRY(get_responder_id(seq, r.responder));
  OCSP_DER_TRY(seq.get_generalized_time(r.produced_at));
  OCSP_DER_TRY(seq.get(der::tag::sequence, responses));
  OCSP_DER_TRY(single_response_list::parse(responses, r.responses));
  if (r.responses.empty()) return errc::ocsp_no_single_response;
  OCSP_DER_TRY(get_explicit_extensions(seq, 1, r.extensions));
  return seq.end();
}

// RFC 6960 4.2.1:
//   certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL
// A present but empty SEQUENCE is rejected (der_truncated, as for an empty Extensions): the
// structure could not tell it from an absent one, so it would not re-encode byte for byte, and
// a responder with no certificates to send omits the field.
errc get_certs(der::reader& in, certificate_list& out) noexcept {
  der::reader wrapper, seq;
  bool present = false;
  OCSP_DER_TRY(in.get_optional(der::tag::context_constructed(0), wrapper, present));
  if (!present) return errc{};
  OCSP_DER_TRY(wrapper.get(der::tag::sequence, seq));
  OCSP_DER_TRY(wrapper.end());
  OCSP_DER_TRY(certificate_list::parse(seq, out));
  return out.empty() ? errc::der_truncated : errc{};
}

// RFC 6960 4.2.1:
//   BasicOCSPResponse       ::= SEQUENCE {
//     tbsResponseData      ResponseData,
//     signatureAlgorithm   AlgorithmIdentifier,
//     signature            BIT STRING,
//     certs            [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
// `der` must be exactly one BasicOCSPResponse.
errc get_basic_response(der::bytes der, basic_response& r) noexcept {
  der::reader outer(der), seq;
  OCSP_DER_TRY(outer.get(der::tag::sequence, seq));
  OCSP_DER_TRY(outer.end());
  OCSP_DER_TRY(get_response_data(seq, r));
  algorithm_identifier alg;
  OCSP_DER_TRY(parse_algorithm_identifier(seq, alg));
  r.signature_algorithm = alg.oid;
  r.signature_parameters = alg.parameters;
  OCSP_DER_TRY(seq.get_bit_string(r.signature));
  OCSP_DER_TRY(get_certs(seq, r.certs));
  return seq.end();
}

// RFC 6960 4.2.1:
//   ResponseBytes ::=       SEQUENCE {
//     responseType   OBJECT IDENTIFIER,
//     response       OCTET STRING }
// "For a basic OCSP responder, responseType will be id-pkix-ocsp-basic", the only type libocsp
// knows; the OCTET STRING then holds exactly one BasicOCSPResponse.
errc get_response_bytes(der::reader& in, basic_response& r) noexcept {
  der::reader seq;
  der::bytes type, response;
  OCSP_DER_TRY(in.get(der::tag::sequence, seq));
  OCSP_DER_TRY(seq.get_oid(type));
  OCSP_DER_TRY(seq.get_octet_string(response));
  OCSP_DER_TRY(seq.end());
  if (!oid::equal(type, oid::pkix_ocsp_basic)) return errc::ocsp_unsupported_response_type;
  return get_basic_response(response, r);
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
errc get_response_status(der::reader& in, response_status& out) noexcept {
  std::int64_t v = 0;
  OCSP_DER_TRY(get_enumerated_value(in, errc::ocsp_unknown_response_status, v));
  if (v < 0 || v > 6 || v == 4) return errc::ocsp_unknown_response_status;
  out = static_cast<response_status>(v);
  return errc{};
}

// OCSPResponse (RFC 6960 4.2.1): see response.hpp.
//   responseBytes          [0] EXPLICIT ResponseBytes OPTIONAL
// "The value for responseBytes consists of an OBJECT IDENTIFIER and a response syntax identified
// by that OID": present only when successful.
errc get_ocsp_response(der::bytes der, ocsp_response& r) noexcept {
  der::reader outer(der), seq, response_bytes;
  OCSP_DER_TRY(outer.get(der::tag::sequence, seq));
  OCSP_DER_TRY(outer.end());
  OCSP_DER_TRY(get_response_status(seq, r.status));
  bool present = false;
  OCSP_DER_TRY(seq.get_optional(der::tag::context_constructed(0), response_bytes, present));
  OCSP_DER_TRY(seq.end());
  if (r.status != response_status::successful) return present ? errc::ocsp_unexpected_response_bytes : errc{};
  if (!present) return errc::ocsp_missing_response_bytes;
  OCSP_DER_TRY(get_response_bytes(response_bytes, r.basic.emplace()));
  return response_bytes.end();
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
errc parse_single_response(der::reader& in, single_response& r) noexcept {
  const der::reader saved = in;
  const errc e = get_single_response(in, r);
  if (!der::ok(e)) in = saved;
  return e;
}

result<single_response> parse_single_response(der::reader& in) noexcept {
  single_response r;
  if (const errc e = parse_single_response(in, r); !der::ok(e)) return make_error_code(e);
  return r;
}

std::optional<der::bytes> basic_response::nonce() const noexcept {
  if (!extensions) return std::nullopt;
  const std::optional<extension> ext = find_extension(*extensions, oid::pkix_ocsp_nonce);
  if (!ext) return std::nullopt;
  // RFC 8954 2.1: Nonce ::= OCTET STRING inside extnValue; some responders put the raw bytes.
  if (auto inner = der::read_single(ext->value, der::tag::octet_string)) return inner.value().data();
  return ext->value;
}

result<ocsp_response> parse_ocsp_response(der::bytes der) noexcept {
  // Decoded in place: an ocsp_response is about half a kilobyte, worth not copying into the result.
  result<ocsp_response> out{boost::outcome_v2::in_place_type<ocsp_response>};
  if (const errc e = get_ocsp_response(der, out.assume_value()); !der::ok(e)) out = make_error_code(e);
  return out;
}

void encode(der::writer& out, const single_response& r) noexcept {
  out.begin(der::tag::sequence);
  encode(out, r.id);
  switch (r.status) {
    case cert_status::good:
      out.add_element(der::tag::context_primitive(0), {});
      break;
    case cert_status::revoked:
      if (!r.revocation_time) return out.fail(errc::der_bad_time);  // a time is not invented
      out.begin(der::tag::context_constructed(1));
      out.add_generalized_time(*r.revocation_time);
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
