// The responder client over Asio and Beast. One exchange is one C++20 coroutine on a private
// io_context that the calling thread runs; a steady_timer holds the single deadline and, when it
// fires, closes the socket (ending whatever operation is pending) and wakes a pending resolve.
#include "ocsp/responder_client.hpp"

#include "ocsp/tls_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/vector_body.hpp>
#include <boost/beast/http/write.hpp>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

namespace ocsp {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// --- URL syntax (RFC 3986) -----------------------------------------------------------------------

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_hex(char c) noexcept { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

char to_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return to_lower(x) == to_lower(y);
         });
}

// path / query characters: pchar, '/' and '?'; '%' only as the start of %HH.
bool valid_target(std::string_view t) noexcept {
  static constexpr std::string_view allowed = "-._~!$&'()*+,;=:@/?";
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '%') {
      if (i + 2 >= t.size() || !is_hex(t[i + 1]) || !is_hex(t[i + 2])) return false;
      i += 2;
    } else if (!is_alpha(c) && !is_digit(c) && allowed.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool valid_ipv4(const std::string& s) {
  error_code ec;
  (void)asio::ip::make_address_v4(s, ec);
  return !ec;
}

// A DNS name: labels of letters, digits, '-' and '_', 1..63 each, not starting or ending with '-';
// at most 253 characters. A name whose last label looks numeric must be a dotted-quad address
// (resolvers read "127.1" or "0x7f.1" as addresses; the URL must say what it means).
bool valid_host_name(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  std::string_view last;
  for (std::size_t start = 0; start <= h.size();) {
    std::size_t end = h.find('.', start);
    if (end == std::string_view::npos) end = h.size();
    const std::string_view label = h.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (const char c : label) {
      if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_') return false;
    }
    last = label;
    start = end + 1;
  }
  const bool numeric = std::all_of(last.begin(), last.end(), is_digit) ||
                       (last.size() > 2 && last[0] == '0' && to_lower(last[1]) == 'x' &&
                        std::all_of(last.begin() + 2, last.end(), is_hex));
  return !numeric || valid_ipv4(std::string(h));
}

bool is_ipv6(const std::string& host) { return host.find(':') != std::string::npos; }

// --- RFC 5019 GET --------------------------------------------------------------------------------

std::string base64_url_encoded(der::bytes data) {
  std::string b64(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), data.data(), static_cast<int>(data.size()));
  b64.resize(static_cast<std::size_t>(std::max(n, 0)));
  std::string out;
  out.reserve(b64.size() + b64.size() / 4);
  for (const char c : b64) {
    if (c == '+') out += "%2B";
    else if (c == '/') out += "%2F";
    else if (c == '=') out += "%3D";
    else out += c;
  }
  return out;
}

// --- Messages ------------------------------------------------------------------------------------

// A header value quoted in a message: printable ASCII only, at most `max` characters.
std::string quoted(std::string_view v, std::size_t max = 120) {
  std::string out;
  for (const char c : v.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (v.size() > max) out += "...";
  return out;
}

std::string_view trim_ows(std::string_view v) noexcept {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// RFC 9110 8.3.1: media-type = type "/" subtype parameters; type and subtype are case-insensitive.
bool is_ocsp_response_type(std::string_view value) noexcept {
  return iequals(trim_ows(value.substr(0, value.find(';'))), "application/ocsp-response");
}

// --- Name resolution off the io_context ----------------------------------------------------------

// getaddrinfo cannot be cancelled, and Asio's async_resolve joins its helper thread when the
// io_context is destroyed, which would block past the deadline on a slow DNS. So a name is resolved
// on a detached thread that posts its result only while the exchange still waits for it.
struct resolve_state {
  std::mutex mutex;
  bool abandoned = false;  // the exchange is over: do not touch its io_context
};

// --- One exchange --------------------------------------------------------------------------------

class exchange {
 public:
  exchange(asio::io_context& io, const responder_url& url, der::bytes request, const responder_query_options& options)
      : io_(io), url_(url), request_(request), options_(options), socket_(io), deadline_(io), resolved_signal_(io) {}

  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;

  ~exchange() {
    if (resolve_) {
      const std::lock_guard lock(resolve_->mutex);
      resolve_->abandoned = true;
    }
  }

  void start() {
    deadline_.expires_after(options_.timeout);
    deadline_.async_wait([this](const error_code& ec) {
      if (ec != asio::error::operation_aborted) on_deadline();
    });
    asio::co_spawn(io_, run(), [this](std::exception_ptr e) {
      if (e) exception_ = e;
      deadline_.cancel();
    });
  }

  api_result<std::vector<std::uint8_t>> take_result() {
    if (exception_) {
      try {
        std::rethrow_exception(exception_);
      } catch (const std::exception& e) {
        return make_error(errc::internal_error, fmt::format("query to {} failed: {}", url_.endpoint(), e.what()));
      } catch (...) {
        return make_error(errc::internal_error, "query to " + url_.endpoint() + " failed: unknown exception");
      }
    }
    if (error_) return std::move(*error_);
    if (!body_) return make_error(errc::internal_error, "query to " + url_.endpoint() + " ended without a result");
    return std::move(*body_);
  }

 private:
  void on_deadline() {
    timed_out_ = true;
    error_code ignored;
    socket_.close(ignored);  // ends the pending connect, handshake, write or read
    resolved_signal_.cancel();
  }

  void fail(errc code, std::string message) { error_ = make_error(code, std::move(message)); }

  void fail_timeout(std::string_view phase) {
    fail(errc::responder_timeout, fmt::format("no complete answer from {} within {} ms (timed out {})",
                                              url_.endpoint(), options_.timeout.count(), phase));
  }

  asio::awaitable<void> run() {
    std::vector<tcp::endpoint> endpoints;
    if (!co_await resolve(endpoints)) co_return;
    if (!co_await connect(endpoints)) co_return;
    if (!url_.https) {
      co_await talk(socket_);
      co_return;
    }
    co_await talk_tls();
  }

  asio::awaitable<bool> resolve(std::vector<tcp::endpoint>& endpoints) {
    error_code ec;
    const auto literal = asio::ip::make_address(url_.host, ec);
    if (!ec) {
      endpoints.emplace_back(literal, url_.port);
      co_return true;
    }
    resolve_ = std::make_shared<resolve_state>();
    resolved_signal_.expires_at(asio::steady_timer::time_point::max());
    std::thread([state = resolve_, host = url_.host, port = std::to_string(url_.port), executor = io_.get_executor(),
                 this] {
      error_code error;
      std::vector<tcp::endpoint> found;
      try {
        asio::io_context local;
        tcp::resolver resolver(local);
        for (const auto& entry : resolver.resolve(host, port, error)) found.push_back(entry.endpoint());
      } catch (const std::exception&) {
        error = asio::error::no_memory;
      }
      const std::lock_guard lock(state->mutex);
      if (state->abandoned) return;
      // The handler runs only inside the exchange's io_context::run, while the exchange is alive;
      // the exchange marks the state abandoned before the io_context is destroyed.
      try {
        asio::post(executor, [this, error, found = std::move(found)]() mutable {
          resolved_.emplace(error, std::move(found));
          resolved_signal_.cancel();
        });
      } catch (const std::exception&) {
        // Out of memory: the exchange times out at its deadline.
      }
    }).detach();
    // The deadline may have passed before this coroutine first ran (a zero timeout): then nothing
    // would cancel the wait.
    if (timed_out_) {
      fail_timeout("resolving " + url_.host);
      co_return false;
    }
    co_await resolved_signal_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (timed_out_) {
      fail_timeout("resolving " + url_.host);
      co_return false;
    }
    if (!resolved_) {  // cannot happen: only the deadline or the answer wakes the wait
      fail(errc::internal_error, "resolving " + url_.host + " ended without an answer");
      co_return false;
    }
    if (resolved_->first || resolved_->second.empty()) {
      fail(errc::responder_unreachable,
           fmt::format("cannot resolve the responder host {}: {}", url_.host,
                       resolved_->first ? resolved_->first.message() : std::string("no address")));
      co_return false;
    }
    endpoints = std::move(resolved_->second);
    co_return true;
  }

  // Tries each address in turn, as a browser would, under the one deadline.
  asio::awaitable<bool> connect(const std::vector<tcp::endpoint>& endpoints) {
    error_code ec;
    for (const auto& endpoint : endpoints) {
      // async_connect reopens a closed socket, so a deadline that passed during the previous step
      // must be noticed here, or the new attempt would run unbounded.
      if (timed_out_) {
        fail_timeout("connecting");
        co_return false;
      }
      error_code ignored;
      socket_.close(ignored);
      co_await socket_.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
      if (timed_out_) {
        fail_timeout("connecting");
        co_return false;
      }
      if (!ec) co_return true;
    }
    fail(errc::responder_unreachable, fmt::format("connect to {} failed: {}", url_.endpoint(), ec.message()));
    co_return false;
  }

  asio::awaitable<void> talk_tls() {
    asio::ssl::context context(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    error_code ec;
    if (options_.tls.ca_file.empty()) {
      context.set_default_verify_paths(ec);
    } else {
      context.load_verify_file(options_.tls.ca_file, ec);
    }
    if (ec) {
      fail(errc::responder_tls_failed, fmt::format("cannot load the CA certificates for {} from {}: {}",
                                                   url_.endpoint(),
                                                   options_.tls.ca_file.empty() ? "the system store" : options_.tls.ca_file,
                                                   ec.message()));
      co_return;
    }
    context.set_verify_mode(asio::ssl::verify_peer);

    asio::ssl::stream<tcp::socket&> stream(socket_, context);
    SSL* ssl = stream.native_handle();
    const bool configured = expect_server_name(ssl, url_.host);
    if (!configured) {
      fail(errc::responder_tls_failed, "cannot set up TLS host name verification for " + url_.endpoint());
      co_return;
    }

    co_await stream.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (timed_out_) {
      fail_timeout("during the TLS handshake");
      co_return;
    }
    if (ec) {
      const long verify = SSL_get_verify_result(ssl);
      std::string reason = ec.message();
      if (verify != X509_V_OK) reason += fmt::format(" ({})", X509_verify_cert_error_string(verify));
      fail(errc::responder_tls_failed, fmt::format("TLS handshake with {} failed: {}", url_.endpoint(), reason));
      co_return;
    }
    co_await talk(stream);
    // No TLS shutdown: the answer is complete and the request said Connection: close; waiting for
    // the peer's close_notify would only spend the deadline.
  }

  template <class Request>
  void set_common_fields(Request& request) const {
    request.set(http::field::host, url_.host_header());
    request.set(http::field::user_agent, "libocsp");
    request.set(http::field::accept, "application/ocsp-response");
    request.set(http::field::connection, "close");
  }

  // Write and read errors after the connection is up.
  void fail_io(const error_code& ec, std::string_view phase) {
    if (timed_out_) return fail_timeout(phase);
    if (ec == http::error::body_limit) {
      return fail(errc::responder_body_too_large, fmt::format("the response body from {} exceeds the cap of {} bytes",
                                                              url_.endpoint(), options_.max_response_size));
    }
    if (ec == http::error::header_limit) {
      return fail(errc::responder_body_too_large, fmt::format("the response header from {} exceeds the cap of {} bytes",
                                                              url_.endpoint(), options_.max_header_size));
    }
    if (ec.category() == asio::error::get_ssl_category()) {
      return fail(errc::responder_tls_failed,
                  fmt::format("TLS error with {} ({}): {}", url_.endpoint(), phase, ec.message()));
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == asio::ssl::error::stream_truncated) {
      return fail(errc::responder_protocol_error,
                  fmt::format("{} closed the connection before the response was complete ({})", url_.endpoint(), phase));
    }
    fail(errc::responder_protocol_error, fmt::format("invalid HTTP response from {} ({}): {}", url_.endpoint(), phase,
                                                     ec.message()));
  }

  template <class Stream>
  asio::awaitable<void> talk(Stream& stream) {
    error_code ec;
    const std::string get_target = ocsp_get_target(url_, request_);
    const bool use_get = options_.use_get && url_.target.find('?') == std::string::npos &&
                         (url_.https ? 8U : 7U) + url_.host_header().size() + get_target.size() < 255;
    if (use_get) {
      http::request<http::empty_body> request{http::verb::get, get_target, 11};
      set_common_fields(request);
      co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
    } else {
      http::request<http::vector_body<std::uint8_t>> request{http::verb::post, url_.target, 11};
      set_common_fields(request);
      request.set(http::field::content_type, "application/ocsp-request");
      request.body().assign(request_.begin(), request_.end());
      request.prepare_payload();
      co_await http::async_write(stream, request, asio::redirect_error(asio::use_awaitable, ec));
    }
    if (ec) co_return fail_io(ec, "sending the request");

    // Room for the header and one read; body bytes move on into the body as they are parsed, so
    // only a header or a chunk-size line could fill it (and a chunk line that long is garbage).
    beast::flat_buffer buffer(options_.max_header_size + 64 * 1024);
    http::response_parser<http::vector_body<std::uint8_t>> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(options_.max_header_size, std::numeric_limits<std::uint32_t>::max())));
    // The body cap is applied once the status and the type are known, so that an HTTP 500 with a
    // large body is reported as the 500 it is.
    parser.body_limit(boost::optional<std::uint64_t>());
    co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail_io(ec, "reading the response header");

    const auto& header = parser.get();
    if (header.result_int() != 200) {
      std::string message = fmt::format("HTTP {} from {}, expected 200", header.result_int(), url_.endpoint());
      if (header.result_int() / 100 == 3 && header.count(http::field::location) != 0) {
        message += fmt::format(" (redirect to '{}' not followed)", quoted(header[http::field::location]));
      }
      co_return fail(errc::responder_http_status, std::move(message));
    }
    if (header.count(http::field::content_type) != 1 || !is_ocsp_response_type(header[http::field::content_type])) {
      co_return fail(errc::responder_content_type,
                     fmt::format("{} answered with Content-Type '{}', expected application/ocsp-response",
                                 url_.endpoint(), quoted(header[http::field::content_type])));
    }
    if (const auto length = parser.content_length(); length && *length > options_.max_response_size) {
      co_return fail(errc::responder_body_too_large,
                     fmt::format("the response from {} has Content-Length {}, over the cap of {} bytes",
                                 url_.endpoint(), *length, options_.max_response_size));
    }
    parser.body_limit(static_cast<std::uint64_t>(options_.max_response_size));

    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::ssl::error::stream_truncated && !timed_out_ && parser.need_eof()) {
      // A close-delimited body over TLS that ends without close_notify: the body is what arrived.
      parser.put_eof(ec);
    }
    if (ec) co_return fail_io(ec, "reading the response body");
    body_ = std::move(parser.release().body());
  }

  asio::io_context& io_;
  const responder_url& url_;
  der::bytes request_;
  const responder_query_options& options_;
  tcp::socket socket_;
  asio::steady_timer deadline_;
  asio::steady_timer resolved_signal_;
  std::shared_ptr<resolve_state> resolve_;
  std::optional<std::pair<error_code, std::vector<tcp::endpoint>>> resolved_;
  bool timed_out_ = false;
  std::optional<error_info> error_;
  std::optional<std::vector<std::uint8_t>> body_;
  std::exception_ptr exception_;
};

}  // namespace

std::string responder_url::endpoint() const {
  return is_ipv6(host) ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

std::string responder_url::host_header() const {
  std::string h = is_ipv6(host) ? "[" + host + "]" : host;
  if (port != (https ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

std::string responder_url::to_string() const { return (https ? "https://" : "http://") + host_header() + target; }

result<responder_url> parse_responder_url(std::string_view url) {
  const auto bad = [] { return result<responder_url>(make_error_code(errc::responder_bad_url)); };
  responder_url out;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad();
  const auto scheme = url.substr(0, scheme_end);
  if (iequals(scheme, "https")) {
    out.https = true;
    out.port = 443;
  } else if (!iequals(scheme, "http")) {
    return bad();
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) return bad();

  const auto authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  const std::string_view target = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return bad();

  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad();
    const std::string host(authority.substr(1, close - 1));
    error_code ec;
    // No zone identifiers ("%25eth0"): a responder is not reached through a link-local scope.
    if (host.find('%') != std::string::npos) return bad();
    (void)asio::ip::make_address_v6(host, ec);
    if (ec) return bad();
    out.host = host;
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad();
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    const auto host = authority.substr(0, colon);
    if (!valid_host_name(host)) return bad();
    out.host = std::string(host);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
  }
  if (has_port) {
    if (port_text.empty() || port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(), is_digit)) {
      return bad();
    }
    unsigned port = 0;
    for (const char c : port_text) port = port * 10 + static_cast<unsigned>(c - '0');
    if (port == 0 || port > 65535) return bad();
    out.port = static_cast<std::uint16_t>(port);
  }

  if (!valid_target(target)) return bad();
  if (target.empty()) {
    out.target = "/";
  } else if (target.front() == '?') {
    out.target = "/" + std::string(target);
  } else {
    out.target = std::string(target);
  }
  return out;
}

std::string ocsp_get_target(const responder_url& url, der::bytes request_der) {
  std::string target = url.target;
  if (target.empty() || target.back() != '/') target += '/';
  return target + base64_url_encoded(request_der);
}

api_result<std::vector<std::uint8_t>> query_responder(const responder_url& url, der::bytes request_der,
                                                      const responder_query_options& options) {
  try {
    asio::io_context io(1);
    exchange ex(io, url, request_der, options);
    ex.start();
    io.run();
    return ex.take_result();
  } catch (const std::exception& e) {
    return make_error(errc::internal_error, fmt::format("query to {} failed: {}", url.endpoint(), e.what()));
  }
}

}  // namespace ocsp
