// The HTTP adapter over real sockets on loopback, with the real peers: curl over HTTP, HTTPS and the
// UNIX socket, `openssl s_client` for the TLS versions, raw sockets for malformed and slow clients.
#include "support.hpp"

#include <ocsp/http/server.hpp>
#include <ocsp/router.hpp>
#include <ocsp/users.hpp>

#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <mutex>
#include <regex>
#include <thread>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// --- Peers ---------------------------------------------------------------------------------------

struct process_output {
  int exit_code = -1;
  std::string text;
};

process_output capture(const std::string& command) {
  process_output out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) FAIL("popen failed: " << command);
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, p)) > 0) out.text.append(buffer, n);
  const int status = ::pclose(p);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

struct reply {
  int curl_exit = -1;
  unsigned status = 0;
  std::string headers;
  std::string body;
};

/// curl -i with `args`; the last response's status, headers and body.
reply curl(const std::string& args) {
  const process_output out = capture("curl -s -i --max-time 10 " + args + " 2>/dev/null");
  reply r;
  r.curl_exit = out.exit_code;
  std::string_view rest = out.text;
  for (;;) {  // skip interim responses (100 Continue)
    const std::size_t end = rest.find("\r\n\r\n");
    if (end == std::string_view::npos) return r;
    r.headers = std::string(rest.substr(0, end));
    rest.remove_prefix(end + 4);
    if (r.headers.size() > 12) r.status = static_cast<unsigned>(std::stoul(r.headers.substr(9, 3)));
    if (r.status != 100) break;
  }
  r.body = std::string(rest);
  return r;
}

bool has_header(const reply& r, const std::string& line) {
  std::regex re("(^|\r\n)" + line + "\r?(\n|$)", std::regex::icase);
  return std::regex_search(r.headers, re);
}

std::string http_url(std::uint16_t port, const std::string& path = "/v1/ocsp") {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

// A raw TCP client for what curl will not send.
struct raw_client {
  explicit raw_client(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~raw_client() { ::close(fd); }
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;

  void send(std::string_view bytes) const { REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())); }

  /// Everything until the server closes (true) or 5 s pass (false).
  bool read_to_eof(std::string& out) const {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n == 0) return true;
      if (n < 0) return false;
      out.append(buffer, static_cast<std::size_t>(n));
    }
  }

  int fd = -1;
  bool connected = false;
};

// --- The server under test -----------------------------------------------------------------------

std::optional<ocsp::principal> test_authenticator(std::string_view authorization) {
  // The parser is libocsp's (users.hpp); the users store itself is wired in by the daemon.
  const auto creds = ocsp::parse_basic_authorization(authorization);
  if (!creds || creds->second != "secret") return std::nullopt;
  if (creds->first == "admin") return ocsp::principal{"admin", ocsp::role::admin};
  if (creds->first == "viewer") return ocsp::principal{"viewer", ocsp::role::cluster_viewer};
  return std::nullopt;
}

/// A store whose save takes a while, and says when one has started.
class slow_store final : public ocsp::config_store {
 public:
  ocsp::api_result<ocsp::ocsp_config> load() override { return inner_.load(); }
  ocsp::api_result<void> save(const ocsp::ocsp_config& config) override {
    saving = true;
    std::this_thread::sleep_for(300ms);
    return inner_.save(config);
  }
  std::atomic<bool> saving{false};

 private:
  ocsp::memory_config_store inner_;
};

struct fixture {
  explicit fixture(ocsp::http::server_options options = {}, std::shared_ptr<ocsp::config_store> store = nullptr)
      : svc(make(std::move(store))), router(*svc), server(io, router, with_defaults(std::move(options))) {}

  ~fixture() {
    server.stop();
    if (thread.joinable()) thread.join();
  }

  std::uint16_t http() {
    auto port = server.listen_http("127.0.0.1", 0);
    REQUIRE(port);
    return port.value();
  }

  void run() {
    thread = std::thread([this] { io.run(); });
  }

  std::vector<std::string> log() {
    const std::lock_guard lock(log_mutex);
    return log_lines;
  }

  static std::unique_ptr<ocsp::service> make(std::shared_ptr<ocsp::config_store> store) {
    ocsp::service_options o;
    o.certificate = ocsp_test::load_pki_cert("proxy");
    o.store = std::move(store);
    return ocsp_test::make_service(std::move(o));
  }

  ocsp::http::server_options with_defaults(ocsp::http::server_options o) {
    if (!o.authenticate) o.authenticate = test_authenticator;
    o.access_log = [this](std::string_view line) {
      const std::lock_guard lock(log_mutex);
      log_lines.emplace_back(line);
    };
    return o;
  }

  asio::io_context io;
  std::unique_ptr<ocsp::service> svc;
  ocsp::router router;
  std::mutex log_mutex;
  std::vector<std::string> log_lines;
  ocsp::http::server server;
  std::thread thread;
};

const std::string admin = "-u admin:secret ";

}  // namespace

TEST_CASE("http: GET as admin is 200 with the config and the adapter's headers", "[http]") {
  fixture f;
  const auto port = f.http();
  f.run();
  const reply r = curl(admin + http_url(port));
  CHECK(r.status == 200);
  CHECK(r.body.find("\"query_frequency\":3600") != std::string::npos);
  CHECK(has_header(r, "Content-Type: application/json"));
  CHECK(has_header(r, "Content-Length: " + std::to_string(r.body.size())));
  CHECK(has_header(r, "Server: ocspd"));
}

TEST_CASE("http: no credentials and a wrong password are 401 with the challenge, a viewer is 403", "[http][auth]") {
  fixture f;
  const auto port = f.http();
  f.run();
  const reply none = curl(http_url(port));
  CHECK(none.status == 401);
  CHECK(has_header(none, "WWW-Authenticate: Basic realm=\"ocsp\""));
  CHECK(none.body.find("\"error_code\":\"unauthorized\"") != std::string::npos);
  const reply wrong = curl("-u admin:wrong " + http_url(port));
  CHECK(wrong.status == 401);
  CHECK(has_header(wrong, "WWW-Authenticate: Basic realm=\"ocsp\""));
  const reply viewer = curl("-u viewer:secret " + http_url(port));
  CHECK(viewer.status == 403);
  CHECK(viewer.body.find("\"error_code\":\"insufficient_permissions\"") != std::string::npos);
}

TEST_CASE("http: PUT valid is 200 and a GET shows it, PUT invalid is 400 invalid_schema", "[http]") {
  fixture f;
  const auto port = f.http();
  f.run();
  const reply put = curl(admin + "-X PUT -d '{\"query_frequency\":120}' " + http_url(port));
  CHECK(put.status == 200);
  CHECK(put.body.find("\"query_frequency\":120") != std::string::npos);
  const reply get = curl(admin + http_url(port));
  CHECK(get.body.find("\"query_frequency\":120") != std::string::npos);
  const reply bad = curl(admin + "-X PUT -d '{\"query_frequency\":59}' " + http_url(port));
  CHECK(bad.status == 400);
  CHECK(bad.body.find("\"error_code\":\"invalid_schema\"") != std::string::npos);
  CHECK(curl(admin + http_url(port)).body.find("\"query_frequency\":120") != std::string::npos);
}

TEST_CASE("http: unknown path 404, DELETE 405 with Allow, HEAD 405", "[http]") {
  fixture f;
  const auto port = f.http();
  f.run();
  const reply missing = curl(admin + http_url(port, "/v1/nope"));
  CHECK(missing.status == 404);
  CHECK(missing.body.find("\"error_code\":\"not_found\"") != std::string::npos);
  const reply del = curl(admin + "-X DELETE " + http_url(port));
  CHECK(del.status == 405);
  CHECK(has_header(del, "Allow: GET, PUT"));
  const reply head = curl(admin + "-I " + http_url(port));
  CHECK(head.status == 405);
  CHECK(head.body.empty());
}

TEST_CASE("http: a body over the cap is 413, headers over the cap 431, and the connection closes", "[http][limits]") {
  fixture f;
  const auto port = f.http();
  f.run();
  ocsp_test::temp_dir dir;
  ocsp_test::write_text(dir / "big.json", std::string(70 * 1024, ' ') + "{}");
  const reply big = curl(admin + "-X PUT --data-binary @" + (dir / "big.json").string() + " " + http_url(port));
  CHECK(big.status == 413);
  CHECK(big.body.find("\"error_code\":\"payload_too_large\"") != std::string::npos);
  CHECK(has_header(big, "Connection: close"));
  const reply fat = curl(admin + "-H 'X-Filler: " + std::string(9000, 'x') + "' " + http_url(port));
  CHECK(fat.status == 431);
  // The configuration did not change.
  CHECK(curl(admin + http_url(port)).body.find("\"query_frequency\":3600") != std::string::npos);
}

TEST_CASE("http: keep-alive serves two requests on one connection", "[http]") {
  fixture f;
  const auto port = f.http();
  f.run();
  const process_output out = capture("curl -s -v --max-time 10 " + admin + http_url(port) + " " + http_url(port) + " 2>&1");
  CHECK(out.exit_code == 0);
  CHECK(out.text.find("Re-using existing connection") != std::string::npos);
  // A line is logged once its answer is written, which curl may see first: stop (it lets the
  // connection finish) before counting.
  f.server.stop();
  f.thread.join();
  CHECK(f.log().size() == 2);
}

TEST_CASE("http: a GET whose credentials the cache knows skips the slow check, PUTs and unknown ones do not",
          "[http][auth]") {
  std::atomic<int> slow_checks{0}, cache_lookups{0};
  ocsp::http::server_options o;
  o.authenticate = [&](std::string_view authorization) {
    ++slow_checks;
    return test_authenticator(authorization);
  };
  // The cache knows admin:secret only (as if it had been verified before).
  o.authenticate_cached = [&](std::string_view authorization) -> std::optional<ocsp::principal> {
    ++cache_lookups;
    const auto creds = ocsp::parse_basic_authorization(authorization);
    if (creds && creds->first == "admin" && creds->second == "secret") return ocsp::principal{"admin", ocsp::role::admin};
    return std::nullopt;
  };
  fixture f(std::move(o));
  const auto port = f.http();
  f.run();

  const reply get = curl(admin + http_url(port, "/v1/ocsp/status"));
  CHECK(get.status == 200);
  CHECK(slow_checks == 0);
  CHECK(cache_lookups == 1);

  const reply viewer = curl("-u viewer:secret " + http_url(port));  // not cached: the full check
  CHECK(viewer.status == 403);
  CHECK(slow_checks == 1);

  const reply wrong = curl("-u admin:wrong " + http_url(port));
  CHECK(wrong.status == 401);
  CHECK(slow_checks == 2);

  const reply put = curl(admin + "-X PUT -H 'Content-Type: application/json' --data '{\"query_frequency\":120}' " +
                         http_url(port));
  CHECK(put.status == 200);
  CHECK(slow_checks == 3);  // a PUT always runs on the handler pool, with the full check

  const reply none = curl(http_url(port));  // no credentials: 401 at once, no check at all
  CHECK(none.status == 401);
  CHECK(slow_checks == 3);
}

TEST_CASE("http: the answer's head follows the request's version and connection", "[http]") {
  fixture f;
  const auto port = f.http();
  f.run();
  const std::string auth = "Authorization: Basic YWRtaW46c2VjcmV0\r\n";  // admin:secret
  // Sends `bytes` on a new connection and returns everything the server writes until it closes.
  const auto exchange = [&](const std::string& bytes) {
    raw_client c(port);
    REQUIRE(c.connected);
    c.send(bytes);
    std::string out;
    CHECK(c.read_to_eof(out));
    return out;
  };
  {
    const std::string out = exchange("GET /v1/ocsp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth + "\r\n");
    CHECK(out.starts_with("HTTP/1.1 200 OK\r\n"));
    CHECK(out.find("\r\nConnection: close\r\n") != std::string::npos);
    const std::size_t end = out.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    CHECK(out.find("\r\nContent-Length: " + std::to_string(out.size() - end - 4) + "\r\n") != std::string::npos);
  }
  {
    // HTTP/1.0 asking to stay open: told keep-alive, and a second request (without keep-alive, so
    // the connection ends after it) is answered on it.
    const std::string out = exchange("GET /v1/ocsp/status HTTP/1.0\r\nConnection: keep-alive\r\n" + auth + "\r\n" +
                                     "GET /v1/ocsp HTTP/1.0\r\n" + auth + "\r\n");
    const std::size_t second = out.find("HTTP/1.0 200 OK\r\n", 1);
    CHECK(out.starts_with("HTTP/1.0 200 OK\r\n"));
    REQUIRE(second != std::string::npos);
    CHECK(out.substr(0, second).find("\r\nConnection: keep-alive\r\n") != std::string::npos);
    CHECK(out.substr(second).find("Connection:") == std::string::npos);
  }
  {
    // An error answer keeps the router's fields (Allow) next to the adapter's defaults.
    const std::string out = exchange("DELETE /v1/ocsp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth + "\r\n");
    CHECK(out.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
    CHECK(out.find("\r\nAllow: GET, PUT\r\n") != std::string::npos);
    CHECK(out.find("\r\nContent-Type: application/json\r\n") != std::string::npos);
    CHECK(out.find("\r\nCache-Control: no-store\r\n") != std::string::npos);
  }
}

TEST_CASE("http: malformed request bytes get 400 and the connection is closed", "[http][limits]") {
  fixture f;
  const auto port = f.http();
  f.run();
  raw_client c(port);
  REQUIRE(c.connected);
  c.send("GET /v1/ocsp HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n");
  std::string answer;
  CHECK(c.read_to_eof(answer));
  CHECK(answer.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(answer.find("\"error_code\":\"bad_request\"") != std::string::npos);
}

namespace {

std::size_t count_of(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace

TEST_CASE("http: a body framing other than Content-Length or HTTP/1.1 chunked is 400, the body never read as a request",
          "[http][limits][smuggling]") {
  fixture f;
  const auto port = f.http();
  f.run();
  // Each request carries a second one in its body: a server that took the body for the next request
  // (Beast 1.81 reads unknown codings as "no body") would answer twice.
  const std::string creds = "Authorization: Basic YWRtaW46c2VjcmV0\r\n";  // admin:secret
  const std::string smuggled = "GET /v1/nowhere HTTP/1.1\r\nHost: x\r\n" + creds + "\r\n";
  const std::string chunked_smuggled = fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", smuggled.size(), smuggled);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"GET /v1/ocsp HTTP/1.1\r\nHost: x\r\n" + creds + "Transfer-Encoding: gzip\r\n\r\n" + smuggled, "'gzip'"},
      {"GET /v1/ocsp HTTP/1.1\r\nHost: x\r\n" + creds + "Transfer-Encoding: identity\r\n\r\n" + smuggled, "'identity'"},
      {"GET /v1/ocsp HTTP/1.1\r\nHost: x\r\n" + creds + "Transfer-Encoding: chunked, gzip\r\n\r\n" + smuggled,
       "'chunked, gzip'"},
      {"GET /v1/ocsp HTTP/1.1\r\nHost: x\r\n" + creds + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" +
           chunked_smuggled,
       "Transfer-Encoding"},  // Beast refuses a repeated chunked itself ("bad Transfer-Encoding")
      {"PUT /v1/ocsp HTTP/1.0\r\nHost: x\r\n" + creds + "Transfer-Encoding: chunked\r\n\r\n" + chunked_smuggled, "HTTP/1.0"},
  };
  for (const auto& [request, named] : cases) {
    CAPTURE(request);
    raw_client c(port);
    REQUIRE(c.connected);
    c.send(request);
    std::string answer;
    CHECK(c.read_to_eof(answer));
    INFO(answer);
    CHECK(answer.rfind("HTTP/1.1 400", 0) == 0);
    CHECK(count_of(answer, "Server: ocspd\r\n") == 1);
    CHECK(answer.find("\"error_code\":\"bad_request\"") != std::string::npos);
    CHECK(answer.find(named) != std::string::npos);
  }
  // Both framings at once: refused too (by Beast or by the adapter), never answered twice.
  {
    raw_client c(port);
    REQUIRE(c.connected);
    c.send("PUT /v1/ocsp HTTP/1.1\r\nHost: x\r\n" + creds + "Transfer-Encoding: chunked\r\nContent-Length: " +
           std::to_string(chunked_smuggled.size()) + "\r\n\r\n" + chunked_smuggled);
    std::string answer;
    CHECK(c.read_to_eof(answer));
    CHECK(answer.rfind("HTTP/1.1 400", 0) == 0);
    CHECK(count_of(answer, "Server: ocspd\r\n") == 1);
  }
  // What stays accepted: HTTP/1.1 chunked (any case), and pipelined requests with Content-Length.
  {
    raw_client c(port);
    REQUIRE(c.connected);
    const std::string body = R"({"query_frequency":120})";
    c.send("PUT /v1/ocsp HTTP/1.1\r\nHost: x\r\n" + creds + "Transfer-Encoding: Chunked\r\n\r\n" +
           fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", body.size(), body) + "GET /v1/ocsp HTTP/1.1\r\nHost: x\r\n" + creds +
           "Content-Length: 0\r\nConnection: close\r\n\r\n");
    std::string answer;
    CHECK(c.read_to_eof(answer));
    CHECK(count_of(answer, "HTTP/1.1 200") == 2);
    CHECK(count_of(answer, "\"query_frequency\":120") == 2);
  }
  // No smuggled request reached the router.
  for (const std::string& line : f.log()) CHECK(line.find("/v1/nowhere") == std::string::npos);
}

TEST_CASE("http: headers over the cap are 431 however they arrive, in one piece or many", "[http][limits]") {
  fixture f;
  const auto port = f.http();
  f.run();
  std::string fields;
  for (int i = 0; fields.size() < 10 * 1024; ++i) fields += fmt::format("X-Field-{}: 0123456789abcdef\r\n", i);
  const std::string request = "GET /v1/ocsp HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWRtaW46c2VjcmV0\r\n" + fields + "\r\n";
  for (const std::size_t piece : {request.size(), std::size_t{4096}, std::size_t{1000}}) {
    CAPTURE(piece);
    raw_client c(port);
    REQUIRE(c.connected);
    for (std::size_t at = 0; at < request.size(); at += piece) {
      c.send(std::string_view(request).substr(at, piece));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::string answer;
    c.read_to_eof(answer);  // the server may reset after its answer while pieces were still coming
    CHECK(answer.rfind("HTTP/1.1 431", 0) == 0);
  }
  // A header that never ends, each piece stopping a byte into the next field: Beast stores every
  // complete field and counts only an incomplete one against its limit, so only the adapter's own
  // count can stop this before the request deadline, while the header is still open.
  {
    raw_client c(port);
    REQUIRE(c.connected);
    c.send("GET /v1/ocsp HTTP/1.1\r\nHost: x\r\nX");
    std::string answer;
    std::size_t sent = 0;
    for (int i = 0; sent < 32 * 1024 && answer.empty(); ++i) {
      const std::string piece = fmt::format("-Field-{}: 0123456789abcdef\r\nX", i);
      if (::send(c.fd, piece.data(), piece.size(), MSG_NOSIGNAL) < 0) break;
      sent += piece.size();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      char first[4096];
      const ssize_t n = ::recv(c.fd, first, sizeof first, MSG_DONTWAIT);  // the answer came: stop sending
      if (n > 0) answer.assign(first, static_cast<std::size_t>(n));
    }
    c.read_to_eof(answer);
    CAPTURE(sent);
    CHECK(answer.rfind("HTTP/1.1 431", 0) == 0);
    CHECK(sent < 12 * 1024);  // refused near the cap, not at the end of the stream
  }
  // Just under the cap, in pieces: served.
  std::string small;
  for (int i = 0; small.size() < 7 * 1024; ++i) small += fmt::format("X-Field-{}: 0123456789abcdef\r\n", i);
  raw_client c(port);
  REQUIRE(c.connected);
  const std::string ok = "GET /v1/ocsp HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWRtaW46c2VjcmV0\r\nConnection: close\r\n" +
                         small + "\r\n";
  for (std::size_t at = 0; at < ok.size(); at += 1000) {
    c.send(std::string_view(ok).substr(at, 1000));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string answer;
  CHECK(c.read_to_eof(answer));
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("http: a slow request is cut at its deadline, an idle connection at the idle timeout", "[http][limits]") {
  ocsp::http::server_options o;
  o.request_timeout = 300ms;
  o.idle_timeout = 300ms;
  fixture f(o);
  const auto port = f.http();
  f.run();
  {
    raw_client slow(port);
    REQUIRE(slow.connected);
    const auto start = std::chrono::steady_clock::now();
    slow.send("GET /v1/ocsp HTTP/1.1\r\nHost: x\r\n");  // and never the rest
    std::string answer;
    CHECK(slow.read_to_eof(answer));
    CHECK(std::chrono::steady_clock::now() - start < 3s);
  }
  {
    raw_client idle(port);
    REQUIRE(idle.connected);
    std::string answer;
    CHECK(idle.read_to_eof(answer));
    CHECK(answer.empty());
  }
}

TEST_CASE("http: a connection over max_connections is answered 503 and closed", "[http][limits]") {
  ocsp::http::server_options o;
  o.max_connections = 1;
  fixture f(o);
  const auto port = f.http();
  f.run();
  raw_client first(port);
  REQUIRE(first.connected);
  for (int i = 0; i < 100 && f.server.connections() == 0; ++i) std::this_thread::sleep_for(10ms);
  const reply refused = curl(admin + http_url(port));
  CHECK(refused.status == 503);
  CHECK(refused.body.find("\"error_code\":\"service_unavailable\"") != std::string::npos);
}

TEST_CASE("https: curl with the proxy certificate, TLS 1.1 is refused, TLS 1.2 accepted", "[https][tls]") {
  const auto pki = ocsp_test::pki_dir();
  // A context that would allow TLS 1.0 and 1.1: the adapter must refuse them on its own.
  asio::ssl::context tls(asio::ssl::context::tls_server);
  tls.use_certificate_chain_file((pki / "proxy.pem").string());
  tls.use_private_key_file((pki / "proxy.key").string(), asio::ssl::context::pem);
  SSL_CTX_set_security_level(tls.native_handle(), 0);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_VERSION);
  SSL_CTX_set_cipher_list(tls.native_handle(), "DEFAULT:@SECLEVEL=0");

  fixture f;
  auto port = f.server.listen_https("127.0.0.1", 0, tls);
  REQUIRE(port);
  const std::string p = std::to_string(port.value());
  f.run();
  const reply r = curl(admin + "--cacert " + (pki / "ca.pem").string() + " --resolve proxy.test:" + p +
                       ":127.0.0.1 https://proxy.test:" + p + "/v1/ocsp");
  CHECK(r.status == 200);
  CHECK(r.body.find("\"ocsp_functionality\":false") != std::string::npos);

  const std::string s_client = "openssl s_client -connect 127.0.0.1:" + p + " -cipher 'DEFAULT:@SECLEVEL=0' ";
  const process_output old = capture(s_client + "-tls1_1 </dev/null 2>&1");
  CHECK(old.exit_code != 0);
  CHECK(old.text.find("alert protocol version") != std::string::npos);  // the server's refusal
  const process_output current = capture(s_client + "-tls1_2 </dev/null 2>&1");
  CHECK(current.exit_code == 0);
  CHECK(current.text.find("Protocol  : TLSv1.2") != std::string::npos);
}

TEST_CASE("https: a client that sends a body over the cap whole still reads its 413", "[https][limits]") {
  // The server answers 413 before the body has arrived; closing with the rest of it unread would
  // make the kernel reset the connection and destroy the answer. s_client sends everything first.
  const auto pki = ocsp_test::pki_dir();
  asio::ssl::context tls(asio::ssl::context::tls_server);
  tls.use_certificate_chain_file((pki / "proxy.pem").string());
  tls.use_private_key_file((pki / "proxy.key").string(), asio::ssl::context::pem);
  fixture f;
  auto port = f.server.listen_https("127.0.0.1", 0, tls);
  REQUIRE(port);
  f.run();
  ocsp_test::temp_dir dir;
  const std::string body(256 * 1024, 'x');
  ocsp_test::write_text(dir / "request", "PUT /v1/ocsp HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                             std::to_string(body.size()) + "\r\n\r\n" + body);
  const process_output out = capture("openssl s_client -quiet -ign_eof -connect 127.0.0.1:" +
                                     std::to_string(port.value()) + " < " + (dir / "request").string() + " 2>/dev/null");
  CHECK(out.text.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(out.text.find("\"error_code\":\"payload_too_large\"") != std::string::npos);
}

TEST_CASE("unix: curl --unix-socket as this uid is admin, the file is 0660, replaces a stale one, goes on stop",
          "[unix]") {
  ocsp_test::temp_dir dir;
  const auto path = dir / "ocspd.sock";
  {  // a stale socket file, as a crashed run leaves it
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd);
  }
  REQUIRE(std::filesystem::exists(path));

  auto f = std::make_unique<fixture>();
  REQUIRE(f->server.listen_unix(path));
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0660);
  f->run();

  const reply r = curl("--unix-socket " + path.string() + " http://localhost/v1/ocsp");
  CHECK(r.status == 200);
  CHECK(r.body.find("\"query_frequency\":3600") != std::string::npos);

  // A live socket is not taken over; a path that is not a socket is not removed.
  fixture other;
  const auto live = other.server.listen_unix(path);
  REQUIRE_FALSE(live);
  CHECK(live.error() == boost::asio::error::address_in_use);
  ocsp_test::write_text(dir / "plain", "x");
  const auto plain = other.server.listen_unix(dir / "plain");
  REQUIRE_FALSE(plain);
  CHECK(plain.error() == boost::system::errc::file_exists);

  f->server.stop();
  f->thread.join();
  CHECK_FALSE(std::filesystem::exists(path));
  const auto log = f->log();
  REQUIRE(log.size() == 1);
  CHECK(log[0].find("\"remote\":\"unix:" + std::to_string(::getuid()) + "\"") != std::string::npos);
}

TEST_CASE("unix: an unmapped uid gets 403", "[unix]") {
  ocsp_test::temp_dir dir;
  ocsp::http::server_options o;
  o.unix_identity = [](std::uint32_t) { return std::optional<ocsp::principal>{}; };
  fixture f(o);
  REQUIRE(f.server.listen_unix(dir / "s"));
  f.run();
  const reply r = curl("--unix-socket " + (dir / "s").string() + " http://localhost/v1/ocsp");
  CHECK(r.status == 403);
  CHECK(r.body.find("\"error_code\":\"insufficient_permissions\"") != std::string::npos);
}

TEST_CASE("shutdown: a request in flight still gets its 200, then the port refuses", "[http][shutdown]") {
  auto store = std::make_shared<slow_store>();
  fixture f({}, store);
  const auto port = f.http();
  f.run();
  auto in_flight = std::async(std::launch::async, [&] {
    return curl(admin + "-X PUT -d '{\"query_frequency\":600}' " + http_url(port));
  });
  for (int i = 0; i < 500 && !store->saving; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(store->saving);
  const auto start = std::chrono::steady_clock::now();
  f.server.stop();
  const reply r = in_flight.get();
  CHECK(r.status == 200);
  CHECK(has_header(r, "Connection: close"));
  f.thread.join();  // run() returned: nothing is left on the io_context
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  CHECK(curl(admin + http_url(port)).curl_exit == 7);  // connection refused
}

TEST_CASE("access log: one JSON line per request with its fields, no credentials in it", "[http][log]") {
  fixture f;
  const auto port = f.http();
  f.run();
  curl(admin + http_url(port));
  curl("-u admin:wrongpassword " + http_url(port));
  curl(admin + "-X PUT -d '{\"query_frequency\":59}' '" + http_url(port, "/v1/ocsp?x=\"y") + "'");
  f.server.stop();
  f.thread.join();

  const auto lines = f.log();
  REQUIRE(lines.size() == 3);
  simdjson::dom::parser parser;
  const std::regex iso(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
  struct expected {
    unsigned status;
    const char* user;
    const char* error_code;
  };
  const expected want[] = {{200, "admin", nullptr}, {401, nullptr, "unauthorized"}, {400, "admin", "invalid_schema"}};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    INFO(lines[i]);
    CHECK(lines[i].find("secret") == std::string::npos);
    CHECK(lines[i].find("wrongpassword") == std::string::npos);
    CHECK(lines[i].find("YWRtaW46") == std::string::npos);  // base64 of "admin:"
    CHECK(lines[i].find("query_frequency") == std::string::npos);  // no body
    simdjson::dom::element e;
    REQUIRE(parser.parse(lines[i]).get(e) == simdjson::SUCCESS);
    CHECK(std::regex_match(std::string(e["time"].get_string().value()), iso));
    CHECK(e["method"].get_string().value() == (i == 2 ? "PUT" : "GET"));
    CHECK(e["status"].get_int64().value() == want[i].status);
    CHECK(e["latency_ms"].is_number());
    CHECK(e["remote"].get_string().value() == "127.0.0.1");
    if (want[i].user != nullptr) CHECK(e["user"].get_string().value() == want[i].user);
    else CHECK(e["user"].is_null());
    if (want[i].error_code != nullptr) CHECK(e["error_code"].get_string().value() == want[i].error_code);
    else CHECK(e["error_code"].is_null());
  }
  simdjson::dom::element last;
  REQUIRE(parser.parse(lines[2]).get(last) == simdjson::SUCCESS);
  CHECK(last["target"].get_string().value().substr(0, 11) == "/v1/ocsp?x=");
}
