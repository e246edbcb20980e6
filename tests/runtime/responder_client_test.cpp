// The responder client against real peers on loopback: `openssl ocsp` as the responder (POST and
// RFC 5019 GET), and test_http_server for every way a responder can misbehave, over HTTP and TLS.
#include "support.hpp"
#include "test_http_server.hpp"

#include <ocsp/cert_view.hpp>
#include <ocsp/request.hpp>
#include <ocsp/responder_client.hpp>
#include <ocsp/response.hpp>

#include <openssl/evp.h>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using namespace std::chrono_literals;
using ocsp_test::http_response;
using ocsp_test::server_script;
using ocsp_test::test_http_server;
using clock_type = std::chrono::steady_clock;

// The DER OCSPRequest for the test PKI's proxy certificate (SHA-1 CertID, no nonce).
std::vector<std::uint8_t> proxy_request() {
  const auto cert = ocsp_test::load_pki_cert("proxy");
  auto view = ocsp::parse_certificate(cert->der());
  auto issuer = ocsp::parse_certificate(cert->issuer_der());
  REQUIRE(view);
  REQUIRE(issuer);
  ocsp::der::writer out;
  REQUIRE(ocsp::write_ocsp_request(out, view.value(), issuer.value()));
  auto der = out.take();
  REQUIRE(der);
  return std::move(der).value();
}

ocsp::responder_url url_of(const std::string& text) {
  auto url = ocsp::parse_responder_url(text);
  if (!url) FAIL("cannot parse " << text);
  return url.value();
}

std::string local_url(std::uint16_t port, const std::string& path = "/ocsp", const char* scheme = "http") {
  return std::string(scheme) + "://127.0.0.1:" + std::to_string(port) + path;
}

struct timed_result {
  ocsp::api_result<std::vector<std::uint8_t>> result;
  long long elapsed_ms;
};

timed_result query(const std::string& url, const std::vector<std::uint8_t>& request,
                   const ocsp::responder_query_options& options = {}) {
  const auto start = clock_type::now();
  auto result = ocsp::query_responder(url_of(url), request, options);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start).count();
  return {std::move(result), elapsed};
}

ocsp::errc code_of(const ocsp::api_result<std::vector<std::uint8_t>>& r) {
  return r ? ocsp::errc{} : r.error().ocsp_code();
}

std::string message_of(const ocsp::api_result<std::vector<std::uint8_t>>& r) {
  return r ? std::string("(success)") : r.error().message;
}

std::string as_string(const std::vector<std::uint8_t>& v) { return {v.begin(), v.end()}; }

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::uint8_t> base64_decode(const std::string& b64) {
  std::vector<std::uint8_t> out(b64.size() / 4 * 3 + 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return {};
  std::size_t size = static_cast<std::size_t>(n);
  for (auto it = b64.rbegin(); it != b64.rend() && *it == '='; ++it) --size;  // EVP counts padding as zeros
  out.resize(size);
  return out;
}

// --- A real `openssl ocsp` responder as a child process -------------------------------------------

std::string index_line_for(const ocsp::proxy_certificate& cert) {
  const std::time_t in_a_year = std::time(nullptr) + 365 * 24 * 3600;
  std::tm tm{};
  gmtime_r(&in_a_year, &tm);
  char expiry[32];
  std::strftime(expiry, sizeof expiry, "%Y%m%d%H%M%SZ", &tm);  // the index wants YYMMDDHHMMSSZ
  return std::string("V\t") + (expiry + 2) + "\t\t" + cert.serial_hex() + "\tunknown\t/O=libocsp tests/CN=proxy.test\n";
}

class openssl_responder {
 public:
  explicit openssl_responder(const std::filesystem::path& dir) {
    const auto pki = ocsp_test::pki_dir();
    ocsp_test::write_text(dir / "index.txt", index_line_for(*ocsp_test::load_pki_cert("proxy")));
    log_ = dir / "responder.log";
    const std::vector<std::string> args = {"openssl", "ocsp", "-index", (dir / "index.txt").string(), "-port", "0",
                                           "-rsigner", (pki / "ca.pem").string(), "-rkey", (pki / "ca.key").string(),
                                           "-CA", (pki / "ca.pem").string(), "-nmin", "5"};
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc = posix_spawnp(&pid_, "openssl", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) FAIL("cannot start openssl ocsp");
    // -port 0: the kernel picks a free port and openssl prints it ("ACCEPT [::]:PORT PID=..."), so
    // there is no port to collide on. (OpenSSL 3.0 takes no address: it listens on every
    // interface; the tests connect on loopback only.)
    const std::regex accept_line(R"(ACCEPT \S*:(\d+) )");
    for (int i = 0; i < 100 && port_ == 0; ++i) {
      std::smatch m;
      const std::string log = ocsp_test::read_text(log_);
      if (std::regex_search(log, m, accept_line) && log.find("waiting for OCSP client") != std::string::npos) {
        port_ = static_cast<std::uint16_t>(std::stoi(m[1].str()));
      } else {
        std::this_thread::sleep_for(50ms);
      }
    }
    if (port_ == 0) FAIL("openssl ocsp did not start: " << ocsp_test::read_text(log_));
  }
  openssl_responder(const openssl_responder&) = delete;
  openssl_responder& operator=(const openssl_responder&) = delete;
  ~openssl_responder() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  std::uint16_t port() const noexcept { return port_; }
  std::string log() const { return ocsp_test::read_text(log_); }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::filesystem::path log_;
};

void check_good_answer(const std::vector<std::uint8_t>& body) {
  auto response = ocsp::parse_ocsp_response(body);
  REQUIRE(response);
  REQUIRE(response.value().status == ocsp::response_status::successful);
  REQUIRE(response.value().basic);
  const auto& responses = response.value().basic->responses;
  REQUIRE(responses.begin() != responses.end());
  CHECK((*responses.begin()).status == ocsp::cert_status::good);
}

// --- TLS: a server certificate for 127.0.0.1 issued by the test CA --------------------------------

int run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

// Made once per test run with the openssl CLI; the temp dir lives until the process exits.
const std::filesystem::path& tls_server_dir() {
  static ocsp_test::temp_dir dir;
  static const bool made = [] {
    const auto pki = ocsp_test::pki_dir();
    const auto d = dir.path().string();
    ocsp_test::write_text(dir / "server.ext", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
    return run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + d + "/server.key") == 0 &&
           run("openssl req -new -key " + d + "/server.key -subj /CN=127.0.0.1 -out " + d + "/server.csr") == 0 &&
           run("openssl x509 -req -in " + d + "/server.csr -CA " + (pki / "ca.pem").string() + " -CAkey " +
               (pki / "ca.key").string() + " -set_serial 0x" + std::to_string(std::time(nullptr)) +
               " -days 2 -sha256 -extfile " + d + "/server.ext -out " + d + "/server.pem") == 0;
  }();
  if (!made) FAIL("cannot make the TLS server certificate with the openssl CLI");
  return dir.path();
}

std::shared_ptr<boost::asio::ssl::context> tls_server_context() {
  namespace ssl = boost::asio::ssl;
  const auto& dir = tls_server_dir();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->use_certificate_chain_file((dir / "server.pem").string());
  ctx->use_private_key_file((dir / "server.key").string(), ssl::context::pem);
  return ctx;
}

const std::string ocsp_type = "application/ocsp-response";

// responder_query_options, built field by field (designated initializers leave fields out, which
// -Wmissing-field-initializers reports).
struct opts {
  ocsp::responder_query_options o;
  opts& timeout(std::chrono::milliseconds t) { o.timeout = t; return *this; }
  opts& body_cap(std::size_t n) { o.max_response_size = n; return *this; }
  opts& header_cap(std::size_t n) { o.max_header_size = n; return *this; }
  opts& get() { o.use_get = true; return *this; }
  opts& ca(std::string file) { o.tls.ca_file = std::move(file); return *this; }
  operator const ocsp::responder_query_options&() const { return o; }
};

}  // namespace

// --- URLs ----------------------------------------------------------------------------------------

TEST_CASE("parse_responder_url accepts http(s) URLs and fills in the defaults", "[responder_client]") {
  struct row {
    const char* text;
    bool https;
    const char* host;
    std::uint16_t port;
    const char* target;
  };
  const row rows[] = {
      {"http://127.0.0.1:18080/ocsp", false, "127.0.0.1", 18080, "/ocsp"},
      {"http://ocsp.example.com", false, "ocsp.example.com", 80, "/"},
      {"https://ocsp.example.com", true, "ocsp.example.com", 443, "/"},
      {"HTTPS://Ocsp.Example.com:8443/a/b?x=1&y=%2F", true, "Ocsp.Example.com", 8443, "/a/b?x=1&y=%2F"},
      {"http://[::1]:8080/", false, "::1", 8080, "/"},
      {"http://[2001:db8::7]/ocsp", false, "2001:db8::7", 80, "/ocsp"},
      {"http://ocsp-1.ca_internal.example/", false, "ocsp-1.ca_internal.example", 80, "/"},
      {"http://h?q", false, "h", 80, "/?q"},
      {"http://h:65535/", false, "h", 65535, "/"},
      {"http://h:1", false, "h", 1, "/"},
  };
  for (const auto& r : rows) {
    CAPTURE(r.text);
    auto url = ocsp::parse_responder_url(r.text);
    REQUIRE(url);
    CHECK(url.value().https == r.https);
    CHECK(url.value().host == r.host);
    CHECK(url.value().port == r.port);
    CHECK(url.value().target == r.target);
  }
  CHECK(url_of("http://[::1]:8080/x").endpoint() == "[::1]:8080");
  CHECK(url_of("http://[::1]:8080/x").host_header() == "[::1]:8080");
  CHECK(url_of("https://h:443/x").host_header() == "h");
  CHECK(url_of("https://h:443/x").endpoint() == "h:443");
  CHECK(url_of("HTTP://h:80").to_string() == "http://h/");
  CHECK(url_of("http://h:81/p?q").to_string() == "http://h:81/p?q");
}

TEST_CASE("parse_responder_url refuses what is not http(s)://host[:port][/path]", "[responder_client]") {
  const char* rows[] = {
      "",
      "127.0.0.1:18080/ocsp",          // no scheme
      "ftp://h/",                      // scheme
      "ldap://ldap.test/cn=ocsp",      // scheme
      "http:/h/",                      // not "://"
      "http://",                       // no host
      "http:///ocsp",                  // no host
      "http://:80/",                   // no host
      "http://user@h/",                // userinfo
      "http://user:pw@h:80/",          // userinfo
      "http://h/ocsp#frag",            // fragment
      "http://h#",                     // fragment
      "http://h:/",                    // empty port
      "http://h:0/",                   // port 0
      "http://h:65536/",               // port range
      "http://h:123456/",              // port length
      "http://h:8o/",                  // port digits
      "http://h:-1/",                  // port sign
      "http://[::1/",                  // unclosed bracket
      "http://[::1]x/",                // junk after bracket
      "http://[127.0.0.1]/",           // IPv4 in brackets
      "http://[fe80::1%25eth0]/",      // zone id
      "http://[zz::1]/",               // not IPv6
      "http://::1/",                   // IPv6 without brackets
      "http://h h/",                   // space in host
      "http://h/a b",                  // space in path
      "http://h/a\tb",                 // control character
      "http://h/\xc3\xa9",             // non-ASCII
      "http://h/%zz",                  // bad percent-encoding
      "http://h/%4",                   // truncated percent-encoding
      "http://h/<x>",                  // character not allowed in a path
      "http://-h/",                    // label starts with '-'
      "http://h-/",                    // label ends with '-'
      "http://a..b/",                  // empty label
      "http://.h/",                    // empty label
      "http://h./",                    // empty last label
      "http://256.1.1.1/",             // numeric, not an address
      "http://127.1/",                 // inet_aton shorthand
      "http://1.2.3.4.5/",             // numeric, too many parts
      "http://0x7f.1/",                // hex shorthand
      "http://h\\x/",                  // backslash
  };
  for (const char* text : rows) {
    CAPTURE(text);
    auto url = ocsp::parse_responder_url(text);
    REQUIRE_FALSE(url);
    CHECK(url.error() == ocsp::errc::responder_bad_url);
  }
  const std::string long_label = "http://" + std::string(64, 'a') + ".example/";
  CHECK_FALSE(ocsp::parse_responder_url(long_label));
  CHECK(ocsp::parse_responder_url("http://" + std::string(63, 'a') + ".example/"));
}

TEST_CASE("the RFC 5019 GET target is the URL-encoded base64 of the request after a '/'", "[responder_client]") {
  const std::vector<std::uint8_t> der = {0xfb, 0xff, 0xfe, 0x30};  // base64 "+//+MA==": every escaped char
  CHECK(ocsp::ocsp_get_target(url_of("http://h/ocsp"), der) == "/ocsp/%2B%2F%2F%2BMA%3D%3D");
  CHECK(ocsp::ocsp_get_target(url_of("http://h"), der) == "/%2B%2F%2F%2BMA%3D%3D");
  CHECK(ocsp::ocsp_get_target(url_of("http://h/ocsp/"), der) == "/ocsp/%2B%2F%2F%2BMA%3D%3D");
}

// --- A real responder ----------------------------------------------------------------------------

TEST_CASE("openssl ocsp answers our POST: GOOD", "[responder_client][openssl]") {
  ocsp_test::temp_dir dir;
  openssl_responder responder(dir.path());
  const auto request = proxy_request();
  auto r = query(local_url(responder.port(), "/"), request, opts().timeout(5s));
  INFO(message_of(r.result) << "\nresponder log:\n" << responder.log());
  REQUIRE(r.result);
  check_good_answer(r.result.value());
}

TEST_CASE("openssl ocsp answers our RFC 5019 GET: GOOD", "[responder_client][openssl]") {
  ocsp_test::temp_dir dir;
  openssl_responder responder(dir.path());
  const auto request = proxy_request();
  auto r = query(local_url(responder.port(), "/"), request, opts().timeout(5s).get());
  INFO(message_of(r.result) << "\nresponder log:\n" << responder.log());
  REQUIRE(r.result);
  check_good_answer(r.result.value());
}

// --- What the server receives --------------------------------------------------------------------

TEST_CASE("a 200 with the OCSP type: the body comes back byte for byte, the POST is as RFC 6960 says",
          "[responder_client]") {
  std::string body;
  for (int i = 0; i < 256; ++i) body += static_cast<char>(i);  // every byte value, NUL included
  test_http_server server(server_script::respond(http_response(200, body, {{"Content-Type", ocsp_type}})));
  const auto request = proxy_request();
  auto r = query(local_url(server.port()), request);
  INFO(message_of(r.result));
  REQUIRE(r.result);
  CHECK(as_string(r.result.value()) == body);

  const auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].target == "/ocsp");
  CHECK(seen[0].headers.at("host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(seen[0].headers.at("content-type") == "application/ocsp-request");
  CHECK(seen[0].headers.at("content-length") == std::to_string(request.size()));
  CHECK(seen[0].headers.at("connection") == "close");
  CHECK(seen[0].body == as_string(request));
}

TEST_CASE("use_get sends GET {url}/{base64} while the URL is under 255 bytes, POST beyond", "[responder_client]") {
  test_http_server server(server_script::respond(http_response(200, "ok", {{"Content-Type", ocsp_type}})));
  const auto request = proxy_request();
  const ocsp::responder_query_options get = opts().get();

  REQUIRE(query(local_url(server.port()), request, get).result);
  // A request of ~200 bytes makes a URL over 255 bytes.
  std::vector<std::uint8_t> large(200, 0x5a);
  REQUIRE(query(local_url(server.port()), large, get).result);
  // A URL with a query cannot take a path segment: POST.
  REQUIRE(query(local_url(server.port(), "/ocsp?x=1"), request, get).result);

  const auto seen = server.requests();
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].method == "GET");
  CHECK(seen[0].body.empty());
  CHECK(seen[0].headers.count("content-type") == 0);
  CHECK(seen[0].headers.at("host") == "127.0.0.1:" + std::to_string(server.port()));
  REQUIRE(seen[0].target.rfind("/ocsp/", 0) == 0);
  const std::string encoded = seen[0].target.substr(6);
  CHECK(encoded.find_first_of("+/=") == std::string::npos);  // escaped
  CHECK(base64_decode(percent_decode(encoded)) == request);
  CHECK(("http://127.0.0.1:" + std::to_string(server.port()) + seen[0].target).size() < 255);

  CHECK(seen[1].method == "POST");
  CHECK(seen[1].body == as_string(large));
  CHECK(seen[2].method == "POST");
  CHECK(seen[2].target == "/ocsp?x=1");
}

TEST_CASE("a host name is resolved (under the deadline) and each address tried", "[responder_client]") {
  // localhost may resolve to ::1 first; the server listens on 127.0.0.1 only.
  test_http_server server(server_script::respond(http_response(200, "ok", {{"Content-Type", ocsp_type}})));
  auto r = query("http://localhost:" + std::to_string(server.port()) + "/", proxy_request(), opts().timeout(2s));
  INFO(message_of(r.result));
  REQUIRE(r.result);
  CHECK(as_string(r.result.value()) == "ok");
  REQUIRE(server.requests().size() == 1);
  CHECK(server.requests()[0].headers.at("host") == "localhost:" + std::to_string(server.port()));
}

// --- Failures ------------------------------------------------------------------------------------

TEST_CASE("connection refused: responder_unreachable at once", "[responder_client]") {
  const auto port = ocsp_test::closed_port();
  auto r = query(local_url(port), proxy_request(), opts().timeout(2s));
  INFO(message_of(r.result));
  CHECK(code_of(r.result) == ocsp::errc::responder_unreachable);
  CHECK(r.elapsed_ms < 1000);
}

TEST_CASE("a name that does not resolve: unreachable, or a timeout at the deadline", "[responder_client]") {
  // .invalid never resolves (RFC 6761); without network the resolver may hang instead: either
  // way the call must not outlast its deadline.
  auto r = query("http://no-such-responder.invalid/", proxy_request(), opts().timeout(1500ms));
  INFO(message_of(r.result));
  const auto code = code_of(r.result);
  CHECK((code == ocsp::errc::responder_unreachable || code == ocsp::errc::responder_timeout));
  CHECK(r.elapsed_ms < 1500 + 500);
}

TEST_CASE("a responder that accepts and never answers: responder_timeout at the deadline", "[responder_client]") {
  test_http_server server(server_script::never_answer());
  auto r = query(local_url(server.port()), proxy_request(), opts().timeout(300ms));
  INFO(message_of(r.result));
  CHECK(code_of(r.result) == ocsp::errc::responder_timeout);
  CHECK(r.elapsed_ms >= 295);
  CHECK(r.elapsed_ms < 300 + 300);
  CHECK(server.requests().size() == 1);
}

TEST_CASE("a deadline that has passed before the exchange starts: responder_timeout at once", "[responder_client]") {
  test_http_server server(server_script::respond(http_response(200, "ok", {{"Content-Type", ocsp_type}})));
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    CAPTURE(host);
    auto r = query("http://" + host + ":" + std::to_string(server.port()) + "/", proxy_request(), opts().timeout(0ms));
    INFO(message_of(r.result));
    CHECK(code_of(r.result) == ocsp::errc::responder_timeout);
    CHECK(r.elapsed_ms < 500);
  }
}

TEST_CASE("a responder that drips its answer: the deadline bounds the whole exchange", "[responder_client]") {
  // A valid answer, one byte per 100 ms: each read makes progress, only a whole-exchange deadline
  // stops it (about 10 s of dripping otherwise).
  test_http_server server(
      server_script::drip(http_response(200, "0123456789", {{"Content-Type", ocsp_type}}), 100ms));
  auto r = query(local_url(server.port()), proxy_request(), opts().timeout(500ms));
  INFO(message_of(r.result));
  CHECK(code_of(r.result) == ocsp::errc::responder_timeout);
  CHECK(r.elapsed_ms >= 495);
  CHECK(r.elapsed_ms < 500 + 300);
}

TEST_CASE("HTTP 500: responder_http_status", "[responder_client]") {
  test_http_server server(server_script::respond(http_response(500, "oops", {{"Content-Type", "text/plain"}})));
  auto r = query(local_url(server.port()), proxy_request());
  INFO(message_of(r.result));
  CHECK(code_of(r.result) == ocsp::errc::responder_http_status);
}

TEST_CASE("HTTP 500 with a body over the cap is reported as the 500 it is", "[responder_client]") {
  test_http_server server(
      server_script::respond(http_response(500, "", {{"Content-Length", "100000000"}, {"Content-Type", "text/plain"}})));
  auto r = query(local_url(server.port()), proxy_request());
  CHECK(code_of(r.result) == ocsp::errc::responder_http_status);
}

TEST_CASE("a 302 redirect is not followed: exactly one request", "[responder_client]") {
  test_http_server target(server_script::respond(http_response(200, "ok", {{"Content-Type", ocsp_type}})));
  test_http_server server(
      server_script::respond(http_response(302, "", {{"Location", local_url(target.port())}})));
  auto r = query(local_url(server.port()), proxy_request());
  INFO(message_of(r.result));
  CHECK(code_of(r.result) == ocsp::errc::responder_http_status);
  CHECK(server.requests().size() == 1);
  CHECK(server.connections() == 1);
  CHECK(target.connections() == 0);
}

TEST_CASE("Content-Type must be application/ocsp-response (case and parameters tolerated)", "[responder_client]") {
  const auto request = proxy_request();
  for (const char* wrong : {"text/html", "application/ocsp-request", "application/ocsp-responsex",
                            "application/octet-stream", "application/ocsp-response-x; a=b", ""}) {
    CAPTURE(wrong);
    test_http_server server(server_script::respond(http_response(200, "x", {{"Content-Type", wrong}})));
    auto r = query(local_url(server.port()), request);
    CHECK(code_of(r.result) == ocsp::errc::responder_content_type);
  }
  {
    test_http_server server(server_script::respond(http_response(200, "x")));  // no Content-Type
    CHECK(code_of(query(local_url(server.port()), request).result) == ocsp::errc::responder_content_type);
  }
  {
    test_http_server server(server_script::respond(
        http_response(200, "x", {{"Content-Type", ocsp_type}, {"Content-Type", "text/html"}})));  // two
    CHECK(code_of(query(local_url(server.port()), request).result) == ocsp::errc::responder_content_type);
  }
  for (const char* right : {"application/ocsp-response", "Application/OCSP-Response", "application/ocsp-response; charset=binary",
                            "application/ocsp-response ;x=\"y\""}) {
    CAPTURE(right);
    test_http_server server(server_script::respond(http_response(200, "x", {{"Content-Type", right}})));
    auto r = query(local_url(server.port()), request);
    INFO(message_of(r.result));
    CHECK(r.result);
  }
}

TEST_CASE("a Content-Length over the cap is refused before the body is read", "[responder_client]") {
  // The server announces 10 MB and sends none of it: a client that waited for the body would time out.
  test_http_server server(
      server_script::respond(http_response(200, "", {{"Content-Type", ocsp_type}, {"Content-Length", "10000000"}})));
  auto r = query(local_url(server.port()), proxy_request(), opts().timeout(2s).body_cap(4096));
  INFO(message_of(r.result));
  CHECK(code_of(r.result) == ocsp::errc::responder_body_too_large);
  CHECK(r.elapsed_ms < 1000);

  // At the cap exactly: accepted.
  test_http_server exact(server_script::respond(http_response(200, std::string(4096, 'a'), {{"Content-Type", ocsp_type}})));
  auto ok = query(local_url(exact.port()), proxy_request(), opts().body_cap(4096));
  INFO(message_of(ok.result));
  REQUIRE(ok.result);
  CHECK(ok.result.value().size() == 4096);
}

TEST_CASE("an endless chunked body stops at the cap", "[responder_client]") {
  test_http_server server(server_script::endless_chunked(
      "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nTransfer-Encoding: chunked\r\n\r\n"));
  auto r = query(local_url(server.port()), proxy_request(), opts().timeout(3s).body_cap(64 * 1024));
  INFO(message_of(r.result));
  CHECK(code_of(r.result) == ocsp::errc::responder_body_too_large);
  CHECK(r.elapsed_ms < 1500);
  // The client stopped reading and closed: the server could only fill the socket buffers.
  std::this_thread::sleep_for(100ms);
  CHECK(server.bytes_sent() < std::size_t{32} << 20);
}

TEST_CASE("a close-delimited body: returned whole under the cap, stopped at the cap", "[responder_client]") {
  const std::string header = "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nConnection: close\r\n\r\n";
  {
    test_http_server server(server_script::respond(header + "abc"));
    auto r = query(local_url(server.port()), proxy_request());
    INFO(message_of(r.result));
    REQUIRE(r.result);
    CHECK(as_string(r.result.value()) == "abc");
  }
  {
    test_http_server server(server_script::respond(header + std::string(5000, 'b')));
    auto r = query(local_url(server.port()), proxy_request(), opts().body_cap(4096));
    CHECK(code_of(r.result) == ocsp::errc::responder_body_too_large);
  }
}

TEST_CASE("a header over its cap: responder_body_too_large", "[responder_client]") {
  test_http_server server(server_script::respond(
      http_response(200, "x", {{"Content-Type", ocsp_type}, {"X-Padding", std::string(20000, 'p')}})));
  auto r = query(local_url(server.port()), proxy_request(), opts().header_cap(8192));
  INFO(message_of(r.result));
  CHECK(code_of(r.result) == ocsp::errc::responder_body_too_large);
}

TEST_CASE("a connection closed mid-body: responder_protocol_error", "[responder_client]") {
  test_http_server server(server_script::respond(
      "HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nContent-Length: 1000\r\n\r\n0123456789"));
  auto r = query(local_url(server.port()), proxy_request());
  INFO(message_of(r.result));
  CHECK(code_of(r.result) == ocsp::errc::responder_protocol_error);
}

TEST_CASE("a connection closed before any answer: responder_protocol_error", "[responder_client]") {
  SECTION("after reading the request") {
    test_http_server server(server_script::respond(""));
    CHECK(code_of(query(local_url(server.port()), proxy_request()).result) == ocsp::errc::responder_protocol_error);
  }
  SECTION("without reading it") {
    test_http_server server(server_script::close_at_once());
    auto r = query(local_url(server.port()), proxy_request());
    INFO(message_of(r.result));
    CHECK(code_of(r.result) == ocsp::errc::responder_protocol_error);
  }
}

TEST_CASE("an answer that is not HTTP: responder_protocol_error", "[responder_client]") {
  for (const char* garbage : {"SSH-2.0-OpenSSH_9.2\r\n\r\n", "\x30\x03\x0a\x01\x00", "HTTP/1.1 2000 OK\r\n\r\n",
                              "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef"}) {
    CAPTURE(garbage);
    test_http_server server(server_script::respond(garbage));
    auto r = query(local_url(server.port()), proxy_request());
    INFO(message_of(r.result));
    CHECK(code_of(r.result) == ocsp::errc::responder_protocol_error);
  }
}

// --- HTTPS ---------------------------------------------------------------------------------------

TEST_CASE("https: the responder's certificate is verified against the configured CA and the host",
          "[responder_client][tls]") {
  test_http_server server(server_script::respond(http_response(200, "tls ok", {{"Content-Type", ocsp_type}})),
                          tls_server_context());
  const auto request = proxy_request();
  const auto ca = (ocsp_test::pki_dir() / "ca.pem").string();
  const auto url = local_url(server.port(), "/ocsp", "https");

  SECTION("the test CA: success, over POST and GET") {
    auto r = query(url, request, opts().timeout(3s).ca(ca));
    INFO(message_of(r.result));
    REQUIRE(r.result);
    CHECK(as_string(r.result.value()) == "tls ok");
    auto g = query(url, request, opts().timeout(3s).get().ca(ca));
    REQUIRE(g.result);
    const auto seen = server.requests();
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].method == "POST");
    CHECK(seen[0].body == as_string(request));
    CHECK(seen[0].headers.at("host") == "127.0.0.1:" + std::to_string(server.port()));
    CHECK(seen[1].method == "GET");
  }
  SECTION("another CA: responder_tls_failed, nothing sent") {
    auto r = query(url, request, opts().timeout(3s).ca((ocsp_test::pki_dir() / "other-ca.pem").string()));
    INFO(message_of(r.result));
    CHECK(code_of(r.result) == ocsp::errc::responder_tls_failed);
    CHECK(server.requests().empty());
  }
  SECTION("the system store (which does not hold the test CA): responder_tls_failed") {
    auto r = query(url, request, opts().timeout(3s));
    INFO(message_of(r.result));
    CHECK(code_of(r.result) == ocsp::errc::responder_tls_failed);
  }
  SECTION("a host name the certificate does not name: responder_tls_failed") {
    // The certificate names IP 127.0.0.1 only; "localhost" reaches the same server.
    auto r = query("https://localhost:" + std::to_string(server.port()) + "/ocsp", request,
                   opts().timeout(3s).ca(ca));
    INFO(message_of(r.result));
    CHECK(code_of(r.result) == ocsp::errc::responder_tls_failed);
    CHECK(server.requests().empty());
  }
  SECTION("an unreadable CA file: responder_tls_failed") {
    auto r = query(url, request, opts().timeout(3s).ca("/nonexistent/ca.pem"));
    CHECK(code_of(r.result) == ocsp::errc::responder_tls_failed);
  }
}

TEST_CASE("https to a plain HTTP server: responder_tls_failed", "[responder_client][tls]") {
  test_http_server server(server_script::respond(http_response(400, "plain", {{"Content-Type", "text/plain"}})));
  auto r = query(local_url(server.port(), "/", "https"), proxy_request(),
                 opts().timeout(2s).ca((ocsp_test::pki_dir() / "ca.pem").string()));
  INFO(message_of(r.result));
  CHECK(code_of(r.result) == ocsp::errc::responder_tls_failed);
}

TEST_CASE("https: a TLS server that never answers times out at the deadline", "[responder_client][tls]") {
  test_http_server server(server_script::never_answer(), tls_server_context());
  auto r = query(local_url(server.port(), "/", "https"), proxy_request(),
                 opts().timeout(300ms).ca((ocsp_test::pki_dir() / "ca.pem").string()));
  INFO(message_of(r.result));
  CHECK(code_of(r.result) == ocsp::errc::responder_timeout);
  CHECK(r.elapsed_ms < 300 + 300);
}
