// Responses encoded by libocsp, signed with the test CA's key, verified by the real openssl CLI
// (`openssl ocsp -respin ... -CAfile ca.pem`): the encoder writes what OpenSSL accepts as signed
// OCSP, not only what our own parser reads back.
#include "support.hpp"

#include <ocsp/cert_view.hpp>
#include <ocsp/request.hpp>
#include <ocsp/response.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace std::chrono;
using bytes = std::vector<std::uint8_t>;

// ecdsa-with-SHA256 (1.2.840.10045.4.3.2): the test CA's keys are P-256.
constexpr std::array<std::uint8_t, 8> ecdsa_with_sha256{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};

bytes sign(const std::filesystem::path& key_file, ocsp::der::bytes data) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(key_file.c_str(), "r"), std::fclose);
  REQUIRE(f);
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr),
                                                     EVP_PKEY_free);
  REQUIRE(key);
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1);
  std::size_t size = 0;
  REQUIRE(EVP_DigestSign(ctx.get(), nullptr, &size, data.data(), data.size()) == 1);
  bytes signature(size);
  REQUIRE(EVP_DigestSign(ctx.get(), signature.data(), &size, data.data(), data.size()) == 1);
  signature.resize(size);
  return signature;
}

std::string run(const std::string& command) {
  std::string output;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen((command + " 2>&1").c_str(), "r"), ::pclose);
  REQUIRE(pipe);
  std::array<char, 512> chunk{};
  while (std::fgets(chunk.data(), chunk.size(), pipe.get()) != nullptr) output += chunk.data();
  return output;
}

struct built_response {
  bytes der;
};

// Builds, signs and encodes a one-SingleResponse OCSPResponse about the proxy certificate.
built_response build(ocsp::cert_status status, bool by_key, bool corrupt_signature) {
  const auto pki = ocsp_test::pki_dir();
  const auto proxy_pem = ocsp_test::load_pki_cert("proxy");  // DER of proxy and its issuer
  const auto proxy = ocsp::parse_certificate(proxy_pem->der()).value();
  const auto issuer = ocsp::parse_certificate(proxy_pem->issuer_der()).value();
  ocsp::cert_id_storage storage;
  const ocsp::cert_id id = ocsp::make_cert_id(proxy, issuer, ocsp::cert_id_hash::sha1, storage).value();

  const sys_seconds now = floor<seconds>(system_clock::now());
  ocsp::single_response single;
  single.id = id;
  single.status = status;
  single.this_update = now - minutes(5);
  single.next_update = now + hours(24);
  if (status == ocsp::cert_status::revoked) {
    single.revocation_time = now - hours(48);
    single.reason = ocsp::revocation_reason::key_compromise;
  }
  ocsp::der::writer singles;
  ocsp::encode(singles, single);
  const auto singles_der = singles.finish().value();

  ocsp::basic_response basic;
  basic.responder.type = by_key ? ocsp::responder_id::kind::by_key : ocsp::responder_id::kind::by_name;
  // by key: SHA-1 of the issuer's public key bits, which is exactly the SHA-1 CertID's issuerKeyHash.
  basic.responder.value = by_key ? id.issuer_key_hash : issuer.subject;
  basic.produced_at = now;
  basic.responses = ocsp::single_response_list(ocsp::der::reader(singles_der), 1);
  basic.signature_algorithm = ecdsa_with_sha256;

  ocsp::der::writer tbs;
  ocsp::encode_tbs_response_data(tbs, basic);
  bytes signature = sign(pki / "ca.key", tbs.finish().value());
  if (corrupt_signature) signature[signature.size() / 2] ^= 0x01;
  basic.signature = ocsp::der::bit_string{signature, 0};

  ocsp::der::writer out;
  ocsp::encode(out, ocsp::ocsp_response{ocsp::response_status::successful, basic});
  auto encoded = out.take();
  REQUIRE(encoded);

  // Our own parser agrees, and the signed bytes are the ones we signed.
  auto reparsed = ocsp::parse_ocsp_response(encoded.value());
  REQUIRE(reparsed);
  CHECK(reparsed.value().basic->responses.size() == 1);
  return {std::move(encoded).value()};
}

std::string verify_with_openssl(const built_response& r, const ocsp_test::temp_dir& dir) {
  const auto pki = ocsp_test::pki_dir();
  const auto file = dir / "resp.der";
  {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(r.der.data()), static_cast<std::streamsize>(r.der.size()));
  }
  return run("openssl ocsp -respin '" + file.string() + "' -issuer '" + (pki / "ca.pem").string() + "' -CAfile '" +
             (pki / "ca.pem").string() + "' -cert '" + (pki / "proxy.pem").string() + "'");
}

}  // namespace

TEST_CASE("openssl verifies responses libocsp encodes", "[interop][response][openssl]") {
  ocsp_test::temp_dir dir;
  for (bool by_key : {false, true}) {
    INFO((by_key ? "responder by key" : "responder by name"));
    const std::string good = verify_with_openssl(build(ocsp::cert_status::good, by_key, false), dir);
    INFO(good);
    CHECK_THAT(good, Catch::Contains("Response verify OK"));
    CHECK_THAT(good, Catch::Contains("proxy.pem: good"));

    const std::string revoked = verify_with_openssl(build(ocsp::cert_status::revoked, by_key, false), dir);
    INFO(revoked);
    CHECK_THAT(revoked, Catch::Contains("Response verify OK"));
    CHECK_THAT(revoked, Catch::Contains("proxy.pem: revoked"));
    CHECK_THAT(revoked, Catch::Contains("keyCompromise"));
  }
}

TEST_CASE("openssl rejects a libocsp-encoded response whose signature was tampered with", "[interop][response][openssl]") {
  ocsp_test::temp_dir dir;
  const std::string out = verify_with_openssl(build(ocsp::cert_status::good, false, true), dir);
  INFO(out);
  CHECK_THAT(out, !Catch::Contains("Response verify OK"));
  CHECK_THAT(out, Catch::Contains("Response Verify Failure"));
}
