// OCSP response verification (RFC 6960 3.2 and 4.2.2.2, the contract's "Verification" section).
//
// An `issuer_trust` is the issuer of the certificates whose status is checked: its certificate,
// decoded once (its public key as an OpenSSL key, its Name, its key hashes), then reused for every
// response. `verify_response` accepts a parsed response only if, in this order:
//   1. responseStatus is successful                               ocsp_response_not_successful
//   2. no response extension and no extension of the matching SingleResponse is critical and unknown
//      (the nonce, in responseExtensions, is the only one known)   ocsp_unknown_critical_extension
//   3. the signer is found by the ResponderID (byName: the Name equals the candidate's subject;
//      byKey: the SHA-1 of the candidate's subjectPublicKey bits) among the issuer itself, the
//      response's embedded certs and the caller's extra certificates, the first match in that
//      order                                                      ocsp_responder_id_mismatch
//   4. a delegated signer (any signer other than the issuer) names the issuer as its issuer and its
//      certificate's signature verifies with the issuer's key     ocsp_signer_not_issued_by_issuer
//      carries id-kp-OCSPSigning in extendedKeyUsage              ocsp_signer_not_authorized
//      and is within notBefore..notAfter at the checking time     ocsp_signer_not_valid
//      (a certificate signature algorithm this library does not verify: ocsp_unsupported_signature_algorithm)
//   5. the signature over the exact tbsResponseData bytes verifies with the signer's key
//      (RSA PKCS#1 v1.5 with SHA-1/224/256/384/512, RSA-PSS, ECDSA P-256/P-384/P-521 with
//      SHA-1/224/256/384/512, Ed25519)  ocsp_unsupported_signature_algorithm, ocsp_bad_signature
//      (a key that cannot make the named algorithm's signatures, e.g. an EC key under
//      sha256WithRSAEncryption, is ocsp_bad_signature)
//   6. a SingleResponse matches the target CertID: hash algorithm, issuer name hash, issuer key
//      hash and serial (others are ignored); a target that does not name this issuer
//      (issuer_trust::issued) matches nothing                     ocsp_cert_id_not_found
//   7. thisUpdate <= now + skew                                   ocsp_response_not_yet_valid
//      nextUpdate, where present, >= now - skew                   ocsp_response_expired
//   8. when a nonce was sent, the response carries exactly that nonce, once   ocsp_nonce_mismatch
// The first failing check answers; each has its own errc, which the API maps to
// invalid_ocsp_response with the check named in the message (`describe_verification_error`).
// docs/verification.md says what is not checked (the signer's revocation, id-pkix-ocsp-nocheck,
// the issuer's own validity and chain).
//
// Thread-safe: an issuer_trust is immutable and may be shared by any number of threads.
#pragma once

#include "ocsp/der.hpp"
#include "ocsp/error.hpp"
#include "ocsp/ocsp_types.hpp"
#include "ocsp/response.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ocsp {

/// The issuer certificate, decoded once for verification. Cheap to copy (shared, immutable).
class issuer_trust {
 public:
  /// From one DER Certificate. errc::certificate_invalid (and der_*) for a bad certificate,
  /// errc::ocsp_issuer_key_unsupported for a key OpenSSL cannot decode.
  static result<issuer_trust> from_der(der::bytes der);
  /// From PEM text; the first certificate is taken. errc::certificate_invalid.
  static result<issuer_trust> from_pem(std::string_view pem);

  /// The issuer's certificate (DER), its subject Name (DER) and its subjectPublicKey bits.
  der::bytes der() const noexcept;
  der::bytes subject() const noexcept;
  der::bytes public_key() const noexcept;

  /// Whether `id` names this issuer: its hash algorithm is SHA-1, SHA-256, SHA-384 or SHA-512
  /// and both issuer hashes are this issuer's under it.
  bool issued(const cert_id& id) const noexcept;

  struct impl;

 private:
  explicit issuer_trust(std::shared_ptr<const impl> state) noexcept : impl_(std::move(state)) {}
  std::shared_ptr<const impl> impl_;
  friend struct issuer_trust_access;
};

struct verify_options {
  /// The checking time (an injected clock's now).
  std::chrono::sys_seconds now{};
  /// Tolerated clock difference for thisUpdate and nextUpdate.
  std::chrono::seconds skew{std::chrono::minutes(5)};
  /// The nonce sent with the request (the OCTET STRING contents); when set the response must
  /// carry the same one.
  std::optional<der::bytes> nonce;
  /// Further candidate signers (DER certificates) besides the response's embedded certs, for
  /// responders that do not embed their delegated certificate (`ocspctl verify --signer-certs`).
  std::span<const der::bytes> extra_signers{};
};

/// Who signed a verified response.
enum class signer_kind : std::uint8_t { issuer, delegated };

/// The verified answer for one certificate; byte views point into the response's DER.
struct verified_response {
  single_response single;                  // the SingleResponse that matched the target
  std::chrono::sys_seconds produced_at{};
  signer_kind signer = signer_kind::issuer;
  der::bytes signer_certificate;           // the delegated signer's DER; empty when the issuer signed
};

/// Verifies `response` for the certificate whose CertID is `target` (make_cert_id with the same
/// issuer). The errors are listed at the top of this file.
result<verified_response> verify_response(const ocsp_response& response, const issuer_trust& issuer,
                                          const cert_id& target, const verify_options& options);

/// Verifies `response` without a target certificate: checks 1-5 and 7-8 as above, and in check
/// 6's place every SingleResponse must name `issuer` (issuer_trust::issued), else
/// ocsp_cert_id_not_found. Checks 2 and 7 apply to every SingleResponse. Returns one
/// verified_response per SingleResponse, in response order.
result<std::vector<verified_response>> verify_response_for_issuer(const ocsp_response& response,
                                                                  const issuer_trust& issuer,
                                                                  const verify_options& options);

/// A sentence naming the failed check, for the API message and ocspctl ("the response's signature
/// does not verify with the delegated signer's key"); "" for an errc that is not a verification
/// or parse error.
std::string describe_verification_error(errc e);

}  // namespace ocsp
