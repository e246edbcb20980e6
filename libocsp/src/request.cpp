#include "ocsp/request.hpp"

#include "ocsp/oids.hpp"
#include "detail/der_try.hpp"
#include "detail/ocsp_grammar.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <memory>

namespace ocsp {
namespace {

// AlgorithmIdentifier parameters for SHA-1 and SHA-256 in a CertID: NULL, as OpenSSL writes them
// (RFC 5754 allows them absent too; responders compare the OID only).
constexpr std::array<std::uint8_t, 2> null_parameters{der::tag::null, 0x00};

// RFC 8954 2.1: Nonce ::= OCTET STRING(SIZE(1..32))
constexpr std::size_t max_nonce_size = 32;

bool valid_nonce(const std::optional<der::bytes>& nonce) noexcept {
  return !nonce || (!nonce->empty() && nonce->size() <= max_nonce_size);
}

// The issuer-side hashes go through OpenSSL's EVP interface, so they follow the process's provider
// configuration (a FIPS provider included). The two digests are fetched once per process and one
// EVP_MD_CTX per thread is reused: OpenSSL 3.0 still creates the provider's digest context on every
// EVP_DigestInit_ex2 (one allocation a hash), but skips the algorithm lookup and the EVP_MD_CTX
// allocation that EVP_Digest pays each time. benchmarks/codec.cpp measures the per-call cost; the
// poller hashes its issuer once (prepare_cert_id) and pays none of it per request.
const EVP_MD* fetched_digest(cert_id_hash hash) noexcept {
  static EVP_MD* const sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return hash == cert_id_hash::sha1 ? sha1 : sha256;
}

struct md_ctx_deleter {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* thread_digest_context() noexcept {
  thread_local const std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> context{EVP_MD_CTX_new()};
  return context.get();
}

// H(data) into `out`, which has room for `size` octets (the digest's exact length).
bool digest(EVP_MD_CTX* context, const EVP_MD* md, der::bytes data, std::uint8_t* out, unsigned size) noexcept {
  unsigned written = 0;
  return EVP_DigestInit_ex2(context, md, nullptr) == 1 && EVP_DigestUpdate(context, data.data(), data.size()) == 1 &&
         EVP_DigestFinal_ex(context, out, &written) == 1 && written == size;
}

// issuerNameHash = H(`name`) and issuerKeyHash = H(`key`) into `out`.
bool hash_issuer(cert_id_hash hash, der::bytes name, der::bytes key, cert_id_storage& out) noexcept {
  const EVP_MD* md = fetched_digest(hash);
  EVP_MD_CTX* context = thread_digest_context();
  if (md == nullptr || context == nullptr) return false;
  const int size = EVP_MD_get_size(md);
  if (size <= 0 || static_cast<std::size_t>(size) > out.name_hash.size()) return false;
  out.hash_size = static_cast<std::uint8_t>(size);
  return digest(context, md, name, out.name_hash.data(), out.hash_size) &&
         digest(context, md, key, out.key_hash.data(), out.hash_size);
}
static_assert(std::tuple_size_v<decltype(cert_id_storage::name_hash)> >= 32, "room for a SHA-256 hash");

// `[n] EXPLICIT Extensions`, `tagged` being the contents of the [n] element:
//   Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
errc get_explicit_extensions(der::reader tagged, extension_list& out) noexcept {
  der::reader list;
  OCSP_DER_TRY(tagged.get(der::tag::sequence, list));
  OCSP_DER_TRY(tagged.end());
  return parse_extensions(list, out);
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
errc get_request_version(der::reader& in, std::int64_t& version) noexcept {
  der::reader tagged;
  bool present = false;
  OCSP_DER_TRY(in.get_optional(der::tag::context_constructed(0), tagged, present));
  version = 0;
  if (!present) return errc{};
  der::bytes value;
  OCSP_DER_TRY(tagged.get_integer(value));
  OCSP_DER_TRY(tagged.end());
  if (value.size() == 1 && value[0] == 0) return errc::der_bad_integer;
  return errc::ocsp_unsupported_version;
}

// RFC 6960 4.1.1:
//   requestorName       [1]     EXPLICIT GeneralName OPTIONAL
errc get_requestor_name(der::reader& in, std::optional<der::bytes>& name) noexcept {
  der::reader tagged;
  bool present = false;
  OCSP_DER_TRY(in.get_optional(der::tag::context_constructed(1), tagged, present));
  if (!present) {
    name.reset();
    return errc{};
  }
  der::bytes general_name;
  OCSP_DER_TRY(parse_general_name(tagged, general_name));
  name = general_name;
  return tagged.end();
}

// RFC 6960 4.1.1:
//   TBSRequest ::= SEQUENCE {
//     version             [0]     EXPLICIT Version DEFAULT v1,
//     requestorName       [1]     EXPLICIT GeneralName OPTIONAL,
//     requestList                 SEQUENCE OF Request,
//     requestExtensions   [2]     EXPLICIT Extensions OPTIONAL }
// `requestList` has at least one element: a request that asks nothing is ocsp_no_single_response.
errc get_tbs_request(der::reader& in, ocsp_request& request) noexcept {
  der::reader seq, list, tagged;
  OCSP_DER_TRY(in.get(der::tag::sequence, seq, &request.tbs_request));
  OCSP_DER_TRY(get_request_version(seq, request.version));
  OCSP_DER_TRY(get_requestor_name(seq, request.requestor_name));
  OCSP_DER_TRY(seq.get(der::tag::sequence, list));
  OCSP_DER_TRY(single_request_list::parse(list, request.requests));
  if (request.requests.empty()) return errc::ocsp_no_single_response;
  bool present = false;
  OCSP_DER_TRY(seq.get_optional(der::tag::context_constructed(2), tagged, present));
  request.extensions.reset();
  if (present) OCSP_DER_TRY(get_explicit_extensions(tagged, request.extensions.emplace()));
  return seq.end();
}

// RFC 6960 4.1.1:
//   Signature ::= SEQUENCE {
//     signatureAlgorithm      AlgorithmIdentifier,
//     signature               BIT STRING,
//     certs               [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
// `tagged` is the contents of `optionalSignature [0] EXPLICIT Signature`. Unlike a response's
// certs, an empty certs SEQUENCE is accepted here: has_certs tells it from an absent one, so it
// re-encodes byte for byte.
errc get_signature(der::reader tagged, ocsp_request& request) noexcept {
  der::reader seq, certs, list;
  OCSP_DER_TRY(tagged.get(der::tag::sequence, seq));
  OCSP_DER_TRY(tagged.end());
  algorithm_identifier algorithm;
  OCSP_DER_TRY(parse_algorithm_identifier(seq, algorithm));
  request.signature_algorithm = algorithm.oid;
  request.signature_parameters = algorithm.parameters;
  OCSP_DER_TRY(seq.get_bit_string(request.signature));
  OCSP_DER_TRY(seq.get_optional(der::tag::context_constructed(0), certs, request.has_certs));
  if (request.has_certs) {
    OCSP_DER_TRY(certs.get(der::tag::sequence, list));
    OCSP_DER_TRY(certs.end());
    OCSP_DER_TRY(request_certificate_list::parse(list, request.certs));
  }
  return seq.end();
}

// OCSPRequest (RFC 6960 4.1.1): see request.hpp. `der` must be exactly one OCSPRequest.
errc get_ocsp_request(der::bytes der, ocsp_request& request) noexcept {
  der::reader outer(der), seq, signature;
  OCSP_DER_TRY(outer.get(der::tag::sequence, seq));
  OCSP_DER_TRY(outer.end());
  OCSP_DER_TRY(get_tbs_request(seq, request));
  OCSP_DER_TRY(seq.get_optional(der::tag::context_constructed(0), signature, request.is_signed));
  if (request.is_signed) OCSP_DER_TRY(get_signature(signature, request));
  return seq.end();
}

// --- Writing a request -----------------------------------------------------------------------
// RFC 6960 4.1.1 and RFC 8954 2.1, what write_ocsp_request writes:
//   OCSPRequest { TBSRequest { requestList { Request { CertID } },
//                              [2] EXPLICIT Extensions { Extension { id-pkix-ocsp-nonce,
//                                                                    OCTET STRING(Nonce) } } } }
// with the nonce extension only when there is a nonce (checked by the caller: 1 to 32 octets).

// The size of a DER element whose contents are `length` octets: tag, length octets, contents.
constexpr std::size_t element_size(std::size_t length) noexcept {
  std::size_t header = 2;
  if (length >= 0x80) {
    for (std::size_t l = length; l != 0; l >>= 8) ++header;
  }
  return header + length;
}

// Writes DER forward into a buffer that the caller has sized exactly (element_size).
class direct_writer {
 public:
  explicit direct_writer(std::uint8_t* p) noexcept : p_(p) {}
  std::uint8_t* position() const noexcept { return p_; }
  void header(std::uint8_t t, std::size_t length) noexcept {
    *p_++ = t;
    if (length < 0x80) {
      *p_++ = static_cast<std::uint8_t>(length);
      return;
    }
    std::size_t count = 0;
    for (std::size_t l = length; l != 0; l >>= 8) ++count;
    *p_++ = static_cast<std::uint8_t>(0x80 | count);
    for (std::size_t i = count; i-- > 0;) *p_++ = static_cast<std::uint8_t>(length >> (8 * i));
  }
  void raw(der::bytes b) noexcept {
    if (b.empty()) return;
    std::memcpy(p_, b.data(), b.size());
    p_ += b.size();
  }
  void element(std::uint8_t t, der::bytes contents) noexcept {
    header(t, contents.size());
    raw(contents);
  }

 private:
  std::uint8_t* p_;
};

// Large enough for any request with a CertID of SHA-256 hashes, a serial of up to 100 octets
// (RFC 5280 allows 20) and a 32-octet nonce.
constexpr std::size_t direct_capacity = 256;

// Computes every length first and writes the request into a stack buffer, then copies it into
// `out` at once: a fraction of the cost of opening and closing nine writer scopes, each closed by
// back-patching its length (bench_codec's prepared row is mostly this function). Answers false,
// having written nothing, when the request does not fit in direct_capacity or the serial is not a
// minimal INTEGER: write_request_with_scopes then writes it, or reports the writer's error.
bool write_request_directly(der::writer& out, const cert_id& id, std::optional<der::bytes> nonce) noexcept {
  if (!der::is_minimal_integer(id.serial_number)) return false;
  const std::size_t algorithm = element_size(id.hash_algorithm.size()) + id.hash_parameters.size();
  const std::size_t cert_id_contents = element_size(algorithm) + element_size(id.issuer_name_hash.size()) +
                                       element_size(id.issuer_key_hash.size()) +
                                       element_size(id.serial_number.size());
  const std::size_t request = element_size(cert_id_contents);
  const std::size_t request_list = element_size(request);
  std::size_t nonce_value = 0, extension = 0, extensions = 0, tagged_extensions = 0;
  if (nonce) {
    nonce_value = element_size(nonce->size());  // extnValue's contents: the DER of the Nonce
    extension = element_size(oid::pkix_ocsp_nonce.size()) + element_size(nonce_value);
    extensions = element_size(extension);
    tagged_extensions = element_size(extensions);
  }
  const std::size_t tbs_request = element_size(request_list) + (nonce ? element_size(tagged_extensions) : 0);
  const std::size_t ocsp_request = element_size(tbs_request);
  const std::size_t total = element_size(ocsp_request);
  if (total > direct_capacity) return false;

  std::array<std::uint8_t, direct_capacity> buffer;  // not zeroed: every byte up to `total` is written
  direct_writer w(buffer.data());
  w.header(der::tag::sequence, ocsp_request);
  w.header(der::tag::sequence, tbs_request);
  w.header(der::tag::sequence, request_list);
  w.header(der::tag::sequence, request);
  w.header(der::tag::sequence, cert_id_contents);
  w.header(der::tag::sequence, algorithm);
  w.element(der::tag::object_identifier, id.hash_algorithm);
  w.raw(id.hash_parameters);
  w.element(der::tag::octet_string, id.issuer_name_hash);
  w.element(der::tag::octet_string, id.issuer_key_hash);
  w.element(der::tag::integer, id.serial_number);
  if (nonce) {
    w.header(der::tag::context_constructed(2), tagged_extensions);
    w.header(der::tag::sequence, extensions);
    w.header(der::tag::sequence, extension);
    w.element(der::tag::object_identifier, oid::pkix_ocsp_nonce);
    w.header(der::tag::octet_string, nonce_value);
    w.element(der::tag::octet_string, *nonce);
  }
  assert(w.position() == buffer.data() + total);
  out.add_raw(der::bytes(buffer.data(), total));
  return true;
}

// The same request through der::writer's scopes, for what write_request_directly declines.
void write_request_with_scopes(der::writer& out, const cert_id& id, std::optional<der::bytes> nonce) noexcept {
  out.begin(der::tag::sequence);  // OCSPRequest
  out.begin(der::tag::sequence);  // TBSRequest
  out.begin(der::tag::sequence);  // requestList
  out.begin(der::tag::sequence);  // Request
  encode(out, id);
  out.end();
  out.end();
  if (nonce) {
    out.begin(der::tag::context_constructed(2));
    out.begin(der::tag::sequence);  // Extensions
    out.begin(der::tag::sequence);  // Extension
    out.add_oid(oid::pkix_ocsp_nonce);
    out.begin(der::tag::octet_string);  // extnValue
    out.add_octet_string(*nonce);
    out.end();
    out.end();
    out.end();
    out.end();
  }
  out.end();
  out.end();
}

}  // namespace

result<cert_id> make_cert_id(const certificate_view& cert, const certificate_view& issuer, cert_id_hash hash,
                             cert_id_storage& out) noexcept {
  // RFC 6960 4.1.1 hashes the certificate's issuer field, OpenSSL the issuer's subject: with
  // byte-equal names both agree, and a pair whose names differ is not a certificate and its issuer.
  if (!std::ranges::equal(cert.issuer, issuer.subject)) return make_error_code(errc::certificate_issuer_mismatch);
  if (!hash_issuer(hash, cert.issuer, issuer.public_key, out)) {
    out.hash_size = 0;
    return make_error_code(errc::internal_error);
  }
  cert_id id;
  id.hash_algorithm = hash == cert_id_hash::sha1 ? der::bytes(oid::sha1) : der::bytes(oid::sha256);
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
    der::reader seq, tagged;
    bool present = false;
    OCSP_DER_TRY(in.get(der::tag::sequence, seq));
    OCSP_DER_TRY(detail::get_cert_id(seq, request.id));
    OCSP_DER_TRY(seq.get_optional(der::tag::context_constructed(0), tagged, present));
    request.extensions.reset();
    if (present) OCSP_DER_TRY(get_explicit_extensions(tagged, request.extensions.emplace()));
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
  der::reader value(ext->value);
  der::bytes inner;
  if (der::ok(value.get_octet_string(inner)) && value.empty()) return inner;
  return ext->value;
}

result<ocsp_request> parse_ocsp_request(der::bytes der) noexcept {
  ocsp_request request;
  if (const errc e = get_ocsp_request(der, request); !der::ok(e)) return make_error_code(e);
  return request;
}

result<void> write_ocsp_request(der::writer& out, const cert_id& id, std::optional<der::bytes> nonce) noexcept {
  if (!valid_nonce(nonce)) return make_error_code(errc::der_bad_length);
  if (!write_request_directly(out, id, nonce)) write_request_with_scopes(out, id, nonce);
  if (!out.ok()) return out.finish().error();
  return boost::outcome_v2::success();
}

result<void> write_ocsp_request(der::writer& out, const certificate_view& cert, const certificate_view& issuer,
                                const request_options& options) noexcept {
  // The nonce is checked before anything is hashed or written.
  if (!valid_nonce(options.nonce)) return make_error_code(errc::der_bad_length);
  cert_id_storage storage;
  BOOST_OUTCOME_TRY(const cert_id id, make_cert_id(cert, issuer, options.hash, storage));
  return write_ocsp_request(out, id, options.nonce);
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
