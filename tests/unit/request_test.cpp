// The OCSP request codec: make_cert_id against OpenSSL's OCSP_cert_to_id, write_ocsp_request
// against d2i_OCSP_REQUEST, the openssl CLI and its byte-for-byte output, parse_ocsp_request on
// requests the CLI builds (several certificates, nonce, signed), encode(parse(x)) == x, and every
// strictness rule with its errc. write_ocsp_request from a prepared cert_id against the per-call
// path and against hand-built DER for every length form; hashing across algorithms and threads.
#include "support.hpp"

#include <ocsp/cert_view.hpp>
#include <ocsp/der.hpp>
#include <ocsp/error.hpp>
#include <ocsp/ocsp_types.hpp>
#include <ocsp/oids.hpp>
#include <ocsp/request.hpp>

#include <catch2/catch.hpp>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <sys/wait.h>

namespace fs = std::filesystem;

namespace {

using byte_vector = std::vector<std::uint8_t>;

template <auto Free>
struct openssl_deleter {
  template <class T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509_free>>;
using certid_ptr = std::unique_ptr<OCSP_CERTID, openssl_deleter<OCSP_CERTID_free>>;
using ocsp_request_ptr = std::unique_ptr<OCSP_REQUEST, openssl_deleter<OCSP_REQUEST_free>>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, openssl_deleter<EVP_MD_CTX_free>>;

x509_ptr load_x509(const fs::path& pem_file) {
  const std::string pem = ocsp_test::read_text(pem_file);
  REQUIRE_FALSE(pem.empty());
  std::unique_ptr<BIO, openssl_deleter<BIO_free>> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  REQUIRE(bio);
  x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(cert);
  return cert;
}

byte_vector x509_der(const X509* cert) {
  const int size = i2d_X509(cert, nullptr);
  REQUIRE(size > 0);
  byte_vector der(static_cast<std::size_t>(size));
  unsigned char* p = der.data();
  REQUIRE(i2d_X509(cert, &p) == size);
  return der;
}

byte_vector vec(ocsp::der::bytes b) { return byte_vector(b.begin(), b.end()); }
byte_vector vec(const ASN1_STRING* s) {
  const unsigned char* data = ASN1_STRING_get0_data(s);
  return byte_vector(data, data + ASN1_STRING_length(s));
}

byte_vector read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return byte_vector(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const fs::path& path, const byte_vector& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out);
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// Runs `command` with its stdout and stderr in `output`; returns the exit status.
int run(const std::string& command, const fs::path& output) {
  const int status = std::system((command + " >" + quoted(output) + " 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string hex(ocsp::der::bytes b) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (const std::uint8_t c : b) {
    out += digits[c >> 4];
    out += digits[c & 0xf];
  }
  return out;
}

// A TLV with the contents given as parts (short or long form length).
byte_vector tlv(std::uint8_t tag, std::initializer_list<byte_vector> parts) {
  byte_vector contents;
  for (const auto& part : parts) contents.insert(contents.end(), part.begin(), part.end());
  byte_vector out{tag};
  if (contents.size() < 0x80) {
    out.push_back(static_cast<std::uint8_t>(contents.size()));
  } else if (contents.size() < 0x100) {
    out.insert(out.end(), {0x81, static_cast<std::uint8_t>(contents.size())});
  } else {
    out.insert(out.end(), {0x82, static_cast<std::uint8_t>(contents.size() >> 8), static_cast<std::uint8_t>(contents.size())});
  }
  out.insert(out.end(), contents.begin(), contents.end());
  return out;
}

byte_vector cat(std::initializer_list<byte_vector> parts) {
  byte_vector out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// A test PKI certificate: its DER (owned) and the view over it.
struct loaded_cert {
  x509_ptr x509;
  byte_vector der;
  ocsp::certificate_view view;
};

loaded_cert load(const fs::path& pem_file) {
  loaded_cert c;
  c.x509 = load_x509(pem_file);
  c.der = x509_der(c.x509.get());
  auto parsed = ocsp::parse_certificate(c.der);
  if (!parsed) FAIL("parse_certificate(" << pem_file << "): " << parsed.error().message());
  c.view = parsed.value();
  return c;
}

loaded_cert load_pki(const std::string& name) { return load(ocsp_test::pki_dir() / (name + ".pem")); }

byte_vector write_request(const loaded_cert& cert, const loaded_cert& issuer, const ocsp::request_options& options = {}) {
  ocsp::der::writer out;
  const auto written = ocsp::write_ocsp_request(out, cert.view, issuer.view, options);
  if (!written) FAIL("write_ocsp_request: " << written.error().message());
  auto bytes = out.take();
  REQUIRE(bytes);
  return std::move(bytes).value();
}

ocsp::ocsp_request parse_ok(const byte_vector& der) {
  auto parsed = ocsp::parse_ocsp_request(der);
  if (!parsed) FAIL("parse_ocsp_request: " << parsed.error().message());
  return parsed.value();
}

byte_vector reencode(const ocsp::ocsp_request& request) {
  ocsp::der::writer out;
  ocsp::encode(out, request);
  auto bytes = out.take();
  REQUIRE(bytes);
  return std::move(bytes).value();
}

ocsp::errc parse_error(const byte_vector& der) {
  const auto parsed = ocsp::parse_ocsp_request(der);
  REQUIRE_FALSE(parsed);
  REQUIRE(parsed.error().category() == ocsp::error_category());
  return static_cast<ocsp::errc>(parsed.error().value());
}

ocsp::cert_id make_id(const loaded_cert& cert, const loaded_cert& issuer, ocsp::cert_id_hash hash,
                      ocsp::cert_id_storage& storage) {
  auto id = ocsp::make_cert_id(cert.view, issuer.view, hash, storage);
  if (!id) FAIL("make_cert_id: " << id.error().message());
  return id.value();
}

byte_vector encoded(const ocsp::cert_id& id) {
  ocsp::der::writer out;
  ocsp::encode(out, id);
  auto bytes = out.take();
  REQUIRE(bytes);
  return std::move(bytes).value();
}

ocsp_request_ptr openssl_parse(const byte_vector& der) {
  const unsigned char* p = der.data();
  ocsp_request_ptr req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(der.size())));
  REQUIRE(req);
  CHECK(p == der.data() + der.size());  // d2i consumed everything
  return req;
}

const char* hash_name(ocsp::cert_id_hash hash) { return hash == ocsp::cert_id_hash::sha1 ? "sha1" : "sha256"; }
const EVP_MD* evp_md(ocsp::cert_id_hash hash) { return hash == ocsp::cert_id_hash::sha1 ? EVP_sha1() : EVP_sha256(); }

// The Name inside `[4] directoryName`, as `openssl ocsp -signer` writes requestorName.
byte_vector directory_name(ocsp::der::bytes name) { return tlv(0xa4, {vec(name)}); }

// Verifies `signature` over `signed_bytes` with the public key of `signer` and SHA-256.
bool verifies(const byte_vector& signed_bytes, ocsp::der::bytes signature, X509* signer) {
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  REQUIRE(ctx);
  REQUIRE(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(signer)) == 1);
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), signed_bytes.data(), signed_bytes.size()) == 1;
}

const std::array<std::uint8_t, 8> ecdsa_with_sha256{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
const std::array<std::uint8_t, 9> sha256_with_rsa{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};

// Checks that every prefix of `der` fails cleanly (der_truncated) and that every single-byte
// corruption either parses and re-encodes to itself or fails with an ocsp code.
void check_truncations_and_corruptions(const byte_vector& der) {
  for (std::size_t size = 0; size < der.size(); ++size) {
    INFO("truncated to " << size << " of " << der.size() << " bytes");
    // A copy of exactly `size` bytes, so a read past the end is a sanitizer error, not luck.
    const byte_vector prefix(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(size));
    CHECK(parse_error(prefix) == ocsp::errc::der_truncated);
  }
  for (std::size_t i = 0; i < der.size(); ++i) {
    byte_vector corrupt = der;
    corrupt[i] = static_cast<std::uint8_t>(corrupt[i] ^ 0x81);
    const auto parsed = ocsp::parse_ocsp_request(corrupt);
    INFO("byte " << i << " corrupted");
    if (parsed) {
      CHECK(reencode(parsed.value()) == corrupt);
    } else {
      CHECK(parsed.error().category() == ocsp::error_category());
    }
  }
}

}  // namespace

TEST_CASE("request: make_cert_id agrees with OCSP_cert_to_id", "[request]") {
  const auto ca = load_pki("ca");
  for (const std::string name : {"proxy", "proxy-noaia", "proxy-ldap-first", "ca"}) {
    const auto cert = load_pki(name);
    for (const auto hash : {ocsp::cert_id_hash::sha1, ocsp::cert_id_hash::sha256}) {
      INFO(name << " with " << hash_name(hash));
      ocsp::cert_id_storage storage;
      const ocsp::cert_id id = make_id(cert, ca, hash, storage);
      CHECK(storage.hash_size == (hash == ocsp::cert_id_hash::sha1 ? 20 : 32));

      const certid_ptr expected(OCSP_cert_to_id(evp_md(hash), cert.x509.get(), ca.x509.get()));
      REQUIRE(expected);
      ASN1_OCTET_STRING* name_hash = nullptr;
      ASN1_OBJECT* algorithm = nullptr;
      ASN1_OCTET_STRING* key_hash = nullptr;
      ASN1_INTEGER* serial = nullptr;
      REQUIRE(OCSP_id_get0_info(&name_hash, &algorithm, &key_hash, &serial, expected.get()) == 1);
      CHECK(vec(id.issuer_name_hash) == vec(name_hash));
      CHECK(vec(id.issuer_key_hash) == vec(key_hash));
      const unsigned char* oid = OBJ_get0_data(algorithm);
      CHECK(vec(id.hash_algorithm) == byte_vector(oid, oid + OBJ_length(algorithm)));
      CHECK(vec(id.hash_algorithm) == vec(hash == ocsp::cert_id_hash::sha1 ? ocsp::der::bytes(ocsp::oid::sha1)
                                                                          : ocsp::der::bytes(ocsp::oid::sha256)));
      CHECK(vec(id.hash_parameters) == byte_vector{0x05, 0x00});
      // The serial's contents octets are what i2d_ASN1_INTEGER writes after the header.
      std::array<unsigned char, 64> serial_der{};
      unsigned char* p = serial_der.data();
      const int serial_size = i2d_ASN1_INTEGER(serial, &p);
      REQUIRE(serial_size > 2);
      CHECK(vec(id.serial_number) == byte_vector(serial_der.begin() + 2, serial_der.begin() + serial_size));
      CHECK(id.serial_number.data() == cert.view.serial_number.data());  // a view into the certificate

      // The whole CertID, byte for byte.
      const int size = i2d_OCSP_CERTID(expected.get(), nullptr);
      byte_vector openssl_der(static_cast<std::size_t>(size));
      unsigned char* q = openssl_der.data();
      i2d_OCSP_CERTID(expected.get(), &q);
      CHECK(encoded(id) == openssl_der);
    }
  }
}

TEST_CASE("request: make_cert_id refuses an issuer whose subject is not the certificate's issuer", "[request]") {
  const auto proxy = load_pki("proxy");
  const auto other = load_pki("other-ca");
  ocsp::cert_id_storage storage;
  const auto id = ocsp::make_cert_id(proxy.view, other.view, ocsp::cert_id_hash::sha1, storage);
  REQUIRE_FALSE(id);
  CHECK(id.error() == ocsp::errc::certificate_issuer_mismatch);
  ocsp::der::writer out;
  const auto written = ocsp::write_ocsp_request(out, proxy.view, other.view);
  REQUIRE_FALSE(written);
  CHECK(written.error() == ocsp::errc::certificate_issuer_mismatch);
  CHECK(out.finish().value().empty());  // nothing written
}

TEST_CASE("request: write_ocsp_request output is read by d2i_OCSP_REQUEST and parse_ocsp_request", "[request]") {
  const auto ca = load_pki("ca");
  const auto proxy = load_pki("proxy");
  const byte_vector nonce{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xf0};
  for (const auto hash : {ocsp::cert_id_hash::sha1, ocsp::cert_id_hash::sha256}) {
    for (const bool with_nonce : {false, true}) {
      INFO(hash_name(hash) << (with_nonce ? " with nonce" : " without nonce"));
      ocsp::request_options options;
      options.hash = hash;
      if (with_nonce) options.nonce = nonce;
      const byte_vector der = write_request(proxy, ca, options);

      const ocsp_request_ptr req = openssl_parse(der);
      REQUIRE(OCSP_request_onereq_count(req.get()) == 1);
      const certid_ptr expected(OCSP_cert_to_id(evp_md(hash), proxy.x509.get(), ca.x509.get()));
      CHECK(OCSP_id_cmp(OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), 0)), expected.get()) == 0);
      CHECK(OCSP_request_is_signed(req.get()) == 0);
      const int nonce_at = OCSP_REQUEST_get_ext_by_NID(req.get(), NID_id_pkix_OCSP_Nonce, -1);
      if (with_nonce) {
        REQUIRE(nonce_at >= 0);
        // RFC 8954: extnValue is the DER of an OCTET STRING holding the nonce.
        CHECK(vec(X509_EXTENSION_get_data(OCSP_REQUEST_get_ext(req.get(), nonce_at))) == tlv(0x04, {nonce}));
      } else {
        CHECK(nonce_at < 0);
      }

      const auto parsed = parse_ok(der);
      REQUIRE(parsed.requests.size() == 1);
      ocsp::cert_id_storage storage;
      CHECK(ocsp::same_certificate((*parsed.requests.begin()).id, make_id(proxy, ca, hash, storage)));
      CHECK_FALSE((*parsed.requests.begin()).extensions);
      CHECK_FALSE(parsed.is_signed);
      CHECK_FALSE(parsed.requestor_name);
      CHECK(parsed.extensions.has_value() == with_nonce);
      CHECK(parsed.nonce().has_value() == with_nonce);
      if (with_nonce) CHECK(vec(*parsed.nonce()) == nonce);
      CHECK(reencode(parsed) == der);
    }
  }
}

TEST_CASE("request: the openssl CLI reads write_ocsp_request's output", "[request]") {
  const ocsp_test::temp_dir dir;
  const auto ca = load_pki("ca");
  const auto proxy = load_pki("proxy");
  // The serial as `openssl ocsp -req_text` prints it: the magnitude in upper-case hex.
  ocsp::der::bytes magnitude = proxy.view.serial_number;
  if (magnitude.size() > 1 && magnitude[0] == 0) magnitude = magnitude.subspan(1);
  const byte_vector nonce{0xde, 0xad, 0xbe, 0xef, 0x00, 0x11, 0x22, 0x33};

  for (const auto hash : {ocsp::cert_id_hash::sha1, ocsp::cert_id_hash::sha256}) {
    for (const bool with_nonce : {false, true}) {
      INFO(hash_name(hash) << (with_nonce ? " with nonce" : " without nonce"));
      ocsp::request_options options;
      options.hash = hash;
      if (with_nonce) options.nonce = nonce;
      write_bytes(dir / "req.der", write_request(proxy, ca, options));
      REQUIRE(run("openssl ocsp -reqin " + quoted(dir / "req.der") + " -req_text", dir / "out.txt") == 0);
      const std::string text = ocsp_test::read_text(dir / "out.txt");
      INFO(text);
      CHECK_THAT(text, Catch::Matchers::Contains("Serial Number: " + hex(magnitude)));
      CHECK_THAT(text, Catch::Matchers::Contains(std::string("Hash Algorithm: ") + hash_name(hash)));
      if (with_nonce) {
        CHECK_THAT(text, Catch::Matchers::Contains("OCSP Nonce"));
        CHECK_THAT(text, Catch::Matchers::Contains("0408" + hex(nonce)));
      } else {
        CHECK_THAT(text, !Catch::Matchers::Contains("OCSP Nonce"));
      }
    }
  }
}

TEST_CASE("request: write_ocsp_request is byte-identical to `openssl ocsp -reqout`", "[request]") {
  const ocsp_test::temp_dir dir;
  const fs::path pki = ocsp_test::pki_dir();
  const auto ca = load_pki("ca");
  const auto proxy = load_pki("proxy");
  const std::string base = "openssl ocsp -issuer " + quoted(pki / "ca.pem");

  SECTION("sha1, no nonce") {
    REQUIRE(run(base + " -cert " + quoted(pki / "proxy.pem") + " -no_nonce -reqout " + quoted(dir / "x.der"),
                dir / "out.txt") == 0);
    CHECK(write_request(proxy, ca) == read_bytes(dir / "x.der"));
  }
  SECTION("sha256, no nonce") {
    REQUIRE(run(base + " -sha256 -cert " + quoted(pki / "proxy.pem") + " -no_nonce -reqout " + quoted(dir / "x.der"),
                dir / "out.txt") == 0);
    ocsp::request_options options;
    options.hash = ocsp::cert_id_hash::sha256;
    CHECK(write_request(proxy, ca, options) == read_bytes(dir / "x.der"));
  }
  SECTION("sha1 with the CLI's random nonce") {
    REQUIRE(run(base + " -cert " + quoted(pki / "proxy.pem") + " -reqout " + quoted(dir / "x.der"), dir / "out.txt") == 0);
    const byte_vector openssl_der = read_bytes(dir / "x.der");
    const auto parsed = parse_ok(openssl_der);
    REQUIRE(parsed.nonce());
    CHECK(parsed.nonce()->size() == 16);
    ocsp::request_options options;
    options.nonce = *parsed.nonce();
    CHECK(write_request(proxy, ca, options) == openssl_der);
  }
}

TEST_CASE("request: parse_ocsp_request reads what the openssl CLI builds, and re-encodes it exactly", "[request]") {
  const ocsp_test::temp_dir dir;
  const fs::path pki = ocsp_test::pki_dir();
  const auto ca = load_pki("ca");
  const auto proxy = load_pki("proxy");
  const auto noaia = load_pki("proxy-noaia");
  const auto ldap = load_pki("proxy-ldap-first");
  const std::string base = "openssl ocsp -issuer " + quoted(pki / "ca.pem") + " -cert " + quoted(pki / "proxy.pem");
  const auto build = [&](const std::string& options) {
    REQUIRE(run(base + " " + options + " -reqout " + quoted(dir / "x.der"), dir / "out.txt") == 0);
    return read_bytes(dir / "x.der");
  };
  ocsp::cert_id_storage storage;
  const ocsp::cert_id proxy_id = make_id(proxy, ca, ocsp::cert_id_hash::sha1, storage);

  SECTION("three certificates and a nonce") {
    const byte_vector der = build("-cert " + quoted(pki / "proxy-noaia.pem") + " -cert " + quoted(pki / "proxy-ldap-first.pem"));
    const auto parsed = parse_ok(der);
    REQUIRE(parsed.requests.size() == 3);
    std::vector<ocsp::cert_id> ids;
    for (const ocsp::single_request& r : parsed.requests) ids.push_back(r.id);
    REQUIRE(ids.size() == 3);
    const loaded_cert* expected[] = {&proxy, &noaia, &ldap};
    for (std::size_t i = 0; i < 3; ++i) {
      ocsp::cert_id_storage s;
      CHECK(ocsp::same_certificate(ids[i], make_id(*expected[i], ca, ocsp::cert_id_hash::sha1, s)));
    }
    REQUIRE(parsed.nonce());
    CHECK(parsed.nonce()->size() == 16);
    CHECK_FALSE(parsed.is_signed);
    // Unsigned: the TBSRequest is all the OCSPRequest holds.
    CHECK(vec(parsed.tbs_request) == vec(ocsp::der::read_single(der, 0x30).value().data()));
    CHECK(reencode(parsed) == der);
    check_truncations_and_corruptions(der);
  }

  SECTION("signed by the proxy, with its certificate") {
    const byte_vector der = build("-no_nonce -signer " + quoted(pki / "proxy.pem") + " -signkey " + quoted(pki / "proxy.key"));
    const auto parsed = parse_ok(der);
    REQUIRE(parsed.is_signed);
    REQUIRE(parsed.requestor_name);
    CHECK(vec(*parsed.requestor_name) == directory_name(proxy.view.subject));
    REQUIRE(parsed.requests.size() == 1);
    CHECK(ocsp::same_certificate((*parsed.requests.begin()).id, proxy_id));
    CHECK(vec(parsed.signature_algorithm) == vec(ecdsa_with_sha256));
    CHECK(parsed.signature_parameters.empty());
    CHECK(parsed.signature.unused_bits == 0);
    CHECK(verifies(vec(parsed.tbs_request), parsed.signature.bits, proxy.x509.get()));
    CHECK(parsed.has_certs);
    REQUIRE(parsed.certs.size() == 1);
    CHECK(vec(*parsed.certs.begin()) == proxy.der);
    CHECK_FALSE(parsed.nonce());
    CHECK(reencode(parsed) == der);
    check_truncations_and_corruptions(der);
  }

  SECTION("signed with a nonce and two certificates") {
    const byte_vector der = build("-signer " + quoted(pki / "proxy.pem") + " -signkey " + quoted(pki / "proxy.key") +
                                  " -sign_other " + quoted(pki / "ca.pem"));
    const auto parsed = parse_ok(der);
    REQUIRE(parsed.is_signed);
    CHECK(verifies(vec(parsed.tbs_request), parsed.signature.bits, proxy.x509.get()));
    REQUIRE(parsed.certs.size() == 2);
    std::vector<byte_vector> certs;
    for (const ocsp::der::bytes c : parsed.certs) certs.push_back(vec(c));
    CHECK(certs == std::vector<byte_vector>{proxy.der, ca.der});
    CHECK(parsed.nonce());
    CHECK(reencode(parsed) == der);
  }

  SECTION("signed without certificates") {
    const byte_vector der = build("-signer " + quoted(pki / "proxy.pem") + " -signkey " + quoted(pki / "proxy.key") + " -no_certs");
    const auto parsed = parse_ok(der);
    REQUIRE(parsed.is_signed);
    CHECK_FALSE(parsed.has_certs);
    CHECK(parsed.certs.empty());
    CHECK(verifies(vec(parsed.tbs_request), parsed.signature.bits, proxy.x509.get()));
    CHECK(reencode(parsed) == der);
  }

  SECTION("signed with RSA: algorithm parameters NULL") {
    REQUIRE(run("openssl req -x509 -newkey rsa:2048 -nodes -keyout " + quoted(dir / "rsa.key") +
                    " -subj '/CN=rsa requestor' -days 1 -out " + quoted(dir / "rsa.pem"),
                dir / "out.txt") == 0);
    const byte_vector der = build("-signer " + quoted(dir / "rsa.pem") + " -signkey " + quoted(dir / "rsa.key"));
    const auto rsa = load(dir / "rsa.pem");
    const auto parsed = parse_ok(der);
    REQUIRE(parsed.is_signed);
    CHECK(vec(parsed.signature_algorithm) == vec(sha256_with_rsa));
    CHECK(vec(parsed.signature_parameters) == byte_vector{0x05, 0x00});
    CHECK(verifies(vec(parsed.tbs_request), parsed.signature.bits, rsa.x509.get()));
    CHECK(vec(*parsed.requestor_name) == directory_name(rsa.view.subject));
    REQUIRE(parsed.certs.size() == 1);
    CHECK(vec(*parsed.certs.begin()) == rsa.der);
    CHECK(reencode(parsed) == der);
  }
}

TEST_CASE("request: each strictness rule of parse_ocsp_request, with its errc", "[request]") {
  const auto ca = load_pki("ca");
  const auto proxy = load_pki("proxy");
  ocsp::cert_id_storage storage;
  const ocsp::cert_id id = make_id(proxy, ca, ocsp::cert_id_hash::sha1, storage);
  const byte_vector certid = encoded(id);
  const byte_vector certid_contents(certid.begin() + 2, certid.end());
  const byte_vector null_element{0x05, 0x00};
  const auto nonce_ext = [](std::uint8_t fill) {
    return tlv(0x30, {tlv(0x06, {vec(ocsp::oid::pkix_ocsp_nonce)}), tlv(0x04, {tlv(0x04, {byte_vector(16, fill)})})});
  };
  const byte_vector signature_bits = tlv(0x03, {byte_vector{0x00}, byte_vector(70, 0x5a)});
  const byte_vector algorithm = tlv(0x30, {tlv(0x06, {vec(ecdsa_with_sha256)})});

  // One piece per field, so each case breaks exactly one thing.
  struct request_parts {
    byte_vector version, requestor, list, extensions, tbs_trailer, signature, trailer;
    byte_vector build() const {
      return tlv(0x30, {tlv(0x30, {version, requestor, list, extensions, tbs_trailer}), signature, trailer});
    }
  };
  request_parts base;
  base.requestor = tlv(0xa1, {directory_name(proxy.view.subject)});
  base.list = tlv(0x30, {tlv(0x30, {certid})});
  base.extensions = tlv(0xa2, {tlv(0x30, {nonce_ext(0x11)})});
  base.signature = tlv(0xa0, {tlv(0x30, {algorithm, signature_bits, tlv(0xa0, {tlv(0x30, {proxy.der})})})});

  const auto variant = [&base](auto change) {
    request_parts p = base;
    change(p);
    return p.build();
  };

  SECTION("the base and valid variants parse and re-encode exactly") {
    const std::vector<byte_vector> valid{
        base.build(),
        variant([](request_parts& p) { p.signature.clear(); }),
        variant([&](request_parts& p) { p.requestor.clear(); p.extensions.clear(); p.signature.clear(); }),
        // An empty certs SEQUENCE is kept apart from absent certs.
        variant([&](request_parts& p) { p.signature = tlv(0xa0, {tlv(0x30, {algorithm, signature_bits, tlv(0xa0, {{0x30, 0x00}})})}); }),
        variant([&](request_parts& p) { p.signature = tlv(0xa0, {tlv(0x30, {algorithm, signature_bits})}); }),
        variant([&](request_parts& p) {
          p.signature = tlv(0xa0, {tlv(0x30, {tlv(0x30, {tlv(0x06, {vec(sha256_with_rsa)}), null_element}), signature_bits})});
        }),
        // singleRequestExtensions, a URI requestorName, several requests, a CertID without parameters.
        variant([&](request_parts& p) {
          p.requestor = tlv(0xa1, {tlv(0x86, {{'h', 't', 't', 'p', ':', '/', '/', 'a'}})});
          p.list = tlv(0x30, {tlv(0x30, {certid, tlv(0xa0, {tlv(0x30, {nonce_ext(0x22)})})}), tlv(0x30, {certid}),
                              tlv(0x30, {tlv(0x30, {tlv(0x30, {tlv(0x06, {vec(ocsp::oid::sha256)})}), tlv(0x04, {byte_vector(32, 1)}),
                                                    tlv(0x04, {byte_vector(32, 2)}), {0x02, 0x01, 0x01}})})});
        }),
        // The nonce twice: valid DER, accepted (docs/codec.md); nonce() gives the first.
        variant([&](request_parts& p) { p.extensions = tlv(0xa2, {tlv(0x30, {nonce_ext(0x01), nonce_ext(0x02)})}); }),
    };
    for (const auto& der : valid) {
      const auto parsed = parse_ok(der);
      CHECK(reencode(parsed) == der);
    }
    const auto with_certs_empty = parse_ok(valid[3]);
    CHECK(with_certs_empty.has_certs);
    CHECK(with_certs_empty.certs.empty());
    const auto without_certs = parse_ok(valid[4]);
    CHECK_FALSE(without_certs.has_certs);
    const auto several = parse_ok(valid[6]);
    CHECK(several.requests.size() == 3);
    REQUIRE((*several.requests.begin()).extensions);
    CHECK((*several.requests.begin()).extensions->size() == 1);
    CHECK(vec(*several.requestor_name) == tlv(0x86, {{'h', 't', 't', 'p', ':', '/', '/', 'a'}}));
    const auto two_nonces = parse_ok(valid[7]);
    REQUIRE(two_nonces.nonce());
    CHECK(vec(*two_nonces.nonce()) == byte_vector(16, 0x01));
    REQUIRE(two_nonces.extensions);
    CHECK(ocsp::find_unique_extension(*two_nonces.extensions, ocsp::oid::pkix_ocsp_nonce).error() ==
          ocsp::errc::ocsp_duplicate_extension);
  }

  SECTION("rejections") {
    struct rejection {
      const char* what;
      byte_vector der;
      ocsp::errc expected;
    };
    const byte_vector der = base.build();
    REQUIRE(der[1] == 0x82);
    byte_vector long_length{0x30, 0x83, 0x00, der[2], der[3]};
    long_length.insert(long_length.end(), der.begin() + 4, der.end());
    byte_vector indefinite{0x30, 0x80};
    indefinite.insert(indefinite.end(), der.begin() + 4, der.end());
    indefinite.insert(indefinite.end(), {0x00, 0x00});

    const std::vector<rejection> table{
        {"explicit DEFAULT version v1", variant([](request_parts& p) { p.version = tlv(0xa0, {{0x02, 0x01, 0x00}}); }),
         ocsp::errc::der_bad_integer},
        {"version v2 (1)", variant([](request_parts& p) { p.version = tlv(0xa0, {{0x02, 0x01, 0x01}}); }),
         ocsp::errc::ocsp_unsupported_version},
        {"version -1", variant([](request_parts& p) { p.version = tlv(0xa0, {{0x02, 0x01, 0xff}}); }),
         ocsp::errc::ocsp_unsupported_version},
        {"version non-minimal", variant([](request_parts& p) { p.version = tlv(0xa0, {{0x02, 0x02, 0x00, 0x00}}); }),
         ocsp::errc::der_bad_integer},
        {"version not an INTEGER", variant([&](request_parts& p) { p.version = tlv(0xa0, {null_element}); }),
         ocsp::errc::der_unexpected_tag},
        {"trailing data in version [0]",
         variant([&](request_parts& p) { p.version = tlv(0xa0, {{0x02, 0x01, 0x00}, null_element}); }),
         ocsp::errc::der_trailing_data},
        {"empty requestList", variant([](request_parts& p) { p.list = {0x30, 0x00}; }),
         ocsp::errc::ocsp_no_single_response},
        {"requestList as a SET", variant([&](request_parts& p) { p.list = tlv(0x31, {tlv(0x30, {certid})}); }),
         ocsp::errc::der_unexpected_tag},
        {"no requestList", variant([](request_parts& p) { p.list.clear(); }), ocsp::errc::der_unexpected_tag},
        {"nothing in TBSRequest", variant([](request_parts& p) { p.requestor.clear(); p.list.clear(); p.extensions.clear(); }),
         ocsp::errc::der_truncated},
        {"requestExtensions before requestList", variant([](request_parts& p) { std::swap(p.list, p.extensions); }),
         ocsp::errc::der_unexpected_tag},
        {"requestorName after requestList", variant([](request_parts& p) { std::swap(p.list, p.requestor); }),
         ocsp::errc::der_trailing_data},
        {"empty requestorName [1]", variant([](request_parts& p) { p.requestor = {0xa1, 0x00}; }),
         ocsp::errc::der_truncated},
        {"requestorName not a GeneralName", variant([](request_parts& p) { p.requestor = tlv(0xa1, {{0x13, 0x01, 'a'}}); }),
         ocsp::errc::der_unexpected_tag},
        {"trailing data in requestorName [1]",
         variant([&](request_parts& p) { p.requestor = tlv(0xa1, {directory_name(proxy.view.subject), null_element}); }),
         ocsp::errc::der_trailing_data},
        {"trailing data in directoryName [4]",
         variant([&](request_parts& p) { p.requestor = tlv(0xa1, {tlv(0xa4, {vec(proxy.view.subject), null_element})}); }),
         ocsp::errc::der_trailing_data},
        {"trailing data in Request", variant([&](request_parts& p) { p.list = tlv(0x30, {tlv(0x30, {certid, null_element})}); }),
         ocsp::errc::der_trailing_data},
        {"trailing data in singleRequestExtensions [0]",
         variant([&](request_parts& p) { p.list = tlv(0x30, {tlv(0x30, {certid, tlv(0xa0, {tlv(0x30, {nonce_ext(1)}), null_element})})}); }),
         ocsp::errc::der_trailing_data},
        {"singleRequestExtensions as [1]",
         variant([&](request_parts& p) { p.list = tlv(0x30, {tlv(0x30, {certid, tlv(0xa1, {tlv(0x30, {nonce_ext(1)})})})}); }),
         ocsp::errc::der_trailing_data},
        {"trailing data in CertID",
         variant([&](request_parts& p) { p.list = tlv(0x30, {tlv(0x30, {tlv(0x30, {certid_contents, null_element})})}); }),
         ocsp::errc::der_trailing_data},
        {"trailing data in requestList", variant([&](request_parts& p) { p.list = tlv(0x30, {tlv(0x30, {certid}), null_element}); }),
         ocsp::errc::der_unexpected_tag},
        {"CertID without serial",
         variant([&](request_parts& p) {
           p.list = tlv(0x30, {tlv(0x30, {tlv(0x30, {tlv(0x30, {tlv(0x06, {vec(id.hash_algorithm)}), null_element}),
                                                     tlv(0x04, {vec(id.issuer_name_hash)}),
                                                     tlv(0x04, {vec(id.issuer_key_hash)})})})});
         }),
         ocsp::errc::der_truncated},
        {"CertID with an empty serial",
         variant([&](request_parts& p) {
           p.list = tlv(0x30, {tlv(0x30, {tlv(0x30, {tlv(0x30, {tlv(0x06, {vec(id.hash_algorithm)}), null_element}),
                                                     tlv(0x04, {vec(id.issuer_name_hash)}),
                                                     tlv(0x04, {vec(id.issuer_key_hash)}), {0x02, 0x00}})})});
         }),
         ocsp::errc::der_bad_integer},
        {"empty requestExtensions", variant([](request_parts& p) { p.extensions = tlv(0xa2, {{0x30, 0x00}}); }),
         ocsp::errc::der_truncated},
        {"trailing data in requestExtensions [2]",
         variant([&](request_parts& p) { p.extensions = tlv(0xa2, {tlv(0x30, {nonce_ext(1)}), null_element}); }),
         ocsp::errc::der_trailing_data},
        {"explicit critical FALSE",
         variant([](request_parts& p) {
           p.extensions = tlv(0xa2, {tlv(0x30, {tlv(0x30, {tlv(0x06, {vec(ocsp::oid::pkix_ocsp_nonce)}), {0x01, 0x01, 0x00},
                                                           tlv(0x04, {{0x04, 0x01, 0x01}})})})});
         }),
         ocsp::errc::der_bad_boolean},
        {"requestExtensions as [3]", variant([](request_parts& p) { p.extensions[0] = 0xa3; }), ocsp::errc::der_trailing_data},
        {"trailing data in TBSRequest", variant([&](request_parts& p) { p.tbs_trailer = null_element; }),
         ocsp::errc::der_trailing_data},
        {"trailing data in OCSPRequest", variant([&](request_parts& p) { p.trailer = null_element; }),
         ocsp::errc::der_trailing_data},
        {"a byte after OCSPRequest", cat({der, {0x00}}), ocsp::errc::der_trailing_data},
        {"OCSPRequest as a SET", cat({{0x31}, byte_vector(der.begin() + 1, der.end())}), ocsp::errc::der_unexpected_tag},
        {"non-minimal length", long_length, ocsp::errc::der_bad_length},
        {"indefinite length", indefinite, ocsp::errc::der_bad_length},
        {"optionalSignature as [1]", variant([](request_parts& p) { p.signature[0] = 0xa1; }), ocsp::errc::der_trailing_data},
        {"trailing data in optionalSignature [0]",
         variant([&](request_parts& p) { p.signature = tlv(0xa0, {tlv(0x30, {algorithm, signature_bits}), null_element}); }),
         ocsp::errc::der_trailing_data},
        {"Signature not a SEQUENCE", variant([&](request_parts& p) { p.signature = tlv(0xa0, {tlv(0x31, {algorithm, signature_bits})}); }),
         ocsp::errc::der_unexpected_tag},
        {"Signature without its BIT STRING", variant([&](request_parts& p) { p.signature = tlv(0xa0, {tlv(0x30, {algorithm})}); }),
         ocsp::errc::der_truncated},
        {"signature BIT STRING with 8 unused bits",
         variant([&](request_parts& p) { p.signature = tlv(0xa0, {tlv(0x30, {algorithm, {0x03, 0x02, 0x08, 0x00}})}); }),
         ocsp::errc::der_bad_bit_string},
        {"trailing data in Signature",
         variant([&](request_parts& p) { p.signature = tlv(0xa0, {tlv(0x30, {algorithm, signature_bits, null_element})}); }),
         ocsp::errc::der_trailing_data},
        {"certs not a SEQUENCE",
         variant([&](request_parts& p) { p.signature = tlv(0xa0, {tlv(0x30, {algorithm, signature_bits, tlv(0xa0, {tlv(0x31, {proxy.der})})})}); }),
         ocsp::errc::der_unexpected_tag},
        {"trailing data in certs [0]",
         variant([&](request_parts& p) {
           p.signature = tlv(0xa0, {tlv(0x30, {algorithm, signature_bits, tlv(0xa0, {tlv(0x30, {proxy.der}), null_element})})});
         }),
         ocsp::errc::der_trailing_data},
        {"a certificate that is not one",
         variant([&](request_parts& p) { p.signature = tlv(0xa0, {tlv(0x30, {algorithm, signature_bits, tlv(0xa0, {tlv(0x30, {{0x30, 0x00}})})})}); }),
         ocsp::errc::der_truncated},
        {"a certificate with a byte after it inside its SEQUENCE",
         variant([&](request_parts& p) {
           p.signature = tlv(0xa0, {tlv(0x30, {algorithm, signature_bits, tlv(0xa0, {tlv(0x30, {proxy.der, null_element})})})});
         }),
         ocsp::errc::der_unexpected_tag},
    };
    for (const auto& r : table) {
      INFO(r.what);
      CHECK(parse_error(r.der) == r.expected);
    }
  }
}

TEST_CASE("request: every truncation of our requests fails cleanly", "[request]") {
  const auto ca = load_pki("ca");
  const auto proxy = load_pki("proxy");
  ocsp::request_options options;
  options.hash = ocsp::cert_id_hash::sha256;
  options.nonce = ocsp::der::bytes(ocsp::oid::sha256);  // any 9 bytes
  check_truncations_and_corruptions(write_request(proxy, ca, options));
  check_truncations_and_corruptions(write_request(proxy, ca));
}

TEST_CASE("request: write_ocsp_request into a fixed buffer, and the nonce size limits", "[request]") {
  const auto ca = load_pki("ca");
  const auto proxy = load_pki("proxy");
  const byte_vector expected = write_request(proxy, ca);

  std::array<std::uint8_t, 256> buffer{};
  ocsp::der::writer fixed(buffer);
  REQUIRE(ocsp::write_ocsp_request(fixed, proxy.view, ca.view));
  CHECK(vec(fixed.finish().value()) == expected);

  std::array<std::uint8_t, 40> small{};
  ocsp::der::writer too_small(small);
  const auto failed = ocsp::write_ocsp_request(too_small, proxy.view, ca.view);
  REQUIRE_FALSE(failed);
  CHECK(failed.error() == ocsp::errc::der_buffer_too_small);

  // Inside an element the caller opened: the request is written, the caller closes its element.
  ocsp::der::writer nested;
  nested.begin(ocsp::der::tag::context_constructed(0));
  REQUIRE(ocsp::write_ocsp_request(nested, proxy.view, ca.view));
  nested.end();
  CHECK(vec(nested.finish().value()) == tlv(0xa0, {expected}));

  for (const std::size_t size : {std::size_t{0}, std::size_t{33}, std::size_t{1000}}) {
    INFO("nonce of " << size << " bytes");
    const byte_vector nonce(size, 0x42);
    ocsp::request_options options;
    options.nonce = nonce;
    ocsp::der::writer out;
    const auto written = ocsp::write_ocsp_request(out, proxy.view, ca.view, options);
    REQUIRE_FALSE(written);
    CHECK(written.error() == ocsp::errc::der_bad_length);
  }
  for (const std::size_t size : {std::size_t{1}, std::size_t{32}}) {
    INFO("nonce of " << size << " bytes");
    const byte_vector nonce(size, 0x42);
    ocsp::request_options options;
    options.nonce = nonce;
    const auto parsed_der = write_request(proxy, ca, options);
    const auto parsed = parse_ok(parsed_der);
    REQUIRE(parsed.nonce());
    CHECK(vec(*parsed.nonce()) == nonce);
  }
}

TEST_CASE("request: nonce() reads RFC 8954 nonces and raw pre-RFC 8954 ones", "[request]") {
  const auto ca = load_pki("ca");
  const auto proxy = load_pki("proxy");
  ocsp::cert_id_storage storage;
  const byte_vector list = tlv(0x30, {tlv(0x30, {encoded(make_id(proxy, ca, ocsp::cert_id_hash::sha1, storage))})});
  const auto request_with = [&](const byte_vector& extensions) { return tlv(0x30, {tlv(0x30, {list, extensions})}); };
  const auto extension = [](ocsp::der::bytes oid, const byte_vector& value) {
    return tlv(0x30, {tlv(0x06, {vec(oid)}), tlv(0x04, {value})});
  };
  const auto nonce_of = [](const byte_vector& der) {
    const auto parsed = parse_ok(der);
    CHECK(reencode(parsed) == der);
    return parsed.nonce();
  };

  CHECK_FALSE(nonce_of(request_with({})));
  // Extensions, but no nonce among them.
  CHECK_FALSE(nonce_of(request_with(tlv(0xa2, {tlv(0x30, {extension(ocsp::oid::sha1, {0x05, 0x00})})}))));

  const byte_vector rfc8954 = request_with(tlv(0xa2, {tlv(0x30, {extension(ocsp::oid::pkix_ocsp_nonce, {0x04, 0x03, 'a', 'b', 'c'})})}));
  const auto inner = nonce_of(rfc8954);
  REQUIRE(inner);
  CHECK(vec(*inner) == byte_vector{'a', 'b', 'c'});

  const byte_vector raw = request_with(tlv(0xa2, {tlv(0x30, {extension(ocsp::oid::pkix_ocsp_nonce, {'x', 'y', 'z', 'w'})})}));
  const auto raw_nonce = nonce_of(raw);
  REQUIRE(raw_nonce);
  CHECK(vec(*raw_nonce) == byte_vector{'x', 'y', 'z', 'w'});

  // An OCTET STRING followed by more bytes is not an OCTET STRING: the raw value is the nonce.
  const byte_vector trailing =
      request_with(tlv(0xa2, {tlv(0x30, {extension(ocsp::oid::pkix_ocsp_nonce, {0x04, 0x01, 'a', 0x00})})}));
  const auto trailing_nonce = nonce_of(trailing);
  REQUIRE(trailing_nonce);
  CHECK(vec(*trailing_nonce) == byte_vector{0x04, 0x01, 'a', 0x00});
}

// --- write_ocsp_request from a prepared cert_id ----------------------------------------------------

namespace {

byte_vector write_prepared(const ocsp::cert_id& id, std::optional<ocsp::der::bytes> nonce = std::nullopt) {
  ocsp::der::writer out;
  const auto written = ocsp::write_ocsp_request(out, id, nonce);
  if (!written) FAIL("write_ocsp_request(cert_id): " << written.error().message());
  auto bytes = out.take();
  REQUIRE(bytes);
  return std::move(bytes).value();
}

// The request for `id` built by hand with tlv(): what both encoders must write.
byte_vector expected_request(const ocsp::cert_id& id, const std::optional<byte_vector>& nonce) {
  const byte_vector certid = tlv(0x30, {tlv(0x30, {tlv(0x06, {vec(id.hash_algorithm)}), vec(id.hash_parameters)}),
                                        tlv(0x04, {vec(id.issuer_name_hash)}), tlv(0x04, {vec(id.issuer_key_hash)}),
                                        tlv(0x02, {vec(id.serial_number)})});
  const byte_vector list = tlv(0x30, {tlv(0x30, {certid})});
  if (!nonce) return tlv(0x30, {tlv(0x30, {list})});
  const byte_vector extension =
      tlv(0x30, {tlv(0x06, {vec(ocsp::oid::pkix_ocsp_nonce)}), tlv(0x04, {tlv(0x04, {*nonce})})});
  return tlv(0x30, {tlv(0x30, {list, tlv(0xa2, {tlv(0x30, {extension})})})});
}

}  // namespace

TEST_CASE("request: write_ocsp_request from a prepared cert_id writes what the per-call path writes", "[request]") {
  const auto ca = load_pki("ca");
  const byte_vector nonce16{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xf0};
  const std::vector<std::optional<byte_vector>> nonces{std::nullopt, byte_vector{0x42}, nonce16, byte_vector(32, 0xa5)};
  for (const std::string name : {"proxy", "proxy-noaia", "proxy-ldap-first", "ca"}) {
    const auto cert = load_pki(name);
    for (const auto hash : {ocsp::cert_id_hash::sha1, ocsp::cert_id_hash::sha256}) {
      ocsp::cert_id_storage storage;
      const ocsp::cert_id id = make_id(cert, ca, hash, storage);
      // The same prepared id, several requests in a row: it is only read.
      for (int round = 0; round < 2; ++round) {
        for (const auto& nonce : nonces) {
          INFO(name << " with " << hash_name(hash) << ", nonce of " << (nonce ? nonce->size() : 0) << " bytes, round "
                    << round);
          ocsp::request_options options;
          options.hash = hash;
          std::optional<ocsp::der::bytes> nonce_view;
          if (nonce) options.nonce = nonce_view = ocsp::der::bytes(*nonce);
          const byte_vector per_call = write_request(cert, ca, options);
          CHECK(write_prepared(id, nonce_view) == per_call);
          CHECK(per_call == expected_request(id, nonce));
        }
      }
    }
  }

  SECTION("from the cert_id of a parsed request") {
    const auto proxy = load_pki("proxy");
    for (const auto hash : {ocsp::cert_id_hash::sha1, ocsp::cert_id_hash::sha256}) {
      ocsp::request_options options;
      options.hash = hash;
      options.nonce = ocsp::der::bytes(nonce16);
      const byte_vector der = write_request(proxy, ca, options);
      const auto parsed = parse_ok(der);
      CHECK(write_prepared((*parsed.requests.begin()).id, parsed.nonce()) == der);
    }
  }

  SECTION("into a fixed buffer, inside an open element, and the errors") {
    const auto proxy = load_pki("proxy");
    ocsp::cert_id_storage storage;
    const ocsp::cert_id id = make_id(proxy, ca, ocsp::cert_id_hash::sha1, storage);
    const byte_vector expected = write_prepared(id);

    std::array<std::uint8_t, 256> buffer{};
    ocsp::der::writer fixed(buffer);
    REQUIRE(ocsp::write_ocsp_request(fixed, id));
    CHECK(vec(fixed.finish().value()) == expected);

    std::array<std::uint8_t, 40> small{};
    ocsp::der::writer too_small(small);
    const auto failed = ocsp::write_ocsp_request(too_small, id);
    REQUIRE_FALSE(failed);
    CHECK(failed.error() == ocsp::errc::der_buffer_too_small);
    // The writer's error is sticky: a second request into it reports it again.
    const auto again = ocsp::write_ocsp_request(too_small, id);
    REQUIRE_FALSE(again);
    CHECK(again.error() == ocsp::errc::der_buffer_too_small);

    ocsp::der::writer nested;
    nested.begin(ocsp::der::tag::context_constructed(0));
    REQUIRE(ocsp::write_ocsp_request(nested, id));
    nested.end();
    CHECK(vec(nested.finish().value()) == tlv(0xa0, {expected}));

    for (const std::size_t size : {std::size_t{0}, std::size_t{33}}) {
      INFO("nonce of " << size << " bytes");
      const byte_vector nonce(size, 0x42);
      ocsp::der::writer out;
      const auto written = ocsp::write_ocsp_request(out, id, ocsp::der::bytes(nonce));
      REQUIRE_FALSE(written);
      CHECK(written.error() == ocsp::errc::der_bad_length);
      CHECK(out.finish().value().empty());  // nothing written
    }

    // A serial that is not a minimal INTEGER (a hand-made cert_id) is refused, not written.
    for (const byte_vector& serial : {byte_vector{}, byte_vector{0x00, 0x01}, byte_vector{0xff, 0x80}}) {
      ocsp::cert_id bad = id;
      bad.serial_number = serial;
      ocsp::der::writer out;
      const auto written = ocsp::write_ocsp_request(out, bad);
      REQUIRE_FALSE(written);
      CHECK(written.error() == ocsp::errc::der_bad_integer);
    }
  }
}

TEST_CASE("request: write_ocsp_request writes every length form of a hand-made cert_id exactly", "[request]") {
  // Serials and hashes of many sizes take the request across the short and long length forms
  // (127/128 and 255/256 octets at each level) and past the encoder's stack buffer; every output
  // must be the hand-built DER, parse again, and re-encode to itself.
  const std::vector<std::size_t> serial_sizes{1, 2, 20, 40, 60, 61, 62, 100, 120, 126, 127, 128, 129, 150,
                                              180, 190, 200, 230, 255, 256, 300, 1000, 40000};
  const byte_vector parameters{0x05, 0x00};
  for (const std::size_t hash_size : {std::size_t{20}, std::size_t{32}, std::size_t{64}}) {
    const byte_vector name_hash(hash_size, 0x11), key_hash(hash_size, 0x22);
    for (const std::size_t serial_size : serial_sizes) {
      byte_vector serial(serial_size, 0x00);
      serial[0] = 0x01;  // minimal: a leading 0x01
      serial.back() |= 0x3c;
      for (const bool with_parameters : {true, false}) {
        ocsp::cert_id id;
        id.hash_algorithm = hash_size == 20 ? ocsp::der::bytes(ocsp::oid::sha1) : ocsp::der::bytes(ocsp::oid::sha256);
        if (with_parameters) id.hash_parameters = parameters;
        id.issuer_name_hash = name_hash;
        id.issuer_key_hash = key_hash;
        id.serial_number = serial;
        for (const std::optional<byte_vector>& nonce : {std::optional<byte_vector>{}, std::optional<byte_vector>(byte_vector(32, 0x7e))}) {
          INFO("hashes of " << hash_size << ", serial of " << serial_size << (with_parameters ? ", NULL parameters" : "")
                            << (nonce ? ", nonce" : ""));
          std::optional<ocsp::der::bytes> nonce_view;
          if (nonce) nonce_view = ocsp::der::bytes(*nonce);
          const byte_vector expected = expected_request(id, nonce);
          const byte_vector der = write_prepared(id, nonce_view);
          REQUIRE(der == expected);
          const auto parsed = parse_ok(der);
          REQUIRE(parsed.requests.size() == 1);
          CHECK(ocsp::same_certificate((*parsed.requests.begin()).id, id));
          CHECK(vec((*parsed.requests.begin()).id.hash_parameters) == vec(id.hash_parameters));
          CHECK(reencode(parsed) == der);

          // A fixed buffer one byte short fails; an exact one holds the request.
          std::vector<std::uint8_t> exact(der.size()), short_by_one(der.size() - 1);
          ocsp::der::writer fits(exact), does_not_fit(short_by_one);
          CHECK(ocsp::write_ocsp_request(fits, id, nonce_view));
          CHECK(vec(fits.finish().value()) == der);
          const auto failed = ocsp::write_ocsp_request(does_not_fit, id, nonce_view);
          REQUIRE_FALSE(failed);
          CHECK(failed.error() == ocsp::errc::der_buffer_too_small);
        }
      }
    }
  }
}

TEST_CASE("request: make_cert_id stays right across SHA-1 / SHA-256 alternation, certificates and threads", "[request]") {
  const auto ca = load_pki("ca");
  const auto proxy = load_pki("proxy");
  const auto noaia = load_pki("proxy-noaia");
  const std::array<const loaded_cert*, 3> certs{&proxy, &noaia, &ca};
  const std::array<ocsp::cert_id_hash, 2> hashes{ocsp::cert_id_hash::sha1, ocsp::cert_id_hash::sha256};

  // The reference: OpenSSL's CertID for every (certificate, hash), and the request for it.
  struct reference {
    byte_vector name_hash, key_hash, request;
  };
  std::array<std::array<reference, 2>, 3> expected;
  for (std::size_t c = 0; c < certs.size(); ++c) {
    for (std::size_t h = 0; h < hashes.size(); ++h) {
      const certid_ptr id(OCSP_cert_to_id(evp_md(hashes[h]), certs[c]->x509.get(), ca.x509.get()));
      REQUIRE(id);
      ASN1_OCTET_STRING *name_hash = nullptr, *key_hash = nullptr;
      REQUIRE(OCSP_id_get0_info(&name_hash, nullptr, &key_hash, nullptr, id.get()) == 1);
      const ocsp_request_ptr req(OCSP_REQUEST_new());
      REQUIRE(req);
      REQUIRE(OCSP_request_add0_id(req.get(), OCSP_CERTID_dup(id.get())) != nullptr);
      const int size = i2d_OCSP_REQUEST(req.get(), nullptr);
      REQUIRE(size > 0);
      byte_vector der(static_cast<std::size_t>(size));
      unsigned char* p = der.data();
      REQUIRE(i2d_OCSP_REQUEST(req.get(), &p) == size);
      expected[c][h] = {vec(name_hash), vec(key_hash), der};
    }
  }

  // One pass: every (certificate, hash) in an order that alternates the algorithm on each call
  // and repeats pairs back to back; answers the number of mismatches (no Catch2 macro: threads).
  const auto pass = [&](std::size_t seed) {
    std::size_t mismatches = 0;
    constexpr std::array<std::size_t, 8> order{0, 1, 1, 0, 0, 0, 1, 0};
    for (std::size_t i = 0; i < 24; ++i) {
      const std::size_t c = (i + seed) % certs.size(), h = order[(i + seed) % order.size()];
      ocsp::cert_id_storage storage;
      const auto id = ocsp::make_cert_id(certs[c]->view, ca.view, hashes[h], storage);
      if (!id || vec(id.value().issuer_name_hash) != expected[c][h].name_hash ||
          vec(id.value().issuer_key_hash) != expected[c][h].key_hash) {
        ++mismatches;
        continue;
      }
      std::array<std::uint8_t, 256> buffer{};
      ocsp::der::writer out(buffer);
      ocsp::request_options options;
      options.hash = hashes[h];
      if (!ocsp::write_ocsp_request(out, certs[c]->view, ca.view, options) ||
          vec(out.finish().value()) != expected[c][h].request) {
        ++mismatches;
      }
    }
    return mismatches;
  };

  CHECK(pass(0) == 0);
  CHECK(pass(5) == 0);

  std::atomic<std::size_t> mismatches{0};
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t round = 0; round < 50; ++round) mismatches += pass(t + round);
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(mismatches.load() == 0);
}
