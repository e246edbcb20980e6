// OCSP response verification against OpenSSL 3, on shared/perf-fixtures.
//
//   bench_verify FIXTURES_DIR [--iterations N] [--rounds R]
//
// Each call is what a client does with a response it has just received: parse it and verify it
// completely for one certificate (the first CertID of the fixture's request file), at the
// fixture's producedAt, with the request's nonce where it has one.
//   libocsp: parse_ocsp_response + verify_response (issuer_trust made once, outside the loop).
//   OpenSSL: d2i_OCSP_RESPONSE + OCSP_response_get1_basic + OCSP_basic_verify(bs, certs={issuer},
//     store={issuer}, flags=0) + OCSP_resp_find_status + the thisUpdate/nextUpdate checks at the
//     same time (ASN1_TIME_cmp_time_t: OCSP_check_validity reads the wall clock) + OCSP_check_nonce.
//     The store holds the issuer only, with X509_V_FLAG_PARTIAL_CHAIN and the verification time set
//     to producedAt: the issuer is the trust anchor, as in libocsp's issuer-based model (no root,
//     no chain above the issuer). certs={issuer} lets OCSP_basic_verify find the issuer as the
//     signer of issuer-signed responses (it looks for signers in `certs` and the embedded certs
//     only). flags=0: every check on (the signer's chain and validity, the delegation EKU).
//   Floor: the EVP_DigestVerifyInit_ex + EVP_DigestVerify calls that any verifier of the fixture
//     must make (the response's signature, plus the delegated certificate's), with keys decoded
//     beforehand: the cost of the signatures alone.
// Rounds interleave the contenders; figures are medians. Allocations are counted per call: C++
// through operator new, OpenSSL through CRYPTO_set_mem_functions.
#include "bench_support.hpp"

#include <ocsp/cert_view.hpp>
#include <ocsp/oids.hpp>
#include <ocsp/request.hpp>
#include <ocsp/response.hpp>
#include <ocsp/verify.hpp>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>
#include <optional>
#include <string>

// C++ allocations are counted by counting_new.cpp's operator new (CMakeLists.txt links it).

namespace {

using bench::bytes;

// A signature the verification must check: for the floor.
struct signature_work {
  EVP_PKEY* key = nullptr;
  ocsp::der::bytes data, signature;
};

struct fixture {
  std::string name, signer;
  bytes response, request, issuer_der;
  // libocsp
  std::optional<ocsp::issuer_trust> trust;
  ocsp::cert_id target;
  ocsp::verify_options options;
  // OpenSSL
  X509* issuer = nullptr;
  STACK_OF(X509)* certs = nullptr;
  X509_STORE* store = nullptr;
  OCSP_REQUEST* req = nullptr;
  OCSP_CERTID* id = nullptr;
  bool has_nonce = false;
  // floor
  std::vector<EVP_PKEY*> keys;
  std::vector<signature_work> signatures;
  bytes signer_der;
};

EVP_PKEY* decode_key(ocsp::der::bytes spki) {
  const unsigned char* p = spki.data();
  return d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
}

bool prepare(fixture& f) {
  // libocsp
  auto trust = ocsp::issuer_trust::from_der(f.issuer_der);
  if (!trust) return false;
  f.trust = trust.value();
  auto request = ocsp::parse_ocsp_request(f.request);
  auto response = ocsp::parse_ocsp_response(f.response);
  if (!request || !response || !response.value().basic) return false;
  f.target = request.value().requests.begin()->id;
  f.options.now = response.value().basic->produced_at;
  f.options.nonce = request.value().nonce();
  f.has_nonce = f.options.nonce.has_value();

  // OpenSSL
  const unsigned char* p = f.issuer_der.data();
  f.issuer = d2i_X509(nullptr, &p, static_cast<long>(f.issuer_der.size()));
  f.certs = sk_X509_new_null();
  sk_X509_push(f.certs, f.issuer);
  f.store = X509_STORE_new();
  X509_STORE_add_cert(f.store, f.issuer);
  X509_VERIFY_PARAM* param = X509_STORE_get0_param(f.store);
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(f.options.now.time_since_epoch().count()));
  p = f.request.data();
  f.req = d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(f.request.size()));
  if (f.issuer == nullptr || f.req == nullptr) return false;
  f.id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(f.req, 0));

  // The floor: the response's signature with the signer's key, and the delegated certificate's
  // signature with the issuer's.
  const ocsp::basic_response& basic = *response.value().basic;
  const auto issuer_view = ocsp::parse_certificate(f.issuer_der).value();
  EVP_PKEY* issuer_key = decode_key(issuer_view.subject_public_key_info);
  f.keys.push_back(issuer_key);
  if (basic.certs.empty()) {
    f.signer = "issuer";
    f.signatures.push_back({issuer_key, basic.tbs_response_data, basic.signature.bits});
  } else {
    f.signer = "delegated";
    const ocsp::der::bytes cert = *basic.certs.begin();
    const auto view = ocsp::parse_certificate(cert).value();
    EVP_PKEY* signer_key = decode_key(view.subject_public_key_info);
    f.keys.push_back(signer_key);
    f.signatures.push_back({issuer_key, view.tbs_certificate, view.signature.bits});
    f.signatures.push_back({signer_key, basic.tbs_response_data, basic.signature.bits});
  }
  // Both fixture PKIs sign with SHA-256 (sha256WithRSAEncryption, ecdsa-with-SHA256).
  return ocsp::oid::equal(basic.signature_algorithm, ocsp::oid::sha256_with_rsa) ||
         ocsp::oid::equal(basic.signature_algorithm, ocsp::oid::ecdsa_with_sha256);
}

// --- the contenders -------------------------------------------------------------------------------

std::uint64_t verify_ours(const fixture& f) {
  auto parsed = ocsp::parse_ocsp_response(f.response);
  if (!parsed) std::abort();
  auto verified = ocsp::verify_response(parsed.value(), *f.trust, f.target, f.options);
  if (!verified) std::abort();
  return static_cast<std::uint64_t>(verified.value().single.status) + 1;
}

std::uint64_t verify_openssl(const fixture& f) {
  const unsigned char* p = f.response.data();
  OCSP_RESPONSE* resp = d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(f.response.size()));
  if (resp == nullptr || OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) std::abort();
  OCSP_BASICRESP* bs = OCSP_response_get1_basic(resp);
  if (bs == nullptr || OCSP_basic_verify(bs, f.certs, f.store, 0) != 1) std::abort();
  int status = 0, reason = 0;
  ASN1_GENERALIZEDTIME *revoked = nullptr, *this_update = nullptr, *next_update = nullptr;
  if (OCSP_resp_find_status(bs, f.id, &status, &reason, &revoked, &this_update, &next_update) != 1) std::abort();
  const time_t now = static_cast<time_t>(f.options.now.time_since_epoch().count()), skew = 300;
  if (ASN1_TIME_cmp_time_t(this_update, now + skew) > 0) std::abort();
  if (next_update != nullptr && ASN1_TIME_cmp_time_t(next_update, now - skew) < 0) std::abort();
  if (f.has_nonce && OCSP_check_nonce(f.req, bs) != 1) std::abort();
  OCSP_BASICRESP_free(bs);
  OCSP_RESPONSE_free(resp);
  return static_cast<std::uint64_t>(status) + 1;
}

std::uint64_t verify_floor(const fixture& f) {
  static EVP_MD_CTX* const ctx = EVP_MD_CTX_new();
  std::uint64_t ok = 0;
  for (const signature_work& s : f.signatures) {
    EVP_MD_CTX_reset(ctx);
    if (EVP_DigestVerifyInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, s.key, nullptr) != 1 ||
        EVP_DigestVerify(ctx, s.signature.data(), s.signature.size(), s.data.data(), s.data.size()) != 1) {
      std::abort();
    }
    ++ok;
  }
  return ok;
}

struct row {
  std::string name, signer;
  std::size_t size = 0;
  double ours = 0, openssl = 0, floor = 0, ours_allocs = 0, openssl_allocs = 0, floor_allocs = 0;
};

}  // namespace

int main(int argc, char** argv) {
  bench::count_openssl_allocations();  // before OpenSSL allocates anything
  const bench::options args = bench::parse_options(argc, argv, 2000);
  const std::filesystem::path& dir = args.fixtures;
  const int iterations = args.iterations, rounds = args.rounds;
  std::vector<std::unique_ptr<fixture>> fixtures;
  for (const auto& cols : bench::manifest_rows(dir)) {
    auto f = std::make_unique<fixture>();
    f->name = cols[0];
    f->response = bench::read_file(dir / cols[3]);
    f->request = bench::read_file(dir / cols[4]);
    f->issuer_der = bench::pem_certificate_der(dir / cols[5]);
    if (!prepare(*f)) {
      std::fprintf(stderr, "%s: cannot prepare the fixture\n", f->name.c_str());
      return 1;
    }
    fixtures.push_back(std::move(f));
  }

  std::vector<row> rows;
  for (const auto& fp : fixtures) {
    const fixture& f = *fp;
    // Sanity: both contenders accept, with the same status (verify_* abort otherwise).
    if (verify_ours(f) != verify_openssl(f)) {
      std::fprintf(stderr, "%s: libocsp and OpenSSL disagree on the status\n", f.name.c_str());
      return 1;
    }
    std::vector<double> ours, openssl, floor;
    bench::measurement last_ours{}, last_openssl{}, last_floor{};
    for (int r = 0; r < rounds; ++r) {
      last_ours = bench::measure(iterations, [&] { return verify_ours(f); });
      last_openssl = bench::measure(iterations, [&] { return verify_openssl(f); });
      last_floor = bench::measure(iterations, [&] { return verify_floor(f); });
      ours.push_back(last_ours.ns);
      openssl.push_back(last_openssl.ns);
      floor.push_back(last_floor.ns);
    }
    rows.push_back({f.name, f.signer, f.response.size(), bench::median(ours), bench::median(openssl),
                    bench::median(floor), last_ours.allocs, last_openssl.allocs, last_floor.allocs});
  }

  std::printf("### Response parse + full verification (median of %d rounds x %d calls)\n\n", rounds, iterations);
  std::printf("libocsp: parse_ocsp_response + verify_response. OpenSSL: d2i_OCSP_RESPONSE + OCSP_response_get1_basic +\n"
              "OCSP_basic_verify (issuer as the only trust anchor, X509_V_FLAG_PARTIAL_CHAIN, flags 0) +\n"
              "OCSP_resp_find_status + time checks + OCSP_check_nonce. Floor: the EVP signature verifications alone\n"
              "(1 for an issuer-signed response, 2 for a delegated signer), keys decoded beforehand.\n\n");
  std::printf("| fixture | signer | bytes | libocsp ns | OpenSSL ns | x OpenSSL | floor ns | libocsp / floor | allocs libocsp | allocs OpenSSL | allocs floor |\n");
  std::printf("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const row& r : rows) {
    std::printf("| %s | %s | %zu | %.0f | %.0f | %.2fx | %.0f | %.2fx | %.1f | %.1f | %.1f |\n", r.name.c_str(),
                r.signer.c_str(), r.size, r.ours, r.openssl, r.openssl / r.ours, r.floor, r.ours / r.floor,
                r.ours_allocs, r.openssl_allocs, r.floor_allocs);
  }

  for (auto& f : fixtures) {
    for (EVP_PKEY* k : f->keys) EVP_PKEY_free(k);
    OCSP_REQUEST_free(f->req);
    X509_STORE_free(f->store);
    sk_X509_free(f->certs);
    X509_free(f->issuer);
  }
  return 0;
}
