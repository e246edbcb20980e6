// libFuzzer target: raw HTTP request bytes, through Beast's request parser with the HTTP adapter's
// limits, the Basic credentials parser, and the router over a service with a real proxy
// certificate (the seed corpus's). Properties checked on every input the parser accepts:
//   - the answer is one of the contract's statuses, its body one JSON object, with an error_code
//     whenever the status is 400 or more;
//   - a caller without valid credentials gets 401, whatever the method or path;
//   - a request that is not answered 200 leaves the configuration exactly as it was, and only a
//     PUT may change it.
#include <ocsp/certificate.hpp>
#include <ocsp/config_store.hpp>
#include <ocsp/router.hpp>
#include <ocsp/service.hpp>
#include <ocsp/users.hpp>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <simdjson.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

namespace {

namespace http = boost::beast::http;

// The HTTP adapter's defaults (ocsp/http/server.hpp): 8 KiB of header, 64 KiB of body.
constexpr std::uint32_t header_limit = 8 * 1024;
constexpr std::uint64_t body_limit = 64 * 1024;

std::string pem_of_der_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  const std::string der{std::istreambuf_iterator<char>(in), {}};
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert == nullptr) std::abort();
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* text = nullptr;
  const long n = BIO_get_mem_data(bio, &text);
  std::string pem(text, static_cast<std::size_t>(n));
  BIO_free(bio);
  X509_free(cert);
  return pem;
}

struct fixture {
  std::unique_ptr<ocsp::service> svc;
  std::unique_ptr<ocsp::router> router;
};

fixture& state() {
  static fixture f = [] {
    fixture out;
    auto cert = ocsp::proxy_certificate::from_pem(pem_of_der_file(OCSP_FUZZ_SEEDS "/fuzz_certificate/proxy.der"),
                                                  pem_of_der_file(OCSP_FUZZ_SEEDS "/fuzz_certificate/ca.der"));
    if (!cert) std::abort();
    ocsp::service_options options;
    options.store = std::make_shared<ocsp::memory_config_store>();
    options.certificate = std::make_shared<const ocsp::proxy_certificate>(std::move(cert).value());
    auto svc = ocsp::service::create(std::move(options));
    if (!svc) std::abort();
    out.svc = std::move(svc).value();
    out.router = std::make_unique<ocsp::router>(*out.svc);
    return out;
  }();
  return f;
}

// Two fixed users stand in for the users store: its password hashing would only slow the fuzzer.
std::optional<ocsp::principal> authenticate(std::string_view authorization) {
  const auto credentials = ocsp::parse_basic_authorization(authorization);
  if (!credentials) return std::nullopt;
  if (credentials->first == "admin" && credentials->second == "admin-password") {
    return ocsp::principal{"admin", ocsp::role::admin};
  }
  if (credentials->first == "viewer" && credentials->second == "viewer-password") {
    return ocsp::principal{"viewer", ocsp::role::cluster_viewer};
  }
  return std::nullopt;
}

bool known_status(unsigned s) {
  switch (s) {
    case 200: case 400: case 401: case 403: case 404: case 405: case 406: case 413: case 500: return true;
    default: return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(header_limit);
  parser.body_limit(body_limit);
  parser.eager(true);
  boost::system::error_code ec;
  const std::size_t used = parser.put(boost::asio::buffer(data, size), ec);
  (void)used;
  if (!ec && !parser.is_done() && parser.need_eof()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;  // the adapter answers these 400/413/431 itself

  fixture& f = state();
  // Every input starts from the same configuration, so a crash reproduces from its input alone.
  const ocsp::principal admin{"fuzz", ocsp::role::admin};
  if (!f.svc->put_config(admin, R"({"ocsp_functionality":false,"query_frequency":3600,"recovery_frequency":60,)"
                                R"("recovery_max_tries":5,"response_timeout":1})")) {
    std::abort();
  }
  const auto& req = parser.get();
  const std::string method(req.method_string());
  const std::string target(req.target());
  const std::optional<ocsp::principal> caller = authenticate(req[http::field::authorization]);
  const auto before = f.svc->get_config(admin);
  if (!before) std::abort();

  const ocsp::response answer = f.router->handle(ocsp::request{method, target, caller ? &*caller : nullptr, req.body()});

  if (!known_status(answer.status)) std::abort();
  simdjson::dom::parser json;
  simdjson::dom::object object;
  if (json.parse(answer.body).get(object)) std::abort();
  if (answer.status >= 400) {
    std::string_view code;
    if (object["error_code"].get(code) || code.empty()) std::abort();
  }
  if (!caller && answer.status != 401) std::abort();
  const auto after = f.svc->get_config(admin);
  if (!after) std::abort();
  const bool changed = !(after.value() == before.value());
  if (changed && (answer.status != 200 || method != "PUT")) std::abort();
  return 0;
}
