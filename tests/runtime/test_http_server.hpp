// A hostile HTTP(S) server on loopback for the runtime tests: it listens on 127.0.0.1 with an
// ephemeral port, runs its own io_context on a thread, records every request it reads, and answers
// each connection with a scripted behaviour (a fixed answer, silence, an answer dripped byte by
// byte, an endless chunked body). Give it an ssl::context to speak TLS instead.
//
//   ocsp_test::test_http_server server(ocsp_test::server_script::respond(ocsp_test::http_response(500, "")));
//   ... query http://127.0.0.1:<server.port()>/ ...
//   CHECK(server.requests().size() == 1);
//
// The destructor stops the io_context and joins the thread: every connection ends with it.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace ocsp_test {

/// What the server read from one connection.
struct received_request {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names in lower case; the first value of each
  std::string body;
};

/// How the server answers every connection, after reading its request.
struct server_script {
  enum class action {
    respond,          // write `response`, then close
    never_answer,     // keep the connection open and say nothing
    drip,             // write `response` one byte every `interval`
    endless_chunked,  // write `response` (a header announcing chunked), then chunks forever
    close_at_once,    // close without reading or answering
  };
  action what = action::respond;
  std::string response;
  std::chrono::milliseconds interval{100};

  static server_script respond(std::string raw) { return {action::respond, std::move(raw), {}}; }
  static server_script never_answer() { return {action::never_answer, {}, {}}; }
  static server_script drip(std::string raw, std::chrono::milliseconds interval) {
    return {action::drip, std::move(raw), interval};
  }
  static server_script endless_chunked(std::string header) { return {action::endless_chunked, std::move(header), {}}; }
  static server_script close_at_once() { return {action::close_at_once, {}, {}}; }
};

/// A complete HTTP/1.1 response: status line, the given header fields, Content-Length (unless a
/// field of that name is given) and the body.
inline std::string http_response(unsigned status, std::string_view body,
                                 const std::vector<std::pair<std::string, std::string>>& fields = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " Scripted\r\n";
  bool has_length = false;
  for (const auto& [name, value] : fields) {
    out += name + ": " + value + "\r\n";
    if (name == "Content-Length" || name == "Transfer-Encoding") has_length = true;
  }
  if (!has_length) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

class test_http_server {
 public:
  explicit test_http_server(server_script script, std::shared_ptr<boost::asio::ssl::context> tls = nullptr)
      : script_(std::move(script)), tls_(std::move(tls)) {
    namespace asio = boost::asio;
    const asio::ip::tcp::endpoint where(asio::ip::make_address_v4("127.0.0.1"), 0);
    acceptor_.open(where.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(where);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  test_http_server(const test_http_server&) = delete;
  test_http_server& operator=(const test_http_server&) = delete;

  ~test_http_server() {
    io_.stop();
    thread_.join();
  }

  std::uint16_t port() const noexcept { return port_; }

  std::vector<received_request> requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t connections() const noexcept { return connections_.load(); }
  /// Bytes written to clients so far (answers and chunks).
  std::size_t bytes_sent() const noexcept { return bytes_sent_.load(); }

 private:
  using tcp = boost::asio::ip::tcp;
  template <class T>
  using awaitable = boost::asio::awaitable<T>;

  awaitable<void> accept_loop() {
    namespace asio = boost::asio;
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      ++connections_;
      if (tls_) {
        asio::co_spawn(io_, tls_session(std::move(socket)), asio::detached);
      } else {
        asio::co_spawn(io_, session(std::move(socket)), asio::detached);
      }
    }
  }

  awaitable<void> tls_session(tcp::socket socket) {
    namespace asio = boost::asio;
    asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
    boost::system::error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // the client refused our certificate: what the TLS tests expect
    co_await session_on(stream);
  }

  awaitable<void> session(tcp::socket socket) { co_await session_on(socket); }

  template <class Stream>
  awaitable<void> session_on(Stream& stream) {
    namespace asio = boost::asio;
    namespace http = boost::beast::http;
    boost::system::error_code ec;
    auto& socket = stream.lowest_layer();
    if (script_.what == server_script::action::close_at_once) {
      socket.close(ec);
      co_return;
    }

    boost::beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    {
      const auto& message = parser.get();
      received_request seen;
      seen.method = std::string(message.method_string());
      seen.target = std::string(message.target());
      for (const auto& field : message) {
        std::string name(field.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        seen.headers.emplace(std::move(name), std::string(field.value()));
      }
      seen.body = message.body();
      const std::lock_guard lock(mutex_);
      requests_.push_back(std::move(seen));
    }

    asio::steady_timer timer(io_);
    switch (script_.what) {
      case server_script::action::respond:
        co_await write(stream, script_.response);
        break;
      case server_script::action::never_answer:
        timer.expires_after(std::chrono::seconds(60));
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        break;
      case server_script::action::drip:
        for (const char c : script_.response) {
          if (!co_await write(stream, std::string(1, c))) break;
          timer.expires_after(script_.interval);
          co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        break;
      case server_script::action::endless_chunked: {
        if (!co_await write(stream, script_.response)) break;
        const std::string chunk = "1000\r\n" + std::string(0x1000, 'x') + "\r\n";
        // Bounded only for safety (256 MiB): the client is expected to stop long before.
        while (bytes_sent_.load() < (std::size_t{256} << 20)) {
          if (!co_await write(stream, chunk)) break;
        }
        break;
      }
      case server_script::action::close_at_once:
        break;
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  template <class Stream>
  awaitable<bool> write(Stream& stream, const std::string& data) {
    namespace asio = boost::asio;
    boost::system::error_code ec;
    const std::size_t n =
        co_await asio::async_write(stream, asio::buffer(data), asio::redirect_error(asio::use_awaitable, ec));
    bytes_sent_ += n;
    co_return !ec;
  }

  server_script script_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  boost::asio::io_context io_{1};
  tcp::acceptor acceptor_{io_};
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::vector<received_request> requests_;
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> bytes_sent_{0};
  std::thread thread_;
};

/// A loopback port with nothing listening on it (bound, then closed): connecting is refused.
inline std::uint16_t closed_port() {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace ocsp_test
