// The HTTP adapter: the router of libocsp served over HTTP/1.1 on TCP, HTTPS and an AF_UNIX socket.
//
// One `server` owns any number of listeners (`listen_http`, `listen_https`, `listen_unix`) on the
// caller's io_context; every accepted connection gets a session that reads one request at a time
// (keep-alive, pipelined requests answered strictly in order), asks the router, and writes the
// answer. A GET whose caller is known without a password derivation runs the router right on the
// I/O thread (the router's reads never block); everything else runs on a small pool owned by the
// server, so a slow request (a PUT's durable save, a POST test's OCSP query, a password hash)
// does not stall other connections.
//
// Threads: the caller runs the io_context, on one thread or several (sessions are on strands).
// `stop()` may be called from any thread; when it has drained the sessions and closed the
// listeners the server holds no work on the io_context, so `run()` returns. Destroy the server only
// after run() has returned (or was never called).
//
// Identity: over TCP from the HTTP Basic `Authorization` header through `authenticate`; over the
// UNIX socket from the peer's SO_PEERCRED uid through `unix_identity`. A caller that is not
// authenticated reaches the router with no principal (401); a UNIX peer whose uid maps to nothing
// gets a principal with role none (403, as the contract says for unmapped uids).
//
// Limits (see server_options): header size (431), body size (413), concurrent connections (503),
// idle time between requests, a deadline per request (slowloris), TLS handshake time. Any answer
// the adapter gives itself uses the contract's error body; after 400/413/431/503 the connection is
// closed, and a deadline that expires closes it without an answer. Nothing here throws: failures are error codes.
#pragma once

#include "ocsp/error.hpp"
#include "ocsp/permissions.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace ocsp {
class router;
}

namespace ocsp::http {

/// Maps the value of an `Authorization` header ("Basic dXNlcjpwYXNz") to a principal, or nullopt
/// when the credentials are missing or wrong. Called on the handler pool: it may block briefly
/// (a slow password hash), and must be thread-safe.
using basic_authenticator = std::function<std::optional<principal>(std::string_view authorization)>;

/// Maps a UNIX-socket peer's uid to a principal, or nullopt for an unmapped uid. Thread-safe.
using uid_mapper = std::function<std::optional<principal>(std::uint32_t uid)>;

/// Receives one access-log line per answered request: a compact JSON object with time (ISO 8601
/// UTC), method, target, status, latency_ms, user (or null), error_code (or null) and remote (an
/// IP address, or "unix:UID"). Never the Authorization header or a body. Called on the io_context
/// threads, possibly concurrently: thread-safe, and quick.
using access_logger = std::function<void(std::string_view json_line)>;

/// The default UNIX-socket mapping: this process's effective uid and root are admin (the user is
/// the account name, or "uid:N"); every other uid is unmapped.
std::optional<principal> default_unix_identity(std::uint32_t uid);

struct server_options {
  /// Request line and header fields together, in bytes: larger is 431 and the connection closes.
  std::size_t header_limit = 8 * 1024;
  /// Request body, in bytes: larger is 413 and the connection closes (the contract's bodies are tiny).
  std::size_t body_limit = 64 * 1024;
  /// Open connections across all listeners. One more is accepted, answered 503 and closed; past
  /// twice this many, a new connection is closed at once without an answer.
  std::size_t max_connections = 256;
  /// How long a keep-alive connection may wait for the first byte of its next request.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(30)};
  /// From the first byte of a request until it is read whole; also bounds writing the answer. An
  /// expired deadline closes the connection (no 408: the stream is closed by the timer).
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  /// The TLS handshake, and the TLS close_notify exchange when a connection ends.
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(10)};
  /// How long `stop()` lets in-flight requests finish before it closes every connection.
  std::chrono::milliseconds shutdown_grace{std::chrono::seconds(5)};
  /// Threads that run the router (and the authenticator).
  unsigned handler_threads = 2;
  /// TCP and HTTPS identity; unset: every TCP caller is unauthenticated (401).
  basic_authenticator authenticate{};
  /// Optional: the same answer as `authenticate` when it can be given without blocking (a cache of
  /// verified credentials), nullopt otherwise. A GET whose caller it knows is answered on the I/O
  /// thread, without the hop to the handler pool; any other request, or a nullopt, goes through
  /// `authenticate` on the pool. Thread-safe, quick.
  basic_authenticator authenticate_cached{};
  /// UNIX-socket identity.
  uid_mapper unix_identity = default_unix_identity;
  /// Unset: no access log.
  access_logger access_log{};
};

class server {
 public:
  /// `router` must outlive the server.
  server(boost::asio::io_context& io, const ocsp::router& router, server_options options = {});
  /// Closes whatever is still open and removes the UNIX socket files. Call after run() returned.
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Plain HTTP on `address` ("127.0.0.1", "::", ...) and `port` (0 picks one). Returns the bound
  /// port. Errors: the address does not parse, or bind/listen fails (address_in_use, ...).
  result<std::uint16_t> listen_http(const std::string& address, std::uint16_t port);

  /// HTTPS with `tls` (certificate and key loaded by the caller; must outlive the server). Each
  /// connection is restricted to TLS 1.2 and later whatever `tls` allows; `tls` itself is not
  /// changed (OCSP stapling, if wanted, is installed on it by the caller: ocsp/stapling.hpp).
  result<std::uint16_t> listen_https(const std::string& address, std::uint16_t port, boost::asio::ssl::context& tls);

  /// HTTP over an AF_UNIX stream socket at `path`, created with mode 0660 and removed by stop().
  /// A stale socket file (nothing accepts on it) is replaced; a live one is address_in_use, and a
  /// path that exists but is not a socket is file_exists.
  result<void> listen_unix(const std::filesystem::path& path);

  /// Graceful shutdown, from any thread, idempotent: stops accepting and removes the UNIX socket
  /// files at once, closes idle connections, lets requests in flight finish and answer (with
  /// `Connection: close`) for up to shutdown_grace, then closes whatever remains.
  void stop();

  /// Connections open now (for tests and metrics).
  std::size_t connections() const noexcept;

  struct impl;

 private:
  std::shared_ptr<impl> impl_;
};

}  // namespace ocsp::http
