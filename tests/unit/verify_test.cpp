// OCSP response verification (ocsp/verify.hpp). Every response here is built in the test: the
// library's own encoders write it, OpenSSL EVP signs tbsResponseData with keys generated here,
// and the certificates (issuer CAs, the proxy, delegated signers) are made with OpenSSL's X509 API.
// One table case per check and per errc, the order where two checks fail at once, each signature
// algorithm, and real `openssl ocsp` output (the test PKI of tests/pki/make-test-pki.sh).
#include "support.hpp"

#include <ocsp/cert_view.hpp>
#include <ocsp/oids.hpp>
#include <ocsp/request.hpp>
#include <ocsp/response.hpp>
#include <ocsp/verify.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using ocsp::errc;
using bytes_vec = std::vector<std::uint8_t>;
using seconds_t = std::chrono::sys_seconds;

// The checking time of every table case (2030-03-17T17:46:40Z).
const seconds_t now{std::chrono::seconds(1900000000)};

bytes_vec to_vec(ocsp::der::bytes b) { return {b.begin(), b.end()}; }
template <std::size_t N>
bytes_vec to_vec(const std::array<std::uint8_t, N>& a) { return {a.begin(), a.end()}; }

std::shared_ptr<EVP_PKEY> keygen(const std::string& type, const std::string& curve = {}) {
  EVP_PKEY* key = nullptr;
  if (type == "RSA") key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048});
  else if (type == "EC") key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve.c_str());
  else key = EVP_PKEY_Q_keygen(nullptr, nullptr, type.c_str());
  REQUIRE(key != nullptr);
  return {key, EVP_PKEY_free};
}

const char* default_md(EVP_PKEY* key) { return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? nullptr : "SHA256"; }

struct cert_spec {
  std::string cn;
  EVP_PKEY* key = nullptr;          // the subject's key
  X509* issuer = nullptr;           // nullptr: self-signed
  EVP_PKEY* signing_key = nullptr;  // the issuer's private key; nullptr when self-signed
  long serial = 1;
  seconds_t not_before = now - 24h * 30;
  seconds_t not_after = now + 24h * 365;
  bool ca = false;
  bool ocsp_signing = false;
};

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  REQUIRE(ext != nullptr);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate made with OpenSSL's X509 API.
std::shared_ptr<X509> make_cert(const cert_spec& s) {
  std::shared_ptr<X509> cert(X509_new(), X509_free);
  X509* x = cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), s.serial);
  X509_NAME* name = X509_NAME_new();
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("libocsp verify tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(s.cn.c_str()), -1, -1, 0);
  X509_set_subject_name(x, name);
  X509_set_issuer_name(x, s.issuer != nullptr ? X509_get_subject_name(s.issuer) : name);
  X509_NAME_free(name);
  ASN1_TIME_set(X509_getm_notBefore(x), static_cast<time_t>(s.not_before.time_since_epoch().count()));
  ASN1_TIME_set(X509_getm_notAfter(x), static_cast<time_t>(s.not_after.time_since_epoch().count()));
  X509_set_pubkey(x, s.key);
  X509* issuer = s.issuer != nullptr ? s.issuer : x;
  add_ext(x, issuer, NID_basic_constraints, s.ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(x, issuer, NID_key_usage, s.ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  if (s.ocsp_signing) add_ext(x, issuer, NID_ext_key_usage, "OCSPSigning");
  EVP_PKEY* signer = s.signing_key != nullptr ? s.signing_key : s.key;
  const char* md = default_md(signer);
  REQUIRE(X509_sign(x, signer, md != nullptr ? EVP_get_digestbyname(md) : nullptr) > 0);
  return cert;
}

bytes_vec der_of(X509* x) {
  unsigned char* out = nullptr;
  const int n = i2d_X509(x, &out);
  REQUIRE(n > 0);
  bytes_vec der(out, out + n);
  OPENSSL_free(out);
  return der;
}

bytes_vec sha1(ocsp::der::bytes data) {
  bytes_vec out(20);
  unsigned n = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_sha1(), nullptr) == 1);
  return out;
}

// An issuer CA: key, certificate, issuer_trust, and a proxy certificate it issued with its CertIDs.
struct authority {
  std::shared_ptr<EVP_PKEY> key;
  std::shared_ptr<X509> cert;
  bytes_vec der;
  ocsp::certificate_view view;
  std::shared_ptr<X509> proxy;
  bytes_vec proxy_der;
  std::unique_ptr<ocsp::cert_id_storage> sha1_storage = std::make_unique<ocsp::cert_id_storage>();
  std::unique_ptr<ocsp::cert_id_storage> sha256_storage = std::make_unique<ocsp::cert_id_storage>();
  ocsp::cert_id proxy_id, proxy_id_sha256;
  std::optional<ocsp::issuer_trust> trust;

  authority(const std::string& cn, std::shared_ptr<EVP_PKEY> k, long proxy_serial) : key(std::move(k)) {
    cert = make_cert({.cn = cn, .key = key.get(), .ca = true});
    der = der_of(cert.get());
    view = ocsp::parse_certificate(der).value();
    proxy = make_cert({.cn = "proxy of " + cn, .key = key.get(), .issuer = cert.get(), .signing_key = key.get(),
                       .serial = proxy_serial});
    proxy_der = der_of(proxy.get());
    const auto proxy_view = ocsp::parse_certificate(proxy_der).value();
    proxy_id = ocsp::make_cert_id(proxy_view, view, ocsp::cert_id_hash::sha1, *sha1_storage).value();
    proxy_id_sha256 = ocsp::make_cert_id(proxy_view, view, ocsp::cert_id_hash::sha256, *sha256_storage).value();
    auto t = ocsp::issuer_trust::from_der(der);
    REQUIRE(t);
    trust = t.value();
  }
  authority(authority&&) = default;
  bytes_vec key_hash() const { return sha1(view.public_key); }
};

// The shared PKI of the table, made once.
struct pki {
  authority ca{"Test CA", keygen("EC", "P-256"), 0x1001};
  authority other{"Other CA", keygen("EC", "P-256"), 0x1001};
  std::shared_ptr<EVP_PKEY> signer_key = keygen("EC", "P-256");
  std::shared_ptr<EVP_PKEY> unrelated_key = keygen("EC", "P-256");
  bytes_vec delegated, delegated_noeku, delegated_expired, delegated_future, delegated_by_other,
      delegated_by_other_noeku, delegated_forged, unrelated_cert;

  pki() {
    const auto dele = [&](const std::string& cn, bool eku, const authority& by, EVP_PKEY* signing, seconds_t nb,
                          seconds_t na) {
      return der_of(make_cert({.cn = cn, .key = signer_key.get(), .issuer = by.cert.get(),
                               .signing_key = signing != nullptr ? signing : by.key.get(), .serial = 7,
                               .not_before = nb, .not_after = na, .ocsp_signing = eku})
                        .get());
    };
    const seconds_t nb = now - 24h * 30, na = now + 24h * 365;
    delegated = dele("Delegated responder", true, ca, nullptr, nb, na);
    delegated_noeku = dele("Delegated responder", false, ca, nullptr, nb, na);
    delegated_expired = dele("Delegated responder", true, ca, nullptr, now - 24h * 60, now - 1s);
    delegated_future = dele("Delegated responder", true, ca, nullptr, now + 1s, na);
    delegated_by_other = dele("Delegated responder", true, other, nullptr, nb, na);
    delegated_by_other_noeku = dele("Delegated responder", false, other, nullptr, nb, na);
    // Names the CA as its issuer but is signed by the other CA's key.
    delegated_forged = dele("Delegated responder", true, ca, other.key.get(), nb, na);
    unrelated_cert = der_of(make_cert({.cn = "Unrelated", .key = unrelated_key.get(), .ca = true}).get());
  }
};

pki& the_pki() {
  static pki p;
  return p;
}

bytes_vec subject_of(const bytes_vec& cert) { return to_vec(ocsp::parse_certificate(cert).value().subject); }
bytes_vec key_hash_of(const bytes_vec& cert) { return sha1(ocsp::parse_certificate(cert).value().public_key); }

struct ext_spec {
  bytes_vec oid;
  bool critical = false;
  bytes_vec value;
};

struct single_spec {
  single_spec(const ocsp::cert_id& i, ocsp::cert_status st = ocsp::cert_status::good) : id(i), status(st) {}
  ocsp::cert_id id;
  ocsp::cert_status status = ocsp::cert_status::good;
  seconds_t this_update = now - 1h;
  std::optional<seconds_t> next_update = now + 24h;
  std::vector<ext_spec> extensions;
};

struct response_spec {
  ocsp::response_status status = ocsp::response_status::successful;
  ocsp::responder_id::kind by = ocsp::responder_id::kind::by_name;
  bytes_vec responder;  // the Name DER or the key hash
  EVP_PKEY* signing_key = nullptr;
  bytes_vec algorithm = to_vec(ocsp::oid::ecdsa_with_sha256);
  bytes_vec parameters;   // the whole parameters element, empty when absent
  const char* md = "SHA256";  // nullptr for Ed25519
  bool pss = false;
  int pss_salt = 32;
  const char* pss_mgf1 = "SHA256";
  std::vector<bytes_vec> certs;
  std::vector<single_spec> singles;
  std::vector<ext_spec> extensions;
  seconds_t produced_at = now - 1h;
  bool corrupt_signature = false;
};

bytes_vec nonce_value(const bytes_vec& nonce) {
  ocsp::der::writer w;
  w.add_octet_string(nonce);
  return w.take().value();
}

ext_spec nonce_extension(const bytes_vec& nonce, bool critical = false) {
  return {to_vec(ocsp::oid::pkix_ocsp_nonce), critical, nonce_value(nonce)};
}

// An extension OID nobody knows: 1.3.6.1.4.1.55555.1
const bytes_vec unknown_oid{0x2b, 0x06, 0x01, 0x04, 0x01, 0x83, 0xb2, 0x03, 0x01};

bytes_vec sign(const response_spec& s, const bytes_vec& tbs) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;
  REQUIRE(EVP_DigestSignInit_ex(ctx.get(), &pctx, s.md, nullptr, nullptr, s.signing_key, nullptr) == 1);
  if (s.pss) {
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, s.pss_mgf1, nullptr) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, s.pss_salt) == 1);
  }
  std::size_t n = 0;
  REQUIRE(EVP_DigestSign(ctx.get(), nullptr, &n, tbs.data(), tbs.size()) == 1);
  bytes_vec sig(n);
  REQUIRE(EVP_DigestSign(ctx.get(), sig.data(), &n, tbs.data(), tbs.size()) == 1);
  sig.resize(n);
  return sig;
}

template <class List, class T, class Encode>
List make_list(std::deque<bytes_vec>& hold, const std::vector<T>& items, Encode encode_one) {
  ocsp::der::writer w;
  for (const T& item : items) encode_one(w, item);
  hold.push_back(w.take().value());
  return List(ocsp::der::reader(hold.back()), items.size());
}

ocsp::extension_list make_extensions(std::deque<bytes_vec>& hold, const std::vector<ext_spec>& exts) {
  return make_list<ocsp::extension_list>(hold, exts, [](ocsp::der::writer& w, const ext_spec& e) {
    ocsp::encode(w, ocsp::extension{e.oid, e.critical, e.value});
  });
}

// The DER OCSPResponse of `s`, signed.
bytes_vec build(const response_spec& s) {
  ocsp::ocsp_response r;
  r.status = s.status;
  if (s.status == ocsp::response_status::successful) {
    std::deque<bytes_vec> hold;
    ocsp::basic_response b;
    b.responder = {s.by, s.responder};
    b.produced_at = s.produced_at;
    b.responses = make_list<ocsp::single_response_list>(hold, s.singles, [&](ocsp::der::writer& w, const single_spec& one) {
      ocsp::single_response single;
      single.id = one.id;
      single.status = one.status;
      if (one.status == ocsp::cert_status::revoked) single.revocation_time = now - 24h;
      single.this_update = one.this_update;
      single.next_update = one.next_update;
      if (!one.extensions.empty()) single.extensions = make_extensions(hold, one.extensions);
      ocsp::encode(w, single);
    });
    if (!s.extensions.empty()) b.extensions = make_extensions(hold, s.extensions);
    b.signature_algorithm = s.algorithm;
    b.signature_parameters = s.parameters;
    ocsp::der::writer tbs_writer;
    ocsp::encode_tbs_response_data(tbs_writer, b);
    const bytes_vec tbs = tbs_writer.take().value();
    bytes_vec sig = sign(s, tbs);
    if (s.corrupt_signature) sig[sig.size() / 2] ^= 0x01;
    b.signature = {sig, 0};
    bytes_vec certs;
    for (const bytes_vec& c : s.certs) certs.insert(certs.end(), c.begin(), c.end());
    if (!s.certs.empty()) b.certs = ocsp::certificate_list(ocsp::der::reader(certs), s.certs.size());
    r.basic = b;
    ocsp::der::writer w;
    ocsp::encode(w, r);
    return w.take().value();
  }
  ocsp::der::writer w;
  ocsp::encode(w, r);
  return w.take().value();
}

// What a table case may change: the response, the options, the issuer and the target.
struct inputs {
  response_spec spec;
  ocsp::verify_options options;
  const authority* issuer = nullptr;
  ocsp::cert_id target;
  bytes_vec sent_nonce;
  std::vector<ocsp::der::bytes> extra;
};

// The default: the issuer CA signs (byName) a good status for its proxy; ECDSA P-256 SHA-256.
inputs defaults(const authority& a) {
  inputs in;
  in.issuer = &a;
  in.target = a.proxy_id;
  in.spec.signing_key = a.key.get();
  in.spec.md = default_md(a.key.get());
  in.spec.responder = to_vec(a.view.subject);
  in.spec.singles.push_back({a.proxy_id});
  in.options.now = now;
  return in;
}

ocsp::result<ocsp::verified_response> run(inputs& in, bytes_vec& der) {
  der = build(in.spec);
  auto parsed = ocsp::parse_ocsp_response(der);
  REQUIRE(parsed);
  if (!in.sent_nonce.empty()) in.options.nonce = ocsp::der::bytes(in.sent_nonce);
  in.options.extra_signers = in.extra;
  return ocsp::verify_response(parsed.value(), *in.issuer->trust, in.target, in.options);
}

void use_delegated(inputs& in, const bytes_vec& cert) {
  in.spec.signing_key = the_pki().signer_key.get();
  in.spec.responder = subject_of(cert);
  in.spec.certs = {cert};
}

struct table_case {
  const char* name;
  std::function<void(inputs&)> tweak;
  errc expected;  // errc{}: verifies
  std::optional<ocsp::signer_kind> signer = std::nullopt;
};

ocsp::cert_id other_serial(const ocsp::cert_id& id, const std::uint8_t* serial) {
  ocsp::cert_id copy = id;
  copy.serial_number = ocsp::der::bytes(serial, 2);
  return copy;
}
const std::uint8_t serial_a[2]{0x20, 0x01};
const std::uint8_t serial_b[2]{0x20, 0x02};

std::vector<table_case> check_cases() {
  pki& p = the_pki();
  const auto unsuccessful = [](ocsp::response_status st) { return [st](inputs& in) { in.spec.status = st; }; };
  return {
      // Accepted.
      {"issuer signs, byName", [](inputs&) {}, errc{}, ocsp::signer_kind::issuer},
      {"issuer signs, byKey",
       [](inputs& in) {
         in.spec.by = ocsp::responder_id::kind::by_key;
         in.spec.responder = in.issuer->key_hash();
       },
       errc{}, ocsp::signer_kind::issuer},
      {"revoked status verifies too", [](inputs& in) { in.spec.singles[0].status = ocsp::cert_status::revoked; }, errc{}},
      {"SHA-256 CertID", [](inputs& in) {
         in.spec.singles[0].id = in.issuer->proxy_id_sha256;
         in.target = in.issuer->proxy_id_sha256;
       }, errc{}},
      {"delegated signer, byName, embedded", [&](inputs& in) { use_delegated(in, p.delegated); }, errc{},
       ocsp::signer_kind::delegated},
      {"delegated signer, byKey, embedded",
       [&](inputs& in) {
         use_delegated(in, p.delegated);
         in.spec.by = ocsp::responder_id::kind::by_key;
         in.spec.responder = key_hash_of(p.delegated);
       },
       errc{}, ocsp::signer_kind::delegated},
      {"delegated signer given by the caller (extra_signers)",
       [&](inputs& in) {
         use_delegated(in, p.delegated);
         in.spec.certs.clear();
         in.extra = {p.delegated};
       },
       errc{}, ocsp::signer_kind::delegated},
      {"delegated signer among unrelated embedded certs",
       [&](inputs& in) {
         use_delegated(in, p.delegated);
         in.spec.certs = {p.unrelated_cert, p.delegated};
       },
       errc{}, ocsp::signer_kind::delegated},
      {"several SingleResponses, only one matches",
       [](inputs& in) {
         in.spec.singles = {{other_serial(in.issuer->proxy_id, serial_a), ocsp::cert_status::revoked},
                            {in.issuer->proxy_id},
                            {other_serial(in.issuer->proxy_id, serial_b), ocsp::cert_status::revoked}};
       },
       errc{}},
      {"non-critical unknown extensions", [](inputs& in) {
         in.spec.extensions = {{unknown_oid, false, {0x05, 0x00}}};
         in.spec.singles[0].extensions = {{unknown_oid, false, {0x05, 0x00}}};
       }, errc{}},
      {"critical nonce (understood)", [](inputs& in) { in.spec.extensions = {nonce_extension({1, 2, 3, 4}, true)}; },
       errc{}},
      {"critical unknown extension in a non-matching SingleResponse: ignored",
       [](inputs& in) {
         in.spec.singles = {{other_serial(in.issuer->proxy_id, serial_a)}, {in.issuer->proxy_id}};
         in.spec.singles[0].extensions = {{unknown_oid, true, {0x05, 0x00}}};
       },
       errc{}},
      {"nextUpdate absent", [](inputs& in) { in.spec.singles[0].next_update.reset(); }, errc{}},
      // 1
      {"malformedRequest", unsuccessful(ocsp::response_status::malformed_request), errc::ocsp_response_not_successful},
      {"internalError", unsuccessful(ocsp::response_status::internal_error), errc::ocsp_response_not_successful},
      {"tryLater", unsuccessful(ocsp::response_status::try_later), errc::ocsp_response_not_successful},
      {"sigRequired", unsuccessful(ocsp::response_status::sig_required), errc::ocsp_response_not_successful},
      {"unauthorized", unsuccessful(ocsp::response_status::unauthorized), errc::ocsp_response_not_successful},
      // 2
      {"critical unknown response extension",
       [](inputs& in) { in.spec.extensions = {{unknown_oid, true, {0x05, 0x00}}}; },
       errc::ocsp_unknown_critical_extension},
      {"critical unknown extension in the matching SingleResponse",
       [](inputs& in) { in.spec.singles[0].extensions = {{unknown_oid, true, {0x05, 0x00}}}; },
       errc::ocsp_unknown_critical_extension},
      {"critical nonce in the SingleResponse (not where a nonce belongs)",
       [](inputs& in) { in.spec.singles[0].extensions = {nonce_extension({1, 2}, true)}; },
       errc::ocsp_unknown_critical_extension},
      // 3
      {"byName names nobody known",
       [&](inputs& in) { in.spec.responder = subject_of(p.unrelated_cert); }, errc::ocsp_responder_id_mismatch},
      {"byKey hashes an unknown key",
       [&](inputs& in) {
         in.spec.by = ocsp::responder_id::kind::by_key;
         in.spec.responder = key_hash_of(p.unrelated_cert);
       },
       errc::ocsp_responder_id_mismatch},
      {"delegated signer neither embedded nor given",
       [&](inputs& in) {
         use_delegated(in, p.delegated);
         in.spec.certs.clear();
       },
       errc::ocsp_responder_id_mismatch},
      // 4
      {"delegated signer issued by another CA",
       [&](inputs& in) { use_delegated(in, p.delegated_by_other); }, errc::ocsp_signer_not_issued_by_issuer},
      {"delegated signer naming the issuer but signed by another key",
       [&](inputs& in) { use_delegated(in, p.delegated_forged); }, errc::ocsp_signer_not_issued_by_issuer},
      {"delegated signer without id-kp-OCSPSigning",
       [&](inputs& in) { use_delegated(in, p.delegated_noeku); }, errc::ocsp_signer_not_authorized},
      {"delegated signer expired", [&](inputs& in) { use_delegated(in, p.delegated_expired); },
       errc::ocsp_signer_not_valid},
      {"delegated signer not yet valid", [&](inputs& in) { use_delegated(in, p.delegated_future); },
       errc::ocsp_signer_not_valid},
      // 5
      {"signed by an unrelated key in the issuer's name",
       [&](inputs& in) { in.spec.signing_key = p.unrelated_key.get(); }, errc::ocsp_bad_signature},
      {"signature altered", [](inputs& in) { in.spec.corrupt_signature = true; }, errc::ocsp_bad_signature},
      {"RSA algorithm with an EC key",
       [](inputs& in) {
         in.spec.algorithm = to_vec(ocsp::oid::sha256_with_rsa);
         in.spec.parameters = {0x05, 0x00};
       },
       errc::ocsp_bad_signature},
      {"unknown signature algorithm (md5WithRSAEncryption)",
       [](inputs& in) { in.spec.algorithm = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04}; },
       errc::ocsp_unsupported_signature_algorithm},
      {"ECDSA with NULL parameters", [](inputs& in) { in.spec.parameters = {0x05, 0x00}; },
       errc::ocsp_unsupported_signature_algorithm},
      {"delegated signer, response signed by another key",
       [&](inputs& in) {
         use_delegated(in, p.delegated);
         in.spec.signing_key = p.unrelated_key.get();
       },
       errc::ocsp_bad_signature},
      // 6
      {"no SingleResponse for the certificate",
       [](inputs& in) { in.spec.singles = {{other_serial(in.issuer->proxy_id, serial_a)}}; },
       errc::ocsp_cert_id_not_found},
      {"same serial, CertID of another issuer",
       [&](inputs& in) { in.spec.singles = {{p.other.proxy_id}}; }, errc::ocsp_cert_id_not_found},
      {"SHA-256 target, SHA-1 SingleResponse", [](inputs& in) { in.target = in.issuer->proxy_id_sha256; },
       errc::ocsp_cert_id_not_found},
      {"target of another issuer (foreign CertID)",
       [&](inputs& in) {
         in.spec.singles = {{p.other.proxy_id}};
         in.target = p.other.proxy_id;
       },
       errc::ocsp_cert_id_not_found},
      // 7: the skew is 5 minutes.
      {"thisUpdate exactly now + skew", [](inputs& in) { in.spec.singles[0].this_update = now + 5min; }, errc{}},
      {"thisUpdate one second past now + skew", [](inputs& in) { in.spec.singles[0].this_update = now + 5min + 1s; },
       errc::ocsp_response_not_yet_valid},
      {"nextUpdate exactly now - skew",
       [](inputs& in) {
         in.spec.singles[0].this_update = now - 24h;
         in.spec.singles[0].next_update = now - 5min;
       },
       errc{}},
      {"nextUpdate one second before now - skew",
       [](inputs& in) {
         in.spec.singles[0].this_update = now - 24h;
         in.spec.singles[0].next_update = now - 5min - 1s;
       },
       errc::ocsp_response_expired},
      {"zero skew: thisUpdate one second ahead",
       [](inputs& in) {
         in.options.skew = 0s;
         in.spec.singles[0].this_update = now + 1s;
       },
       errc::ocsp_response_not_yet_valid},
      // 8
      {"nonce sent and returned", [](inputs& in) {
         in.sent_nonce = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6};
         in.spec.extensions = {nonce_extension(in.sent_nonce)};
       }, errc{}},
      {"nonce not sent, response carries one", [](inputs& in) { in.spec.extensions = {nonce_extension({1, 2, 3})}; },
       errc{}},
      {"nonce sent, response has none", [](inputs& in) { in.sent_nonce = {1, 2, 3, 4}; }, errc::ocsp_nonce_mismatch},
      {"nonce sent, response's differs",
       [](inputs& in) {
         in.sent_nonce = {1, 2, 3, 4};
         in.spec.extensions = {nonce_extension({1, 2, 3, 5})};
       },
       errc::ocsp_nonce_mismatch},
      {"nonce sent, response's is a prefix",
       [](inputs& in) {
         in.sent_nonce = {1, 2, 3, 4};
         in.spec.extensions = {nonce_extension({1, 2, 3})};
       },
       errc::ocsp_nonce_mismatch},
      {"nonce sent, response has two (one equal)",
       [](inputs& in) {
         in.sent_nonce = {1, 2, 3, 4};
         in.spec.extensions = {nonce_extension({1, 2, 3, 4}), nonce_extension({1, 2, 3, 4})};
       },
       errc::ocsp_nonce_mismatch},
      // Order: the first failing check answers.
      {"order 1 before 2..8: unsuccessful", unsuccessful(ocsp::response_status::try_later),
       errc::ocsp_response_not_successful},
      {"order 2 before 3: critical extension and unknown ResponderID",
       [&](inputs& in) {
         in.spec.extensions = {{unknown_oid, true, {0x05, 0x00}}};
         in.spec.responder = subject_of(p.unrelated_cert);
       },
       errc::ocsp_unknown_critical_extension},
      {"order 2 before 5: critical extension and bad signature",
       [](inputs& in) {
         in.spec.singles[0].extensions = {{unknown_oid, true, {0x05, 0x00}}};
         in.spec.corrupt_signature = true;
       },
       errc::ocsp_unknown_critical_extension},
      {"order 3 before 5: unknown ResponderID and bad signature",
       [&](inputs& in) {
         in.spec.responder = subject_of(p.unrelated_cert);
         in.spec.corrupt_signature = true;
       },
       errc::ocsp_responder_id_mismatch},
      {"order 4 (issued) before 4 (EKU): another CA's signer without EKU",
       [&](inputs& in) { use_delegated(in, p.delegated_by_other_noeku); },
       errc::ocsp_signer_not_issued_by_issuer},
      {"order 4 (EKU) before 4 (validity): no EKU, and expired at an early checking time",
       [&](inputs& in) {
         use_delegated(in, p.delegated_noeku);
         in.options.now = now - 24h * 31;  // before notBefore
         in.spec.singles[0].this_update = in.options.now - 1h;
         in.spec.singles[0].next_update.reset();
       },
       errc::ocsp_signer_not_authorized},
      {"order 4 before 5: expired signer and bad signature",
       [&](inputs& in) {
         use_delegated(in, p.delegated_expired);
         in.spec.corrupt_signature = true;
       },
       errc::ocsp_signer_not_valid},
      {"order 5 before 6: bad signature and no matching SingleResponse",
       [](inputs& in) {
         in.spec.singles = {{other_serial(in.issuer->proxy_id, serial_a)}};
         in.spec.corrupt_signature = true;
       },
       errc::ocsp_bad_signature},
      {"order 6 before 7: no match, and the non-matching one expired",
       [](inputs& in) {
         in.spec.singles = {{other_serial(in.issuer->proxy_id, serial_a)}};
         in.spec.singles[0].next_update = now - 24h;
         in.spec.singles[0].this_update = now - 48h;
       },
       errc::ocsp_cert_id_not_found},
      {"order 7 (thisUpdate) before 7 (nextUpdate)",
       [](inputs& in) {
         in.spec.singles[0].this_update = now + 1h;
         in.spec.singles[0].next_update = now - 1h;
       },
       errc::ocsp_response_not_yet_valid},
      {"order 7 before 8: expired and nonce mismatch",
       [](inputs& in) {
         in.spec.singles[0].this_update = now - 48h;
         in.spec.singles[0].next_update = now - 24h;
         in.sent_nonce = {1, 2, 3, 4};
       },
       errc::ocsp_response_expired},
  };
}

}  // namespace

TEST_CASE("verify_response: one case per check, errc and order", "[verify]") {
  pki& p = the_pki();
  std::set<errc> seen;
  for (const table_case& c : check_cases()) {
    DYNAMIC_SECTION(c.name) {
      inputs in = defaults(p.ca);
      c.tweak(in);
      bytes_vec der;
      const auto verdict = run(in, der);
      INFO("case: " << c.name << "; got " << (verdict ? std::string("success") : verdict.error().message()));
      if (c.expected == errc{}) {
        REQUIRE(verdict);
        CHECK(ocsp::same_certificate(verdict.value().single.id, in.target));
        CHECK(verdict.value().produced_at == in.spec.produced_at);
        if (c.signer) {
          CHECK(verdict.value().signer == *c.signer);
          CHECK(verdict.value().signer_certificate.empty() == (*c.signer == ocsp::signer_kind::issuer));
        }
      } else {
        REQUIRE_FALSE(verdict);
        CHECK(verdict.error() == ocsp::make_error_code(c.expected));
      }
    }
    seen.insert(c.expected);
  }
  // Every verification errc that a response can cause has a case.
  for (const errc e : {errc::ocsp_response_not_successful, errc::ocsp_unsupported_signature_algorithm,
                       errc::ocsp_bad_signature, errc::ocsp_responder_id_mismatch,
                       errc::ocsp_signer_not_issued_by_issuer, errc::ocsp_signer_not_authorized,
                       errc::ocsp_signer_not_valid, errc::ocsp_cert_id_not_found, errc::ocsp_response_not_yet_valid,
                       errc::ocsp_response_expired, errc::ocsp_nonce_mismatch, errc::ocsp_unknown_critical_extension}) {
    CHECK(seen.count(e) == 1);
  }
}

TEST_CASE("verify_response: every supported signature algorithm", "[verify]") {
  struct algo {
    const char* name;
    std::string key_type, curve;
    bytes_vec oid, parameters;
    const char* md;
    bool pss = false;
    bool corrupt = false;
  };
  // RSASSA-PSS-params: SHA-256, MGF1 with SHA-256, salt 32.
  const bytes_vec pss_sha256{0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
                             0x04, 0x02, 0x01, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48,
                             0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                             0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x20};
  const bytes_vec null{0x05, 0x00};
  const std::vector<algo> algos{
      {"RSA PKCS#1 SHA-256", "RSA", "", to_vec(ocsp::oid::sha256_with_rsa), null, "SHA256"},
      {"RSA PKCS#1 SHA-384", "RSA", "", to_vec(ocsp::oid::sha384_with_rsa), null, "SHA384"},
      {"RSA PKCS#1 SHA-512", "RSA", "", to_vec(ocsp::oid::sha512_with_rsa), null, "SHA512"},
      {"RSA PKCS#1 SHA-1", "RSA", "", to_vec(ocsp::oid::sha1_with_rsa), null, "SHA1"},
      {"RSA PKCS#1 SHA-224", "RSA", "", to_vec(ocsp::oid::sha224_with_rsa), null, "SHA224"},
      {"RSA PKCS#1 SHA-256, parameters absent", "RSA", "", to_vec(ocsp::oid::sha256_with_rsa), {}, "SHA256"},
      {"RSA PKCS#1 SHA-256, altered", "RSA", "", to_vec(ocsp::oid::sha256_with_rsa), null, "SHA256", false, true},
      {"RSA-PSS SHA-256 MGF1-SHA-256 salt 32", "RSA", "", to_vec(ocsp::oid::rsassa_pss), pss_sha256, "SHA256", true},
      {"RSA-PSS, altered", "RSA", "", to_vec(ocsp::oid::rsassa_pss), pss_sha256, "SHA256", true, true},
      {"ECDSA P-256 SHA-256", "EC", "P-256", to_vec(ocsp::oid::ecdsa_with_sha256), {}, "SHA256"},
      {"ECDSA P-256 SHA-1", "EC", "P-256", to_vec(ocsp::oid::ecdsa_with_sha1), {}, "SHA1"},
      {"ECDSA P-384 SHA-384", "EC", "P-384", to_vec(ocsp::oid::ecdsa_with_sha384), {}, "SHA384"},
      {"ECDSA P-384, altered", "EC", "P-384", to_vec(ocsp::oid::ecdsa_with_sha384), {}, "SHA384", false, true},
      {"ECDSA P-521 SHA-512", "EC", "P-521", to_vec(ocsp::oid::ecdsa_with_sha512), {}, "SHA512"},
      {"Ed25519", "ED25519", "", to_vec(ocsp::oid::ed25519), {}, nullptr},
      {"Ed25519, altered", "ED25519", "", to_vec(ocsp::oid::ed25519), {}, nullptr, false, true},
  };
  static std::map<std::string, std::unique_ptr<authority>> cas;
  for (const algo& a : algos) {
    DYNAMIC_SECTION(a.name) {
      auto& ca = cas[a.key_type + a.curve];
      if (!ca) ca = std::make_unique<authority>(a.key_type + a.curve + " CA", keygen(a.key_type, a.curve), 0x4242);
      inputs in = defaults(*ca);
      in.spec.algorithm = a.oid;
      in.spec.parameters = a.parameters;
      in.spec.md = a.md;
      in.spec.pss = a.pss;
      in.spec.corrupt_signature = a.corrupt;
      bytes_vec der;
      const auto verdict = run(in, der);
      if (a.corrupt) {
        REQUIRE_FALSE(verdict);
        CHECK(verdict.error() == ocsp::make_error_code(errc::ocsp_bad_signature));
      } else {
        INFO((verdict ? std::string("ok") : verdict.error().message()));
        CHECK(verdict);
      }
    }
  }

  SECTION("delegated signers of each key type (their keys are imported per response)") {
    pki& p = the_pki();
    struct signer_type {
      std::string type, curve;
      bytes_vec oid, parameters;
      const char* md;
    };
    for (const signer_type& t : {signer_type{"RSA", "", to_vec(ocsp::oid::sha256_with_rsa), {0x05, 0x00}, "SHA256"},
                                 signer_type{"EC", "P-384", to_vec(ocsp::oid::ecdsa_with_sha384), {}, "SHA384"},
                                 signer_type{"EC", "P-521", to_vec(ocsp::oid::ecdsa_with_sha512), {}, "SHA512"},
                                 signer_type{"ED25519", "", to_vec(ocsp::oid::ed25519), {}, nullptr}}) {
      INFO("delegated signer key " << t.type << " " << t.curve);
      auto key = keygen(t.type, t.curve);
      const bytes_vec cert = der_of(make_cert({.cn = "Delegated " + t.type + t.curve, .key = key.get(),
                                               .issuer = p.ca.cert.get(), .signing_key = p.ca.key.get(),
                                               .serial = 99, .ocsp_signing = true})
                                        .get());
      inputs in = defaults(p.ca);
      use_delegated(in, cert);
      in.spec.signing_key = key.get();
      in.spec.algorithm = t.oid;
      in.spec.parameters = t.parameters;
      in.spec.md = t.md;
      bytes_vec der;
      auto verdict = run(in, der);
      INFO((verdict ? std::string("ok") : verdict.error().message()));
      REQUIRE(verdict);
      CHECK(verdict.value().signer == ocsp::signer_kind::delegated);
      in.spec.corrupt_signature = true;
      verdict = run(in, der);
      REQUIRE_FALSE(verdict);
      CHECK(verdict.error() == ocsp::make_error_code(errc::ocsp_bad_signature));
    }
  }
  SECTION("RSA-PSS parameters this library does not support") {
    auto& ca = cas["RSA"];
    if (!ca) ca = std::make_unique<authority>("RSA CA", keygen("RSA"), 0x4242);
    inputs in = defaults(*ca);
    in.spec.algorithm = to_vec(ocsp::oid::rsassa_pss);
    in.spec.md = "SHA256";
    in.spec.pss = true;
    bytes_vec bad_mgf = pss_sha256;
    bad_mgf[33] = 0x09;  // id-mgf1 -> 1.2.840.113549.1.1.9, not a mask generation function we know
    for (const bytes_vec& params : {bytes_vec{}, bytes_vec{0x05, 0x00}, bad_mgf}) {
      in.spec.parameters = params;
      bytes_vec der;
      const auto verdict = run(in, der);
      REQUIRE_FALSE(verdict);
      CHECK(verdict.error() == ocsp::make_error_code(errc::ocsp_unsupported_signature_algorithm));
    }
  }
  SECTION("RSA-PSS with the default parameters (SHA-1, MGF1-SHA-1, salt 20)") {
    auto& ca = cas["RSA"];
    if (!ca) ca = std::make_unique<authority>("RSA CA", keygen("RSA"), 0x4242);
    inputs in = defaults(*ca);
    in.spec.algorithm = to_vec(ocsp::oid::rsassa_pss);
    in.spec.parameters = {0x30, 0x00};
    in.spec.md = "SHA1";
    in.spec.pss = true;
    in.spec.pss_mgf1 = "SHA1";
    in.spec.pss_salt = 20;
    bytes_vec der;
    const auto verdict = run(in, der);
    INFO((verdict ? std::string("ok") : verdict.error().message()));
    CHECK(verdict);
  }
}

TEST_CASE("verify_response_for_issuer", "[verify]") {
  pki& p = the_pki();
  const auto check = [&](inputs& in) {
    bytes_vec der = build(in.spec);
    auto parsed = ocsp::parse_ocsp_response(der);
    REQUIRE(parsed);
    return ocsp::verify_response_for_issuer(parsed.value(), *in.issuer->trust, in.options);
  };
  inputs in = defaults(p.ca);
  in.spec.singles = {{in.issuer->proxy_id},
                     {other_serial(in.issuer->proxy_id, serial_a), ocsp::cert_status::revoked},
                     {in.issuer->proxy_id_sha256}};
  SECTION("every SingleResponse names the issuer") {
    auto all = check(in);
    REQUIRE(all);
    REQUIRE(all.value().size() == 3);
    CHECK(all.value()[1].single.status == ocsp::cert_status::revoked);
  }
  SECTION("a foreign CertID") {
    in.spec.singles.push_back({p.other.proxy_id});
    auto all = check(in);
    REQUIRE_FALSE(all);
    CHECK(all.error() == ocsp::make_error_code(errc::ocsp_cert_id_not_found));
  }
  SECTION("check 7 applies to every SingleResponse") {
    in.spec.singles[2].next_update = now - 1h;
    auto all = check(in);
    REQUIRE_FALSE(all);
    CHECK(all.error() == ocsp::make_error_code(errc::ocsp_response_expired));
  }
  SECTION("a critical unknown extension in any SingleResponse") {
    in.spec.singles[1].extensions = {{unknown_oid, true, {0x05, 0x00}}};
    auto all = check(in);
    REQUIRE_FALSE(all);
    CHECK(all.error() == ocsp::make_error_code(errc::ocsp_unknown_critical_extension));
  }
  SECTION("the signature is checked") {
    in.spec.corrupt_signature = true;
    auto all = check(in);
    REQUIRE_FALSE(all);
    CHECK(all.error() == ocsp::make_error_code(errc::ocsp_bad_signature));
  }
  SECTION("a nonce mismatch") {
    const bytes_vec sent{1, 2, 3};
    in.options.nonce = ocsp::der::bytes(sent);
    auto all = check(in);
    REQUIRE_FALSE(all);
    CHECK(all.error() == ocsp::make_error_code(errc::ocsp_nonce_mismatch));
  }
}

TEST_CASE("issuer_trust", "[verify]") {
  pki& p = the_pki();
  const ocsp::issuer_trust& t = *p.ca.trust;
  CHECK(std::equal(t.der().begin(), t.der().end(), p.ca.der.begin(), p.ca.der.end()));
  CHECK(std::equal(t.subject().begin(), t.subject().end(), p.ca.view.subject.begin(), p.ca.view.subject.end()));
  CHECK(t.public_key().size() == p.ca.view.public_key.size());

  SECTION("issued: SHA-1, SHA-256, SHA-384 and SHA-512 CertIDs") {
    CHECK(t.issued(p.ca.proxy_id));
    CHECK(t.issued(p.ca.proxy_id_sha256));
    CHECK_FALSE(t.issued(p.other.proxy_id));
    CHECK_FALSE(p.other.trust->issued(p.ca.proxy_id));
    for (const char* md : {"SHA384", "SHA512"}) {
      const auto hash = [&](ocsp::der::bytes data) {
        bytes_vec out(64);
        unsigned n = 0;
        REQUIRE(EVP_Digest(data.data(), data.size(), out.data(), &n, EVP_get_digestbyname(md), nullptr) == 1);
        out.resize(n);
        return out;
      };
      const bytes_vec name = hash(p.ca.view.subject), key = hash(p.ca.view.public_key);
      ocsp::cert_id id = p.ca.proxy_id;
      id.hash_algorithm = std::string(md) == "SHA384" ? ocsp::der::bytes(ocsp::oid::sha384) : ocsp::der::bytes(ocsp::oid::sha512);
      id.issuer_name_hash = name;
      id.issuer_key_hash = key;
      CHECK(t.issued(id));
      id.issuer_key_hash = id.issuer_key_hash.first(id.issuer_key_hash.size() - 1);
      CHECK_FALSE(t.issued(id));
    }
    ocsp::cert_id swapped = p.ca.proxy_id;
    swapped.hash_algorithm = ocsp::oid::sha256;  // SHA-1 sized hashes under SHA-256
    CHECK_FALSE(t.issued(swapped));
  }
  SECTION("from_pem") {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, p.ca.cert.get());
    PEM_write_bio_X509(bio, p.other.cert.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    const std::string pem(data, static_cast<std::size_t>(n));
    BIO_free(bio);
    auto from_pem = ocsp::issuer_trust::from_pem(pem);
    REQUIRE(from_pem);
    CHECK(from_pem.value().issued(p.ca.proxy_id));  // the first certificate is taken
    auto bad = ocsp::issuer_trust::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == ocsp::make_error_code(errc::certificate_invalid));
    CHECK_FALSE(ocsp::issuer_trust::from_pem(""));
  }
  SECTION("from_der: a malformed certificate") {
    const bytes_vec truncated(p.ca.der.begin(), p.ca.der.end() - 1);
    auto r = ocsp::issuer_trust::from_der(truncated);
    REQUIRE_FALSE(r);
    CHECK(r.error() == ocsp::make_error_code(errc::der_truncated));
  }
  SECTION("from_der: a key type this library does not verify with (EC secp256k1)") {
    auto k = keygen("EC", "secp256k1");
    auto cert = make_cert({.cn = "k1 CA", .key = k.get(), .ca = true});
    auto r = ocsp::issuer_trust::from_der(der_of(cert.get()));
    REQUIRE_FALSE(r);
    CHECK(r.error() == ocsp::make_error_code(errc::ocsp_issuer_key_unsupported));
  }
}

TEST_CASE("describe_verification_error: one sentence per errc", "[verify]") {
  std::set<std::string> sentences;
  const std::vector<errc> all{
      errc::ocsp_response_not_successful, errc::ocsp_unsupported_signature_algorithm, errc::ocsp_bad_signature,
      errc::ocsp_responder_id_mismatch, errc::ocsp_signer_not_issued_by_issuer, errc::ocsp_signer_not_authorized,
      errc::ocsp_signer_not_valid, errc::ocsp_cert_id_not_found, errc::ocsp_response_not_yet_valid,
      errc::ocsp_response_expired, errc::ocsp_nonce_mismatch, errc::ocsp_unknown_critical_extension,
      errc::ocsp_issuer_key_unsupported, errc::der_truncated, errc::der_bad_length, errc::der_high_tag_number,
      errc::der_unexpected_tag, errc::der_trailing_data, errc::der_bad_boolean, errc::der_bad_integer,
      errc::der_bad_bit_string, errc::der_bad_oid, errc::der_bad_time, errc::der_bad_null, errc::der_too_deep,
      errc::der_buffer_too_small, errc::ocsp_unknown_response_status, errc::ocsp_missing_response_bytes,
      errc::ocsp_unexpected_response_bytes, errc::ocsp_unsupported_response_type, errc::ocsp_unsupported_version,
      errc::ocsp_bad_cert_status, errc::ocsp_bad_revocation_reason, errc::ocsp_duplicate_extension,
      errc::ocsp_no_single_response};
  for (const errc e : all) {
    const std::string s = ocsp::describe_verification_error(e);
    INFO(ocsp::make_error_code(e).message());
    CHECK_FALSE(s.empty());
    sentences.insert(s);
  }
  CHECK(sentences.size() == all.size());
  CHECK(ocsp::describe_verification_error(errc::not_found).empty());
  CHECK(ocsp::describe_verification_error(errc::responder_timeout).empty());
}

// --- Real `openssl ocsp` output -------------------------------------------------------------------

namespace {

bytes_vec pem_file_der(const std::filesystem::path& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  REQUIRE(f != nullptr);
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  REQUIRE(x != nullptr);
  bytes_vec der = der_of(x);
  X509_free(x);
  return der;
}

std::string serial_hex(ocsp::der::bytes serial) {
  std::string out;
  std::size_t i = 0;
  while (i + 1 < serial.size() && serial[i] == 0) ++i;
  for (; i < serial.size(); ++i) {
    char b[3];
    std::snprintf(b, sizeof b, "%02X", serial[i]);
    out += b;
  }
  return out;
}

// Runs `openssl ocsp` as an offline responder: the request file in, the response file out.
bytes_vec openssl_respond(const ocsp_test::temp_dir& dir, const std::filesystem::path& pki, const std::string& signer,
                          const std::string& extra = {}) {
  const std::string cmd = "openssl ocsp -index '" + (dir / "index.txt").string() + "' -CA '" + (pki / "ca.pem").string() +
                          "' -rsigner '" + (pki / (signer + ".pem")).string() + "' -rkey '" +
                          (pki / (signer + ".key")).string() + "' -reqin '" + (dir / "req.der").string() +
                          "' -respout '" + (dir / "resp.der").string() + "' -ndays 1 " + extra + " >'" +
                          (dir / "out.txt").string() + "' 2>&1";
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string text = ocsp_test::read_text(dir / "resp.der");
  return {text.begin(), text.end()};
}

}  // namespace

TEST_CASE("verify_response: real openssl ocsp responses", "[verify][openssl]") {
  const auto dir_pki = ocsp_test::pki_dir();
  if (!std::filesystem::exists(dir_pki / "responder.pem")) FAIL("the test PKI has no responder.pem: rerun make-test-pki.sh");
  const bytes_vec ca_der = pem_file_der(dir_pki / "ca.pem"), proxy_der = pem_file_der(dir_pki / "proxy.pem");
  const auto ca = ocsp::parse_certificate(ca_der).value();
  const auto proxy = ocsp::parse_certificate(proxy_der).value();
  const auto trust = ocsp::issuer_trust::from_der(ca_der).value();
  ocsp::cert_id_storage storage;
  const ocsp::cert_id target = ocsp::make_cert_id(proxy, ca, ocsp::cert_id_hash::sha1, storage).value();

  ocsp_test::temp_dir dir;
  const bytes_vec nonce{0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18, 0x29, 0x3a, 0x4b, 0x5c, 0x6d, 0x7e, 0x8f, 0x90};
  ocsp::der::writer req;
  REQUIRE(ocsp::write_ocsp_request(req, proxy, ca, {ocsp::cert_id_hash::sha1, ocsp::der::bytes(nonce)}));
  const bytes_vec req_der = req.take().value();
  ocsp_test::write_text(dir / "req.der", std::string(req_der.begin(), req_der.end()));
  const std::string serial = serial_hex(proxy.serial_number);
  ocsp_test::write_text(dir / "index.txt", "V\t391231235959Z\t\t" + serial + "\tunknown\t/CN=proxy.test\n");

  ocsp::verify_options options;
  options.now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  options.nonce = ocsp::der::bytes(nonce);

  const auto verify = [&](const bytes_vec& der) {
    auto parsed = ocsp::parse_ocsp_response(der);
    REQUIRE(parsed);
    return ocsp::verify_response(parsed.value(), trust, target, options);
  };

  SECTION("signed by the CA: GOOD, then REVOKED after the index changes") {
    const bytes_vec good = openssl_respond(dir, dir_pki, "ca");
    auto v = verify(good);
    INFO((v ? std::string("ok") : v.error().message()));
    REQUIRE(v);
    CHECK(v.value().single.status == ocsp::cert_status::good);
    CHECK(v.value().signer == ocsp::signer_kind::issuer);

    ocsp_test::write_text(dir / "index.txt",
                          "R\t391231235959Z\t240101000000Z,keyCompromise\t" + serial + "\tunknown\t/CN=proxy.test\n");
    const bytes_vec revoked = openssl_respond(dir, dir_pki, "ca");
    auto r = verify(revoked);
    REQUIRE(r);
    CHECK(r.value().single.status == ocsp::cert_status::revoked);
    REQUIRE(r.value().single.reason);
    CHECK(*r.value().single.reason == ocsp::revocation_reason::key_compromise);

    SECTION("another nonce is a mismatch") {
      const bytes_vec other{1, 2, 3, 4};
      options.nonce = ocsp::der::bytes(other);
      auto m = verify(revoked);
      REQUIRE_FALSE(m);
      CHECK(m.error() == ocsp::make_error_code(errc::ocsp_nonce_mismatch));
    }
    SECTION("a day and more later it has expired") {
      options.now += 24h + 10min;
      auto m = verify(revoked);
      REQUIRE_FALSE(m);
      CHECK(m.error() == ocsp::make_error_code(errc::ocsp_response_expired));
    }
  }
  SECTION("delegated responder with OCSPSigning, byName and byKey") {
    auto v = verify(openssl_respond(dir, dir_pki, "responder"));
    INFO((v ? std::string("ok") : v.error().message()));
    REQUIRE(v);
    CHECK(v.value().signer == ocsp::signer_kind::delegated);
    CHECK(v.value().single.status == ocsp::cert_status::good);
    auto k = verify(openssl_respond(dir, dir_pki, "responder", "-resp_key_id"));
    REQUIRE(k);
    CHECK(k.value().signer == ocsp::signer_kind::delegated);
  }
  SECTION("delegated responder without the EKU") {
    auto v = verify(openssl_respond(dir, dir_pki, "responder-noeku"));
    REQUIRE_FALSE(v);
    CHECK(v.error() == ocsp::make_error_code(errc::ocsp_signer_not_authorized));
  }
  SECTION("delegated responder that does not embed its certificate") {
    const bytes_vec der = openssl_respond(dir, dir_pki, "responder", "-resp_no_certs");
    auto v = verify(der);
    REQUIRE_FALSE(v);
    CHECK(v.error() == ocsp::make_error_code(errc::ocsp_responder_id_mismatch));
    const bytes_vec signer = pem_file_der(dir_pki / "responder.pem");
    const std::vector<ocsp::der::bytes> extra{signer};
    options.extra_signers = extra;
    CHECK(verify(der));
  }
  SECTION("signed by another CA, which embeds its certificate") {
    auto v = verify(openssl_respond(dir, dir_pki, "other-ca"));
    REQUIRE_FALSE(v);
    CHECK(v.error() == ocsp::make_error_code(errc::ocsp_signer_not_issued_by_issuer));
  }
}
