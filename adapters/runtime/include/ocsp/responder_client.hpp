// The responder client: one OCSP request sent to the responder of the proxy certificate, over
// HTTP/1.1 (RFC 6960 Appendix A, RFC 5019 section 5), and its DER answer returned.
//
// parse_responder_url checks a responder URL once (the poller keeps the parsed form).
// query_responder is synchronous and one-shot: it runs its own io_context on the calling thread
// (the poller's worker thread) and returns when the answer is complete, when something failed, or
// at the deadline, whichever comes first. One deadline bounds the whole exchange: name
// resolution, connection, TLS handshake, writing the request and reading the answer. Nothing
// blocks past it: a host name is resolved on a detached helper thread whose result is dropped if
// it comes too late, and on the deadline the socket is closed and every pending operation ends.
//
// What is checked: the status is 200 (redirects are answers like any other status, not
// followed), Content-Type is application/ocsp-response (case and parameters tolerated, RFC 9110
// 8.3), the header and the body stay under their caps (a Content-Length over the body cap is
// refused before any byte of the body is read; a chunked or close-delimited body stops at the
// cap). The body is returned as it came: checking that it is an OCSP response is the caller's job.
// For https, the responder's certificate must chain to the configured CA file (or to the system
// store) and name the URL's host (DNS name or IP address); TLS 1.2 or later.
//
// Errors are api_result's error_info: an errc of block 320 (responder_*) and a message that
// names the responder (host:port) and what happened, e.g. "connect to 127.0.0.1:18080 failed:
// Connection refused". Tests assert on the errc only.
//
// This header does not include Asio or Beast; they stay in the implementation.
#pragma once

#include "ocsp/der.hpp"
#include "ocsp/error.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ocsp {

/// A responder URL, parsed: http(s)://host[:port][/path][?query].
struct responder_url {
  bool https = false;
  /// A DNS name, a dotted IPv4 address, or an IPv6 address (without its brackets).
  std::string host;
  std::uint16_t port = 80;
  /// The request target: the path (at least "/") and the query, if any, as in the URL.
  std::string target = "/";

  /// host:port for messages: "127.0.0.1:18080", "[::1]:443", "ocsp.example.com:80".
  std::string endpoint() const;
  /// The Host header value: the host (IPv6 in brackets) and the port unless it is the default.
  std::string host_header() const;
  /// The URL again, normalised: scheme in lower case, default port omitted.
  std::string to_string() const;

  friend bool operator==(const responder_url&, const responder_url&) = default;
};

/// Parses an http or https URL (scheme case-insensitive). The host is a DNS name (letters,
/// digits, '-', '_' and dots; labels of 1 to 63 characters), a dotted-quad IPv4 address, or an
/// IPv6 address in brackets; the port (1..65535) defaults to 80 / 443; the path defaults to "/".
/// Refused: userinfo ("user@"), a fragment ('#'), an empty port, whitespace, control or non-ASCII
/// characters, a malformed percent-encoding. Errors: errc::responder_bad_url.
result<responder_url> parse_responder_url(std::string_view url);

/// TLS settings for https responders.
struct responder_tls_options {
  /// A PEM file of the CA certificates trusted to issue the responder's certificate; empty: the
  /// system's default store.
  std::string ca_file;
};

struct responder_query_options {
  /// One deadline for the whole exchange (the contract's response_timeout).
  std::chrono::milliseconds timeout{1000};
  /// The cap on the response body, in bytes.
  std::size_t max_response_size = 64 * 1024;
  /// The cap on the response's status line and header fields, in bytes.
  std::size_t max_header_size = 8 * 1024;
  /// RFC 5019 section 5: send GET {url}/{url-encoded base64 of the request} when that whole URL
  /// is shorter than 255 bytes and the URL has no query; POST otherwise (and always when false).
  bool use_get = false;
  responder_tls_options tls;
};

/// Sends `request_der` (a DER OCSPRequest, only read during the call) to the responder at `url`
/// and returns the body of its answer, byte for byte. Synchronous; returns within
/// options.timeout (plus scheduling slack). Thread-safe: calls share nothing.
/// Errors (error_info.code is an ocsp::errc):
///   responder_unreachable      name resolution or connection failed
///   responder_timeout          the deadline passed before the answer was complete
///   responder_tls_failed       TLS handshake or certificate / host name verification failed,
///                              or the CA file cannot be loaded
///   responder_protocol_error   the answer is not HTTP/1.x, or the connection closed before its end
///   responder_http_status      a status other than 200 (3xx included: redirects are not followed)
///   responder_content_type     Content-Type missing or not application/ocsp-response
///   responder_body_too_large   the body (or header) is larger than its cap
///   internal_error             out of memory (no other exception escapes)
api_result<std::vector<std::uint8_t>> query_responder(const responder_url& url, der::bytes request_der,
                                                      const responder_query_options& options = {});

/// The request target query_responder uses for an RFC 5019 GET of `request_der`: the URL's target,
/// a '/' (unless the target already ends with one), and the base64 of the DER with '+', '/' and
/// '=' percent-encoded. Exposed for tests and logs; query_responder decides GET or POST by the
/// length of the whole URL (scheme, authority and this target).
std::string ocsp_get_target(const responder_url& url, der::bytes request_der);

}  // namespace ocsp
