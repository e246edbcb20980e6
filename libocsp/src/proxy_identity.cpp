#include "ocsp/proxy_identity.hpp"

#include "ocsp/cert_view.hpp"
#include "ocsp/response.hpp"

#include <fmt/format.h>

namespace ocsp {

api_result<std::shared_ptr<const proxy_identity>> proxy_identity::create(
    std::shared_ptr<const proxy_certificate> certificate, cert_id_hash hash) {
  if (!certificate) return make_error(errc::internal_error, "proxy_identity needs a certificate");
  auto trust = issuer_trust::from_der(certificate->issuer_der());
  if (!trust) {
    return make_error(trust.error() == make_error_code(errc::ocsp_issuer_key_unsupported) ? errc::ocsp_issuer_key_unsupported
                                                                                        : errc::certificate_invalid,
                      fmt::format("the issuer certificate cannot be used to verify OCSP responses: {}",
                                  trust.error().message()));
  }
  // make_shared cannot reach the private constructor; the object is never copied or moved after
  // this, so the cert_id's views into storage_ and into the certificate stay valid.
  std::shared_ptr<proxy_identity> identity(new proxy_identity(std::move(certificate), std::move(trust).value()));
  const proxy_certificate& cert = *identity->certificate_;
  auto cert_view = parse_certificate(cert.der());
  auto issuer_view = parse_certificate(cert.issuer_der());
  if (!cert_view || !issuer_view) {
    return make_error(errc::certificate_invalid,
                      fmt::format("the {} certificate does not parse strictly: {}", !cert_view ? "proxy" : "issuer",
                                  (!cert_view ? cert_view.error() : issuer_view.error()).message()));
  }
  auto id = make_cert_id(cert_view.value(), issuer_view.value(), hash, identity->storage_);
  if (!id) {
    return make_error(id.error() == make_error_code(errc::certificate_issuer_mismatch) ? errc::certificate_issuer_mismatch
                                                                                     : errc::internal_error,
                      fmt::format("cannot build the proxy certificate's CertID: {}", id.error().message()));
  }
  identity->id_ = id.value();
  der::writer out;
  encode(out, identity->id_);
  auto encoded = out.take();
  if (!encoded) return make_error(errc::internal_error, "cannot encode the proxy certificate's CertID");
  identity->cert_id_der_ = std::move(encoded).value();
  return std::shared_ptr<const proxy_identity>(std::move(identity));
}

api_result<std::vector<std::uint8_t>> proxy_identity::request(std::optional<der::bytes> nonce) const {
  der::writer out;
  if (!write_ocsp_request(out, id_, nonce)) {
    return make_error(errc::internal_error, "cannot encode the OCSP request (a nonce must be 1 to 32 octets)");
  }
  auto encoded = out.take();
  if (!encoded) return make_error(errc::internal_error, "cannot encode the OCSP request");
  return std::move(encoded).value();
}

ocsp_status to_status(const verified_response& verified, std::string responder_url) {
  ocsp_status status;
  status.status = verified.single.status;
  status.responder_url = std::move(responder_url);
  status.produced_at = verified.produced_at;
  status.this_update = verified.single.this_update;
  status.next_update = verified.single.next_update;
  if (verified.single.status == cert_status::revoked) status.revocation_time = verified.single.revocation_time;
  return status;
}

api_result<cache_entry> proxy_identity::accept(std::vector<std::uint8_t> response_der, const verify_options& options,
                                               errc* reason) const {
  const auto fail = [&](const boost::system::error_code& code) -> api_result<cache_entry> {
    const errc fine = code.category() == error_category() ? static_cast<errc>(code.value()) : errc::internal_error;
    if (reason != nullptr) *reason = fine;
    std::string why = describe_verification_error(fine);
    if (why.empty()) why = code.message();
    return make_error(errc::invalid_ocsp_response,
                      fmt::format("the OCSP response for {} (serial {}) was rejected: {}", certificate_->subject(),
                                  certificate_->serial_hex(), why));
  };
  auto parsed = parse_ocsp_response(response_der);
  if (!parsed) return fail(parsed.error());
  auto verified = verify_response(parsed.value(), issuer_, id_, options);
  if (!verified) return fail(verified.error());
  cache_entry entry;
  entry.status = to_status(verified.value(), certificate_->responder_url());
  entry.cert_id_der = cert_id_der_;
  entry.response_der = std::move(response_der);  // the views above are not used past this point
  if (reason != nullptr) *reason = errc{};
  return entry;
}

}  // namespace ocsp
