// The client side of ocspd's REST API, for ocspctl's daemon commands: one HTTP/1.1 request and its
// whole answer, over the daemon's UNIX socket (the daemon knows the caller from SO_PEERCRED), plain
// HTTP or HTTPS (the server's certificate verified against a CA file and the URL's host, HTTP
// Basic credentials sent), all under one deadline.
//
// call_daemon is synchronous and one-shot, as a command-line tool wants it: it runs a private
// io_context on the calling thread and returns the answer (any status: a 4xx or 5xx is an answer
// too, and the caller reads its error body) or, when no answer came, a message saying why. Name
// resolution of a host name is a blocking lookup before the deadline starts; the connection, the
// TLS handshake, writing the request and reading the answer share the deadline.
//
// Asio and Beast stay in daemon_client.cpp: they are compiled once, in ocsp::runtime.
#pragma once

#include "ocsp/responder_client.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ocspctl {

/// Where the daemon is and how to talk to it.
struct daemon_endpoint {
  /// The daemon's HTTP or HTTPS listener (parse_responder_url's form; the target must be "/");
  /// unset: the UNIX socket at socket_path.
  std::optional<ocsp::responder_url> url;
  std::string socket_path;
  /// HTTP Basic credentials, sent over TCP only; no Authorization header when user is empty.
  std::string user;
  std::string password;
  /// PEM file of the CA certificates that verify an https server; empty: the system store.
  std::string ca_file;
  /// One deadline for the connection, the TLS handshake, the request and the answer.
  std::chrono::seconds timeout{30};

  /// "unix socket PATH" or "https://HOST:PORT", for messages.
  std::string describe() const;
};

/// The daemon's answer, whatever its status.
struct daemon_reply {
  unsigned status = 0;
  std::string reason;  // "Bad Request"
  std::string content_type;
  std::string body;
};

/// Either the answer, or why there is none (`error`: the transport failure, in a sentence that
/// names the endpoint: "cannot connect to unix socket /x.sock: No such file or directory").
struct daemon_call_result {
  std::optional<daemon_reply> reply;
  std::string error;
};

/// Sends `method target` (with `body` as application/json when not empty) and reads the answer.
/// The answer body is capped at 1 MiB (a larger one is an error). Never throws.
daemon_call_result call_daemon(const daemon_endpoint& endpoint, std::string_view method, std::string_view target,
                               std::string_view body = {});

}  // namespace ocspctl
