// Everything the service needs to ask about one proxy certificate and to believe the answer, made
// once per certificate: the certificate and its issuer, the issuer decoded for verification
// (issuer_trust: its key is decoded here, never per response), and the certificate's CertID.
//
// `request` writes an OCSPRequest for it; `accept` turns a responder's DER into a cache entry
// after parsing and verifying it (verify.hpp), or says which check failed as
// invalid_ocsp_response with the reason in the message. The poller, the start-up reload of the
// cached answer and `ocspctl query` all go through `accept`, so they cannot disagree.
//
// Immutable; share it as std::shared_ptr<const proxy_identity> across threads.
#pragma once

#include "ocsp/certificate.hpp"
#include "ocsp/error.hpp"
#include "ocsp/request.hpp"
#include "ocsp/status_cache.hpp"
#include "ocsp/verify.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace ocsp {

class proxy_identity {
 public:
  /// errc::certificate_invalid when a certificate does not parse; ocsp_issuer_key_unsupported.
  static api_result<std::shared_ptr<const proxy_identity>> create(std::shared_ptr<const proxy_certificate> certificate,
                                                                   cert_id_hash hash = cert_id_hash::sha1);

  proxy_identity(const proxy_identity&) = delete;
  proxy_identity& operator=(const proxy_identity&) = delete;

  const proxy_certificate& certificate() const noexcept { return *certificate_; }
  const std::shared_ptr<const proxy_certificate>& certificate_ptr() const noexcept { return certificate_; }
  const issuer_trust& issuer() const noexcept { return issuer_; }
  /// The CertID (views into this object) and its DER.
  const cert_id& id() const noexcept { return id_; }
  const std::vector<std::uint8_t>& cert_id_der() const noexcept { return cert_id_der_; }

  /// A DER OCSPRequest for the certificate, with `nonce` (1..32 octets) when given.
  api_result<std::vector<std::uint8_t>> request(std::optional<der::bytes> nonce = std::nullopt) const;

  /// Parses and verifies `response_der` for this certificate at `options.now` and returns the
  /// entry to cache (status with responder_url set, the DER moved in, this CertID).
  /// errc::invalid_ocsp_response with the failed check in the message; the fine errc is the
  /// `reason` out-parameter when given.
  api_result<cache_entry> accept(std::vector<std::uint8_t> response_der, const verify_options& options,
                                 errc* reason = nullptr) const;

 private:
  proxy_identity(std::shared_ptr<const proxy_certificate> certificate, issuer_trust issuer) noexcept
      : certificate_(std::move(certificate)), issuer_(std::move(issuer)) {}

  std::shared_ptr<const proxy_certificate> certificate_;
  issuer_trust issuer_;
  cert_id_storage storage_{};
  cert_id id_{};
  std::vector<std::uint8_t> cert_id_der_;
};

/// The status object of a verified SingleResponse.
ocsp_status to_status(const verified_response& verified, std::string responder_url);

}  // namespace ocsp
