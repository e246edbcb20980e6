#include "ocsp/request.hpp"

#include "ocsp/oids.hpp"
#include "detail/der_try.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

namespace ocsp {
namespace {

// AlgorithmIdentifier parameters for SHA-1 and SHA-256 in a CertID: NULL, as OpenSSL writes them
// (RFC 5754 allows them absent too; responders compare the OID only).
constexpr std::array<std::uint8_t, 2> null_parameters{der::tag::null, 0x00};

// RFC 8954 2.1: Nonce ::= OCTET STRING(SIZE(1..32))
constexpr std::size_t max_nonce_size = 32;

// `[n] EXPLICIT Extensions` contents, i.e. `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension`.
result<extension_list> parse_explicit_extensions(der::reader tagged) noexcept {
  BOOST_OUTCOME_TRY(const der::reader list, tagged.read(der::tag::sequence));
  BOOST_OUTCOME_TRY(tagged.expect_end());
  return parse_extensions(list);
}

void encode_explicit_extensions(der::writer& out, unsigned number, const extension_list& list) noexcept {
  out.begin(der::tag::context_constructed(number));
  out.begin(der::tag::sequence);
  for (const extension& ext : list) encode(out, ext);
  out.end();
  out.end();
}

// RFC 6960 4.1.1:
//   Version ::= INTEGER { v1(0) }
// as `version [0] EXPLICIT Version DEFAULT v1`: DER forbids encoding the DEFAULT, so an explicit
// v1 is der_bad_integer (as an explicit critical FALSE is in parse_extension); any other value is
// a version this library does not know.
result<std::int64_t> parse_request_version(der::reader& in) noexcept {
  return der::restoring(in, [&]() noexcept -> result<std::int64_t> {
    BOOST_OUTCOME_TRY(const std::optional<der::reader> tagged, in.read_optional(der::tag::context_constructed(0)));
    if (!tagged) return std::int64_t{0};
    der::reader contents = *tagged;
    BOOST_OUTCOME_TRY(const der::bytes version, contents.read_integer());
    BOOST_OUTCOME_TRY(contents.expect_end());
    if (version.size() == 1 && version[0] == 0) return make_error_code(errc::der_bad_integer);
    return make_error_code(errc::ocsp_unsupported_version);
  });
}

// RFC 6960 4.1.1:
//   TBSRequest ::= SEQUENCE {
//     version             [0]     EXPLICIT Version DEFAULT v1,
//     requestorName       [1]     EXPLICIT GeneralName OPTIONAL,
//     requestList                 SEQUENCE OF Request,
//     requestExtensions   [2]     EXPLICIT Extensions OPTIONAL }
// `contents` is the SEQUENCE's contents.
result<void> parse_tbs_request(der::reader contents, ocsp_request& request) noexcept {
  BOOST_OUTCOME_TRY(request.version, parse_request_version(contents));
  BOOST_OUTCOME_TRY(const std::optional<der::reader> name, contents.read_optional(der::tag::context_constructed(1)));
  if (name) {
    der::reader name_contents = *name;
    BOOST_OUTCOME_TRY(request.requestor_name, parse_general_name(name_contents));
    BOOST_OUTCOME_TRY(name_contents.expect_end());
  }
  BOOST_OUTCOME_TRY(const der::reader list, contents.read(der::tag::sequence));
  std::size_t count = 0;
  for (der::reader walk = list; !walk.empty(); ++count) {
    BOOST_OUTCOME_TRY(parse_single_request(walk));
  }
  if (count == 0) return make_error_code(errc::ocsp_no_single_response);
  request.requests = single_request_list(list, count);
  BOOST_OUTCOME_TRY(const std::optional<der::reader> extensions,
                    contents.read_optional(der::tag::context_constructed(2)));
  if (extensions) {
    BOOST_OUTCOME_TRY(request.extensions, parse_explicit_extensions(*extensions));
  }
  return contents.expect_end();
}

// RFC 6960 4.1.1:
//   Signature ::= SEQUENCE {
//     signatureAlgorithm      AlgorithmIdentifier,
//     signature               BIT STRING,
//     certs               [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
// `contents` is the SEQUENCE's contents.
result<void> parse_signature(der::reader contents, ocsp_request& request) noexcept {
  BOOST_OUTCOME_TRY(const algorithm_identifier algorithm, parse_algorithm_identifier(contents));
  request.signature_algorithm = algorithm.oid;
  request.signature_parameters = algorithm.parameters;
  BOOST_OUTCOME_TRY(request.signature, contents.read_bit_string());
  BOOST_OUTCOME_TRY(const std::optional<der::reader> certs, contents.read_optional(der::tag::context_constructed(0)));
  if (certs) {
    der::reader certs_contents = *certs;
    BOOST_OUTCOME_TRY(const der::reader list, certs_contents.read(der::tag::sequence));
    BOOST_OUTCOME_TRY(certs_contents.expect_end());
    std::size_t count = 0;
    for (der::reader walk = list; !walk.empty(); ++count) {
      BOOST_OUTCOME_TRY(parse_certificate_element(walk));
    }
    request.has_certs = true;
    request.certs = request_certificate_list(list, count);
  }
  return contents.expect_end();
}

}  // namespace

result<cert_id> make_cert_id(const certificate_view& cert, const certificate_view& issuer, cert_id_hash hash,
                             cert_id_storage& out) noexcept {
  // RFC 6960 4.1.1 hashes the certificate's issuer field, OpenSSL the issuer's subject: with
  // byte-equal names both agree, and a pair whose names differ is not a certificate and its issuer.
  if (!std::ranges::equal(cert.issuer, issuer.subject)) return make_error_code(errc::certificate_issuer_mismatch);

  const EVP_MD* md = nullptr;
  cert_id id;
  switch (hash) {
    case cert_id_hash::sha1:
      md = EVP_sha1();
      id.hash_algorithm = oid::sha1;
      break;
    case cert_id_hash::sha256:
      md = EVP_sha256();
      id.hash_algorithm = oid::sha256;
      break;
  }
  if (md == nullptr) return make_error_code(errc::internal_error);

  unsigned name_size = 0, key_size = 0;
  // `out`'s arrays hold 32 bytes, the largest digest of the two.
  if (EVP_Digest(cert.issuer.data(), cert.issuer.size(), out.name_hash.data(), &name_size, md, nullptr) != 1 ||
      EVP_Digest(issuer.public_key.data(), issuer.public_key.size(), out.key_hash.data(), &key_size, md, nullptr) !=
          1 ||
      name_size != key_size || name_size > out.name_hash.size()) {
    ERR_clear_error();
    return make_error_code(errc::internal_error);
  }
  out.hash_size = static_cast<std::uint8_t>(name_size);

  id.hash_parameters = null_parameters;
  id.issuer_name_hash = der::bytes(out.name_hash.data(), out.hash_size);
  id.issuer_key_hash = der::bytes(out.key_hash.data(), out.hash_size);
  id.serial_number = cert.serial_number;
  return id;
}

// Request (RFC 6960 4.1.1): see request.hpp.
errc parse_single_request(der::reader& in, single_request& request) noexcept {
  const der::reader saved = in;
  const errc e = [&]() noexcept -> errc {
    der::reader seq, tagged, list;
    bool present = false;
    OCSP_DER_TRY(in.get(der::tag::sequence, seq));
    OCSP_DER_TRY(parse_cert_id(seq, request.id));
    OCSP_DER_TRY(seq.get_optional(der::tag::context_constructed(0), tagged, present));
    request.extensions.reset();
    if (present) {
      OCSP_DER_TRY(tagged.get(der::tag::sequence, list));
      OCSP_DER_TRY(tagged.end());
      OCSP_DER_TRY(parse_extensions(list, request.extensions.emplace()));
    }
    return seq.end();
  }();
  if (!der::ok(e)) in = saved;
  return e;
}

result<single_request> parse_single_request(der::reader& in) noexcept {
  single_request request;
  if (const errc e = parse_single_request(in, request); !der::ok(e)) return make_error_code(e);
  return request;
}

void encode(der::writer& out, const single_request& request) noexcept {
  out.begin(der::tag::sequence);
  encode(out, request.id);
  if (request.extensions) encode_explicit_extensions(out, 0, *request.extensions);
  out.end();
}

std::optional<der::bytes> ocsp_request::nonce() const noexcept {
  if (!extensions) return std::nullopt;
  const std::optional<extension> ext = find_extension(*extensions, oid::pkix_ocsp_nonce);
  if (!ext) return std::nullopt;
  // RFC 8954 2.1: extnValue holds the DER of `Nonce ::= OCTET STRING`; older clients (and RFC
  // 2560's wording) put the raw octets there.
  if (auto inner = der::read_single(ext->value, der::tag::octet_string)) return inner.assume_value().data();
  return ext->value;
}

// OCSPRequest (RFC 6960 4.1.1): see request.hpp.
result<ocsp_request> parse_ocsp_request(der::bytes der) noexcept {
  ocsp_request request;
  BOOST_OUTCOME_TRY(der::reader seq, der::read_single(der, der::tag::sequence));
  BOOST_OUTCOME_TRY(const der::reader tbs, seq.read(der::tag::sequence, request.tbs_request));
  BOOST_OUTCOME_TRY(parse_tbs_request(tbs, request));
  BOOST_OUTCOME_TRY(const std::optional<der::reader> signature, seq.read_optional(der::tag::context_constructed(0)));
  if (signature) {
    der::reader signature_contents = *signature;
    BOOST_OUTCOME_TRY(const der::reader signature_seq, signature_contents.read(der::tag::sequence));
    BOOST_OUTCOME_TRY(signature_contents.expect_end());
    BOOST_OUTCOME_TRY(parse_signature(signature_seq, request));
    request.is_signed = true;
  }
  BOOST_OUTCOME_TRY(seq.expect_end());
  return request;
}

result<void> write_ocsp_request(der::writer& out, const certificate_view& cert, const certificate_view& issuer,
                                const request_options& options) noexcept {
  if (options.nonce && (options.nonce->empty() || options.nonce->size() > max_nonce_size)) {
    return make_error_code(errc::der_bad_length);
  }
  cert_id_storage storage;
  BOOST_OUTCOME_TRY(const cert_id id, make_cert_id(cert, issuer, options.hash, storage));

  out.begin(der::tag::sequence);  // OCSPRequest
  out.begin(der::tag::sequence);  // TBSRequest
  out.begin(der::tag::sequence);  // requestList
  encode(out, single_request{id, std::nullopt});
  out.end();
  if (options.nonce) {
    // extnValue = DER of Nonce ::= OCTET STRING (RFC 8954 2.1); 32 octets fit the short form.
    std::array<std::uint8_t, 2 + max_nonce_size> value{der::tag::octet_string,
                                                       static_cast<std::uint8_t>(options.nonce->size())};
    std::memcpy(value.data() + 2, options.nonce->data(), options.nonce->size());
    out.begin(der::tag::context_constructed(2));
    out.begin(der::tag::sequence);
    encode(out, extension{oid::pkix_ocsp_nonce, false, der::bytes(value.data(), 2 + options.nonce->size())});
    out.end();
    out.end();
  }
  out.end();
  out.end();
  if (!out.ok()) return out.finish().error();
  return boost::outcome_v2::success();
}

void encode(der::writer& out, const ocsp_request& request) noexcept {
  out.begin(der::tag::sequence);
  out.begin(der::tag::sequence);
  if (request.version != 0) {
    out.begin(der::tag::context_constructed(0));
    out.add_integer(request.version);
    out.end();
  }
  if (request.requestor_name) {
    out.begin(der::tag::context_constructed(1));
    out.add_raw(*request.requestor_name);
    out.end();
  }
  out.begin(der::tag::sequence);
  for (const single_request& single : request.requests) encode(out, single);
  out.end();
  if (request.extensions) encode_explicit_extensions(out, 2, *request.extensions);
  out.end();
  if (request.is_signed) {
    out.begin(der::tag::context_constructed(0));
    out.begin(der::tag::sequence);
    encode(out, algorithm_identifier{request.signature_algorithm, request.signature_parameters});
    out.add_bit_string(request.signature.bits, request.signature.unused_bits);
    if (request.has_certs || !request.certs.empty()) {
      out.begin(der::tag::context_constructed(0));
      out.begin(der::tag::sequence);
      for (const der::bytes cert : request.certs) out.add_raw(cert);
      out.end();
      out.end();
    }
    out.end();
    out.end();
  }
  out.end();
}

}  // namespace ocsp
