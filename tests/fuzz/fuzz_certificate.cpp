// libFuzzer target: the zero-copy certificate view and every extension accessor.
#include <ocsp/cert_view.hpp>
#include <ocsp/oids.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto cert = ocsp::parse_certificate(ocsp::der::bytes(data, size));
  if (!cert) return 0;
  const auto& c = cert.value();
  (void)ocsp::first_ocsp_http_uri(c);
  (void)ocsp::has_extended_key_usage(c, ocsp::oid::kp_ocsp_signing);
  (void)ocsp::has_ocsp_nocheck(c);
  (void)ocsp::key_usage(c);
  (void)ocsp::must_staple(c);
  if (c.extensions) {
    for (const auto& ext : *c.extensions) (void)ext;
  }
  return 0;
}
