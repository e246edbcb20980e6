// OCSP response verification: see ocsp/verify.hpp for the checks and their order, and
// docs/verification.md for what is and is not checked.
//
// verify_response allocates nothing of its own (verify_response_for_issuer allocates the vector
// it returns): the issuer's key, Name and hashes are
// decoded once into issuer_trust::impl; the candidate signers are zero-copy certificate views; the
// only heap work is OpenSSL's (the verify context's provider state, and a delegated signer's key,
// which arrives with each response and so is decoded with it).
#include "ocsp/verify.hpp"

#include "ocsp/cert_view.hpp"
#include "ocsp/oids.hpp"
#include "detail/der_try.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace ocsp {
namespace {

bool equal_bytes(der::bytes a, der::bytes b) noexcept {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

struct pkey_deleter {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_deleter>;

struct md_ctx_deleter {
  void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

// One EVP_MD_CTX per thread, reset before each use: it saves the context's own allocation on
// every verification and every hash (OpenSSL still allocates the provider state inside it).
EVP_MD_CTX* thread_md_context() noexcept {
  thread_local const std::unique_ptr<EVP_MD_CTX, md_ctx_deleter> context{EVP_MD_CTX_new()};
  return context.get();
}

// --- Keys -----------------------------------------------------------------------------------------

// The key types this library verifies with (RSA, RSA-PSS, EC on P-256/P-384/P-521, Ed25519).
enum class key_kind : std::uint8_t { unsupported, rsa, rsa_pss, ec, ed25519 };

key_kind classify(EVP_PKEY* key) noexcept {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return key_kind::rsa;
    case EVP_PKEY_RSA_PSS:
      return key_kind::rsa_pss;
    case EVP_PKEY_ED25519:
      return key_kind::ed25519;
    case EVP_PKEY_EC: {
      std::array<char, 32> group{};
      std::size_t length = 0;
      if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &length) != 1) return key_kind::unsupported;
      const std::string_view name(group.data(), length);
      return name == "prime256v1" || name == "P-256" || name == "secp384r1" || name == "P-384" ||
                     name == "secp521r1" || name == "P-521"
                 ? key_kind::ec
                 : key_kind::unsupported;
    }
    default:
      return key_kind::unsupported;
  }
}

// A SubjectPublicKeyInfo as an OpenSSL key; nullptr when OpenSSL cannot decode it.
pkey_ptr decode_key(der::bytes spki) noexcept {
  const unsigned char* p = spki.data();
  pkey_ptr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  if (!key || p != spki.data() + spki.size()) {
    ERR_clear_error();
    return nullptr;
  }
  return key;
}

// SubjectPublicKeyInfo algorithms and named curves (RFC 3279, RFC 5480, RFC 8410).
constexpr std::array<std::uint8_t, 9> rsa_encryption{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
constexpr std::array<std::uint8_t, 7> ec_public_key{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
constexpr std::array<std::uint8_t, 8> curve_p256{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr std::array<std::uint8_t, 5> curve_p384{0x2b, 0x81, 0x04, 0x00, 0x22};
constexpr std::array<std::uint8_t, 5> curve_p521{0x2b, 0x81, 0x04, 0x00, 0x23};

struct pkey_ctx_deleter {
  void operator()(EVP_PKEY_CTX* ctx) const noexcept { EVP_PKEY_CTX_free(ctx); }
};

// One key-import context per thread and key type: EVP_PKEY_CTX_new_from_name looks the key
// manager up, which costs more than the import itself.
EVP_PKEY_CTX* thread_import_context(bool rsa) noexcept {
  thread_local const std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_deleter> rsa_ctx{
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr)};
  thread_local const std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_deleter> ec_ctx{
      EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr)};
  return rsa ? rsa_ctx.get() : ec_ctx.get();
}

pkey_ptr import_key(bool rsa, OSSL_PARAM* params) noexcept {
  EVP_PKEY_CTX* ctx = thread_import_context(rsa);
  EVP_PKEY* key = nullptr;
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    ERR_clear_error();
    return nullptr;
  }
  return pkey_ptr(key);
}

// An unsigned big-endian INTEGER's magnitude into `out` in native byte order (what
// OSSL_PARAM_construct_BN reads); its length, or 0 when it does not fit or is not positive.
std::size_t native_magnitude(der::bytes integer, std::span<std::uint8_t> out) noexcept {
  if (integer.empty() || (integer[0] & 0x80U) != 0) return 0;
  while (integer.size() > 1 && integer[0] == 0) integer = integer.subspan(1);
  if (integer.size() > out.size()) return 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::reverse_copy(integer.begin(), integer.end(), out.begin());
  } else {
    std::copy(integer.begin(), integer.end(), out.begin());
  }
  return integer.size();
}

// A delegated signer's key, which arrives with each response. The common key types are imported
// from their parameters (EVP_PKEY_fromdata, EVP_PKEY_new_raw_public_key_ex), which costs a small
// fraction of d2i_PUBKEY's generic decoder in OpenSSL 3; the rest (RSA-PSS keys, ...) go through
// d2i_PUBKEY. OpenSSL checks the key as it imports it (an EC point must be on its curve).
pkey_ptr decode_signer_key(const certificate_view& cert, key_kind& kind) noexcept {
  der::reader spki(cert.subject_public_key_info), seq;
  algorithm_identifier alg;
  if (der::ok(spki.get(der::tag::sequence, seq)) && der::ok(parse_algorithm_identifier(seq, alg))) {
    if (oid::equal(alg.oid, ec_public_key)) {
      der::reader parameters(alg.parameters);
      der::bytes curve;
      const char* group = nullptr;
      if (der::ok(parameters.get_oid(curve)) && der::ok(parameters.end())) {
        if (oid::equal(curve, curve_p256)) group = "P-256";
        else if (oid::equal(curve, curve_p384)) group = "P-384";
        else if (oid::equal(curve, curve_p521)) group = "P-521";
      }
      if (group != nullptr) {
        std::array<OSSL_PARAM, 3> params{
            OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(group), 0),
            OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<std::uint8_t*>(cert.public_key.data()),
                                              cert.public_key.size()),
            OSSL_PARAM_construct_end()};
        kind = key_kind::ec;
        return import_key(false, params.data());
      }
    } else if (oid::equal(alg.oid, rsa_encryption)) {
      // RFC 8017 A.1.1: RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
      der::reader bits(cert.public_key), rsa;
      der::bytes n, e;
      std::array<std::uint8_t, 1024> n_native{};  // up to 8192-bit moduli
      std::array<std::uint8_t, 16> e_native{};
      if (der::ok(bits.get(der::tag::sequence, rsa)) && der::ok(bits.end()) && der::ok(rsa.get_integer(n)) &&
          der::ok(rsa.get_integer(e)) && der::ok(rsa.end())) {
        const std::size_t n_size = native_magnitude(n, n_native), e_size = native_magnitude(e, e_native);
        if (n_size == 0 || e_size == 0) return nullptr;
        std::array<OSSL_PARAM, 3> params{OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_N, n_native.data(), n_size),
                                         OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_RSA_E, e_native.data(), e_size),
                                         OSSL_PARAM_construct_end()};
        kind = key_kind::rsa;
        return import_key(true, params.data());
      }
      return nullptr;
    } else if (oid::equal(alg.oid, oid::ed25519) && alg.parameters.empty()) {
      kind = key_kind::ed25519;
      pkey_ptr key(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr, cert.public_key.data(),
                                                  cert.public_key.size()));
      if (!key) ERR_clear_error();
      return key;
    }
  }
  pkey_ptr key = decode_key(cert.subject_public_key_info);
  kind = key ? classify(key.get()) : key_kind::unsupported;
  return key;
}

// --- Digests --------------------------------------------------------------------------------------

enum class hash_kind : std::uint8_t { sha1, sha224, sha256, sha384, sha512 };

const char* digest_name(hash_kind h) noexcept {
  switch (h) {
    case hash_kind::sha1:
      return "SHA1";
    case hash_kind::sha224:
      return "SHA224";
    case hash_kind::sha256:
      return "SHA256";
    case hash_kind::sha384:
      return "SHA384";
    case hash_kind::sha512:
      return "SHA512";
  }
  return "SHA256";
}

// A hash algorithm OID (contents) as a hash_kind.
std::optional<hash_kind> hash_from_oid(der::bytes o) noexcept {
  if (oid::equal(o, oid::sha1)) return hash_kind::sha1;
  if (oid::equal(o, oid::sha224)) return hash_kind::sha224;
  if (oid::equal(o, oid::sha256)) return hash_kind::sha256;
  if (oid::equal(o, oid::sha384)) return hash_kind::sha384;
  if (oid::equal(o, oid::sha512)) return hash_kind::sha512;
  return std::nullopt;
}

// SHA-1 is fetched once per process: the ResponderID byKey hash of a candidate signer.
const EVP_MD* fetched_sha1() noexcept {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  return md;
}

bool digest(const EVP_MD* md, der::bytes data, std::uint8_t* out, unsigned expected) noexcept {
  EVP_MD_CTX* ctx = thread_md_context();
  unsigned written = 0;
  const bool ok = md != nullptr && ctx != nullptr && EVP_DigestInit_ex2(ctx, md, nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, data.data(), data.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, out, &written) == 1 && written == expected;
  if (!ok) ERR_clear_error();
  return ok;
}

// --- Signature algorithms -------------------------------------------------------------------------

enum class sig_family : std::uint8_t { rsa_pkcs1, rsa_pss, ecdsa, ed25519 };

struct signature_scheme {
  sig_family family = sig_family::rsa_pkcs1;
  hash_kind hash = hash_kind::sha256;
  // RSA-PSS only (RFC 4055 3.1).
  hash_kind mgf1_hash = hash_kind::sha1;
  int salt_length = 20;
};

constexpr std::array<std::uint8_t, 2> null_parameters{der::tag::null, 0x00};

// An AlgorithmIdentifier of a hash inside RSASSA-PSS-params: a known hash, parameters NULL or
// absent (RFC 4055 2.1 allows both).
bool get_pss_hash(der::reader& in, hash_kind& out) noexcept {
  algorithm_identifier alg;
  if (!der::ok(parse_algorithm_identifier(in, alg))) return false;
  if (!alg.parameters.empty() && !equal_bytes(alg.parameters, null_parameters)) return false;
  const auto h = hash_from_oid(alg.oid);
  if (!h) return false;
  out = *h;
  return true;
}

// RFC 4055 3.1:
//   RSASSA-PSS-params ::= SEQUENCE {
//     hashAlgorithm      [0] HashAlgorithm DEFAULT sha1Identifier,
//     maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1Identifier,
//     saltLength         [2] INTEGER DEFAULT 20,
//     trailerField       [3] TrailerField DEFAULT trailerFieldBC }
// Only MGF1 with a known hash, and trailerField 1, are supported. An explicitly encoded DEFAULT
// is tolerated here: it changes nothing about what the signature means.
bool parse_pss_parameters(der::bytes parameters, signature_scheme& out) noexcept {
  der::reader all(parameters), seq, tagged;
  if (!der::ok(all.get(der::tag::sequence, seq)) || !der::ok(all.end())) return false;
  bool present = false;
  if (!der::ok(seq.get_optional(der::tag::context_constructed(0), tagged, present))) return false;
  if (present && (!get_pss_hash(tagged, out.hash) || !der::ok(tagged.end()))) return false;
  if (!der::ok(seq.get_optional(der::tag::context_constructed(1), tagged, present))) return false;
  if (present) {
    algorithm_identifier mgf;
    if (!der::ok(parse_algorithm_identifier(tagged, mgf)) || !der::ok(tagged.end())) return false;
    if (!oid::equal(mgf.oid, oid::mgf1)) return false;
    der::reader mgf_parameters(mgf.parameters);
    if (!get_pss_hash(mgf_parameters, out.mgf1_hash) || !der::ok(mgf_parameters.end())) return false;
  }
  if (!der::ok(seq.get_optional(der::tag::context_constructed(2), tagged, present))) return false;
  if (present) {
    std::int64_t salt = 0;
    if (!der::ok(tagged.get_int64(der::tag::integer, 0, 1024, salt)) || !der::ok(tagged.end())) return false;
    out.salt_length = static_cast<int>(salt);
  }
  if (!der::ok(seq.get_optional(der::tag::context_constructed(3), tagged, present))) return false;
  if (present) {
    std::int64_t trailer = 0;
    if (!der::ok(tagged.get_int64(der::tag::integer, 1, 1, trailer)) || !der::ok(tagged.end())) return false;
  }
  return der::ok(seq.end());
}

// The scheme of a signatureAlgorithm (OID contents and parameters element); nullopt when this
// library does not verify it.
std::optional<signature_scheme> scheme_of(der::bytes algorithm, der::bytes parameters) noexcept {
  const bool absent = parameters.empty();
  const bool absent_or_null = absent || equal_bytes(parameters, null_parameters);
  signature_scheme s;
  const auto rsa = [&](hash_kind h) -> std::optional<signature_scheme> {
    // RFC 4055 5: NULL; absent parameters are seen in practice and mean the same.
    if (!absent_or_null) return std::nullopt;
    s.family = sig_family::rsa_pkcs1;
    s.hash = h;
    return s;
  };
  const auto ecdsa = [&](hash_kind h) -> std::optional<signature_scheme> {
    if (!absent) return std::nullopt;  // RFC 5758 3.2: parameters MUST be absent
    s.family = sig_family::ecdsa;
    s.hash = h;
    return s;
  };
  if (oid::equal(algorithm, oid::sha256_with_rsa)) return rsa(hash_kind::sha256);
  if (oid::equal(algorithm, oid::ecdsa_with_sha256)) return ecdsa(hash_kind::sha256);
  if (oid::equal(algorithm, oid::sha384_with_rsa)) return rsa(hash_kind::sha384);
  if (oid::equal(algorithm, oid::sha512_with_rsa)) return rsa(hash_kind::sha512);
  if (oid::equal(algorithm, oid::sha1_with_rsa)) return rsa(hash_kind::sha1);
  if (oid::equal(algorithm, oid::sha224_with_rsa)) return rsa(hash_kind::sha224);
  if (oid::equal(algorithm, oid::ecdsa_with_sha384)) return ecdsa(hash_kind::sha384);
  if (oid::equal(algorithm, oid::ecdsa_with_sha512)) return ecdsa(hash_kind::sha512);
  if (oid::equal(algorithm, oid::ecdsa_with_sha1)) return ecdsa(hash_kind::sha1);
  if (oid::equal(algorithm, oid::ecdsa_with_sha224)) return ecdsa(hash_kind::sha224);
  if (oid::equal(algorithm, oid::ed25519)) {
    if (!absent) return std::nullopt;  // RFC 8410 3: parameters MUST be absent
    s.family = sig_family::ed25519;
    return s;
  }
  if (oid::equal(algorithm, oid::rsassa_pss)) {
    // RFC 4055 3.1: the parameters are required in a signatureAlgorithm; each field has a default.
    s.hash = hash_kind::sha1;
    s.mgf1_hash = hash_kind::sha1;
    s.salt_length = 20;
    if (absent || !parse_pss_parameters(parameters, s)) return std::nullopt;
    s.family = sig_family::rsa_pss;
    return s;
  }
  return std::nullopt;
}

bool key_fits(sig_family family, key_kind key) noexcept {
  switch (family) {
    case sig_family::rsa_pkcs1:
      return key == key_kind::rsa;
    case sig_family::rsa_pss:
      return key == key_kind::rsa || key == key_kind::rsa_pss;
    case sig_family::ecdsa:
      return key == key_kind::ec;
    case sig_family::ed25519:
      return key == key_kind::ed25519;
  }
  return false;
}

// Verifies `signature` over `data` with `key` under the signatureAlgorithm (`algorithm`,
// `parameters`). errc{} when it verifies; ocsp_unsupported_signature_algorithm for an algorithm
// (or key type) this library does not verify; ocsp_bad_signature otherwise, a key that cannot
// make this algorithm's signatures included.
errc verify_signature(EVP_PKEY* key, key_kind kind, der::bytes algorithm, der::bytes parameters, der::bytes data,
                      const der::bit_string& signature) noexcept {
  const std::optional<signature_scheme> scheme = scheme_of(algorithm, parameters);
  if (!scheme || kind == key_kind::unsupported) return errc::ocsp_unsupported_signature_algorithm;
  if (!key_fits(scheme->family, kind) || signature.unused_bits != 0) return errc::ocsp_bad_signature;

  EVP_MD_CTX* ctx = thread_md_context();
  if (ctx == nullptr || EVP_MD_CTX_reset(ctx) != 1) return errc::internal_error;
  EVP_PKEY_CTX* pctx = nullptr;
  const char* md = scheme->family == sig_family::ed25519 ? nullptr : digest_name(scheme->hash);
  bool ok = EVP_DigestVerifyInit_ex(ctx, &pctx, md, nullptr, nullptr, key, nullptr) == 1;
  if (ok && scheme->family == sig_family::rsa_pss) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, digest_name(scheme->mgf1_hash), nullptr) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, scheme->salt_length) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx, signature.bits.data(), signature.bits.size(), data.data(), data.size()) == 1;
  EVP_MD_CTX_reset(ctx);
  if (!ok) {
    ERR_clear_error();
    return errc::ocsp_bad_signature;
  }
  return errc{};
}

// The outer signatureAlgorithm of a Certificate (certificate_view keeps its OID, not its
// parameters, which RSA-PSS needs).
errc certificate_signature_algorithm(der::bytes certificate, algorithm_identifier& out) noexcept {
  der::reader all(certificate), seq, tbs;
  std::uint8_t t = 0;
  OCSP_DER_TRY(all.get(der::tag::sequence, seq));
  OCSP_DER_TRY(seq.get_any(t, tbs));
  return parse_algorithm_identifier(seq, out);
}

// The sizes of the issuer hashes the issuer precomputes: SHA-1, SHA-256, SHA-384, SHA-512.
constexpr std::array<hash_kind, 4> issuer_hashes{hash_kind::sha1, hash_kind::sha256, hash_kind::sha384,
                                                 hash_kind::sha512};
constexpr std::array<unsigned, 4> issuer_hash_sizes{20, 32, 48, 64};

}  // namespace

// --- issuer_trust ---------------------------------------------------------------------------------

struct issuer_trust::impl {
  std::vector<std::uint8_t> der;
  certificate_view view;
  pkey_ptr key;
  key_kind kind = key_kind::unsupported;
  // name_hash[i] / key_hash[i] under issuer_hashes[i], the first issuer_hash_sizes[i] octets.
  std::array<std::array<std::uint8_t, 64>, 4> name_hash{}, key_hash{};

  der::bytes name_hash_of(std::size_t i) const noexcept { return der::bytes(name_hash[i].data(), issuer_hash_sizes[i]); }
  der::bytes key_hash_of(std::size_t i) const noexcept { return der::bytes(key_hash[i].data(), issuer_hash_sizes[i]); }
};

struct issuer_trust_access {
  static const issuer_trust::impl& get(const issuer_trust& t) noexcept { return *t.impl_; }
  static issuer_trust make(std::shared_ptr<const issuer_trust::impl> state) noexcept {
    return issuer_trust(std::move(state));
  }
};

result<issuer_trust> issuer_trust::from_der(der::bytes der) {
  auto state = std::make_shared<impl>();
  state->der.assign(der.begin(), der.end());
  if (const errc e = parse_certificate(state->der, state->view); !der::ok(e)) return make_error_code(e);
  state->key = decode_key(state->view.subject_public_key_info);
  if (!state->key) return make_error_code(errc::ocsp_issuer_key_unsupported);
  state->kind = classify(state->key.get());
  if (state->kind == key_kind::unsupported) return make_error_code(errc::ocsp_issuer_key_unsupported);
  for (std::size_t i = 0; i < issuer_hashes.size(); ++i) {
    EVP_MD* md = EVP_MD_fetch(nullptr, digest_name(issuer_hashes[i]), nullptr);
    const bool ok = digest(md, state->view.subject, state->name_hash[i].data(), issuer_hash_sizes[i]) &&
                    digest(md, state->view.public_key, state->key_hash[i].data(), issuer_hash_sizes[i]);
    EVP_MD_free(md);
    if (!ok) return make_error_code(errc::internal_error);
  }
  return issuer_trust_access::make(std::move(state));
}

result<issuer_trust> issuer_trust::from_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return make_error_code(errc::internal_error);
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) {
    ERR_clear_error();
    return make_error_code(errc::certificate_invalid);
  }
  unsigned char* out = nullptr;
  const int n = i2d_X509(cert, &out);
  X509_free(cert);
  if (n <= 0) {
    ERR_clear_error();
    return make_error_code(errc::certificate_invalid);
  }
  std::vector<std::uint8_t> der(out, out + n);
  OPENSSL_free(out);
  return from_der(der);
}

der::bytes issuer_trust::der() const noexcept { return impl_->der; }
der::bytes issuer_trust::subject() const noexcept { return impl_->view.subject; }
der::bytes issuer_trust::public_key() const noexcept { return impl_->view.public_key; }

bool issuer_trust::issued(const cert_id& id) const noexcept {
  const std::optional<hash_kind> h = hash_from_oid(id.hash_algorithm);
  if (!h) return false;
  for (std::size_t i = 0; i < issuer_hashes.size(); ++i) {
    if (issuer_hashes[i] == *h) {
      return equal_bytes(id.issuer_name_hash, impl_->name_hash_of(i)) &&
             equal_bytes(id.issuer_key_hash, impl_->key_hash_of(i));
    }
  }
  return false;  // SHA-224 CertIDs are not precomputed
}

// --- verification ---------------------------------------------------------------------------------

namespace {

// Check 2: a critical extension other than the ones this library understands.
bool has_unknown_critical(const std::optional<extension_list>& list, bool nonce_known) noexcept {
  if (!list) return false;
  for (const extension& ext : *list) {
    if (!ext.critical) continue;
    if (nonce_known && oid::equal(ext.oid, oid::pkix_ocsp_nonce)) continue;
    return true;
  }
  return false;
}

// The signer found by check 3.
struct signer {
  bool is_issuer = true;
  der::bytes certificate;   // the delegated signer's DER
  certificate_view view;    // the delegated signer, parsed
};

// Whether `candidate` (a parsed certificate) is the one the ResponderID names.
bool matches_responder(const responder_id& id, const certificate_view& candidate) noexcept {
  if (id.type == responder_id::kind::by_name) return equal_bytes(id.value, candidate.subject);
  // RFC 6960 4.2.1: KeyHash ::= OCTET STRING -- SHA-1 hash of responder's public key (the BIT
  // STRING's value, excluding tag, length and unused bits).
  if (id.value.size() != 20) return false;
  std::array<std::uint8_t, 20> hash{};
  return digest(fetched_sha1(), candidate.public_key, hash.data(), 20) && equal_bytes(id.value, hash);
}

// Check 3: the issuer, then the response's certs, then the caller's extra certificates.
errc find_signer(const basic_response& basic, const issuer_trust::impl& issuer, const verify_options& options,
                 signer& out) noexcept {
  const responder_id& id = basic.responder;
  if (id.type == responder_id::kind::by_name ? equal_bytes(id.value, issuer.view.subject)
                                             : equal_bytes(id.value, issuer.key_hash_of(0))) {
    out.is_issuer = true;
    return errc{};
  }
  for (const der::bytes& cert : basic.certs) {
    if (!der::ok(parse_certificate(cert, out.view))) continue;  // validated by the parse; defensive
    if (matches_responder(id, out.view)) {
      out.is_issuer = false;
      out.certificate = cert;
      return errc{};
    }
  }
  for (const der::bytes& cert : options.extra_signers) {
    if (!der::ok(parse_certificate(cert, out.view))) continue;  // not a certificate: not a candidate
    if (matches_responder(id, out.view)) {
      out.is_issuer = false;
      out.certificate = cert;
      return errc{};
    }
  }
  return errc::ocsp_responder_id_mismatch;
}

// Check 4: the delegated signer is issued and signed by the issuer, carries id-kp-OCSPSigning
// and is valid at the checking time.
errc check_delegated(const signer& s, const issuer_trust::impl& issuer, const verify_options& options) noexcept {
  if (!equal_bytes(s.view.issuer, issuer.view.subject)) return errc::ocsp_signer_not_issued_by_issuer;
  algorithm_identifier alg;
  if (!der::ok(certificate_signature_algorithm(s.certificate, alg))) return errc::ocsp_signer_not_issued_by_issuer;
  const errc e = verify_signature(issuer.key.get(), issuer.kind, alg.oid, alg.parameters, s.view.tbs_certificate,
                                  s.view.signature);
  if (e == errc::ocsp_bad_signature) return errc::ocsp_signer_not_issued_by_issuer;
  OCSP_DER_TRY(e);
  const result<bool> eku = has_extended_key_usage(s.view, oid::kp_ocsp_signing);
  if (!eku || !eku.value()) return errc::ocsp_signer_not_authorized;
  if (options.now < s.view.validity.not_before || options.now > s.view.validity.not_after) {
    return errc::ocsp_signer_not_valid;
  }
  return errc{};
}

// Checks 3 to 5.
errc check_signer_and_signature(const basic_response& basic, const issuer_trust::impl& issuer,
                                const verify_options& options, signer& s) noexcept {
  OCSP_DER_TRY(find_signer(basic, issuer, options, s));
  if (s.is_issuer) {
    return verify_signature(issuer.key.get(), issuer.kind, basic.signature_algorithm, basic.signature_parameters,
                            basic.tbs_response_data, basic.signature);
  }
  OCSP_DER_TRY(check_delegated(s, issuer, options));
  // The delegated signer's key comes with this response: decoded here, freed on return.
  key_kind kind = key_kind::unsupported;
  const pkey_ptr key = decode_signer_key(s.view, kind);
  if (!key) return errc::ocsp_unsupported_signature_algorithm;
  return verify_signature(key.get(), kind, basic.signature_algorithm, basic.signature_parameters,
                          basic.tbs_response_data, basic.signature);
}

// Check 7 for one SingleResponse.
errc check_times(const single_response& single, const verify_options& options) noexcept {
  if (single.this_update > options.now + options.skew) return errc::ocsp_response_not_yet_valid;
  if (single.next_update && *single.next_update < options.now - options.skew) return errc::ocsp_response_expired;
  return errc{};
}

// Check 8. A nonce that appears twice is a mismatch: the verifier must not guess which counts.
errc check_nonce(const basic_response& basic, const verify_options& options) noexcept {
  if (!options.nonce) return errc{};
  if (!basic.extensions) return errc::ocsp_nonce_mismatch;
  const auto unique = find_unique_extension(*basic.extensions, oid::pkix_ocsp_nonce);
  if (!unique || !unique.value()) return errc::ocsp_nonce_mismatch;
  const std::optional<der::bytes> nonce = basic.nonce();
  if (!nonce || !equal_bytes(*nonce, *options.nonce)) return errc::ocsp_nonce_mismatch;
  return errc{};
}

verified_response make_verified(const single_response& single, const basic_response& basic, const signer& s) noexcept {
  verified_response v;
  v.single = single;
  v.produced_at = basic.produced_at;
  v.signer = s.is_issuer ? signer_kind::issuer : signer_kind::delegated;
  if (!s.is_issuer) v.signer_certificate = s.certificate;
  return v;
}

}  // namespace

result<verified_response> verify_response(const ocsp_response& response, const issuer_trust& trust,
                                          const cert_id& target, const verify_options& options) {
  // 1
  if (response.status != response_status::successful || !response.basic) {
    return make_error_code(errc::ocsp_response_not_successful);
  }
  const basic_response& basic = *response.basic;
  const issuer_trust::impl& issuer = issuer_trust_access::get(trust);

  // The matching SingleResponse, needed by check 2 (its extensions) and reported by check 6. A
  // target that does not name this issuer matches nothing: the issuer vouches for its own
  // certificates only.
  std::optional<single_response> match;
  if (trust.issued(target)) {
    for (const single_response& single : basic.responses) {
      if (same_certificate(single.id, target)) {
        match = single;
        break;
      }
    }
  }

  // 2
  if (has_unknown_critical(basic.extensions, true) || (match && has_unknown_critical(match->extensions, false))) {
    return make_error_code(errc::ocsp_unknown_critical_extension);
  }
  // 3, 4, 5
  signer s;
  if (const errc e = check_signer_and_signature(basic, issuer, options, s); !der::ok(e)) return make_error_code(e);
  // 6
  if (!match) return make_error_code(errc::ocsp_cert_id_not_found);
  // 7
  if (const errc e = check_times(*match, options); !der::ok(e)) return make_error_code(e);
  // 8
  if (const errc e = check_nonce(basic, options); !der::ok(e)) return make_error_code(e);
  return make_verified(*match, basic, s);
}

result<std::vector<verified_response>> verify_response_for_issuer(const ocsp_response& response,
                                                                  const issuer_trust& trust,
                                                                  const verify_options& options) {
  if (response.status != response_status::successful || !response.basic) {
    return make_error_code(errc::ocsp_response_not_successful);
  }
  const basic_response& basic = *response.basic;
  const issuer_trust::impl& issuer = issuer_trust_access::get(trust);

  bool unknown_critical = has_unknown_critical(basic.extensions, true);
  for (const single_response& single : basic.responses) {
    unknown_critical = unknown_critical || has_unknown_critical(single.extensions, false);
  }
  if (unknown_critical) return make_error_code(errc::ocsp_unknown_critical_extension);

  signer s;
  if (const errc e = check_signer_and_signature(basic, issuer, options, s); !der::ok(e)) return make_error_code(e);
  for (const single_response& single : basic.responses) {
    if (!trust.issued(single.id)) return make_error_code(errc::ocsp_cert_id_not_found);
  }
  for (const single_response& single : basic.responses) {
    if (const errc e = check_times(single, options); !der::ok(e)) return make_error_code(e);
  }
  if (const errc e = check_nonce(basic, options); !der::ok(e)) return make_error_code(e);

  std::vector<verified_response> out;
  out.reserve(basic.responses.size());
  for (const single_response& single : basic.responses) out.push_back(make_verified(single, basic, s));
  return out;
}

std::string describe_verification_error(errc e) {
  switch (e) {
    // Verification.
    case errc::ocsp_response_not_successful:
      return "the responseStatus is not successful, so the response carries no status";
    case errc::ocsp_unsupported_signature_algorithm:
      return "the signature algorithm (or the signer's key type) is not one this library verifies: RSA PKCS#1 v1.5 "
             "or RSA-PSS, ECDSA on P-256/P-384/P-521, Ed25519";
    case errc::ocsp_bad_signature:
      return "the response's signature over tbsResponseData does not verify with the signer's key";
    case errc::ocsp_responder_id_mismatch:
      return "the ResponderID names neither the issuer nor any certificate in the response or given as a signer";
    case errc::ocsp_signer_not_issued_by_issuer:
      return "the delegated signer's certificate was not issued and signed by the certificate's issuer";
    case errc::ocsp_signer_not_authorized:
      return "the delegated signer's certificate does not carry id-kp-OCSPSigning in extendedKeyUsage";
    case errc::ocsp_signer_not_valid:
      return "the delegated signer's certificate is outside its notBefore..notAfter at the checking time";
    case errc::ocsp_cert_id_not_found:
      return "no SingleResponse has the certificate's CertID (hash algorithm, issuer hashes, serial), or one names "
             "another issuer";
    case errc::ocsp_response_not_yet_valid:
      return "thisUpdate is later than the checking time plus the allowed clock skew";
    case errc::ocsp_response_expired:
      return "nextUpdate is earlier than the checking time minus the allowed clock skew";
    case errc::ocsp_nonce_mismatch:
      return "a nonce was sent, and the response's nonce is absent, repeated or different";
    case errc::ocsp_unknown_critical_extension:
      return "the response or the certificate's SingleResponse has a critical extension this library does not "
             "understand";
    case errc::ocsp_issuer_key_unsupported:
      return "the issuer's public key cannot be decoded or is of a type this library does not verify with";
    // DER.
    case errc::der_truncated:
      return "the response is not DER: an element runs past the end of its container";
    case errc::der_bad_length:
      return "the response is not DER: a length is indefinite, not minimal or too large";
    case errc::der_high_tag_number:
      return "the response is not DER as OCSP uses it: a tag number is 31 or more";
    case errc::der_unexpected_tag:
      return "the response does not follow the ASN.1 grammar: an element is not the one required here";
    case errc::der_trailing_data:
      return "the response is not DER: bytes follow the last element of a container";
    case errc::der_bad_boolean:
      return "the response is not DER: a BOOLEAN is not one octet 0x00 or 0xFF";
    case errc::der_bad_integer:
      return "the response is not DER: an INTEGER is empty, not minimal, out of range or an encoded DEFAULT";
    case errc::der_bad_bit_string:
      return "the response is not DER: a BIT STRING has an invalid unused-bits count or non-zero unused bits";
    case errc::der_bad_oid:
      return "the response is not DER: an OBJECT IDENTIFIER is empty or malformed";
    case errc::der_bad_time:
      return "the response is not DER: a time is not in RFC 5280's UTCTime or GeneralizedTime form";
    case errc::der_bad_null:
      return "the response is not DER: a NULL has contents";
    case errc::der_too_deep:
      return "the response nests elements too deeply";
    case errc::der_buffer_too_small:
      return "the output buffer is too small for the encoding";
    // OCSP structure.
    case errc::ocsp_unknown_response_status:
      return "the responseStatus is outside RFC 6960's enumeration";
    case errc::ocsp_missing_response_bytes:
      return "the responseStatus is successful but responseBytes is absent";
    case errc::ocsp_unexpected_response_bytes:
      return "the responseStatus is not successful but responseBytes is present";
    case errc::ocsp_unsupported_response_type:
      return "the responseType is not id-pkix-ocsp-basic";
    case errc::ocsp_unsupported_version:
      return "the ResponseData version is not v1";
    case errc::ocsp_bad_cert_status:
      return "a certStatus is none of good, revoked or unknown";
    case errc::ocsp_bad_revocation_reason:
      return "a revocationReason is outside RFC 5280's CRLReason values";
    case errc::ocsp_duplicate_extension:
      return "an extension appears twice in one list";
    case errc::ocsp_no_single_response:
      return "the response holds no SingleResponse";
    default:
      return {};
  }
}

}  // namespace ocsp
