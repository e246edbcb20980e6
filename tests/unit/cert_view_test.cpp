// ocsp::parse_certificate and the extension accessors, checked against OpenSSL's own view of the
// test PKI's certificates, against certificates the openssl CLI makes at test time, and against
// hand-built encodings that break one rule each.
#include "support.hpp"

#include <ocsp/cert_view.hpp>
#include <ocsp/der.hpp>
#include <ocsp/error.hpp>
#include <ocsp/oids.hpp>

#include <catch2/catch.hpp>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace {

using byte_vector = std::vector<std::uint8_t>;

struct x509_free_deleter {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
using x509_ptr = std::unique_ptr<X509, x509_free_deleter>;

x509_ptr load_x509(const fs::path& pem_file) {
  const std::string pem = ocsp_test::read_text(pem_file);
  REQUIRE_FALSE(pem.empty());
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  REQUIRE(bio);
  x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  REQUIRE(cert);
  return cert;
}

template <class T, class I2d>
byte_vector to_der(const T* object, I2d i2d) {
  const int size = i2d(object, nullptr);
  REQUIRE(size > 0);
  byte_vector der(static_cast<std::size_t>(size));
  unsigned char* p = der.data();
  REQUIRE(i2d(object, &p) == size);
  return der;
}

byte_vector x509_der(const X509* cert) { return to_der(cert, i2d_X509); }

byte_vector vec(ocsp::der::bytes b) { return byte_vector(b.begin(), b.end()); }

std::chrono::sys_seconds to_sys_seconds(const ASN1_TIME* t) {
  std::tm tm{};
  REQUIRE(ASN1_TIME_to_tm(t, &tm) == 1);
  return std::chrono::sys_seconds(std::chrono::seconds(timegm(&tm)));
}

ocsp::certificate_view parse_ok(ocsp::der::bytes der) {
  auto parsed = ocsp::parse_certificate(der);
  if (!parsed) FAIL("parse_certificate failed: " << parsed.error().message());
  return parsed.value();
}

std::vector<std::string> ocsp_uris(const ocsp::certificate_view& cert) {
  std::vector<std::string> uris;
  const auto walked = ocsp::for_each_ocsp_uri(cert, [&uris](std::string_view uri) { uris.emplace_back(uri); });
  REQUIRE(walked);
  return uris;
}

// OpenSSL's X509_get_key_usage() order (KU_* constants) in RFC 5280 bit order (bit n is 1 << n).
std::uint16_t openssl_key_usage_in_rfc_order(std::uint32_t ku) {
  std::uint16_t out = 0;
  for (unsigned n = 0; n < 8; ++n) {
    if ((ku & (0x80U >> n)) != 0) out = static_cast<std::uint16_t>(out | (1U << n));
  }
  if ((ku & KU_DECIPHER_ONLY) != 0) out = static_cast<std::uint16_t>(out | (1U << 8));
  return out;
}

int run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// DER assembly for hand-built encodings: a TLV with the contents given as parts.
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

// The pieces of a TBSCertificate, each a whole element (or empty when absent), so a test can
// break exactly one of them.
struct cert_parts {
  byte_vector version;  // [0] EXPLICIT element
  byte_vector serial;
  byte_vector inner_algorithm;
  byte_vector issuer;
  byte_vector validity;
  byte_vector subject;
  byte_vector spki;
  byte_vector issuer_uid;
  byte_vector subject_uid;
  byte_vector extensions;  // [3] EXPLICIT element
  byte_vector tbs_trailer;
  byte_vector outer_algorithm;
  byte_vector signature;
  byte_vector trailer;  // inside the Certificate SEQUENCE

  byte_vector build() const {
    return tlv(0x30, {tlv(0x30, {version, serial, inner_algorithm, issuer, validity, subject, spki, issuer_uid,
                                 subject_uid, extensions, tbs_trailer}),
                      outer_algorithm, signature, trailer});
  }
};

// The test PKI's proxy certificate split into its pieces (built with the reader, checked by
// rebuilding it byte for byte).
cert_parts proxy_parts(const byte_vector& der) {
  const auto cert = parse_ok(der);
  ocsp::der::reader tbs = ocsp::der::read_single(cert.tbs_certificate, 0x30).value();
  cert_parts p;
  const auto take = [&tbs](std::uint8_t expected_tag) {
    const auto before = tbs.data();
    std::uint8_t t = 0;
    REQUIRE(tbs.read_any(t));
    REQUIRE(t == expected_tag);
    return byte_vector(before.begin(), before.begin() + static_cast<std::ptrdiff_t>(before.size() - tbs.size()));
  };
  p.version = take(0xa0);
  p.serial = take(0x02);
  p.inner_algorithm = take(0x30);
  p.issuer = take(0x30);
  p.validity = take(0x30);
  p.subject = take(0x30);
  p.spki = take(0x30);
  p.extensions = take(0xa3);
  REQUIRE(tbs.empty());
  p.outer_algorithm = p.inner_algorithm;
  p.signature = tlv(0x03, {byte_vector{0x00}, vec(cert.signature.bits)});
  REQUIRE(p.build() == der);
  return p;
}

ocsp::errc parse_error(const byte_vector& der) {
  const auto parsed = ocsp::parse_certificate(der);
  REQUIRE_FALSE(parsed);
  REQUIRE(parsed.error().category() == ocsp::error_category());
  return static_cast<ocsp::errc>(parsed.error().value());
}

// A certificate with one extension, `oid` (contents octets) holding `value` (extnValue contents).
byte_vector with_extension(const cert_parts& base, const byte_vector& oid, const byte_vector& value) {
  cert_parts p = base;
  p.extensions = tlv(0xa3, {tlv(0x30, {tlv(0x30, {tlv(0x06, {oid}), tlv(0x04, {value})})})});
  return p.build();
}

byte_vector oid_bytes(ocsp::der::bytes o) { return vec(o); }

// The contents octets of the single element `element`.
byte_vector contents_of(const byte_vector& element) {
  ocsp::der::reader r(element);
  std::uint8_t t = 0;
  const auto contents = r.read_any(t);
  REQUIRE(contents);
  REQUIRE(r.empty());
  return vec(contents.value().data());
}

const std::array<std::uint8_t, 8> kp_server_auth{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01};  // 1.3.6.1.5.5.7.3.1

}  // namespace

TEST_CASE("cert_view: every test PKI certificate parses as OpenSSL sees it", "[cert_view]") {
  for (const std::string name : {"proxy", "proxy-noaia", "proxy-ldap-first", "ca", "other-ca"}) {
    INFO("certificate " << name);
    const x509_ptr x509 = load_x509(ocsp_test::pki_dir() / (name + ".pem"));
    const byte_vector der = x509_der(x509.get());
    const auto cert = parse_ok(der);

    CHECK(cert.der.data() == der.data());
    CHECK(cert.der.size() == der.size());
    CHECK(cert.version == X509_get_version(x509.get()));
    CHECK(cert.version == 2);

    // The serial's contents octets are what i2d_ASN1_INTEGER writes after its two header bytes.
    const byte_vector serial = to_der(X509_get0_serialNumber(x509.get()), i2d_ASN1_INTEGER);
    CHECK(vec(cert.serial_number) == byte_vector(serial.begin() + 2, serial.end()));

    CHECK(vec(cert.issuer) == to_der(X509_get_issuer_name(x509.get()), i2d_X509_NAME));
    CHECK(vec(cert.subject) == to_der(X509_get_subject_name(x509.get()), i2d_X509_NAME));
    CHECK(cert.validity.not_before == to_sys_seconds(X509_get0_notBefore(x509.get())));
    CHECK(cert.validity.not_after == to_sys_seconds(X509_get0_notAfter(x509.get())));
    CHECK(vec(cert.subject_public_key_info) == to_der(X509_get_X509_PUBKEY(x509.get()), i2d_X509_PUBKEY));

    const ASN1_BIT_STRING* key = X509_get0_pubkey_bitstr(x509.get());
    CHECK(vec(cert.public_key) == byte_vector(key->data, key->data + key->length));

    const ASN1_BIT_STRING* signature = nullptr;
    const X509_ALGOR* algorithm = nullptr;
    X509_get0_signature(&signature, &algorithm, x509.get());
    CHECK(vec(cert.signature.bits) == byte_vector(signature->data, signature->data + signature->length));
    CHECK(cert.signature.unused_bits == 0);
    const ASN1_OBJECT* algorithm_oid = nullptr;
    X509_ALGOR_get0(&algorithm_oid, nullptr, nullptr, algorithm);
    const unsigned char* oid_data = OBJ_get0_data(algorithm_oid);
    CHECK(vec(cert.signature_algorithm) == byte_vector(oid_data, oid_data + OBJ_length(algorithm_oid)));

    // i2d_re_X509_tbs returns the cached encoding of an unmodified certificate: the signed bytes.
    CHECK(vec(cert.tbs_certificate) == to_der(x509.get(), [](const X509* x, unsigned char** out) {
            return i2d_re_X509_tbs(const_cast<X509*>(x), out);
          }));

    REQUIRE(cert.extensions);
    CHECK(cert.extensions->size() == static_cast<std::size_t>(X509_get_ext_count(x509.get())));
  }
}

TEST_CASE("cert_view: OCSP URIs agree with X509_get1_ocsp", "[cert_view]") {
  for (const std::string name : {"proxy", "proxy-noaia", "proxy-ldap-first", "ca"}) {
    INFO("certificate " << name);
    const x509_ptr x509 = load_x509(ocsp_test::pki_dir() / (name + ".pem"));
    const byte_vector der = x509_der(x509.get());
    const auto cert = parse_ok(der);

    std::vector<std::string> expected;
    STACK_OF(OPENSSL_STRING)* openssl_uris = X509_get1_ocsp(x509.get());
    for (int i = 0; openssl_uris != nullptr && i < sk_OPENSSL_STRING_num(openssl_uris); ++i) {
      expected.emplace_back(sk_OPENSSL_STRING_value(openssl_uris, i));
    }
    X509_email_free(openssl_uris);
    CHECK(ocsp_uris(cert) == expected);
  }

  const auto proxy_der = x509_der(load_x509(ocsp_test::pki_dir() / "proxy.pem").get());
  const auto proxy = parse_ok(proxy_der);
  const auto uris = ocsp_uris(proxy);
  REQUIRE(uris.size() == 1);
  CHECK(uris[0].starts_with("http://127.0.0.1:"));
  CHECK(uris[0].ends_with("/ocsp"));
  const auto first = ocsp::first_ocsp_http_uri(proxy);
  REQUIRE(first);
  REQUIRE(first.value());
  CHECK(*first.value() == uris[0]);
  // The view points into the certificate's DER.
  CHECK(reinterpret_cast<const std::uint8_t*>(first.value()->data()) >= proxy_der.data());
  CHECK(reinterpret_cast<const std::uint8_t*>(first.value()->data()) < proxy_der.data() + proxy_der.size());

  const auto ldap_der = x509_der(load_x509(ocsp_test::pki_dir() / "proxy-ldap-first.pem").get());
  const auto ldap = parse_ok(ldap_der);
  const auto ldap_uris = ocsp_uris(ldap);
  REQUIRE(ldap_uris.size() == 2);
  CHECK(ldap_uris[0] == "ldap://ldap.test/cn=ocsp");
  CHECK(ldap_uris[1].starts_with("http://"));
  CHECK(ldap_uris[1].ends_with("/second"));
  const auto ldap_first = ocsp::first_ocsp_http_uri(ldap);
  REQUIRE(ldap_first);
  REQUIRE(ldap_first.value());
  CHECK(*ldap_first.value() == ldap_uris[1]);

  const auto noaia_der = x509_der(load_x509(ocsp_test::pki_dir() / "proxy-noaia.pem").get());
  const auto noaia = parse_ok(noaia_der);
  const auto none = ocsp::first_ocsp_http_uri(noaia);
  REQUIRE(none);
  CHECK_FALSE(none.value());
}

TEST_CASE("cert_view: key usage, EKU, nocheck and must-staple of the test PKI", "[cert_view]") {
  for (const std::string name : {"proxy", "proxy-noaia", "proxy-ldap-first", "ca", "other-ca"}) {
    INFO("certificate " << name);
    const x509_ptr x509 = load_x509(ocsp_test::pki_dir() / (name + ".pem"));
    const byte_vector der = x509_der(x509.get());
    const auto cert = parse_ok(der);
    const bool is_ca = name.ends_with("ca");

    const auto ku = ocsp::key_usage(cert);
    REQUIRE(ku);
    REQUIRE(ku.value());
    CHECK(*ku.value() == openssl_key_usage_in_rfc_order(X509_get_key_usage(x509.get())));
    // make-test-pki.sh: leaves digitalSignature (bit 0), CAs keyCertSign (5) and cRLSign (6).
    CHECK(*ku.value() == (is_ca ? (1U << 5 | 1U << 6) : 1U << 0));

    const auto server_auth = ocsp::has_extended_key_usage(cert, kp_server_auth);
    REQUIRE(server_auth);
    CHECK(server_auth.value() == !is_ca);
    const auto ocsp_signing = ocsp::has_extended_key_usage(cert, ocsp::oid::kp_ocsp_signing);
    REQUIRE(ocsp_signing);
    CHECK_FALSE(ocsp_signing.value());

    const auto nocheck = ocsp::has_ocsp_nocheck(cert);
    REQUIRE(nocheck);
    CHECK_FALSE(nocheck.value());
    const auto staple = ocsp::must_staple(cert);
    REQUIRE(staple);
    CHECK_FALSE(staple.value());
  }
}

TEST_CASE("cert_view: OCSPSigning, nocheck, must-staple and decipherOnly made by the openssl CLI", "[cert_view]") {
  const ocsp_test::temp_dir dir;
  const fs::path pki = ocsp_test::pki_dir();
  ocsp_test::write_text(dir / "ext",
                        "extendedKeyUsage=OCSPSigning\n"
                        "noCheck=ignored\n"
                        "tlsfeature=status_request\n"
                        "keyUsage=critical,digitalSignature,keyCertSign,decipherOnly\n");
  REQUIRE(run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + quoted(dir / "key")) == 0);
  REQUIRE(run("openssl req -new -key " + quoted(dir / "key") + " -subj '/CN=responder.test' -out " +
              quoted(dir / "csr")) == 0);
  REQUIRE(run("openssl x509 -req -in " + quoted(dir / "csr") + " -CA " + quoted(pki / "ca.pem") + " -CAkey " +
              quoted(pki / "ca.key") + " -set_serial 0x7f01 -days 1 -extfile " + quoted(dir / "ext") + " -out " +
              quoted(dir / "responder.pem")) == 0);
  // Without -extfile the CLI makes a version 1 certificate, which has no extensions at all.
  REQUIRE(run("openssl x509 -req -in " + quoted(dir / "csr") + " -CA " + quoted(pki / "ca.pem") + " -CAkey " +
              quoted(pki / "ca.key") + " -set_serial 0x80 -days 1 -out " + quoted(dir / "v1.pem")) == 0);

  const x509_ptr x509 = load_x509(dir / "responder.pem");
  const byte_vector der = x509_der(x509.get());
  const auto cert = parse_ok(der);
  CHECK(vec(cert.serial_number) == byte_vector{0x7f, 0x01});

  const auto signing = ocsp::has_extended_key_usage(cert, ocsp::oid::kp_ocsp_signing);
  REQUIRE(signing);
  CHECK(signing.value());
  const auto server_auth = ocsp::has_extended_key_usage(cert, kp_server_auth);
  REQUIRE(server_auth);
  CHECK_FALSE(server_auth.value());
  const auto nocheck = ocsp::has_ocsp_nocheck(cert);
  REQUIRE(nocheck);
  CHECK(nocheck.value());
  const auto staple = ocsp::must_staple(cert);
  REQUIRE(staple);
  CHECK(staple.value());
  const auto ku = ocsp::key_usage(cert);
  REQUIRE(ku);
  REQUIRE(ku.value());
  CHECK(*ku.value() == (1U << 0 | 1U << 5 | 1U << 8));
  CHECK(*ku.value() == openssl_key_usage_in_rfc_order(X509_get_key_usage(x509.get())));
  const auto uri = ocsp::first_ocsp_http_uri(cert);
  REQUIRE(uri);
  CHECK_FALSE(uri.value());

  const x509_ptr v1_x509 = load_x509(dir / "v1.pem");
  const byte_vector v1_der = x509_der(v1_x509.get());
  const auto v1 = parse_ok(v1_der);
  CHECK(v1.version == 0);
  CHECK(vec(v1.serial_number) == byte_vector{0x00, 0x80});  // minimal positive INTEGER
  CHECK_FALSE(v1.extensions);
  const auto v1_ku = ocsp::key_usage(v1);
  REQUIRE(v1_ku);
  CHECK_FALSE(v1_ku.value());
  const auto v1_eku = ocsp::has_extended_key_usage(v1, ocsp::oid::kp_ocsp_signing);
  REQUIRE(v1_eku);
  CHECK_FALSE(v1_eku.value());
  int calls = 0;
  REQUIRE(ocsp::for_each_ocsp_uri(v1, [&calls](std::string_view) { ++calls; }));
  CHECK(calls == 0);
}

TEST_CASE("cert_view: every truncation, a trailing byte and a wrong length are refused", "[cert_view]") {
  const byte_vector der = x509_der(load_x509(ocsp_test::pki_dir() / "proxy.pem").get());
  for (std::size_t size = 0; size < der.size(); ++size) {
    INFO("truncated to " << size << " of " << der.size() << " bytes");
    // A copy of exactly `size` bytes, so a read past the end is a sanitizer error, not luck.
    const byte_vector prefix(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(size));
    CHECK(parse_error(prefix) == ocsp::errc::der_truncated);
  }

  byte_vector trailing = der;
  trailing.push_back(0x00);
  CHECK(parse_error(trailing) == ocsp::errc::der_trailing_data);

  // 30 82 hh ll: the outer length one more and one less than the contents.
  REQUIRE(der[0] == 0x30);
  REQUIRE(der[1] == 0x82);
  byte_vector longer = der;
  longer[3] = static_cast<std::uint8_t>(longer[3] + 1);
  CHECK(parse_error(longer) == ocsp::errc::der_truncated);
  byte_vector shorter = der;
  shorter[3] = static_cast<std::uint8_t>(shorter[3] - 1);
  CHECK(parse_error(shorter) == ocsp::errc::der_trailing_data);
  // The same length in a non-minimal long form.
  byte_vector padded{0x30, 0x83, 0x00, der[2], der[3]};
  padded.insert(padded.end(), der.begin() + 4, der.end());
  CHECK(parse_error(padded) == ocsp::errc::der_bad_length);
  // The TBSCertificate's length one less: its last element runs past it.
  REQUIRE(der[4] == 0x30);
  byte_vector tbs_shorter = der;
  tbs_shorter[der[5] == 0x82 ? 7 : 6] = static_cast<std::uint8_t>(tbs_shorter[der[5] == 0x82 ? 7 : 6] - 1);
  CHECK(parse_error(tbs_shorter) == ocsp::errc::der_truncated);
}

TEST_CASE("cert_view: every single-byte corruption either parses or fails with a der or certificate code",
          "[cert_view]") {
  const byte_vector der = x509_der(load_x509(ocsp_test::pki_dir() / "proxy-ldap-first.pem").get());
  std::size_t refused = 0;
  for (std::size_t i = 0; i < der.size(); ++i) {
    for (const std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}, std::uint8_t{0xff}}) {
      byte_vector corrupt = der;
      corrupt[i] = static_cast<std::uint8_t>(corrupt[i] ^ mask);
      const auto parsed = ocsp::parse_certificate(corrupt);
      if (parsed) {
        // Whatever parses must keep working through every accessor without crashing.
        (void)ocsp::for_each_ocsp_uri(parsed.value(), [](std::string_view) {});
        (void)ocsp::key_usage(parsed.value());
        (void)ocsp::must_staple(parsed.value());
        continue;
      }
      ++refused;
      INFO("byte " << i << " ^ " << int{mask} << ": " << parsed.error().message());
      CHECK(parsed.error().category() == ocsp::error_category());
    }
  }
  // Bytes of the signature, the key and string values may change freely; headers, OIDs, times and
  // integers may not. About a third of all corruptions are caught.
  CHECK(refused > der.size() / 2);
}

TEST_CASE("cert_view: hand-built certificates that break one rule each", "[cert_view]") {
  const byte_vector der = x509_der(load_x509(ocsp_test::pki_dir() / "proxy.pem").get());
  const cert_parts base = proxy_parts(der);
  const byte_vector null_element{0x05, 0x00};

  struct rejection {
    const char* what;
    byte_vector der;
    ocsp::errc expected;
  };
  const auto variant = [&base](auto change) {
    cert_parts p = base;
    change(p);
    return p.build();
  };
  const std::vector<rejection> table{
      {"explicit DEFAULT version v1",
       variant([](cert_parts& p) { p.version = tlv(0xa0, {tlv(0x02, {{0x00}})}); p.extensions.clear(); }),
       ocsp::errc::der_bad_integer},
      {"version 4 (3)", variant([](cert_parts& p) { p.version = tlv(0xa0, {tlv(0x02, {{0x03}})}); }),
       ocsp::errc::der_bad_integer},
      {"version non-minimal", variant([](cert_parts& p) { p.version = tlv(0xa0, {tlv(0x02, {{0x00, 0x02}})}); }),
       ocsp::errc::der_bad_integer},
      {"trailing data in version [0]",
       variant([&](cert_parts& p) { p.version = tlv(0xa0, {tlv(0x02, {{0x02}}), null_element}); }),
       ocsp::errc::der_trailing_data},
      {"v1 with extensions", variant([](cert_parts& p) { p.version.clear(); }), ocsp::errc::certificate_invalid},
      {"v2 with extensions", variant([](cert_parts& p) { p.version = tlv(0xa0, {tlv(0x02, {{0x01}})}); }),
       ocsp::errc::certificate_invalid},
      {"v1 with an issuerUniqueID",
       variant([](cert_parts& p) { p.version.clear(); p.extensions.clear(); p.issuer_uid = {0x81, 0x02, 0x00, 0xaa}; }),
       ocsp::errc::certificate_invalid},
      {"subjectUniqueID with bad unused bits", variant([](cert_parts& p) { p.subject_uid = {0x82, 0x02, 0x01, 0xff}; }),
       ocsp::errc::der_bad_bit_string},
      {"unique IDs out of order",
       variant([](cert_parts& p) { p.issuer_uid = {0x82, 0x01, 0x00}; p.subject_uid = {0x81, 0x01, 0x00}; }),
       ocsp::errc::der_trailing_data},
      {"empty serial", variant([](cert_parts& p) { p.serial = {0x02, 0x00}; }), ocsp::errc::der_bad_integer},
      {"non-minimal serial", variant([](cert_parts& p) { p.serial = {0x02, 0x02, 0x00, 0x01}; }),
       ocsp::errc::der_bad_integer},
      {"serial as an OCTET STRING", variant([](cert_parts& p) { p.serial[0] = 0x04; }), ocsp::errc::der_unexpected_tag},
      {"inner and outer signature algorithms differ",
       variant([](cert_parts& p) { p.outer_algorithm = tlv(0x30, {tlv(0x06, {{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03}})}); }),
       ocsp::errc::certificate_invalid},
      {"outer algorithm with extra parameters",
       variant([&](cert_parts& p) { p.outer_algorithm = tlv(0x30, {contents_of(p.outer_algorithm), null_element}); }),
       ocsp::errc::certificate_invalid},
      {"algorithm with two parameters",
       variant([&](cert_parts& p) { p.inner_algorithm = tlv(0x30, {tlv(0x06, {{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}}), null_element, null_element}); }),
       ocsp::errc::der_trailing_data},
      {"issuer as a SET", variant([](cert_parts& p) { p.issuer[0] = 0x31; }), ocsp::errc::der_unexpected_tag},
      {"empty RDN in the subject", variant([](cert_parts& p) { p.subject = tlv(0x30, {{0x31, 0x00}}); }),
       ocsp::errc::der_truncated},
      {"attribute without a value",
       variant([](cert_parts& p) { p.subject = tlv(0x30, {tlv(0x31, {tlv(0x30, {tlv(0x06, {{0x55, 0x04, 0x03}})})})}); }),
       ocsp::errc::der_truncated},
      {"validity with a time without seconds",
       variant([](cert_parts& p) {
         const std::string t = "2501010000Z";
         p.validity = tlv(0x30, {tlv(0x17, {byte_vector(t.begin(), t.end())}), tlv(0x17, {byte_vector(t.begin(), t.end())})});
       }),
       ocsp::errc::der_bad_time},
      {"validity with one time",
       variant([](cert_parts& p) {
         const std::string t = "250101000000Z";
         p.validity = tlv(0x30, {tlv(0x17, {byte_vector(t.begin(), t.end())})});
       }),
       ocsp::errc::der_truncated},
      {"public key with unused bits",
       variant([](cert_parts& p) {
         p.spki = tlv(0x30, {tlv(0x30, {tlv(0x06, {{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01}})}), {0x03, 0x02, 0x01, 0x02}});
       }),
       ocsp::errc::der_bad_bit_string},
      {"extensions not in a SEQUENCE",
       variant([](cert_parts& p) { p.extensions = tlv(0xa3, {tlv(0x31, {contents_of(contents_of(p.extensions))})}); }),
       ocsp::errc::der_unexpected_tag},
      {"empty extensions", variant([](cert_parts& p) { p.extensions = tlv(0xa3, {{0x30, 0x00}}); }),
       ocsp::errc::der_truncated},
      {"trailing data in extensions [3]",
       variant([&](cert_parts& p) { p.extensions = tlv(0xa3, {contents_of(p.extensions), null_element}); }),
       ocsp::errc::der_trailing_data},
      {"trailing data in TBSCertificate", variant([&](cert_parts& p) { p.tbs_trailer = null_element; }),
       ocsp::errc::der_trailing_data},
      {"trailing data in Certificate", variant([&](cert_parts& p) { p.trailer = null_element; }),
       ocsp::errc::der_trailing_data},
      {"signature with bad unused bits", variant([](cert_parts& p) { p.signature = {0x03, 0x02, 0x08, 0x00}; }),
       ocsp::errc::der_bad_bit_string},
      {"no signature", variant([](cert_parts& p) { p.signature.clear(); }), ocsp::errc::der_truncated},
  };
  for (const auto& r : table) {
    INFO(r.what);
    CHECK(parse_error(r.der) == r.expected);
  }

  // The parts rebuild the original, and a v3 certificate without extensions and a v2 certificate
  // with unique identifiers are fine.
  CHECK(ocsp::parse_certificate(base.build()));
  const byte_vector v3_no_extensions = variant([](cert_parts& p) { p.extensions.clear(); });
  const auto v3 = ocsp::parse_certificate(v3_no_extensions);
  REQUIRE(v3);
  CHECK_FALSE(v3.value().extensions);
  const byte_vector v2 = variant([](cert_parts& p) {
    p.version = tlv(0xa0, {tlv(0x02, {{0x01}})});
    p.extensions.clear();
    p.issuer_uid = {0x81, 0x02, 0x00, 0xaa};
    p.subject_uid = {0x82, 0x02, 0x04, 0xf0};
  });
  const auto v2_parsed = ocsp::parse_certificate(v2);
  REQUIRE(v2_parsed);
  CHECK(v2_parsed.value().version == 1);
}

TEST_CASE("cert_view: malformed extensions are errors of their accessor, not absence", "[cert_view]") {
  const byte_vector der = x509_der(load_x509(ocsp_test::pki_dir() / "proxy.pem").get());
  const cert_parts base = proxy_parts(der);
  const auto aia = oid_bytes(ocsp::oid::pe_authority_info_access);
  const auto ad_ocsp = tlv(0x06, {oid_bytes(ocsp::oid::ad_ocsp)});
  const auto ad_ca_issuers = tlv(0x06, {{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02}});
  const auto uri = [](std::string_view s) { return tlv(0x86, {byte_vector(s.begin(), s.end())}); };

  const auto uri_error = [](const byte_vector& cert_der) {
    const auto cert = parse_ok(cert_der);
    int calls = 0;
    const auto walked = ocsp::for_each_ocsp_uri(cert, [&calls](std::string_view) { ++calls; });
    REQUIRE_FALSE(walked);
    CHECK(calls == 0);  // nothing of a malformed extension reaches the callback
    REQUIRE_FALSE(ocsp::first_ocsp_http_uri(cert));
    return static_cast<ocsp::errc>(walked.error().value());
  };

  SECTION("AIA") {
    // Well-formed: only id-ad-ocsp URIs are given, in order; other GeneralNames are skipped.
    const auto good = with_extension(
        base, aia,
        tlv(0x30, {tlv(0x30, {ad_ca_issuers, uri("http://ca.test/ca.crt")}),
                   tlv(0x30, {ad_ocsp, tlv(0x82, {{'d', 'n', 's'}})}),
                   tlv(0x30, {ad_ocsp, uri("ldap://x")}),
                   tlv(0x30, {ad_ocsp, tlv(0xa4, {tlv(0x30, {})})}),
                   tlv(0x30, {ad_ocsp, uri("https://ocsp.test/")}),
                   tlv(0x30, {ad_ocsp, uri("http://ocsp2.test/")})}));
    const auto cert = parse_ok(good);
    CHECK(ocsp_uris(cert) == std::vector<std::string>{"ldap://x", "https://ocsp.test/", "http://ocsp2.test/"});
    const auto first = ocsp::first_ocsp_http_uri(cert);
    REQUIRE(first);
    REQUIRE(first.value());
    CHECK(*first.value() == "https://ocsp.test/");

    CHECK(uri_error(with_extension(base, aia, tlv(0x30, {}))) == ocsp::errc::der_truncated);
    CHECK(uri_error(with_extension(base, aia, tlv(0x31, {tlv(0x30, {ad_ocsp, uri("http://a/")})}))) ==
          ocsp::errc::der_unexpected_tag);
    // A good URI first, then a broken entry: the callback still sees nothing.
    CHECK(uri_error(with_extension(base, aia, tlv(0x30, {tlv(0x30, {ad_ocsp, uri("http://a/")}), tlv(0x30, {ad_ocsp})}))) ==
          ocsp::errc::der_truncated);
    CHECK(uri_error(with_extension(base, aia, tlv(0x30, {tlv(0x30, {ad_ocsp, uri("http://a/"), uri("http://b/")})}))) ==
          ocsp::errc::der_trailing_data);
    CHECK(uri_error(with_extension(base, aia, cat({tlv(0x30, {tlv(0x30, {ad_ocsp, uri("http://a/")})}), {0x05, 0x00}}))) ==
          ocsp::errc::der_trailing_data);
    CHECK(uri_error(with_extension(base, aia, tlv(0x30, {tlv(0x30, {ad_ocsp, tlv(0x89, {{0x01}})})}))) ==
          ocsp::errc::der_unexpected_tag);
    CHECK(uri_error(with_extension(base, aia, tlv(0x30, {tlv(0x30, {ad_ocsp, tlv(0x86, {{'h', 0xc3, 0xa9}})})}))) ==
          ocsp::errc::certificate_invalid);
    CHECK(uri_error(with_extension(base, aia, tlv(0x30, {tlv(0x30, {ad_ocsp, tlv(0xa4, {tlv(0x31, {})})})}))) ==
          ocsp::errc::der_unexpected_tag);
    CHECK(uri_error(with_extension(base, aia, tlv(0x30, {tlv(0x30, {ad_ocsp, tlv(0x88, {{0x2b, 0x86}})})}))) ==
          ocsp::errc::der_bad_oid);
  }

  SECTION("EKU") {
    const auto eku = oid_bytes(ocsp::oid::ce_ext_key_usage);
    const auto signing = tlv(0x06, {oid_bytes(ocsp::oid::kp_ocsp_signing)});
    const auto found = ocsp::has_extended_key_usage(parse_ok(with_extension(base, eku, tlv(0x30, {signing}))),
                                                    ocsp::oid::kp_ocsp_signing);
    REQUIRE(found);
    CHECK(found.value());
    const auto error = [&](const byte_vector& value) {
      const auto r = ocsp::has_extended_key_usage(parse_ok(with_extension(base, eku, value)), ocsp::oid::kp_ocsp_signing);
      REQUIRE_FALSE(r);
      return static_cast<ocsp::errc>(r.error().value());
    };
    CHECK(error(tlv(0x30, {})) == ocsp::errc::der_truncated);
    CHECK(error(tlv(0x30, {signing, {0x05, 0x00}})) == ocsp::errc::der_unexpected_tag);
    CHECK(error(tlv(0x30, {signing, {0x06, 0x01, 0x80}})) == ocsp::errc::der_bad_oid);
    CHECK(error(cat({tlv(0x30, {signing}), {0x00}})) == ocsp::errc::der_trailing_data);
  }

  SECTION("nocheck") {
    const auto nocheck = oid_bytes(ocsp::oid::pkix_ocsp_nocheck);
    const auto present = ocsp::has_ocsp_nocheck(parse_ok(with_extension(base, nocheck, {0x05, 0x00})));
    REQUIRE(present);
    CHECK(present.value());
    const auto with_contents = ocsp::has_ocsp_nocheck(parse_ok(with_extension(base, nocheck, {0x05, 0x01, 0x00})));
    REQUIRE_FALSE(with_contents);
    CHECK(with_contents.error() == ocsp::errc::der_bad_null);
    const auto empty = ocsp::has_ocsp_nocheck(parse_ok(with_extension(base, nocheck, {})));
    REQUIRE_FALSE(empty);
    CHECK(empty.error() == ocsp::errc::der_truncated);
  }

  SECTION("key usage") {
    const auto ku_oid = oid_bytes(ocsp::oid::ce_key_usage);
    const auto ku = [&](const byte_vector& value) { return ocsp::key_usage(parse_ok(with_extension(base, ku_oid, value))); };
    const auto padded = ku({0x03, 0x03, 0x00, 0x80, 0x00});  // trailing zero bits, tolerated
    REQUIRE(padded);
    CHECK(padded.value() == std::optional<std::uint16_t>(1));
    const auto crl_sign = ku({0x03, 0x02, 0x01, 0x02});  // bit 6
    REQUIRE(crl_sign);
    CHECK(crl_sign.value() == std::optional<std::uint16_t>(1U << 6));
    CHECK(ku({0x03, 0x01, 0x00}).error() == ocsp::errc::certificate_invalid);           // no bit set
    CHECK(ku({0x03, 0x03, 0x00, 0x00, 0x00}).error() == ocsp::errc::certificate_invalid);  // no bit set
    CHECK(ku({0x03, 0x04, 0x07, 0x80, 0x00, 0x80}).error() == ocsp::errc::certificate_invalid);  // bit 16
    CHECK(ku({0x03, 0x02, 0x01, 0x01}).error() == ocsp::errc::der_bad_bit_string);  // unused bit set
    CHECK(ku({0x04, 0x01, 0x80}).error() == ocsp::errc::der_unexpected_tag);
  }

  SECTION("TLS feature") {
    const auto feature = oid_bytes(ocsp::oid::pe_tls_feature);
    const auto staple = [&](const byte_vector& value) { return ocsp::must_staple(parse_ok(with_extension(base, feature, value))); };
    CHECK(staple(tlv(0x30, {{0x02, 0x01, 0x05}})).value());
    CHECK(staple(tlv(0x30, {{0x02, 0x01, 0x11}, {0x02, 0x01, 0x05}})).value());
    CHECK_FALSE(staple(tlv(0x30, {{0x02, 0x01, 0x11}})).value());  // status_request_v2 only
    CHECK_FALSE(staple(tlv(0x30, {})).value());
    CHECK(staple(tlv(0x30, {{0x02, 0x03, 0x01, 0x00, 0x00}})).error() == ocsp::errc::der_bad_integer);  // > 65535
    CHECK(staple(tlv(0x30, {{0x02, 0x02, 0x00, 0x05}})).error() == ocsp::errc::der_bad_integer);
    CHECK(staple(tlv(0x31, {{0x02, 0x01, 0x05}})).error() == ocsp::errc::der_unexpected_tag);
  }

  SECTION("a duplicated extension parses, and its accessor refuses it") {
    // RFC 5280 4.2 forbids two instances; parse_extensions accepts them (docs/codec.md), so each
    // accessor must refuse to pick one.
    const auto twice = [&](const byte_vector& oid, const byte_vector& value) {
      cert_parts p = base;
      const auto ext = tlv(0x30, {tlv(0x06, {oid}), tlv(0x04, {value})});
      p.extensions = tlv(0xa3, {tlv(0x30, {ext, ext})});
      return p.build();
    };
    const auto nocheck_der = twice(oid_bytes(ocsp::oid::pkix_ocsp_nocheck), {0x05, 0x00});
    CHECK(ocsp::has_ocsp_nocheck(parse_ok(nocheck_der)).error() == ocsp::errc::ocsp_duplicate_extension);
    // Other accessors are not concerned by it.
    CHECK_FALSE(ocsp::must_staple(parse_ok(nocheck_der)).value());

    const auto aia_der = twice(aia, tlv(0x30, {tlv(0x30, {ad_ocsp, uri("http://a/")})}));
    CHECK(uri_error(aia_der) == ocsp::errc::ocsp_duplicate_extension);
    const auto eku_der = twice(oid_bytes(ocsp::oid::ce_ext_key_usage), tlv(0x30, {tlv(0x06, {oid_bytes(ocsp::oid::kp_ocsp_signing)})}));
    CHECK(ocsp::has_extended_key_usage(parse_ok(eku_der), ocsp::oid::kp_ocsp_signing).error() ==
          ocsp::errc::ocsp_duplicate_extension);
    const auto ku_der = twice(oid_bytes(ocsp::oid::ce_key_usage), {0x03, 0x02, 0x07, 0x80});
    CHECK(ocsp::key_usage(parse_ok(ku_der)).error() == ocsp::errc::ocsp_duplicate_extension);
    const auto staple_der = twice(oid_bytes(ocsp::oid::pe_tls_feature), tlv(0x30, {{0x02, 0x01, 0x05}}));
    CHECK(ocsp::must_staple(parse_ok(staple_der)).error() == ocsp::errc::ocsp_duplicate_extension);
  }
}

namespace {

// An AttributeTypeAndValue: `type` (OID contents) with a string of tag `string_tag`.
byte_vector attribute(const byte_vector& type, std::uint8_t string_tag, std::string_view value) {
  return tlv(0x30, {tlv(0x06, {type}), tlv(string_tag, {byte_vector(value.begin(), value.end())})});
}

const byte_vector at_common_name{0x55, 0x04, 0x03};
const byte_vector at_country{0x55, 0x04, 0x06};
const byte_vector at_organization{0x55, 0x04, 0x0a};
constexpr std::uint8_t utf8_string = 0x0c, printable_string = 0x13;

// Whether `in` still holds exactly `input` (a failed read must not move it).
bool unmoved(const ocsp::der::reader& in, const byte_vector& input) {
  return in.data().data() == input.data() && in.size() == input.size();
}

}  // namespace

TEST_CASE("cert_view: Names: RDN sizes and the DER order of multi-valued RDNs (X.690 11.6)", "[cert_view]") {
  const byte_vector der = x509_der(load_x509(ocsp_test::pki_dir() / "proxy.pem").get());
  const cert_parts base = proxy_parts(der);
  // 30 08 06 03 55 04 03 13 01 61 and so on: the encodings that the order compares.
  const byte_vector cn_a = attribute(at_common_name, printable_string, "a");
  const byte_vector cn_b = attribute(at_common_name, printable_string, "b");
  const byte_vector cn_bb = attribute(at_common_name, printable_string, "bb");  // 30 09: one octet longer
  const byte_vector cn_utf8_a = attribute(at_common_name, utf8_string, "a");     // 0c sorts before 13
  const byte_vector o_a = attribute(at_organization, printable_string, "a");
  const byte_vector bad_value = tlv(0x30, {tlv(0x06, {at_common_name}), {0x01, 0x01, 0x05}});  // BOOLEAN 05
  const auto rdn = [](std::initializer_list<byte_vector> values) { return tlv(0x31, values); };
  const auto name = [](std::initializer_list<byte_vector> rdns) { return tlv(0x30, rdns); };

  struct name_case {
    const char* what;
    byte_vector name;
    std::optional<ocsp::errc> expected;  // nullopt: accepted
  };
  const std::vector<name_case> table{
      // RDNSequence ::= SEQUENCE OF RelativeDistinguishedName: may be empty, and its order is the name's.
      {"empty RDNSequence", name({}), std::nullopt},
      {"single-valued RDNs in any order", name({rdn({o_a}), rdn({cn_a})}), std::nullopt},
      {"two values in order", name({rdn({cn_a, o_a})}), std::nullopt},
      {"three values in order", name({rdn({cn_a, cn_b, o_a})}), std::nullopt},
      {"two equal values (ascending, not strictly)", name({rdn({cn_a, cn_a})}), std::nullopt},
      {"the length octet orders O \"a\" before CN \"bb\"", name({rdn({o_a, cn_bb})}), std::nullopt},
      {"the string tag orders UTF8String before PrintableString", name({rdn({cn_utf8_a, cn_a})}), std::nullopt},
      {"ordered values in the second RDN", name({rdn({o_a}), rdn({cn_a, o_a})}), std::nullopt},
      // RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
      {"empty RDN", name({rdn({})}), ocsp::errc::der_truncated},
      {"empty RDN after a good one", name({rdn({cn_a}), rdn({})}), ocsp::errc::der_truncated},
      {"two values out of order", name({rdn({o_a, cn_a})}), ocsp::errc::certificate_invalid},
      {"the last two of three out of order", name({rdn({cn_a, o_a, cn_b})}), ocsp::errc::certificate_invalid},
      {"ordered by OID rather than by encoding", name({rdn({cn_bb, o_a})}), ocsp::errc::certificate_invalid},
      {"PrintableString before UTF8String", name({rdn({cn_a, cn_utf8_a})}), ocsp::errc::certificate_invalid},
      {"out of order in the second RDN", name({rdn({cn_a}), rdn({o_a, cn_a})}), ocsp::errc::certificate_invalid},
      // Grammar errors are found as the values are read, before the order is compared.
      {"a malformed value after an ordered one", name({rdn({o_a, bad_value})}), ocsp::errc::der_bad_boolean},
      {"a non-SEQUENCE after a value", name({rdn({o_a, {0x05, 0x00}})}), ocsp::errc::der_unexpected_tag},
      {"an RDN that is a SEQUENCE", name({tlv(0x30, {cn_a})}), ocsp::errc::der_unexpected_tag},
  };
  for (const auto& c : table) {
    INFO(c.what);
    // Something after the Name: a parse must stop at its end, and a failure must not move the reader.
    const byte_vector input = cat({c.name, {0x05, 0x00}});
    ocsp::der::reader in(input);
    ocsp::der::bytes element;
    const ocsp::errc e = ocsp::parse_name(in, element);
    ocsp::der::reader in2(input);
    const auto parsed = ocsp::parse_name(in2);
    // The same Name as a GeneralName's directoryName [4] and as a certificate's issuer and subject.
    const byte_vector general_name = cat({tlv(0xa4, {c.name}), {0x05, 0x00}});
    ocsp::der::reader in3(general_name);
    const auto as_general_name = ocsp::parse_general_name(in3);
    cert_parts with_issuer = base, with_subject = base;
    with_issuer.issuer = c.name;
    with_subject.subject = c.name;
    const byte_vector issuer_der = with_issuer.build(), subject_der = with_subject.build();

    if (!c.expected) {
      CHECK(ocsp::der::ok(e));
      CHECK(element.data() == input.data());
      CHECK(element.size() == c.name.size());
      CHECK(in.size() == 2);
      REQUIRE(parsed);
      CHECK(vec(parsed.value()) == c.name);
      CHECK(in2.size() == 2);
      REQUIRE(as_general_name);
      CHECK(as_general_name.value().size() == general_name.size() - 2);
      CHECK(in3.size() == 2);
      CHECK(vec(parse_ok(issuer_der).issuer) == c.name);
      CHECK(vec(parse_ok(subject_der).subject) == c.name);
    } else {
      CHECK(e == *c.expected);
      CHECK(unmoved(in, input));
      REQUIRE_FALSE(parsed);
      CHECK(parsed.error() == *c.expected);
      CHECK(unmoved(in2, input));
      REQUIRE_FALSE(as_general_name);
      CHECK(as_general_name.error() == *c.expected);
      CHECK(unmoved(in3, general_name));
      CHECK(parse_error(issuer_der) == *c.expected);
      CHECK(parse_error(subject_der) == *c.expected);
    }
  }
}

TEST_CASE("cert_view: a multi-valued RDN made by the openssl CLI is in DER order, and refused when reordered",
          "[cert_view]") {
  const ocsp_test::temp_dir dir;
  REQUIRE(run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + quoted(dir / "key")) == 0);
  // Given as O, CN, C: OpenSSL writes the SET in DER order, CN and O (30 08 ...) before C (30 09 ...).
  REQUIRE(run("openssl req -new -x509 -key " + quoted(dir / "key") + " -subj '/O=z+CN=a+C=US/OU=unit' -days 1 -out " +
              quoted(dir / "multi.pem")) == 0);
  const x509_ptr x509 = load_x509(dir / "multi.pem");
  const byte_vector der = x509_der(x509.get());
  const auto cert = parse_ok(der);
  const byte_vector subject = vec(cert.subject);
  CHECK(subject == to_der(X509_get_subject_name(x509.get()), i2d_X509_NAME));
  CHECK(vec(cert.issuer) == subject);

  // Split the first RDN into its values, and rebuild the Name with them in the other order.
  ocsp::der::reader rdns = ocsp::der::read_single(subject, 0x30).value();
  ocsp::der::reader first = rdns.read(0x31).value();
  const byte_vector rest = vec(rdns.data());
  std::vector<byte_vector> values;
  while (!first.empty()) {
    const auto before = first.data();
    REQUIRE(first.read(0x30));
    values.emplace_back(before.begin(), before.begin() + static_cast<std::ptrdiff_t>(before.size() - first.size()));
  }
  REQUIRE(values.size() == 3);
  CHECK(values[0] == attribute(at_common_name, utf8_string, "a"));
  CHECK(values[1] == attribute(at_organization, utf8_string, "z"));
  CHECK(values[2] == attribute(at_country, printable_string, "US"));
  CHECK(tlv(0x30, {tlv(0x31, {values[0], values[1], values[2]}), rest}) == subject);
  const byte_vector reordered = tlv(0x30, {tlv(0x31, {values[2], values[0], values[1]}), rest});
  ocsp::der::reader in(reordered);
  ocsp::der::bytes out;
  CHECK(ocsp::parse_name(in, out) == ocsp::errc::certificate_invalid);
  CHECK(unmoved(in, reordered));

  // The proxy certificate with that subject: refused as a whole.
  cert_parts p = proxy_parts(x509_der(load_x509(ocsp_test::pki_dir() / "proxy.pem").get()));
  p.subject = subject;
  CHECK(vec(parse_ok(p.build()).subject) == subject);
  p.subject = reordered;
  CHECK(parse_error(p.build()) == ocsp::errc::certificate_invalid);
}

TEST_CASE("cert_view: GeneralName choices, and a refused one leaves the reader where it was", "[cert_view]") {
  struct general_name_case {
    const char* what;
    byte_vector element;
    std::optional<ocsp::errc> expected;  // nullopt: accepted
  };
  const byte_vector cn_a = attribute(at_common_name, printable_string, "a");
  const std::vector<general_name_case> table{
      {"otherName", tlv(0xa0, {tlv(0x06, {{0x2b, 0x06, 0x01}}), tlv(0xa0, {{0x0c, 0x01, 'x'}})}), std::nullopt},
      {"rfc822Name", tlv(0x81, {{'a', '@', 'b'}}), std::nullopt},
      {"dNSName", tlv(0x82, {{'a', '.', 'b'}}), std::nullopt},
      {"x400Address", tlv(0xa3, {{0x30, 0x03, 0x02, 0x01, 0x05}}), std::nullopt},
      {"directoryName", tlv(0xa4, {tlv(0x30, {tlv(0x31, {cn_a})})}), std::nullopt},
      {"ediPartyName", tlv(0xa5, {tlv(0xa1, {{0x0c, 0x01, 'x'}})}), std::nullopt},
      {"uniformResourceIdentifier", tlv(0x86, {{'h', ':', '/'}}), std::nullopt},
      {"iPAddress", tlv(0x87, {{0x7f, 0x00, 0x00, 0x01}}), std::nullopt},
      {"registeredID", tlv(0x88, {{0x2b, 0x06, 0x01}}), std::nullopt},
      {"otherName without its [0]", tlv(0xa0, {tlv(0x06, {{0x2b, 0x06, 0x01}})}), ocsp::errc::der_truncated},
      {"otherName with trailing data", tlv(0xa0, {tlv(0x06, {{0x2b, 0x06, 0x01}}), tlv(0xa0, {{0x05, 0x00}}), {0x05, 0x00}}),
       ocsp::errc::der_trailing_data},
      {"otherName value not DER", tlv(0xa0, {tlv(0x06, {{0x2b, 0x06, 0x01}}), tlv(0xa0, {{0x01, 0x01, 0x05}})}),
       ocsp::errc::der_bad_boolean},
      {"dNSName not IA5", tlv(0x82, {{'a', 0x80}}), ocsp::errc::certificate_invalid},
      {"x400Address not DER inside", tlv(0xa3, {{0x30, 0x03, 0x02, 0x02, 0x00}}), ocsp::errc::der_truncated},
      {"ediPartyName with a constructed INTEGER", tlv(0xa5, {{0x22, 0x00}}), ocsp::errc::der_unexpected_tag},
      {"directoryName holding a SET", tlv(0xa4, {tlv(0x31, {cn_a})}), ocsp::errc::der_unexpected_tag},
      {"directoryName with trailing data", tlv(0xa4, {tlv(0x30, {}), {0x05, 0x00}}), ocsp::errc::der_trailing_data},
      {"directoryName with an unordered RDN", tlv(0xa4, {tlv(0x30, {tlv(0x31, {attribute(at_organization, 0x13, "a"), cn_a})})}),
       ocsp::errc::certificate_invalid},
      {"registeredID empty", {0x88, 0x00}, ocsp::errc::der_bad_oid},
      {"registeredID with a non-minimal sub-identifier", tlv(0x88, {{0x2b, 0x80, 0x01}}), ocsp::errc::der_bad_oid},
      {"registeredID constructed", tlv(0xa8, {tlv(0x06, {{0x2b}})}), ocsp::errc::der_unexpected_tag},
      {"[9]", tlv(0x89, {{0x01}}), ocsp::errc::der_unexpected_tag},
      {"a universal OCTET STRING", tlv(0x04, {{0x01}}), ocsp::errc::der_unexpected_tag},
      {"a high tag number", {0x9f, 0x1f, 0x00}, ocsp::errc::der_high_tag_number},
      {"truncated", {0x86, 0x05, 'h'}, ocsp::errc::der_truncated},
  };
  for (const auto& c : table) {
    INFO(c.what);
    const byte_vector input = cat({c.element, {0x05, 0x00}});
    ocsp::der::reader in(input);
    ocsp::der::bytes element;
    const ocsp::errc e = ocsp::parse_general_name(in, element);
    ocsp::der::reader in2(input);
    const auto parsed = ocsp::parse_general_name(in2);
    if (!c.expected) {
      CHECK(ocsp::der::ok(e));
      CHECK(vec(element) == c.element);
      CHECK(in.size() == 2);
      REQUIRE(parsed);
      CHECK(vec(parsed.value()) == c.element);
    } else {
      CHECK(e == *c.expected);
      CHECK(unmoved(in, input));
      REQUIRE_FALSE(parsed);
      CHECK(parsed.error() == *c.expected);
      CHECK(unmoved(in2, input));
    }
  }
  ocsp::der::reader nothing;
  ocsp::der::bytes element;
  CHECK(ocsp::parse_general_name(nothing, element) == ocsp::errc::der_truncated);
}

TEST_CASE("cert_view: AlgorithmIdentifier and Certificate elements: read whole, or the reader does not move",
          "[cert_view]") {
  const byte_vector der = x509_der(load_x509(ocsp_test::pki_dir() / "proxy.pem").get());
  const cert_parts base = proxy_parts(der);
  const byte_vector null_element{0x05, 0x00};
  const byte_vector sha256{0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};

  SECTION("AlgorithmIdentifier") {
    const auto check_accepted = [&](const byte_vector& alg, const byte_vector& parameters) {
      const byte_vector input = cat({alg, null_element});
      ocsp::der::reader in(input);
      ocsp::algorithm_identifier out;
      REQUIRE(ocsp::der::ok(ocsp::parse_algorithm_identifier(in, out)));
      CHECK(vec(out.oid) == sha256);
      CHECK(vec(out.parameters) == parameters);
      CHECK(in.size() == 2);
      ocsp::der::reader in2(input);
      const auto parsed = ocsp::parse_algorithm_identifier(in2);
      REQUIRE(parsed);
      CHECK(vec(parsed.value().parameters) == parameters);
      CHECK(in2.size() == 2);
    };
    check_accepted(tlv(0x30, {tlv(0x06, {sha256})}), {});
    check_accepted(tlv(0x30, {tlv(0x06, {sha256}), null_element}), null_element);
    check_accepted(tlv(0x30, {tlv(0x06, {sha256}), tlv(0x30, {{0x02, 0x01, 0x01}})}), tlv(0x30, {{0x02, 0x01, 0x01}}));

    const std::vector<std::pair<byte_vector, ocsp::errc>> rejected{
        {tlv(0x30, {}), ocsp::errc::der_truncated},
        {tlv(0x30, {tlv(0x06, {})}), ocsp::errc::der_bad_oid},
        {tlv(0x30, {tlv(0x06, {sha256}), null_element, null_element}), ocsp::errc::der_trailing_data},
        {tlv(0x30, {tlv(0x06, {sha256}), {0x05, 0x01, 0x00}}), ocsp::errc::der_bad_null},
        {tlv(0x30, {tlv(0x06, {sha256}), {0x30, 0x03, 0x02, 0x01}}), ocsp::errc::der_truncated},
        {tlv(0x31, {tlv(0x06, {sha256})}), ocsp::errc::der_unexpected_tag},
    };
    for (const auto& [alg, expected] : rejected) {
      INFO("algorithm " << alg.size() << " bytes, expecting " << static_cast<int>(expected));
      const byte_vector input = cat({alg, null_element});
      ocsp::der::reader in(input);
      ocsp::algorithm_identifier out;
      CHECK(ocsp::parse_algorithm_identifier(in, out) == expected);
      CHECK(unmoved(in, input));
      ocsp::der::reader in2(input);
      const auto parsed = ocsp::parse_algorithm_identifier(in2);
      REQUIRE_FALSE(parsed);
      CHECK(parsed.error() == expected);
      CHECK(unmoved(in2, input));
    }
  }

  SECTION("Certificate elements, as in OCSP's certs") {
    const byte_vector bad_order = [&] {
      cert_parts p = base;
      p.subject = tlv(0x30, {tlv(0x31, {attribute(at_organization, 0x13, "a"), attribute(at_common_name, 0x13, "a")})});
      return p.build();
    }();
    const byte_vector differ = [&] {
      cert_parts p = base;
      p.outer_algorithm = tlv(0x30, {tlv(0x06, {{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03}})});
      return p.build();
    }();
    const byte_vector good_then_bad = cat({der, bad_order});
    ocsp::der::reader in(good_then_bad);
    ocsp::der::bytes element;
    REQUIRE(ocsp::der::ok(ocsp::parse_certificate_element(in, element)));
    CHECK(element.data() == good_then_bad.data());
    CHECK(element.size() == der.size());
    const byte_vector after_first(in.data().begin(), in.data().end());
    REQUIRE(after_first == bad_order);
    const ocsp::der::bytes second = in.data();
    CHECK(ocsp::parse_certificate_element(in, element) == ocsp::errc::certificate_invalid);
    CHECK(in.data().data() == second.data());
    CHECK(in.size() == second.size());

    for (const auto& [bad, expected] : std::vector<std::pair<byte_vector, ocsp::errc>>{
             {bad_order, ocsp::errc::certificate_invalid},
             {differ, ocsp::errc::certificate_invalid},
             {cat({tlv(0x30, {contents_of(der), null_element})}), ocsp::errc::der_trailing_data},
             // Three bytes short: still one short with the NULL after it.
             {byte_vector(der.begin(), der.end() - 3), ocsp::errc::der_truncated},
             {tlv(0x31, {contents_of(der)}), ocsp::errc::der_unexpected_tag},
         }) {
      INFO("expecting " << static_cast<int>(expected));
      const byte_vector input = cat({bad, null_element});
      ocsp::der::reader r(input);
      const auto parsed = ocsp::parse_certificate_element(r);
      REQUIRE_FALSE(parsed);
      CHECK(parsed.error() == expected);
      CHECK(unmoved(r, input));
      // parse_certificate agrees (for the bytes that are one element).
      if (expected != ocsp::errc::der_truncated) CHECK(parse_error(bad) == expected);
    }
  }
}
