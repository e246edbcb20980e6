// The daemon client over Asio and Beast. One call is one C++20 coroutine on a private io_context
// that the calling thread runs; a steady_timer holds the single deadline and, when it fires, closes
// the socket, which ends whatever operation is pending (the pattern of ocsp/responder_client.cpp).
#include "daemon_client.hpp"

#include <ocsp/tls_client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <exception>
#include <utility>
#include <vector>

namespace ocspctl {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using local = asio::local::stream_protocol;
using boost::system::error_code;

constexpr std::uint64_t max_answer_body = 1024 * 1024;
constexpr std::uint32_t max_answer_header = 16 * 1024;

std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return out;
}

class exchange {
 public:
  exchange(asio::io_context& io, const daemon_endpoint& endpoint, http::request<http::string_body> request)
      : io_(io),
        endpoint_(endpoint),
        request_(std::move(request)),
        where_(endpoint.describe()),
        unix_socket_(io),
        tcp_socket_(io),
        deadline_(io) {}

  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;

  void start() {
    deadline_.expires_after(endpoint_.timeout);
    deadline_.async_wait([this](const error_code& ec) {
      if (ec != asio::error::operation_aborted) on_deadline();
    });
    asio::co_spawn(io_, run(), [this](std::exception_ptr e) {
      if (e) exception_ = e;
      deadline_.cancel();
    });
  }

  daemon_call_result take_result() {
    daemon_call_result out;
    if (exception_) {
      try {
        std::rethrow_exception(exception_);
      } catch (const std::exception& e) {
        out.error = "the request to " + where_ + " failed: " + e.what();
      } catch (...) {
        out.error = "the request to " + where_ + " failed";
      }
      return out;
    }
    if (!error_.empty()) {
      out.error = std::move(error_);
      return out;
    }
    if (!reply_) {
      out.error = "the request to " + where_ + " ended without an answer";
      return out;
    }
    out.reply = std::move(reply_);
    return out;
  }

 private:
  void on_deadline() {
    timed_out_ = true;
    error_code ignored;
    unix_socket_.close(ignored);
    tcp_socket_.close(ignored);
  }

  void fail(std::string message) { error_ = std::move(message); }

  void fail_timeout(std::string_view phase) {
    fail("no answer from " + where_ + " within " + std::to_string(endpoint_.timeout.count()) + " s (timed out " +
         std::string(phase) + "; see --timeout)");
  }

  asio::awaitable<void> run() {
    if (!endpoint_.url) {
      co_await run_unix();
    } else {
      co_await run_tcp();
    }
  }

  asio::awaitable<void> run_unix() {
    error_code ec;
    local::endpoint peer;
    try {
      peer = local::endpoint(endpoint_.socket_path);
    } catch (const boost::system::system_error& e) {
      fail("cannot use " + where_ + ": " + e.code().message());
      co_return;
    }
    co_await unix_socket_.async_connect(peer, asio::redirect_error(asio::use_awaitable, ec));
    if (timed_out_) co_return fail_timeout("connecting");
    if (ec) {
      std::string hint;
      if (ec == asio::error::not_found || ec == boost::system::errc::no_such_file_or_directory ||
          ec == asio::error::connection_refused) {
        hint = " (is ocspd running? --socket or $OCSPD_SOCKET name the socket)";
      } else if (ec == asio::error::access_denied) {
        hint = " (the socket is for the daemon's user and group)";
      }
      co_return fail("cannot connect to " + where_ + ": " + ec.message() + hint);
    }
    co_await talk(unix_socket_);
  }

  asio::awaitable<void> run_tcp() {
    const ocsp::responder_url& url = *endpoint_.url;
    std::vector<tcp::endpoint> endpoints;
    error_code ec;
    const auto literal = asio::ip::make_address(url.host, ec);
    if (!ec) {
      endpoints.emplace_back(literal, url.port);
    } else {
      tcp::resolver resolver(io_);
      for (const auto& entry : resolver.resolve(url.host, std::to_string(url.port), ec)) {
        endpoints.push_back(entry.endpoint());
      }
      if (ec || endpoints.empty()) {
        co_return fail("cannot resolve " + url.host + ": " + (ec ? ec.message() : std::string("no address")));
      }
    }
    for (const auto& peer : endpoints) {
      if (timed_out_) co_return fail_timeout("connecting");
      error_code ignored;
      tcp_socket_.close(ignored);
      co_await tcp_socket_.async_connect(peer, asio::redirect_error(asio::use_awaitable, ec));
      if (timed_out_) co_return fail_timeout("connecting");
      if (!ec) break;
    }
    if (ec) co_return fail("cannot connect to " + url.endpoint() + ": " + ec.message());
    if (!url.https) {
      co_await talk(tcp_socket_);
      co_return;
    }
    co_await talk_tls(url);
  }

  asio::awaitable<void> talk_tls(const ocsp::responder_url& url) {
    asio::ssl::context context(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    error_code ec;
    if (endpoint_.ca_file.empty()) {
      context.set_default_verify_paths(ec);
    } else {
      context.load_verify_file(endpoint_.ca_file, ec);
    }
    if (ec) {
      co_return fail("cannot load the CA certificates from " +
                     (endpoint_.ca_file.empty() ? std::string("the system store") : endpoint_.ca_file) + ": " +
                     ec.message());
    }
    context.set_verify_mode(asio::ssl::verify_peer);

    asio::ssl::stream<tcp::socket&> stream(tcp_socket_, context);
    SSL* ssl = stream.native_handle();
    const bool configured = ocsp::expect_server_name(ssl, url.host);
    if (!configured) co_return fail("cannot set up TLS host name verification for " + url.host);

    co_await stream.async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
    if (timed_out_) co_return fail_timeout("during the TLS handshake");
    if (ec) {
      const long verify = SSL_get_verify_result(ssl);
      std::string reason = ec.message();
      if (verify != X509_V_OK) {
        reason = std::string("the server's certificate does not verify: ") + X509_verify_cert_error_string(verify);
        if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
          reason += " (it does not name " + url.host + ")";
        } else if (endpoint_.ca_file.empty()) {
          reason += " (--cacert names the CA that issued it)";
        }
      }
      co_return fail("TLS handshake with " + url.endpoint() + " failed: " + reason);
    }
    co_await talk(stream);
    // No TLS shutdown: the answer is complete and the request said Connection: close.
  }

  void fail_io(const error_code& ec, std::string_view phase) {
    if (timed_out_) return fail_timeout(phase);
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      return fail("the answer from " + where_ + " is larger than ocspctl accepts (" + std::string(phase) + ")");
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == asio::ssl::error::stream_truncated || ec == asio::error::eof ||
        ec == asio::error::connection_reset) {
      const bool plain_tcp = endpoint_.url && !endpoint_.url->https;
      return fail(where_ + " closed the connection before the answer was complete (" + std::string(phase) + ")" +
                  (plain_tcp ? "; is it an https:// port?" : ""));
    }
    fail("invalid HTTP answer from " + where_ + " (" + std::string(phase) + "): " + ec.message());
  }

  template <class Stream>
  asio::awaitable<void> talk(Stream& stream) {
    error_code ec;
    co_await http::async_write(stream, request_, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail_io(ec, "sending the request");

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(max_answer_header);
    parser.body_limit(max_answer_body);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::ssl::error::stream_truncated && !timed_out_ && parser.is_header_done() && parser.need_eof()) {
      parser.put_eof(ec);  // a close-delimited body over TLS without close_notify: the body is what came
    }
    if (ec) co_return fail_io(ec, "waiting for the answer");
    auto answer = parser.release();
    daemon_reply reply;
    reply.status = answer.result_int();
    reply.reason = std::string(answer.reason());
    reply.content_type = std::string(answer[http::field::content_type]);
    reply.body = std::move(answer.body());
    reply_ = std::move(reply);
  }

  asio::io_context& io_;
  const daemon_endpoint& endpoint_;
  http::request<http::string_body> request_;
  std::string where_;
  local::socket unix_socket_;
  tcp::socket tcp_socket_;
  asio::steady_timer deadline_;
  bool timed_out_ = false;
  std::string error_;
  std::optional<daemon_reply> reply_;
  std::exception_ptr exception_;
};

}  // namespace

std::string daemon_endpoint::describe() const {
  if (!url) return "unix socket " + socket_path;
  return (url->https ? "https://" : "http://") + url->endpoint();
}

daemon_call_result call_daemon(const daemon_endpoint& endpoint, std::string_view method, std::string_view target,
                               std::string_view body) {
  try {
    http::request<http::string_body> request;
    request.method_string(method);
    request.target(target);
    request.version(11);
    // Over the socket the Host header names nothing real; RFC 9112 3.2 still requires one.
    request.set(http::field::host, endpoint.url ? endpoint.url->host_header() : std::string("localhost"));
    request.set(http::field::user_agent, "ocspctl");
    request.set(http::field::accept, "application/json");
    request.set(http::field::connection, "close");
    if (endpoint.url && !endpoint.user.empty()) {
      request.set(http::field::authorization, "Basic " + base64(endpoint.user + ":" + endpoint.password));
    }
    if (!body.empty()) {
      request.set(http::field::content_type, "application/json");
      request.body() = std::string(body);
    }
    request.prepare_payload();

    asio::io_context io(1);
    exchange ex(io, endpoint, std::move(request));
    ex.start();
    io.run();
    return ex.take_result();
  } catch (const std::exception& e) {
    daemon_call_result out;
    out.error = "the request to " + endpoint.describe() + " failed: " + e.what();
    return out;
  }
}

}  // namespace ocspctl
