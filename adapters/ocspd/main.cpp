// ocspd: the OCSP status daemon. Parses the command line and hands over to run_daemon (daemon.cpp)
// or to the users command (users_command.cpp).
#include "daemon.hpp"
#include "users_command.hpp"

#include <ocsp/unix/peer_roles.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
#include <iostream>
#include <thread>
#include <string>
#include <vector>

namespace po = boost::program_options;

namespace {

constexpr int exit_usage = 2;

unsigned default_io_threads() {
  const unsigned cpus = std::thread::hardware_concurrency();
  return cpus == 0 ? 2 : std::min(cpus, 8U);
}

int usage(const std::string& what) {
  std::cerr << "ocspd: " << what << " (see ocspd --help)\n";
  return exit_usage;
}

constexpr const char* intro =
    "ocspd: keeps the OCSP status of a TLS proxy certificate fresh, verified and stapled, and serves the\n"
    "REST API (GET/PUT /v1/ocsp, GET /v1/ocsp/status, POST /v1/ocsp/test) over HTTPS, HTTP and a UNIX socket.\n"
    "\n"
    "Usage:\n"
    "  ocspd --proxy-cert PEM --issuer-cert PEM [--https-listen ADDR:PORT --tls-cert PEM --tls-key PEM] ...\n"
    "  ocspd --demo [--state-dir DIR]      a demo PKI, a local responder, the API on loopback\n"
    "  ocspd user add NAME --role ROLE     (and passwd, role, remove, list; see ocspd user --help)\n"
    "\n"
    "The first admin is created when there are no users: user \"admin\" with the password in\n"
    "OCSPD_ADMIN_PASSWORD, or a generated one printed once. SIGHUP reloads the certificates;\n"
    "SIGTERM and SIGINT stop after the requests in flight.\n";

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "user") return ocspd::users_command({args.begin() + 1, args.end()});

  po::options_description options("Options");
  options.add_options()("help,h", "show this help")(
      "state-dir", po::value<std::string>(),
      "state directory: configuration, cached status, users, lock (default /var/lib/ocspd; ./ocspd-demo with --demo)")(
      "proxy-cert", po::value<std::string>(), "the proxy certificate whose status is kept (PEM)")(
      "issuer-cert", po::value<std::string>(), "its issuer's certificate (PEM)")(
      "https-listen", po::value<std::string>(), "serve HTTPS on ADDR:PORT (TLS 1.2 and later)")(
      "tls-cert", po::value<std::string>(),
      "the HTTPS certificate chain (PEM, leaf first); when it is the proxy certificate, its OCSP response is stapled")(
      "tls-key", po::value<std::string>(), "the HTTPS private key (PEM)")(
      "http-listen", po::value<std::string>(), "serve plain HTTP on ADDR:PORT (loopback or a trusted network only)")(
      "unix-socket", po::value<std::string>(), "the UNIX socket (default STATE_DIR/ocspd.sock, mode 0660)")(
      "unix-role", po::value<std::vector<std::string>>()->composing(),
      "UID=ROLE: the role of a local user over the UNIX socket (repeatable); this process's uid and root are "
      "admin, unmapped uids get 403")(
      "access-log", po::value<std::string>()->default_value("-"),
      "where the JSON access log goes: - (stdout), a file (appended), or \"\" for none")(
      "max-connections", po::value<unsigned>()->default_value(256),
      "open connections across the listeners; one more is answered 503")(
      "idle-timeout", po::value<unsigned>()->default_value(30), "seconds a keep-alive connection may stay idle")(
      "handler-threads", po::value<unsigned>()->default_value(2),
      "threads that run the requests that may block (password checks, PUTs, tests)")(
      "io-threads", po::value<unsigned>()->default_value(default_io_threads()),
      "threads that run the connections and answer cached GETs (default: the CPU count, at most 8)")(
      "demo", "demo mode: generate a demo PKI in the state directory, run a local responder (openssl ocsp), "
              "enable OCSP, listen on 127.0.0.1:9443 (HTTPS) and 127.0.0.1:9080 (HTTP) unless told otherwise")(
      "responder-port", po::value<unsigned>()->default_value(9888), "demo: the local responder's port");

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(options).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return usage(e.what());
  }
  if (vm.count("help")) {
    std::cout << intro << "\n" << options;
    return 0;
  }

  ocspd::daemon_options o;
  o.demo = vm.count("demo") > 0;
  o.state_dir = vm.count("state-dir") ? vm["state-dir"].as<std::string>() : o.demo ? "ocspd-demo" : "/var/lib/ocspd";
  const auto path = [&](const char* name) -> std::optional<std::filesystem::path> {
    if (!vm.count(name)) return std::nullopt;
    return std::filesystem::path(vm[name].as<std::string>());
  };
  o.proxy_cert = path("proxy-cert");
  o.issuer_cert = path("issuer-cert");
  o.tls_cert = path("tls-cert");
  o.tls_key = path("tls-key");
  if (auto socket = path("unix-socket")) o.unix_socket = *socket;
  o.access_log = vm["access-log"].as<std::string>();

  if (o.demo && (o.proxy_cert || o.issuer_cert)) return usage("--demo makes its own certificates: drop --proxy-cert and --issuer-cert");
  if (o.proxy_cert.has_value() != o.issuer_cert.has_value()) return usage("--proxy-cert and --issuer-cert go together");
  if (o.tls_cert.has_value() != o.tls_key.has_value()) return usage("--tls-cert and --tls-key go together");
  if (vm.count("https-listen") && !o.tls_cert && !o.demo) return usage("--https-listen needs --tls-cert and --tls-key");

  std::string error;
  for (const char* name : {"https-listen", "http-listen"}) {
    if (!vm.count(name)) continue;
    auto address = ocspd::parse_listen_address(vm[name].as<std::string>(), error);
    if (!address) return usage(std::string("--") + name + ": " + error);
    (std::string_view(name) == "https-listen" ? o.https : o.http) = *address;
  }
  if (vm.count("unix-role")) {
    for (const std::string& entry : vm["unix-role"].as<std::vector<std::string>>()) {
      auto mapped = ocsp::unix_socket::parse_uid_role(entry, error);
      if (!mapped) return usage("--unix-role: " + error);
      o.unix_roles[mapped->uid] = mapped->role;
    }
  }
  const unsigned max_connections = vm["max-connections"].as<unsigned>();
  const unsigned idle_timeout = vm["idle-timeout"].as<unsigned>();
  const unsigned handler_threads = vm["handler-threads"].as<unsigned>();
  const unsigned io_threads = vm["io-threads"].as<unsigned>();
  if (max_connections == 0 || max_connections > 1'000'000) return usage("--max-connections must be 1..1000000");
  if (idle_timeout == 0 || idle_timeout > 86400) return usage("--idle-timeout must be 1..86400 seconds");
  if (handler_threads == 0 || handler_threads > 256) return usage("--handler-threads must be 1..256");
  if (io_threads == 0 || io_threads > 256) return usage("--io-threads must be 1..256");
  o.max_connections = max_connections;
  o.idle_timeout = std::chrono::seconds(idle_timeout);
  o.handler_threads = handler_threads;
  o.io_threads = io_threads;
  const unsigned responder_port = vm["responder-port"].as<unsigned>();
  if (responder_port == 0 || responder_port > 65535) return usage("--responder-port must be 1..65535");
  o.responder_port = static_cast<std::uint16_t>(responder_port);

  return ocspd::run_daemon(std::move(o));
}
