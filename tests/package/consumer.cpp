// The package test's consumer: a program that uses the *installed* libocsp, built twice by
// run_package_test.cmake, once with find_package(ocsp CONFIG) and once with pkg-config.
//
//   ocsp_consumer PROXY_CERT_PEM ISSUER_CERT_PEM STATE_DIR
//
// It does real work through the installed headers and archives: loads the proxy certificate (PEM
// parsing and issuer verification, OpenSSL), opens a state directory, serves the configuration
// through a service backed by a file_config_store (state file JSON, simdjson), answers GET and PUT
// through the router (error messages, fmt), makes a typed PUT, then reopens the state directory in
// a new service and checks that the change survived. Any mismatch prints "consumer: FAIL: ..." and
// exits 1; success ends with the line "consumer: ok".
//
// OCSP_CONSUMER_USE_DIRECT (set by the CMake consumer, which links ocsp::direct) sends the requests
// through ocsp::direct::client; without it (the pkg-config build, which links only the core) the
// same requests go through ocsp::router and ocsp::service directly.
#ifdef OCSP_CONSUMER_USE_DIRECT
#include <ocsp/direct/client.hpp>
#endif
#include <ocsp/certificate.hpp>
#include <ocsp/config.hpp>
#include <ocsp/config_store.hpp>
#include <ocsp/error.hpp>
#include <ocsp/permissions.hpp>
#include <ocsp/router.hpp>
#include <ocsp/service.hpp>
#include <ocsp/state_dir.hpp>

#include <cstdio>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "consumer: FAIL: %s\n", what.c_str());
    ++failures;
  }
}

int fatal(const std::string& what, const ocsp::error_info& e) {
  std::fprintf(stderr, "consumer: FAIL: %s: %s (%s)\n", what.c_str(), e.message.c_str(), e.code.message().c_str());
  return 1;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

void check_response(const ocsp::response& r, unsigned status, std::string_view what,
                    std::initializer_list<std::string_view> body_parts) {
  check(r.status == status, std::string(what) + ": status " + std::to_string(r.status) + ", expected " +
                                std::to_string(status) + "; body " + r.body);
  check(r.header_value("content-type") == "application/json",
        std::string(what) + ": Content-Type is '" + std::string(r.header_value("Content-Type")) + "'");
  for (std::string_view part : body_parts) {
    check(contains(r.body, part), std::string(what) + ": body " + r.body + " lacks " + std::string(part));
  }
}

// The four requests this program makes, through the direct adapter or through the core alone.
class api {
 public:
  api(ocsp::service& svc, ocsp::principal caller)
#ifdef OCSP_CONSUMER_USE_DIRECT
      : client_(svc, std::move(caller)) {
  }
#else
      : service_(&svc), router_(svc), caller_(std::move(caller)) {
  }
#endif

  static constexpr std::string_view name =
#ifdef OCSP_CONSUMER_USE_DIRECT
      "ocsp::direct::client";
#else
      "ocsp::router + ocsp::service";
#endif

  ocsp::response call(std::string_view method, std::string_view target, std::string_view body = {}) const {
#ifdef OCSP_CONSUMER_USE_DIRECT
    return client_.call(method, target, body);
#else
    return router_.handle(ocsp::request{method, target, &caller_, body});
#endif
  }

  ocsp::api_result<ocsp::config_object> put_config(const ocsp::config_patch& patch) {
#ifdef OCSP_CONSUMER_USE_DIRECT
    return client_.put_config(patch);
#else
    return service_->put_config(caller_, patch);
#endif
  }

  ocsp::api_result<ocsp::config_object> get_config() const {
#ifdef OCSP_CONSUMER_USE_DIRECT
    return client_.get_config();
#else
    return service_->get_config(caller_);
#endif
  }

 private:
#ifdef OCSP_CONSUMER_USE_DIRECT
  ocsp::direct::client client_;
#else
  ocsp::service* service_;
  ocsp::router router_;
  ocsp::principal caller_;
#endif
};

struct opened {
  std::shared_ptr<ocsp::state_directory> state;
  std::unique_ptr<ocsp::service> service;
};

ocsp::api_result<opened> open_service(const char* state_path, std::shared_ptr<const ocsp::proxy_certificate> cert) {
  BOOST_OUTCOME_TRY(auto dir, ocsp::state_directory::open(state_path));
  auto state = std::make_shared<ocsp::state_directory>(std::move(dir));
  BOOST_OUTCOME_TRY(auto svc, ocsp::service::create({
                                  .store = std::make_shared<ocsp::file_config_store>(state),
                                  .certificate = std::move(cert),
                              }));
  return opened{std::move(state), std::move(svc)};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s PROXY_CERT_PEM ISSUER_CERT_PEM STATE_DIR\n", argc > 0 ? argv[0] : "ocsp_consumer");
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // keep stdout and stderr in order in the test log
  std::printf("consumer: api=%s\n", std::string(api::name).c_str());

  // The proxy certificate and its issuer.
  auto loaded = ocsp::proxy_certificate::load(argv[1], argv[2]);
  if (!loaded) return fatal("proxy_certificate::load", loaded.error());
  auto cert = std::make_shared<const ocsp::proxy_certificate>(std::move(loaded).value());
  const std::string url = cert->responder_url();
  std::printf("consumer: certificate %s, responder_url %s\n", cert->subject().c_str(), url.c_str());
  check(!url.empty(), "the proxy certificate has no responder_url");
  check(url.starts_with("http"), "responder_url '" + url + "' is not an http(s) URL");
  check(!cert->serial_hex().empty(), "the proxy certificate has no serial");

  {
    auto opened_service = open_service(argv[3], cert);
    if (!opened_service) return fatal("opening the state directory and the service", opened_service.error());
    ocsp::service& svc = *opened_service.value().service;

    api admin(svc, {"consumer-admin", ocsp::role::admin});
    api viewer(svc, {"consumer-viewer", ocsp::role::db_viewer});

    // GET through the router: the defaults, with the responder URL from the certificate.
    check_response(admin.call("GET", "/v1/ocsp"), 200, "admin GET /v1/ocsp",
                   {"\"ocsp_functionality\":false", "\"query_frequency\":3600",
                    "\"responder_url\":\"" + url + "\""});

    // PUT a valid change with a typed call.
    auto put = admin.put_config(ocsp::config_patch{.ocsp_functionality = true, .query_frequency = 300});
    if (!put) return fatal("typed put_config", put.error());
    check(put.value().config.ocsp_functionality, "typed PUT: ocsp_functionality is not true");
    check(put.value().config.query_frequency == 300,
          "typed PUT: query_frequency is " + std::to_string(put.value().config.query_frequency) + ", expected 300");
    check(put.value().config.recovery_max_tries == 5, "typed PUT changed recovery_max_tries");
    check(put.value().responder_url == url, "typed PUT: responder_url is '" + put.value().responder_url + "'");

    // PUT through the router: a valid JSON change, then an invalid one that must change nothing.
    check_response(admin.call("PUT", "/v1/ocsp", R"({"recovery_max_tries":7})"), 200,
                   "admin PUT {\"recovery_max_tries\":7}",
                   {"\"recovery_max_tries\":7", "\"query_frequency\":300", "\"ocsp_functionality\":true"});
    check_response(admin.call("PUT", "/v1/ocsp", R"({"query_frequency":59})"), 400,
                   "admin PUT {\"query_frequency\":59}", {"\"error_code\":\"invalid_schema\"", "query_frequency"});
    check_response(viewer.call("GET", "/v1/ocsp"), 403, "db_viewer GET /v1/ocsp",
                   {"\"error_code\":\"insufficient_permissions\""});
    check_response(admin.call("DELETE", "/v1/ocsp"), 405, "admin DELETE /v1/ocsp",
                   {"\"error_code\":\"method_not_allowed\""});

    auto now = admin.get_config();
    if (!now) return fatal("typed get_config", now.error());
    check(now.value().config.query_frequency == 300 && now.value().config.recovery_max_tries == 7,
          "the configuration after the PUTs is not query_frequency 300, recovery_max_tries 7");

    // The state file holds the change.
    auto stored = opened_service.value().state->read(ocsp::file_config_store::file_name);
    if (!stored) return fatal("reading the state file", stored.error());
    check(stored.value().has_value(), "no state file was written");
    if (stored.value()) {
      check(contains(*stored.value(), "\"query_frequency\":300"), "the state file lacks the change: " + *stored.value());
    }
  }  // The service and the state directory (and its lock) are released here.

  // A new service over the same state directory starts from the stored configuration.
  {
    auto reopened = open_service(argv[3], cert);
    if (!reopened) return fatal("reopening the state directory", reopened.error());
    api admin(*reopened.value().service, {"consumer-admin", ocsp::role::admin});
    auto after = admin.get_config();
    if (!after) return fatal("get_config after reopening", after.error());
    const ocsp::ocsp_config& c = after.value().config;
    check(c.ocsp_functionality && c.query_frequency == 300 && c.recovery_max_tries == 7 &&
              c.recovery_frequency == 60 && c.response_timeout == 1,
          "after reopening, the configuration is " + ocsp::to_json(after.value()));
    check(after.value().responder_url == url, "after reopening, responder_url is '" + after.value().responder_url + "'");
  }

  // The error category is usable from outside the library.
  const boost::system::error_code ec = ocsp::errc::invalid_schema;
  check(ec.category().name() == std::string_view("ocsp"), "the error category is not named 'ocsp'");
  check(ocsp::http_status(ocsp::errc::invalid_schema) == 400, "http_status(invalid_schema) is not 400");

  if (failures != 0) {
    std::fprintf(stderr, "consumer: %d check(s) failed\n", failures);
    return 1;
  }
  std::printf("consumer: ok\n");
  return 0;
}
