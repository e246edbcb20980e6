// A C++ service using libocsp in-process through the direct adapter.
//
//   ocsp_direct_example STATE_DIR PROXY_CERT_PEM ISSUER_CERT_PEM
//
// Loads the proxy certificate, opens (or creates) the state directory, and walks through the OCSP
// API as an admin and as a db_viewer, printing every request and its answer. The configuration it
// sets is stored durably, so a second run starts from it.
#include <ocsp/direct/client.hpp>
#include <ocsp/service.hpp>
#include <ocsp/state_dir.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace {

void show(const char* what, const ocsp::response& r) {
  std::printf("  %-40s -> %u %s\n", what, r.status, r.body.c_str());
}

int fail(const ocsp::error_info& e) {
  std::fprintf(stderr, "error: %s\n", e.message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s STATE_DIR PROXY_CERT_PEM ISSUER_CERT_PEM\n", argv[0]);
    return 2;
  }
  auto cert = ocsp::proxy_certificate::load(argv[2], argv[3]);
  if (!cert) return fail(cert.error());
  const ocsp::proxy_certificate& proxy = cert.value();
  std::printf("proxy certificate: %s (serial %s)\n  OCSP responder URL from its AIA extension: %s\n",
              proxy.subject().c_str(), proxy.serial_hex().c_str(), proxy.responder_url().c_str());

  auto dir = ocsp::state_directory::open(argv[1]);
  if (!dir) return fail(dir.error());
  auto state = std::make_shared<ocsp::state_directory>(std::move(dir).value());
  auto svc = ocsp::service::create({
      .store = std::make_shared<ocsp::file_config_store>(state),
      .certificate = std::make_shared<const ocsp::proxy_certificate>(proxy),
  });
  if (!svc) return fail(svc.error());
  std::printf("state directory %s opened; configuration loaded from %s\n", argv[1],
              std::string(ocsp::file_config_store::file_name).c_str());

  ocsp::service& service = *svc.value();
  ocsp::direct::client admin(service, {"example-admin", ocsp::role::admin});
  ocsp::direct::client viewer(service, {"example-viewer", ocsp::role::db_viewer});

  std::printf("\nrequests through the router, as the HTTP adapter sends them:\n");
  show("admin GET /v1/ocsp", admin.call("GET", "/v1/ocsp"));
  show("admin PUT {\"query_frequency\":59}", admin.call("PUT", "/v1/ocsp", R"({"query_frequency":59})"));
  show("admin PUT {\"ocsp_functionality\":true,...}",
       admin.call("PUT", "/v1/ocsp", R"({"ocsp_functionality":true,"query_frequency":300,"response_timeout":2})"));
  show("db_viewer GET /v1/ocsp", viewer.call("GET", "/v1/ocsp"));
  show("admin GET /v1/ocsp/status", admin.call("GET", "/v1/ocsp/status"));
  show("admin POST /v1/ocsp/test", admin.call("POST", "/v1/ocsp/test"));
  show("admin DELETE /v1/ocsp", admin.call("DELETE", "/v1/ocsp"));

  std::printf("\ntyped calls:\n");
  auto typed = admin.put_config(ocsp::config_patch{.recovery_max_tries = 7});
  if (!typed) return fail(typed.error());
  std::printf("  put_config(recovery_max_tries = 7)        -> query_frequency %lld, recovery_max_tries %lld\n",
              static_cast<long long>(typed.value().config.query_frequency),
              static_cast<long long>(typed.value().config.recovery_max_tries));

  auto stored = state->read(ocsp::file_config_store::file_name);
  if (!stored) return fail(stored.error());
  std::printf("\ndurably stored in %s/%s:\n  %s\n", argv[1], std::string(ocsp::file_config_store::file_name).c_str(),
              stored.value() ? stored.value()->c_str() : "(nothing)");
  return 0;
}
