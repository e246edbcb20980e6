#include "daemon.hpp"

#include "demo.hpp"
#include "tls_identity.hpp"

#include <ocsp/certificate.hpp>
#include <ocsp/config_store.hpp>
#include <ocsp/http/server.hpp>
#include <ocsp/poller.hpp>
#include <ocsp/router.hpp>
#include <ocsp/service.hpp>
#include <ocsp/stapling.hpp>
#include <ocsp/state_dir.hpp>
#include <ocsp/status_store.hpp>
#include <ocsp/unix/peer_roles.hpp>
#include <ocsp/users.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>

namespace ocspd {
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// ocspd's own messages: one line each on stdout (start-up, listeners, signals) or stderr (faults).
void say(const std::string& line) {
  std::fprintf(stdout, "ocspd: %s\n", line.c_str());
  std::fflush(stdout);
}

int fail(const std::string& line) {
  std::fprintf(stderr, "ocspd: %s\n", line.c_str());
  return 1;
}

// Where the access log goes: stdout, a file (appended), or nowhere.
class access_log_sink {
 public:
  bool open(const std::string& target, std::string& error) {
    if (target.empty()) return true;
    if (target == "-") {
      file_ = stdout;
      return true;
    }
    file_ = std::fopen(target.c_str(), "a");
    owned_ = file_ != nullptr;
    if (file_ == nullptr) error = "cannot open the access log " + target;
    return file_ != nullptr;
  }
  ~access_log_sink() {
    if (owned_) std::fclose(file_);
  }
  ocsp::http::access_logger logger() {
    if (file_ == nullptr) return {};
    return [this](std::string_view line) {
      const std::lock_guard lock(mutex_);
      std::fwrite(line.data(), 1, line.size(), file_);
      std::fputc('\n', file_);
      std::fflush(file_);
    };
  }

 private:
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
  bool owned_ = false;
};

std::string host_port(const std::string& host, std::uint16_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

ocsp::api_result<std::shared_ptr<const ocsp::proxy_certificate>> load_certificate(const daemon_options& o) {
  if (!o.proxy_cert) return std::shared_ptr<const ocsp::proxy_certificate>{};
  BOOST_OUTCOME_TRY(auto cert, ocsp::proxy_certificate::load(*o.proxy_cert, *o.issuer_cert));
  return std::make_shared<const ocsp::proxy_certificate>(std::move(cert));
}

void print_demo_guide(const daemon_options& o, const demo_pki& pki, std::uint16_t https_port,
                      std::uint16_t http_port, const std::optional<std::string>& password) {
  const std::string socket = o.unix_socket.string();
  const std::string secret = password ? *password : "$OCSPD_ADMIN_PASSWORD";
  const std::string tls = "curl -u admin:" + secret + " --cacert " + pki.root.string() + " https://localhost:" +
                          std::to_string(https_port);
  std::string guide =
      "demo: the PKI is in " + pki.dir.string() + ", the responder (openssl ocsp) on 127.0.0.1:" +
      std::to_string(pki.responder_port) + ", OCSP enabled.\n"
      "Try (over the UNIX socket, as this user, no password):\n"
      "  curl --unix-socket " + socket + " http://localhost/v1/ocsp\n"
      "  curl --unix-socket " + socket + " http://localhost/v1/ocsp/status\n"
      "  curl --unix-socket " + socket + " -X POST http://localhost/v1/ocsp/test\n"
      "  curl --unix-socket " + socket + " -X PUT -d '{\"query_frequency\":600}' http://localhost/v1/ocsp\n"
      "Over HTTPS (admin's password" + (password ? " shown above" : " as set in OCSPD_ADMIN_PASSWORD") + "):\n"
      "  " + tls + "/v1/ocsp/status\n"
      "  " + tls + "/v1/ocsp -X PUT -d '{\"ocsp_functionality\":true}'\n";
  if (http_port != 0) {
    guide += "Over plain HTTP: curl -u admin:" + secret + " http://127.0.0.1:" + std::to_string(http_port) + "/v1/ocsp\n";
  }
  guide += "The stapled response: openssl s_client -connect 127.0.0.1:" + std::to_string(https_port) +
           " -status -CAfile " + pki.root.string() + " </dev/null | grep -A3 'OCSP Response Status'\n";
  std::fputs(guide.c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace

std::optional<listen_address> parse_listen_address(const std::string& text, std::string& error) {
  listen_address out;
  std::size_t colon = std::string::npos;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      error = "expected [IPV6]:PORT, got \"" + text + "\"";
      return std::nullopt;
    }
    out.host = text.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      error = "expected ADDRESS:PORT (for example 127.0.0.1:8443), got \"" + text + "\"";
      return std::nullopt;
    }
    out.host = text.substr(0, colon);
  }
  const std::string port = text.substr(colon + 1);
  char* end = nullptr;
  const unsigned long value = port.empty() ? 70000 : std::strtoul(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || value > 65535) {
    error = "the port of \"" + text + "\" must be 0..65535";
    return std::nullopt;
  }
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

int run_daemon(daemon_options o) {
  if (o.unix_socket.empty()) o.unix_socket = o.state_dir / "ocspd.sock";
  if (o.demo) {
    if (!o.https) o.https = listen_address{"127.0.0.1", 9443};
    if (!o.http) o.http = listen_address{"127.0.0.1", 9080};
  }

  auto opened = ocsp::state_directory::open(o.state_dir);
  if (!opened) return fail(opened.error().message);
  auto dir = std::make_shared<ocsp::state_directory>(std::move(opened).value());

  // Demo: the PKI and the responder first, before any thread exists (the responder is forked).
  demo_pki pki;
  demo_responder responder;
  if (o.demo) {
    std::string error;
    if (!ensure_demo_pki(o.state_dir, o.responder_port, pki, error)) return fail("demo: " + error);
    o.proxy_cert = pki.proxy;
    o.issuer_cert = pki.issuer;
    if (!o.tls_cert) o.tls_cert = pki.proxy_chain;
    if (!o.tls_key) o.tls_key = pki.proxy_key;
    say(std::string("demo: ") + (pki.created ? "generated the PKI in " : "reusing the PKI in ") + pki.dir.string());
    if (!responder.start(pki, error)) return fail("demo: " + error);
    say("demo: responder (openssl ocsp) on port " + std::to_string(pki.responder_port));
  }

  auto users_opened = ocsp::users_store::open(dir);
  if (!users_opened) return fail(users_opened.error().message);
  std::shared_ptr<ocsp::users_store> users = std::move(users_opened).value();
  std::optional<std::string> admin_password;
  if (const char* env = std::getenv("OCSPD_ADMIN_PASSWORD"); env != nullptr && *env != '\0') admin_password = env;
  auto admin = users->ensure_admin(admin_password);
  if (!admin) return fail("cannot create the first admin: " + admin.error().message);
  std::optional<std::string> shown_password;
  if (admin.value()) {
    shown_password = *admin.value();
    say("created user admin with password " + *shown_password + " (shown once)");
  } else if (admin_password && users->list().size() == 1) {
    shown_password = admin_password;  // created from the environment just now, or earlier
  }

  auto certificate = load_certificate(o);
  if (!certificate) return fail(certificate.error().message);

  auto created = ocsp::service::create({.store = std::make_shared<ocsp::file_config_store>(dir),
                                        .certificate = certificate.value(),
                                        .answers = std::make_shared<ocsp::file_status_store>(dir)});
  if (!created) return fail(created.error().message);
  std::unique_ptr<ocsp::service> svc = std::move(created).value();
  if (!svc->restore_note().empty()) say(svc->restore_note());

  const auto poller = ocsp::poller::create(*svc, {.log = [](std::string_view line) {
                                                    std::fprintf(stderr, "ocspd: poller: %.*s\n",
                                                                 static_cast<int>(line.size()), line.data());
                                                  }});
  if (o.demo && pki.created && !svc->config().ocsp_functionality) {
    auto enabled = svc->put_config(ocsp::principal{"ocspd", ocsp::role::admin}, R"({"ocsp_functionality":true})");
    if (!enabled) return fail("demo: cannot enable OCSP: " + enabled.error().message);
  }

  access_log_sink access_log;
  {
    std::string error;
    if (!access_log.open(o.access_log, error)) return fail(error);
  }

  // HTTPS: the certificate comes from `identity` on each handshake (reloadable); the OCSP response
  // is stapled when the served certificate is the proxy certificate. Both outlive the server.
  asio::ssl::context tls(asio::ssl::context::tls_server);
  tls_identity identity;

  asio::io_context io;
  const ocsp::router router(*svc);
  ocsp::http::server_options server_options;
  server_options.authenticate = [users](std::string_view authorization) -> std::optional<ocsp::principal> {
    const auto credentials = ocsp::parse_basic_authorization(authorization);
    if (!credentials) return std::nullopt;
    return users->authenticate(credentials->first, credentials->second);
  };
  server_options.unix_identity = ocsp::unix_socket::make_uid_mapper(o.unix_roles);
  server_options.access_log = access_log.logger();
  server_options.max_connections = o.max_connections;
  server_options.idle_timeout = o.idle_timeout;
  server_options.handler_threads = o.handler_threads;
  ocsp::http::server server(io, router, std::move(server_options));

  std::uint16_t https_port = 0, http_port = 0;
  if (o.https) {
    if (!o.tls_cert || !o.tls_key) return fail("--https-listen needs --tls-cert and --tls-key");
    std::string error;
    if (!identity.load(*o.tls_cert, *o.tls_key, error)) return fail(error);
    tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    identity.install(tls.native_handle());
    ocsp::enable_ocsp_stapling(tls.native_handle(),
                               [&svc, &identity, poller]() -> std::shared_ptr<const ocsp::cache_entry> {
                                 const auto cert = svc->certificate();
                                 if (!cert || !identity.serves(cert->der())) return nullptr;
                                 return poller->staple();
                               });
    auto port = server.listen_https(o.https->host, o.https->port, tls);
    if (!port) return fail("cannot listen on https " + host_port(o.https->host, o.https->port) + ": " + port.error().message());
    https_port = port.value();
    say("https listening on " + host_port(o.https->host, https_port));
  }
  if (o.http) {
    auto port = server.listen_http(o.http->host, o.http->port);
    if (!port) return fail("cannot listen on http " + host_port(o.http->host, o.http->port) + ": " + port.error().message());
    http_port = port.value();
    say("http listening on " + host_port(o.http->host, http_port));
  }
  if (auto listening = server.listen_unix(o.unix_socket); !listening) {
    return fail("cannot listen on the unix socket " + o.unix_socket.string() + ": " + listening.error().message());
  }
  say("unix socket listening on " + o.unix_socket.string());

  // SIGHUP reloads the certificates; SIGTERM / SIGINT stop gracefully.
  asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  const auto reload = [&] {
    if (o.proxy_cert) {
      auto next = load_certificate(o);
      if (!next) {
        say("SIGHUP: keeping the current proxy certificate: " + next.error().message);
      } else if (const auto now = svc->certificate(); now && now->der() == next.value()->der()) {
        say("SIGHUP: the proxy certificate is unchanged");
      } else {
        say("SIGHUP: proxy certificate replaced (serial " + next.value()->serial_hex() + ", responder URL \"" +
            next.value()->responder_url() + "\")");
        svc->replace_certificate(next.value());
      }
    }
    if (o.https) {
      std::string error;
      say(identity.load(*o.tls_cert, *o.tls_key, error) ? "SIGHUP: TLS certificate reloaded"
                                                          : "SIGHUP: keeping the current TLS certificate: " + error);
    }
  };
  std::function<void()> wait_for_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        reload();
        wait_for_signal();
        return;
      }
      say(std::string("stopping (") + (signal == SIGTERM ? "SIGTERM" : "SIGINT") + ")");
      server.stop();
    });
  };
  wait_for_signal();

  if (o.demo) print_demo_guide(o, pki, https_port, http_port, shown_password);
  say("ready");
  io.run();

  poller->stop();
  responder.stop();
  say("stopped");
  return 0;
}

}  // namespace ocspd
