// ocspd's composition: the state directory, the stores, the service, the poller, the users, the
// listeners, the signals. main.cpp parses the command line into `daemon_options`.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <ocsp/permissions.hpp>

namespace ocspd {

/// "ADDR:PORT" split ("[::1]:8443" for IPv6).
struct listen_address {
  std::string host;
  std::uint16_t port = 0;
};

struct daemon_options {
  std::filesystem::path state_dir;
  std::optional<std::filesystem::path> proxy_cert, issuer_cert;
  std::optional<listen_address> https, http;
  std::optional<std::filesystem::path> tls_cert, tls_key;
  std::filesystem::path unix_socket;            // empty: <state_dir>/ocspd.sock
  std::map<std::uint32_t, ocsp::role> unix_roles;
  std::string access_log = "-";                 // "-": stdout; "": none; else a file (appended)
  std::size_t max_connections = 256;
  std::chrono::seconds idle_timeout{30};
  unsigned handler_threads = 2;
  unsigned io_threads = 2;                      // threads that run the connections (io_context::run)
  bool demo = false;
  std::uint16_t responder_port = 9888;          // demo only
};

/// Runs until SIGTERM/SIGINT; returns the process exit code (0 after a graceful stop, 1 when
/// start-up fails, with the reason on stderr).
int run_daemon(daemon_options options);

/// Parses "HOST:PORT" / "[V6]:PORT"; nullopt with `error` otherwise.
std::optional<listen_address> parse_listen_address(const std::string& text, std::string& error);

}  // namespace ocspd
