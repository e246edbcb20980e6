// Verification conformance: the `verification` and `signature_check` cases of
// shared/vectors/manifest.json that fit libocsp's issuer-based model (ocsp/verify.hpp: one issuer
// certificate, a target CertID or "every SingleResponse names the issuer", candidate signers from
// the response and from the caller, an injected checking time) must give the expected verdict.
//
// How a case maps:
// - `verification` (OCSP_basic_verify cases re-run with the openssl CLI): the trust file is the
//   issuer (issuer_trust), the untrusted files are the caller's extra signers, at_time is the
//   checking time, the target is the CertID of aws-lc/certs/rsa_cert.pem (the certificate of every
//   aws-lc response) under the response's hash. The verdict must equal `expected`; the table also
//   names the errc this library gives, so a reject for the wrong reason fails too.
// - `signature_check` (which key verifies tbsResponseData) maps where the issuer of the response's
//   CertIDs is among the vectors' certificates: verify_response_for_issuer at producedAt. Accept
//   exactly when the key that verifies is the issuer's, or a delegated signer's that passes the
//   delegation checks; the table gives the verdict and the reason.
//
// Mapped (file                                   case               verdict  errc):
//   aws-lc/ocsp_response.der                     nTestVectors       pass
//   aws-lc/ocsp_response.der                     OCSP_NOCHAIN       pass     (chain-building flag: the model builds no chain)
//   aws-lc/ocsp_response.der                     OCSP_NOEXPLICIT    pass     (trust-anchor flag: the issuer is the anchor)
//   aws-lc/ocsp_response_ca_signed.der           nTestVectors       pass
//   aws-lc/ocsp_response_revoked.der             nTestVectors       pass
//   aws-lc/ocsp_response_unknown.der             nTestVectors       pass
//   aws-lc/ocsp_response_sha256.der              nTestVectors       pass
//   aws-lc/ocsp_response_revoked_sha256.der      nTestVectors       pass
//   aws-lc/ocsp_response_unknown_sha256.der      nTestVectors       pass
//   aws-lc/ocsp_response_wrong_signer.der        nTestVectors       fail     ocsp_signer_not_authorized
//   aws-lc/ocsp_response_wrong_signer_sha256.der nTestVectors       fail     ocsp_signer_not_authorized
//   aws-lc/ocsp_response_expired_signer.der      nTestVectors       fail     ocsp_signer_not_authorized (no EKU; also expired)
//   aws-lc/ocsp_response_no_nonce.der            signature_check    pass     (embedded ocsp_cert.pem: OCSPSigning, issued by ca_cert)
//   pyca/resp-sha256.der                         signature_check    pass     (letsencryptx3.pem, the issuer, verifies)
//   pyca/resp-invalid-signature-oid.der          signature_check    fail     ocsp_unsupported_signature_algorithm
//   pyca/resp-revoked-no-next-update.der         signature_check    fail     ocsp_responder_id_mismatch (no key verifies)
//   pyca/resp-single-extension-reason.der        signature_check    fail     ocsp_responder_id_mismatch (no key verifies)
//   go/resp-gts1c3-good-responder-by-key.der     signature_check    pass     (gts-ca-1c3.pem, the issuer, verifies; byKey)
// Not applicable: see `not_applicable` below (each with its reason; the output lists them).
//
// The vectors are read from $OCSP_VECTORS_DIR and never copied; without them the suite exits 77.
#define CATCH_CONFIG_RUNNER
#include "manifest.hpp"

#include <ocsp/cert_view.hpp>
#include <ocsp/oids.hpp>
#include <ocsp/request.hpp>
#include <ocsp/response.hpp>
#include <ocsp/verify.hpp>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using ocsp::errc;

// A certificate file of the vectors (PEM or DER) as DER. PEM is decoded here (one certificate, base64).
std::vector<std::uint8_t> certificate_der(const std::string& file) {
  const auto raw = conformance::read_vector(file);
  const std::string text(raw.begin(), raw.end());
  const auto begin = text.find("-----BEGIN CERTIFICATE-----");
  if (begin == std::string::npos) return raw;
  const auto body = begin + 27, end = text.find("-----END CERTIFICATE-----", body);
  std::vector<std::uint8_t> out;
  unsigned bits = 0;
  int count = 0;
  for (std::size_t i = body; i < end; ++i) {
    const char c = text[i];
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    if (v < 0) continue;
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<std::uint8_t>((bits >> count) & 0xffU));
    }
  }
  return out;
}

struct mapped_case {
  const char* issuer;                 // the issuer certificate file
  const char* target;                 // the certificate whose CertID is the target; nullptr: for_issuer
  errc expected_errc;                 // errc{} for pass
  const char* why;
};

// Keyed by "file|source_case" (verification) or "file|signature_check".
const std::map<std::string, mapped_case> mapped{
    {"aws-lc/ocsp_response.der|nTestVectors",
     {"aws-lc/certs/ca_cert.pem", "aws-lc/certs/rsa_cert.pem", errc{}, "delegated ocsp_cert (OCSPSigning) embedded"}},
    {"aws-lc/ocsp_response.der|OCSP_NOCHAIN",
     {"aws-lc/certs/ca_cert.pem", "aws-lc/certs/rsa_cert.pem", errc{},
      "NOCHAIN only stops OpenSSL using embedded certs as chain intermediates; this model builds no chain"}},
    {"aws-lc/ocsp_response.der|OCSP_NOEXPLICIT",
     {"aws-lc/certs/ca_cert.pem", "aws-lc/certs/rsa_cert.pem", errc{},
      "NOEXPLICIT only skips OpenSSL's explicit-trust check of the chain root; here the issuer is the anchor"}},
    {"aws-lc/ocsp_response_ca_signed.der|nTestVectors",
     {"aws-lc/certs/ca_cert.pem", "aws-lc/certs/rsa_cert.pem", errc{}, "signed by the issuer"}},
    {"aws-lc/ocsp_response_revoked.der|nTestVectors",
     {"aws-lc/certs/ca_cert.pem", "aws-lc/certs/rsa_cert.pem", errc{}, "delegated signer, revoked status"}},
    {"aws-lc/ocsp_response_unknown.der|nTestVectors",
     {"aws-lc/certs/ca_cert.pem", "aws-lc/certs/rsa_cert.pem", errc{}, "delegated signer, unknown status"}},
    {"aws-lc/ocsp_response_sha256.der|nTestVectors",
     {"aws-lc/certs/ca_cert.pem", "aws-lc/certs/rsa_cert.pem", errc{}, "SHA-256 CertID"}},
    {"aws-lc/ocsp_response_revoked_sha256.der|nTestVectors",
     {"aws-lc/certs/ca_cert.pem", "aws-lc/certs/rsa_cert.pem", errc{}, "SHA-256 CertID, revoked"}},
    {"aws-lc/ocsp_response_unknown_sha256.der|nTestVectors",
     {"aws-lc/certs/ca_cert.pem", "aws-lc/certs/rsa_cert.pem", errc{}, "SHA-256 CertID, unknown"}},
    {"aws-lc/ocsp_response_wrong_signer.der|nTestVectors",
     {"aws-lc/certs/ca_cert.pem", "aws-lc/certs/rsa_cert.pem", errc::ocsp_signer_not_authorized,
      "signed by ecdsa_cert, issued by the CA but without OCSPSigning"}},
    {"aws-lc/ocsp_response_wrong_signer_sha256.der|nTestVectors",
     {"aws-lc/certs/ca_cert.pem", "aws-lc/certs/rsa_cert.pem", errc::ocsp_signer_not_authorized,
      "signed by ecdsa_cert, issued by the CA but without OCSPSigning"}},
    {"aws-lc/ocsp_response_expired_signer.der|nTestVectors",
     {"aws-lc/certs/ca_cert.pem", "aws-lc/certs/rsa_cert.pem", errc::ocsp_signer_not_authorized,
      "ocsp_expired_cert has no OCSPSigning (checked before its validity, which has also ended)"}},
    {"aws-lc/ocsp_response_no_nonce.der|signature_check",
     {"aws-lc/certs/ca_cert.pem", "aws-lc/certs/rsa_cert.pem", errc{},
      "the embedded cert that verifies is ocsp_cert.pem: OCSPSigning, issued and signed by ca_cert"}},
    {"pyca/resp-sha256.der|signature_check",
     {"pyca/certs/letsencryptx3.pem", nullptr, errc{}, "the issuer's key verifies (letsencryptx3.pem)"}},
    {"pyca/resp-invalid-signature-oid.der|signature_check",
     {"pyca/certs/letsencryptx3.pem", nullptr, errc::ocsp_unsupported_signature_algorithm,
      "no key verifies: the signatureAlgorithm OID is not a signature algorithm"}},
    {"pyca/resp-revoked-no-next-update.der|signature_check",
     {"pyca/certs/rapidssl_sha256_ca_g3.pem", nullptr, errc::ocsp_responder_id_mismatch,
      "no key verifies; the ResponderID (CN=Cryptography CA) names no certificate available"}},
    {"pyca/resp-single-extension-reason.der|signature_check",
     {"pyca/certs/rapidssl_sha256_ca_g3.pem", nullptr, errc::ocsp_responder_id_mismatch,
      "no key verifies; the ResponderID key hash is not the issuer's and no cert is embedded"}},
    {"go/resp-gts1c3-good-responder-by-key.der|signature_check",
     {"go/certs/gts-ca-1c3.pem", nullptr, errc{}, "the issuer's key verifies (gts-ca-1c3.pem, byKey)"}},
};

// Cases that do not fit the issuer-based model, and why.
const std::map<std::string, const char*> not_applicable{
    {"aws-lc/ocsp_response.der|OCSP_NOINTERN",
     "NOINTERN makes OpenSSL ignore the embedded certificates; this verifier always considers them"},
    {"aws-lc/ocsp_response.der|OCSP_TRUSTOTHER",
     "TRUSTOTHER trusts the untrusted certificates without checking them; this verifier never skips the delegation checks"},
    {"aws-lc/ocsp_response_wrong_signer.der|OCSP_NOVERIFY",
     "NOVERIFY skips the signer's certificate checks; this verifier never does"},
    {"aws-lc/ocsp_response_expired_signer.der|OCSP_NOVERIFY",
     "NOVERIFY skips the signer's certificate checks; this verifier never does"},
    {"aws-lc/ocsp_response_expired_signer.der|OCSP_TRUSTOTHER without the signer cert",
     "TRUSTOTHER is a trust option this verifier does not have (the verdict, fail, is also ours)"},
    {"aws-lc/ocsp_response_expired_signer.der|OCSP_TRUSTOTHER with the signer cert supplied",
     "TRUSTOTHER accepts an expired signer without checks; this verifier never skips them"},
    {"pyca/ocsp-army.deps.mil-resp.der|signature_check", "the issuer certificate of its CertIDs is not in the vectors"},
    {"pyca/resp-revoked.der|signature_check", "the issuer certificate of its CertID is not in the vectors"},
    {"pyca/resp-delegate-unknown-cert.der|signature_check", "the issuer certificate of its CertID is not in the vectors"},
    {"pyca/resp-unknown-hash-alg.der|signature_check",
     "the issuer certificate is not in the vectors (and the CertID hash OID is unknown)"},
    {"pyca/resp-responder-key-hash.der|signature_check", "the issuer certificate of its CertID is not in the vectors"},
    {"pyca/resp-revoked-reason.der|signature_check", "the issuer certificate of its CertID is not in the vectors"},
    {"pyca/resp-unknown-extension.der|signature_check", "the issuer certificate of its CertID is not in the vectors"},
    {"pyca/resp-sct-extension.der|signature_check", "the issuer certificate of its CertID is not in the vectors"},
    {"go/resp-startcom-good-no-certs.der|signature_check",
     "the issuer certificate of its CertID (startcom class 1 with this key) is not in the vectors"},
    {"go/resp-revoked-critical-single-extension.der|signature_check",
     "rejected by the parser before verification: version DEFAULT v1 encoded explicitly (BER, docs/codec.md)"},
    {"go/resp-revoked-single-extension-nonce.der|signature_check",
     "rejected by the parser before verification: version DEFAULT v1 encoded explicitly (BER, docs/codec.md)"},
    {"asn1crypto/ocsp_response.der|signature_check", "the issuer certificate of its CertID is not in the vectors"},
    {"go/reconstructed/req-signed-optional-signature.der|signature_check", "a request: this verifier checks responses"},
    {"aws-lc/ocsp_request_signed.der|signature_check", "a request: this verifier checks responses"},
    {"aws-lc/ocsp_request_signed_sha256.der|signature_check", "a request: this verifier checks responses"},
    {"aws-lc/ocsp_request_attached_cert.der|signature_check", "a request: this verifier checks responses"},
    {"aws-lc/ocsp_request_wrong_signer.der|signature_check", "a request: this verifier checks responses"},
    {"aws-lc/ocsp_request_expired_signer.der|signature_check", "a request: this verifier checks responses"},
    {"aws-lc/ocsp_request_expired_signer_no_certs.der|signature_check", "a request: this verifier checks responses"},
};

struct verification_case {
  std::string source_case;
  std::vector<std::string> untrusted;
  std::int64_t at_time = 0;
  std::string expected;  // pass | fail
};

struct vector_entry {
  std::string file;
  std::string kind;
  std::vector<verification_case> verification;
  bool signature_check = false;
};

// The fields this suite reads from each manifest vector.
void pick(vector_entry& e, std::string_view key, conformance::json_value value) {
  if (key == "file") {
    e.file = std::string(value.get_string().value());
  } else if (key == "kind") {
    e.kind = std::string(value.get_string().value());
  } else if (key == "signature_check") {
    e.signature_check = !value.is_null().value();
  } else if (key == "verification") {
    if (value.is_null().value()) return;
    for (auto c : value.get_array()) {
      verification_case vc;
      for (auto f : c.get_object()) {
        const std::string_view k = f.unescaped_key().value();
        if (k == "source_case") vc.source_case = std::string(f.value().get_string().value());
        else if (k == "at_time") vc.at_time = f.value().get_int64().value();
        else if (k == "expected") vc.expected = std::string(f.value().get_string().value());
        else if (k == "untrusted") {
          for (auto u : f.value().get_array()) vc.untrusted.emplace_back(std::string(u.get_string().value()));
        }
      }
      e.verification.push_back(std::move(vc));
    }
  }
}

struct outcome {
  bool pass = false;
  errc code{};
};

outcome run(const std::string& file, const mapped_case& m, std::optional<std::int64_t> at_time,
            const std::vector<std::string>& untrusted) {
  const auto der = conformance::read_vector(file);
  auto parsed = ocsp::parse_ocsp_response(der);
  if (!parsed) return {false, static_cast<errc>(parsed.error().value())};
  const auto issuer_der = certificate_der(m.issuer);
  auto trust = ocsp::issuer_trust::from_der(issuer_der);
  REQUIRE(trust);

  std::vector<std::vector<std::uint8_t>> extra_der;
  for (const auto& u : untrusted) extra_der.push_back(certificate_der(u));
  std::vector<ocsp::der::bytes> extra(extra_der.begin(), extra_der.end());

  ocsp::verify_options options;
  options.now = at_time ? std::chrono::sys_seconds(std::chrono::seconds(*at_time)) : parsed.value().basic->produced_at;
  options.extra_signers = extra;

  if (m.target == nullptr) {
    auto v = ocsp::verify_response_for_issuer(parsed.value(), trust.value(), options);
    return {bool(v), v ? errc{} : static_cast<errc>(v.error().value())};
  }
  const auto target_der = certificate_der(m.target);
  const auto target_view = ocsp::parse_certificate(target_der).value();
  const auto issuer_view = ocsp::parse_certificate(issuer_der).value();
  const bool sha256 = ocsp::oid::equal(parsed.value().basic->responses.begin()->id.hash_algorithm, ocsp::oid::sha256);
  ocsp::cert_id_storage storage;
  const auto target =
      ocsp::make_cert_id(target_view, issuer_view, sha256 ? ocsp::cert_id_hash::sha256 : ocsp::cert_id_hash::sha1, storage)
          .value();
  auto v = ocsp::verify_response(parsed.value(), trust.value(), target, options);
  return {bool(v), v ? errc{} : static_cast<errc>(v.error().value())};
}

std::string name_of(errc e) { return e == errc{} ? "success" : ocsp::make_error_code(e).message(); }

}  // namespace

TEST_CASE("verification conformance: manifest verification and signature_check cases", "[conformance]") {
  const auto vectors = conformance::load_manifest<vector_entry>(pick);
  REQUIRE(vectors.size() > 0);
  int mapped_count = 0, skipped = 0;
  const auto check_mapped = [&](const std::string& key, const std::string& file, const mapped_case& m,
                                std::optional<std::int64_t> at_time, const std::vector<std::string>& untrusted,
                                bool expected_pass) {
    const outcome ours = run(file, m, at_time, untrusted);
    INFO(key << ": expected " << (expected_pass ? "pass" : "fail") << " (" << m.why << "); ours "
             << (ours.pass ? "pass" : "fail") << " (" << name_of(ours.code) << ")");
    CHECK(ours.pass == expected_pass);
    CHECK(ours.code == m.expected_errc);
    std::printf("  mapped   %-70s expected %s, ours %s (%s)\n", key.c_str(), expected_pass ? "pass" : "fail",
                ours.pass ? "pass" : "fail", name_of(ours.code).c_str());
    ++mapped_count;
  };
  const auto lookup = [&](const std::string& key) -> const mapped_case* {
    const auto found = mapped.find(key);
    if (found != mapped.end()) return &found->second;
    const auto na = not_applicable.find(key);
    if (na == not_applicable.end()) {
      FAIL_CHECK(key << ": a case with no decision: map it or say why it does not apply");
      return nullptr;
    }
    std::printf("  n/a      %-70s %s\n", key.c_str(), na->second);
    ++skipped;
    return nullptr;
  };

  std::printf("verification conformance:\n");
  for (const vector_entry& v : vectors) {
    for (const verification_case& c : v.verification) {
      const std::string key = v.file + "|" + c.source_case;
      if (const mapped_case* m = lookup(key)) {
        CHECK((c.expected == "pass" || c.expected == "fail"));
        check_mapped(key, v.file, *m, c.at_time, c.untrusted, c.expected == "pass");
      }
    }
    // A signature_check case of a vector whose verification cases are mapped above is covered there.
    if (v.signature_check && v.verification.empty()) {
      const std::string key = v.file + "|signature_check";
      if (const mapped_case* m = lookup(key)) check_mapped(key, v.file, *m, std::nullopt, {}, m->expected_errc == errc{});
    }
  }
  std::printf("verification conformance: %d cases mapped, %d not applicable\n", mapped_count, skipped);
  CHECK(mapped_count == static_cast<int>(mapped.size()));
  CHECK(skipped == static_cast<int>(not_applicable.size()));
}

int main(int argc, char** argv) {
  if (!conformance::vectors_available()) return conformance::exit_skipped;
  return Catch::Session().run(argc, argv);
}
