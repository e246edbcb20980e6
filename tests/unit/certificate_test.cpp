// Loading the proxy certificate and its issuer from the test PKI.
#include "support.hpp"

#include <ocsp/certificate.hpp>
#include <ocsp/error.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::string test_port() {
  const char* port = std::getenv("OCSP_TEST_PORT");
  return port != nullptr && *port != '\0' ? std::string(port) : std::string("18080");
}

fs::path pki_file(const std::string& name) { return ocsp_test::pki_dir() / (name + ".pem"); }

ocsp::proxy_certificate load_ok(const std::string& name, const std::string& issuer = "ca") {
  auto cert = ocsp::proxy_certificate::load(pki_file(name), pki_file(issuer));
  if (!cert) FAIL("cannot load " << name << " with issuer " << issuer << ": " << cert.error().message);
  return std::move(cert).value();
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// The DER of the first certificate of a PEM text, decoded here independently of OpenSSL.
std::vector<std::uint8_t> first_pem_der(const std::string& pem) {
  constexpr std::string_view begin = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view end = "-----END CERTIFICATE-----";
  const auto start = pem.find(begin);
  REQUIRE(start != std::string::npos);
  const auto stop = pem.find(end, start);
  REQUIRE(stop != std::string::npos);

  std::vector<std::uint8_t> der;
  unsigned buffer = 0;
  int bits = 0;
  for (std::size_t i = start + begin.size(); i < stop; ++i) {
    const int value = base64_value(pem[i]);
    if (value < 0) continue;  // line breaks and '=' padding
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      der.push_back(static_cast<std::uint8_t>((buffer >> bits) & 0xffu));
    }
  }
  REQUIRE_FALSE(der.empty());
  return der;
}

bool is_upper_hex(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); });
}

}  // namespace

TEST_CASE("proxy_certificate: the responder URL comes from the AIA OCSP URI", "[certificate]") {
  const auto cert = load_ok("proxy");
  CHECK(cert.responder_url() == "http://127.0.0.1:" + test_port() + "/ocsp");
  REQUIRE(cert.ocsp_uris().size() == 1);
  CHECK(cert.ocsp_uris().front() == cert.responder_url());
}

TEST_CASE("proxy_certificate: no AIA extension gives no responder URL", "[certificate]") {
  const auto cert = load_ok("proxy-noaia");
  CHECK(cert.responder_url().empty());
  CHECK(cert.ocsp_uris().empty());
  CHECK_THAT(cert.subject(), Catch::Matchers::Contains("CN=noaia.proxy.test"));
}

TEST_CASE("proxy_certificate: the responder URL is the first http URI, after an ldap one", "[certificate]") {
  const auto cert = load_ok("proxy-ldap-first");
  REQUIRE(cert.ocsp_uris().size() == 2);
  CHECK(cert.ocsp_uris()[0].rfind("ldap://", 0) == 0);
  CHECK(cert.ocsp_uris()[1] == "http://127.0.0.1:" + test_port() + "/second");
  CHECK(cert.responder_url() == "http://127.0.0.1:" + test_port() + "/second");
}

TEST_CASE("proxy_certificate: subject, serial and validity", "[certificate]") {
  const auto cert = load_ok("proxy");
  CHECK_THAT(cert.subject(), Catch::Matchers::Contains("CN=proxy.test"));
  CHECK_THAT(cert.subject(), Catch::Matchers::Contains("O=libocsp tests"));

  INFO("serial " << cert.serial_hex());
  CHECK_FALSE(cert.serial_hex().empty());
  CHECK(is_upper_hex(cert.serial_hex()));
  CHECK(cert.serial_hex().rfind("00", 0) != 0);  // no leading zero byte

  CHECK(cert.not_before() < cert.not_after());
  // make-test-pki.sh issues the leaf certificates for exactly 825 days, starting now.
  CHECK(cert.not_after() - cert.not_before() == std::chrono::seconds(825LL * 24 * 60 * 60));
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  CHECK(cert.not_before() <= now);
  CHECK(now < cert.not_after());

  // Distinct certificates of the same CA have distinct serials.
  CHECK(load_ok("proxy-noaia").serial_hex() != cert.serial_hex());
}

TEST_CASE("proxy_certificate: der and issuer_der are the certificates' DER", "[certificate]") {
  const auto cert = load_ok("proxy");
  REQUIRE_FALSE(cert.der().empty());
  REQUIRE_FALSE(cert.issuer_der().empty());
  CHECK(cert.der().front() == 0x30);
  CHECK(cert.issuer_der().front() == 0x30);
  CHECK(cert.der() == first_pem_der(ocsp_test::read_text(pki_file("proxy"))));
  CHECK(cert.issuer_der() == first_pem_der(ocsp_test::read_text(pki_file("ca"))));
}

TEST_CASE("proxy_certificate: an issuer that did not issue the certificate is refused", "[certificate]") {
  SECTION("an unrelated CA") {
    const auto cert = ocsp::proxy_certificate::load(pki_file("proxy"), pki_file("other-ca"));
    REQUIRE_FALSE(cert.has_value());
    CHECK(cert.error().ocsp_code() == ocsp::errc::certificate_issuer_mismatch);
  }
  SECTION("swapped arguments: the CA as the certificate, the proxy as its issuer") {
    const auto cert = ocsp::proxy_certificate::load(pki_file("ca"), pki_file("proxy"));
    REQUIRE_FALSE(cert.has_value());
    CHECK(cert.error().ocsp_code() == ocsp::errc::certificate_issuer_mismatch);
  }
  SECTION("a leaf as the issuer of another leaf") {
    const auto cert = ocsp::proxy_certificate::load(pki_file("proxy"), pki_file("proxy-noaia"));
    REQUIRE_FALSE(cert.has_value());
    CHECK(cert.error().ocsp_code() == ocsp::errc::certificate_issuer_mismatch);
  }
}

TEST_CASE("proxy_certificate: text that is not a PEM certificate is invalid", "[certificate]") {
  const std::string proxy_pem = ocsp_test::read_text(pki_file("proxy"));
  const std::string ca_pem = ocsp_test::read_text(pki_file("ca"));

  SECTION("garbage as the certificate") {
    const auto cert = ocsp::proxy_certificate::from_pem("this is not a certificate", ca_pem);
    REQUIRE_FALSE(cert.has_value());
    CHECK(cert.error().ocsp_code() == ocsp::errc::certificate_invalid);
  }
  SECTION("garbage as the issuer") {
    const auto cert = ocsp::proxy_certificate::from_pem(proxy_pem, "this is not a certificate");
    REQUIRE_FALSE(cert.has_value());
    CHECK(cert.error().ocsp_code() == ocsp::errc::certificate_invalid);
  }
  SECTION("empty text") {
    const auto cert = ocsp::proxy_certificate::from_pem("", ca_pem);
    REQUIRE_FALSE(cert.has_value());
    CHECK(cert.error().ocsp_code() == ocsp::errc::certificate_invalid);
  }
  SECTION("a PEM block with a damaged body") {
    std::string damaged = proxy_pem;
    const auto body = damaged.find('\n') + 1;
    REQUIRE(body < damaged.size());
    damaged.replace(body, 40, std::string(40, '!'));
    const auto cert = ocsp::proxy_certificate::from_pem(damaged, ca_pem);
    REQUIRE_FALSE(cert.has_value());
    CHECK(cert.error().ocsp_code() == ocsp::errc::certificate_invalid);
  }
  SECTION("a garbage file names the file") {
    ocsp_test::temp_dir tmp;
    const fs::path garbage = tmp / "garbage.pem";
    ocsp_test::write_text(garbage, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
    const auto cert = ocsp::proxy_certificate::load(garbage, pki_file("ca"));
    REQUIRE_FALSE(cert.has_value());
    CHECK(cert.error().ocsp_code() == ocsp::errc::certificate_invalid);
    CHECK_THAT(cert.error().message, Catch::Matchers::Contains(garbage.string()));
  }
}

TEST_CASE("proxy_certificate: missing files are unreadable", "[certificate]") {
  ocsp_test::temp_dir tmp;
  const fs::path missing = tmp / "missing.pem";

  SECTION("missing certificate") {
    const auto cert = ocsp::proxy_certificate::load(missing, pki_file("ca"));
    REQUIRE_FALSE(cert.has_value());
    CHECK(cert.error().ocsp_code() == ocsp::errc::certificate_unreadable);
    CHECK_THAT(cert.error().message, Catch::Matchers::Contains(missing.string()));
  }
  SECTION("missing issuer") {
    const auto cert = ocsp::proxy_certificate::load(pki_file("proxy"), missing);
    REQUIRE_FALSE(cert.has_value());
    CHECK(cert.error().ocsp_code() == ocsp::errc::certificate_unreadable);
    CHECK_THAT(cert.error().message, Catch::Matchers::Contains(missing.string()));
  }
}

TEST_CASE("proxy_certificate: from_pem on the PEM texts equals load on the files", "[certificate]") {
  const auto from_text = ocsp::proxy_certificate::from_pem(ocsp_test::read_text(pki_file("proxy")),
                                                           ocsp_test::read_text(pki_file("ca")));
  REQUIRE(from_text.has_value());
  const auto& cert = from_text.value();
  const auto loaded = load_ok("proxy");
  CHECK(cert.der() == loaded.der());
  CHECK(cert.issuer_der() == loaded.issuer_der());
  CHECK(cert.responder_url() == loaded.responder_url());
  CHECK(cert.ocsp_uris() == loaded.ocsp_uris());
  CHECK(cert.subject() == loaded.subject());
  CHECK(cert.serial_hex() == loaded.serial_hex());
  CHECK(cert.not_before() == loaded.not_before());
  CHECK(cert.not_after() == loaded.not_after());
}

TEST_CASE("proxy_certificate: a PEM chain gives its first certificate", "[certificate]") {
  const std::string proxy_pem = ocsp_test::read_text(pki_file("proxy"));
  const std::string ca_pem = ocsp_test::read_text(pki_file("ca"));
  ocsp_test::temp_dir tmp;

  SECTION("proxy then CA") {
    const fs::path chain = tmp / "chain.pem";
    ocsp_test::write_text(chain, proxy_pem + ca_pem);
    const auto cert = ocsp::proxy_certificate::load(chain, pki_file("ca"));
    REQUIRE(cert.has_value());
    CHECK(cert.value().der() == first_pem_der(proxy_pem));
    CHECK_THAT(cert.value().subject(), Catch::Matchers::Contains("CN=proxy.test"));
    CHECK(cert.value().responder_url() == "http://127.0.0.1:" + test_port() + "/ocsp");
  }
  SECTION("CA then proxy: the (self-signed) CA is taken") {
    const fs::path chain = tmp / "reversed.pem";
    ocsp_test::write_text(chain, ca_pem + proxy_pem);
    const auto cert = ocsp::proxy_certificate::load(chain, pki_file("ca"));
    REQUIRE(cert.has_value());
    CHECK(cert.value().der() == first_pem_der(ca_pem));
    CHECK(cert.value().responder_url().empty());
  }
  SECTION("an issuer file holding a chain: its first certificate is the issuer") {
    const fs::path issuer_chain = tmp / "issuer-chain.pem";
    ocsp_test::write_text(issuer_chain, ca_pem + ocsp_test::read_text(pki_file("other-ca")));
    const auto cert = ocsp::proxy_certificate::load(pki_file("proxy"), issuer_chain);
    REQUIRE(cert.has_value());
    CHECK(cert.value().issuer_der() == first_pem_der(ca_pem));
  }
}

TEST_CASE("proxy_certificate: a directory or an oversized file is unreadable, not invalid", "[certificate]") {
  ocsp_test::temp_dir tmp;
  const auto as_dir = ocsp::proxy_certificate::load(tmp.path(), ocsp_test::pki_dir() / "ca.pem");
  REQUIRE_FALSE(as_dir);
  CHECK(as_dir.error().ocsp_code() == ocsp::errc::certificate_unreadable);
  CHECK_THAT(as_dir.error().message, Catch::Contains(tmp.path().string()));

  const auto big = tmp / "big.pem";
  ocsp_test::write_text(big, std::string((1 << 20) + 1, 'A'));
  const auto too_big = ocsp::proxy_certificate::load(ocsp_test::pki_dir() / "proxy.pem", big);
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().ocsp_code() == ocsp::errc::certificate_unreadable);
}
