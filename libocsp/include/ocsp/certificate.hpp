// The proxy certificate whose OCSP status the service keeps, together with its issuer.
//
// Loaded from PEM (a file may hold a chain: the first certificate is taken). Loading checks that
// the issuer really issued the certificate (name chaining and signature), since the OCSP CertID
// and every later verification depend on that pair. The responder URL is the first http(s) OCSP
// URI of the certificate's Authority Information Access extension, "" when it has none.
// Immutable once loaded: share it as std::shared_ptr<const proxy_certificate>.
#pragma once

#include "ocsp/error.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ocsp {

class proxy_certificate {
 public:
  /// Parses the certificate and its issuer from PEM text.
  /// errc::certificate_invalid, errc::certificate_issuer_mismatch.
  static api_result<proxy_certificate> from_pem(std::string_view cert_pem, std::string_view issuer_pem);

  /// Reads both PEM files, then as from_pem. errc::certificate_unreadable as well.
  static api_result<proxy_certificate> load(const std::filesystem::path& cert_file,
                                            const std::filesystem::path& issuer_file);

  /// DER of the certificate and of its issuer.
  const std::vector<std::uint8_t>& der() const noexcept { return der_; }
  const std::vector<std::uint8_t>& issuer_der() const noexcept { return issuer_der_; }

  /// The OCSP responder URL from the AIA extension, "" when there is none.
  const std::string& responder_url() const noexcept { return responder_url_; }
  /// Every OCSP URI of the AIA extension, in certificate order.
  const std::vector<std::string>& ocsp_uris() const noexcept { return ocsp_uris_; }

  /// The subject as an RFC 2253 string, for messages and logs.
  const std::string& subject() const noexcept { return subject_; }
  /// The serial number as upper-case hex without leading zero bytes.
  const std::string& serial_hex() const noexcept { return serial_hex_; }
  std::chrono::sys_seconds not_before() const noexcept { return not_before_; }
  std::chrono::sys_seconds not_after() const noexcept { return not_after_; }

 private:
  proxy_certificate() = default;

  std::vector<std::uint8_t> der_;
  std::vector<std::uint8_t> issuer_der_;
  std::string responder_url_;
  std::vector<std::string> ocsp_uris_;
  std::string subject_;
  std::string serial_hex_;
  std::chrono::sys_seconds not_before_{};
  std::chrono::sys_seconds not_after_{};
};

}  // namespace ocsp
