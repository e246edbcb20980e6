// The HTTP server: listeners, one session per connection, graceful shutdown.
//
// The shape is Beast's advanced server: a pure request handler (ocsp::router), a thin session per
// connection with explicit timeouts and limits. A session is one C++20 coroutine on its own strand
// that reads a request, hands it to the router on the handler pool, writes the answer and loops.
// It reads the next request only after the previous answer is written, so at most one response is
// ever queued per connection: pipelined requests wait, bounded, in the socket buffers.
//
// Timeouts come from beast::basic_stream: each read or write runs under the stream's deadline,
// and an expired deadline closes the socket. The idle phase (waiting for the first byte of the next
// request) has idle_timeout; the rest of the request, and writing its answer, request_timeout.
#include "ocsp/http/server.hpp"

#include "ocsp/json.hpp"
#include "ocsp/router.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <ctime>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ocsp::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using unix_protocol = asio::local::stream_protocol;
using boost::system::error_code;
using clock_type = std::chrono::steady_clock;

using unix_stream = beast::basic_stream<unix_protocol>;
using tls_stream = asio::ssl::stream<beast::tcp_stream>;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// --- The access log ------------------------------------------------------------------------------

std::string iso8601_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

// The error_code of a contract error body ({"description":...,"error_code":"CODE",...}); codes are
// plain identifiers, so no unescaping is needed.
std::string_view error_code_of(std::string_view body) {
  constexpr std::string_view key = "\"error_code\":\"";
  const std::size_t start = body.find(key);
  if (start == std::string_view::npos) return {};
  const std::size_t from = start + key.size();
  const std::size_t end = body.find('"', from);
  return end == std::string_view::npos ? std::string_view{} : body.substr(from, end - from);
}

struct log_entry {
  std::optional<std::string> method;
  std::optional<std::string> target;
  unsigned status = 0;
  clock_type::time_point start;
  std::optional<std::string> user;
  std::string_view body;  // the answer's body, for its error_code
  const std::string* remote = nullptr;
};

std::string access_line(const log_entry& e) {
  const auto latency = std::chrono::duration<double, std::milli>(clock_type::now() - e.start).count();
  json_object_writer w;
  w.field("time", iso8601_now());
  if (e.method) w.field("method", *e.method);
  else w.field_null("method");
  if (e.target) w.field("target", *e.target);
  else w.field_null("target");
  w.field("status", static_cast<std::int64_t>(e.status));
  w.field_raw("latency_ms", fmt::format("{:.3f}", latency));
  if (e.user) w.field("user", *e.user);
  else w.field_null("user");
  const std::string_view code = e.status >= 400 ? error_code_of(e.body) : std::string_view{};
  if (!code.empty()) w.field("error_code", code);
  else w.field_null("error_code");
  w.field("remote", *e.remote);
  return w.finish();
}

// --- Helpers over the three stream types ---------------------------------------------------------

template <class Stream>
constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

template <class Stream>
auto& lowest(Stream& s) {
  return beast::get_lowest_layer(s);
}

// The status line and header fields of `answer` (HTTP/1.0 or 1.1), into `out`. Field names and
// values come from the router with static storage and hold no CR or LF. Content-Type and
// Cache-Control default to the API's; Content-Length is the body's (a HEAD's answer has its
// Content-Length and no body). Connection says close on a 1.1 connection that ends, keep-alive on a 1.0 one that stays.
void format_head(std::string& out, const ocsp::response& answer, unsigned version, bool keep_alive) {
  const auto status = static_cast<bhttp::status>(answer.status);
  out.clear();
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  std::array<char, 16> number{};
  out.append(number.data(), std::to_chars(number.data(), number.data() + number.size(), answer.status).ptr);
  out.push_back(' ');
  const std::string_view reason = bhttp::obsolete_reason(status);
  out.append(reason.data(), reason.size());
  out.append("\r\n");
  bool has_type = false, has_cache_control = false;
  for (const ocsp::header& h : answer.headers) {
    has_type = has_type || beast::iequals(h.name, "Content-Type");
    has_cache_control = has_cache_control || beast::iequals(h.name, "Cache-Control");
    out.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  if (!has_type) out.append("Content-Type: application/json\r\n");
  if (!has_cache_control) out.append("Cache-Control: no-store\r\n");
  out.append("Server: ocspd\r\n");
  if (version == 10 && keep_alive) out.append("Connection: keep-alive\r\n");
  if (version != 10 && !keep_alive) out.append("Connection: close\r\n");
  out.append("Content-Length: ");
  out.append(number.data(), std::to_chars(number.data(), number.data() + number.size(), answer.body.size()).ptr);
  out.append("\r\n\r\n");
}

// Why a request's body framing cannot be trusted, or nothing. RFC 9112 section 6: a body's length
// comes from Content-Length or, in HTTP/1.1, from a Transfer-Encoding whose only coding is chunked
// (the API takes no compressed bodies). Beast 1.81 reads a request with any other
// Transfer-Encoding as having no body and an HTTP/1.0 one as chunked, so the body would be parsed
// as the next request (request smuggling when a proxy in front reads it the other way): such a
// request is refused, and the connection closed, before any of its body is read.
std::optional<std::string> framing_fault(const bhttp::request_header<>& req) {
  const auto codings = req.find(bhttp::field::transfer_encoding);
  if (codings == req.end()) return std::nullopt;
  if (req.count(bhttp::field::transfer_encoding) > 1) return "Transfer-Encoding is repeated";
  if (req.version() < 11) return "Transfer-Encoding in an HTTP/1.0 request";
  if (req.count(bhttp::field::content_length) > 0) return "both Transfer-Encoding and Content-Length";
  std::string_view value = codings->value();
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (!beast::iequals(value, "chunked")) {
    return fmt::format("Transfer-Encoding '{}' (only chunked is accepted)", value.substr(0, 64));
  }
  return std::nullopt;
}

}  // namespace

// --- The shared state ----------------------------------------------------------------------------

struct session_base {
  virtual ~session_base() = default;
  /// Posted to the session's strand: close when idle, answer the request in flight with close.
  virtual void begin_stop() = 0;
  /// Posted to the session's strand: close the socket now.
  virtual void force_close() = 0;
};

struct listener_base {
  virtual ~listener_base() = default;
  virtual void close() = 0;  // thread-safe: posts to the acceptor's strand
};

struct unix_socket_file {
  std::filesystem::path path;
  dev_t device = 0;
  ino_t inode = 0;
};

struct server::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& io_, const ocsp::router& router_, server_options options_)
      : io(io_),
        router(router_),
        options(std::move(options_)),
        pool(options.handler_threads == 0 ? 1 : options.handler_threads),
        grace_timer(asio::make_strand(io_)) {}

  asio::io_context& io;
  const ocsp::router& router;
  const server_options options;
  asio::thread_pool pool;
  asio::steady_timer grace_timer;  // on its own strand

  mutable std::mutex mutex;  // guards the members below
  bool stopping = false;
  bool grace_started = false;
  std::uint64_t next_id = 0;
  std::unordered_map<std::uint64_t, std::weak_ptr<session_base>> sessions;
  std::vector<std::shared_ptr<listener_base>> listeners;
  std::vector<unix_socket_file> unix_files;

  void log(const log_entry& e) const {
    if (!options.access_log) return;
    try {
      options.access_log(access_line(e));
    } catch (...) {  // a failing logger must not take the connection down
    }
  }

  /// Registers a new connection; nullopt when stopping. `over_limit` says it must be refused.
  std::optional<std::uint64_t> add(const std::shared_ptr<session_base>& s, bool& over_limit, bool& drop) {
    const std::lock_guard lock(mutex);
    if (stopping) return std::nullopt;
    drop = sessions.size() >= 2 * options.max_connections;
    over_limit = sessions.size() >= options.max_connections;
    if (drop) return std::nullopt;
    const std::uint64_t id = next_id++;
    sessions.emplace(id, s);
    return id;
  }

  void remove(std::uint64_t id) {
    const std::lock_guard lock(mutex);
    sessions.erase(id);
    if (stopping && sessions.empty() && grace_started) {
      // The last session is gone: the grace timer must not hold run() for the rest of the period.
      asio::post(grace_timer.get_executor(), [self = shared_from_this()] { self->grace_timer.cancel(); });
    }
  }

  bool is_stopping() const {
    const std::lock_guard lock(mutex);
    return stopping;
  }

  void remove_unix_files() {
    for (const unix_socket_file& f : unix_files) {
      struct stat st {};
      // Only the file this server bound: another process may have replaced it since.
      if (::lstat(f.path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == f.device && st.st_ino == f.inode) {
        ::unlink(f.path.c_str());
      }
    }
    unix_files.clear();
  }

  void stop() {
    std::vector<std::shared_ptr<session_base>> live;
    {
      const std::lock_guard lock(mutex);
      if (stopping) return;
      stopping = true;
      for (const auto& l : listeners) l->close();
      listeners.clear();
      remove_unix_files();
      for (const auto& [id, weak] : sessions) {
        if (auto s = weak.lock()) live.push_back(std::move(s));
      }
      if (!live.empty()) {
        grace_started = true;
        asio::post(grace_timer.get_executor(), [self = shared_from_this()] {
          self->grace_timer.expires_after(self->options.shutdown_grace);
          self->grace_timer.async_wait([self](const error_code& ec) {
            if (ec) return;  // cancelled: every session ended in time
            std::vector<std::shared_ptr<session_base>> rest;
            {
              const std::lock_guard inner(self->mutex);
              for (const auto& [id, weak] : self->sessions) {
                if (auto s = weak.lock()) rest.push_back(std::move(s));
              }
            }
            for (const auto& s : rest) s->force_close();
          });
        });
      }
    }
    for (const auto& s : live) s->begin_stop();
  }
};

namespace {

using impl_ptr = std::shared_ptr<server::impl>;

// --- The session ---------------------------------------------------------------------------------

struct handled {
  ocsp::response answer;
  std::optional<std::string> user;
};

template <class Stream>
class session final : public session_base, public std::enable_shared_from_this<session<Stream>> {
 public:
  session(impl_ptr server, Stream stream, std::string remote, std::optional<principal> unix_caller)
      : server_(std::move(server)),
        stream_(std::move(stream)),
        remote_(std::move(remote)),
        unix_caller_(std::move(unix_caller)) {}

  void start() {
    bool over_limit = false;
    bool drop = false;
    const auto id = server_->add(this->shared_from_this(), over_limit, drop);
    if (!id) {
      error_code ignored;
      lowest(stream_).socket().close(ignored);
      return;
    }
    id_ = *id;
    over_limit_ = over_limit;
    asio::co_spawn(lowest(stream_).get_executor(), run(this->shared_from_this()), [](const std::exception_ptr&) {
      // run() reports I/O failures through error codes; an exception here (bad_alloc) only ends
      // this connection, which its frame's destruction closes.
    });
  }

  void begin_stop() override {
    asio::post(lowest(stream_).get_executor(), [self = this->shared_from_this()] {
      self->stopping_ = true;
      if (self->idle_) lowest(self->stream_).cancel();
    });
  }

  void force_close() override {
    asio::post(lowest(stream_).get_executor(), [self = this->shared_from_this()] {
      error_code ignored;
      lowest(self->stream_).socket().close(ignored);
    });
  }

 private:
  const server_options& options() const { return server_->options; }

  asio::awaitable<void> run(std::shared_ptr<session> self) {
    (void)self;  // keeps the session alive for the coroutine's lifetime
    struct unregister {
      session* s;
      ~unregister() { s->server_->remove(s->id_); }
    } guard{this};

    if constexpr (is_tls<Stream>) {
      // TLS 1.2 or later on this connection, whatever the caller's context allows.
      SSL_set_min_proto_version(stream_.native_handle(), TLS1_2_VERSION);
      lowest(stream_).expires_after(options().handshake_timeout);
      auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, use_tuple);
      if (ec) {
        error_code ignored;
        lowest(stream_).socket().close(ignored);
        co_return;
      }
    }

    if (over_limit_) {
      const auto start = clock_type::now();
      ocsp::response refused{http_status(errc::service_unavailable), {},
                             error_body(rest_error_code(errc::service_unavailable), "too many connections; try again later")};
      co_await write_answer(std::move(refused), 11, false, false);
      server_->log({std::nullopt, std::nullopt, 503, start, std::nullopt,
                    error_body(rest_error_code(errc::service_unavailable), ""), &remote_});
      co_await close_gracefully();
      co_return;
    }

    // Unparsed bytes only (fields, body bytes and chunks leave it as they are parsed): a header's
    // worth plus one read. The cap bounds what a chunk-size line or trailer that never ends can
    // hold; past it the read fails and the connection closes.
    beast::flat_buffer buffer(options().header_limit + 64 * 1024);
    bool keep_alive = true;
    while (keep_alive) {
      // Idle: wait for the first byte of the next request (none is pending in the buffer).
      if (buffer.size() == 0) {
        if (stopping_) break;
        idle_ = true;
        lowest(stream_).expires_after(options().idle_timeout);
        auto [ec, n] = co_await stream_.async_read_some(buffer.prepare(4096), use_tuple);
        idle_ = false;
        if (ec) break;  // closed, idle timeout, or stop()
        buffer.commit(n);
      }
      keep_alive = co_await serve_one(buffer);
    }
    co_await close_gracefully();
  }

  // Reads one request from `buffer` and the stream, answers it; false: close the connection.
  asio::awaitable<bool> serve_one(beast::flat_buffer& buffer) {
    const auto start = clock_type::now();
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(options().header_limit, UINT32_MAX)));
    parser.body_limit(options().body_limit);
    lowest(stream_).expires_after(options().request_timeout);

    error_code ec = co_await read_header(buffer, parser);
    if (!ec) {
      if (auto fault = framing_fault(parser.get())) {
        co_await refuse_with(errc::bad_request, *fault, parser, start);
        co_return false;
      }
    }
    if (!ec && beast::iequals(parser.get()[bhttp::field::expect], "100-continue") && !parser.is_done()) {
      bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
      std::tie(ec, std::ignore) = co_await bhttp::async_write(stream_, go_on, use_tuple);
      if (ec) co_return false;
    }
    if (!ec && !parser.is_done()) std::tie(ec, std::ignore) = co_await bhttp::async_read(stream_, buffer, parser, use_tuple);
    if (ec) {
      co_await refuse(ec, parser, start);
      co_return false;
    }

    auto& req = parser.get();
    const std::string method(req.method_string());
    const std::string target(req.target());
    handled result = co_await handle(method, target, req);
    const bool keep_alive = req.keep_alive() && !stopping_;  // stop() may have come meanwhile
    const unsigned status = result.answer.status;
    const std::string body_copy = status >= 400 ? result.answer.body : std::string{};
    const bool written = co_await write_answer(std::move(result.answer), req.version(), keep_alive, method == "HEAD");
    server_->log({method, target, status, start, std::move(result.user), body_copy, &remote_});
    co_return written && keep_alive && !stopping_;
  }

  // Reads the request line and header fields into `parser`, at most header_limit bytes of them.
  // Beast's own header limit counts only the bytes it holds back while a field is incomplete:
  // complete fields are stored as they arrive, so a header sent a line at a time would grow without
  // bound until the request deadline (and http::async_read_some returns only once the header is
  // done). So the parser is fed here, and the bytes it takes are counted at every step.
  asio::awaitable<error_code> read_header(beast::flat_buffer& buffer, bhttp::request_parser<bhttp::string_body>& parser) {
    std::size_t taken = 0;
    for (;;) {
      if (buffer.size() != 0) {
        error_code ec;
        const std::size_t used = parser.put(buffer.data(), ec);
        buffer.consume(used);
        taken += used;
        if (taken > options().header_limit) co_return bhttp::error::header_limit;
        if (parser.is_header_done()) co_return error_code{};
        if (ec && ec != bhttp::error::need_more) co_return ec;
      }
      // What the buffer has room for already, at least 4 KiB (a header rarely needs more).
      const std::size_t room = std::min<std::size_t>(std::max<std::size_t>(buffer.capacity() - buffer.size(), 4096),
                                                     buffer.max_size() - buffer.size());
      if (room == 0) co_return bhttp::error::buffer_overflow;
      auto [ec, n] = co_await stream_.async_read_some(buffer.prepare(room), use_tuple);
      buffer.commit(n);
      if (ec == asio::error::eof) co_return parser.got_some() ? bhttp::error::partial_message : bhttp::error::end_of_stream;
      if (ec) co_return ec;
    }
  }

  // Answers a request with the router. Cheap requests run right here on the session's strand: a
  // GET or HEAD (the router's reads never block: in-memory state under brief locks) whose caller
  // is known without a password derivation (the UNIX peer's uid, no credentials at all, or
  // credentials the authenticator's cache holds). Everything else (a PUT's durable save, a test's
  // OCSP query, a credential that needs the slow hash) runs on the handler pool, so it never
  // stalls the I/O threads; the coroutine resumes on this strand afterwards.
  asio::awaitable<handled> handle(const std::string& method, const std::string& target,
                                  const bhttp::request<bhttp::string_body>& req) {
    const std::string_view authorization = req[bhttp::field::authorization];
    const ocsp::router& router = server_->router;
    const server_options& opts = options();
    const std::string& body = req.body();
    const auto answer = [&](const std::optional<principal>& caller) {
      handled out;
      try {
        if (caller) out.user = caller->user;
        out.answer = router.handle(ocsp::request{method, target, caller ? &*caller : nullptr, body});
      } catch (...) {
        out.answer = ocsp::response{500, {}, error_body("internal_error", "the request could not be handled")};
      }
      return out;
    };

    const bool cheap_method = method == "GET" || method == "HEAD";
    if constexpr (std::is_same_v<Stream, unix_stream>) {
      if (cheap_method) co_return answer(unix_caller_);
    } else {
      if (cheap_method && (authorization.empty() || !opts.authenticate)) co_return answer(std::nullopt);
      if (cheap_method && opts.authenticate_cached) {
        std::optional<principal> known;
        try {
          known = opts.authenticate_cached(authorization);
        } catch (...) {
          known.reset();  // not known from the cache: the pool's full check decides
        }
        if (known) co_return answer(known);
      }
    }

    // `authorization` and `body` point into the request, which outlives the hop to the pool.
    auto work = [&]() -> asio::awaitable<handled> {
      std::optional<principal> caller;
      if constexpr (std::is_same_v<Stream, unix_stream>) {
        caller = unix_caller_;
      } else {
        try {
          if (!authorization.empty() && opts.authenticate) caller = opts.authenticate(authorization);
        } catch (...) {
          // The check itself failed (not the credentials): an internal error, not a 401.
          co_return handled{ocsp::response{500, {}, error_body("internal_error", "the request could not be handled")},
                            std::nullopt};
        }
      }
      co_return answer(caller);
    };
    handled done = co_await asio::co_spawn(server_->pool.get_executor(), std::move(work), asio::use_awaitable);
    co_return done;
  }

  // The answer to a request that could not be read whole; the connection closes after it.
  asio::awaitable<void> refuse(const error_code& ec, bhttp::request_parser<bhttp::string_body>& parser,
                               clock_type::time_point start) {
    errc code{};
    std::string message;
    if (ec == bhttp::error::header_limit) {
      code = errc::request_header_fields_too_large;
      message = fmt::format("the request line and headers exceed {} bytes", options().header_limit);
    } else if (ec == bhttp::error::body_limit) {
      code = errc::payload_too_large;
      message = fmt::format("the request body exceeds {} bytes", options().body_limit);
    } else if (ec.category() == make_error_code(bhttp::error::end_of_stream).category() && ec != bhttp::error::end_of_stream &&
               ec != bhttp::error::partial_message && ec != bhttp::error::buffer_overflow) {
      code = errc::bad_request;
      message = fmt::format("malformed HTTP request: {}", ec.message());
    } else {
      co_return;  // the peer went away, the deadline expired, or stop() closed the socket
    }
    co_await refuse_with(code, std::move(message), parser, start);
  }

  // Answers `code` with `message` to a request that is not served; the connection closes after it.
  asio::awaitable<void> refuse_with(errc code, std::string message, bhttp::request_parser<bhttp::string_body>& parser,
                                    clock_type::time_point start) {
    const unsigned status = http_status(code);
    std::string body = error_body(rest_error_code(code), message);
    std::optional<std::string> method;
    std::optional<std::string> target;
    if (parser.is_header_done()) {
      method = std::string(parser.get().method_string());
      target = std::string(parser.get().target());
    }
    const std::string logged = body;
    // A named value: g++ 12 destroys some temporaries of a co_await expression twice.
    ocsp::response answer{status, {}, std::move(body)};
    co_await write_answer(std::move(answer), 11, false, false);
    server_->log({method, target, status, start, std::nullopt, logged, &remote_});
  }

  // Writes `answer` under the request deadline; false when the write failed. The head is formatted
  // here into a buffer the session reuses and goes out with the body in one gather write: the
  // answers are small and their fields few and fixed, which Beast's general serializer (about a
  // quarter of the instructions per request in a profile) does not need to handle.
  asio::awaitable<bool> write_answer(ocsp::response answer, unsigned version, bool keep_alive, bool head) {
    format_head(head_, answer, version, keep_alive);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_),
                                                    head ? asio::const_buffer{} : asio::buffer(answer.body)};
    lowest(stream_).expires_after(options().request_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, buffers, use_tuple);
    (void)n;
    co_return !ec;
  }

  // Ends the connection so that an answer already written is not lost to a reset. Closing a socket
  // with unread bytes makes the kernel send RST, which can destroy the answer in the peer's receive
  // buffer (a 413 to a client still sending its body): so first drain what the peer still sends,
  // briefly and up to a cap. Plain sockets shut down sending first, so the peer sees the end at
  // once; TLS drains through the TLS stream (a half-close below TLS would break the record layer),
  // then sends close_notify.
  asio::awaitable<void> close_gracefully() {
    // Like nginx's lingering close: bounded by time (at most a second) and by bytes.
    constexpr std::size_t linger_cap = 1024 * 1024;
    auto& low = lowest(stream_);
    error_code ignored;
    if (!low.socket().is_open()) co_return;
    if constexpr (!is_tls<Stream>) low.socket().shutdown(asio::socket_base::shutdown_send, ignored);
    low.expires_after(std::min<std::chrono::milliseconds>(options().request_timeout, std::chrono::seconds(1)));
    std::array<char, 4096> sink{};
    for (std::size_t drained = 0; drained < options().body_limit + linger_cap;) {
      auto [ec, n] = co_await stream_.async_read_some(asio::buffer(sink), use_tuple);
      if (ec) break;
      drained += n;
    }
    if constexpr (is_tls<Stream>) {
      if (low.socket().is_open()) {
        low.expires_after(options().handshake_timeout);
        co_await stream_.async_shutdown(use_tuple);
      }
    }
    low.socket().close(ignored);
  }

  impl_ptr server_;
  Stream stream_;
  std::string remote_;
  std::optional<principal> unix_caller_;
  std::string head_;  // the status line and fields of the answer being written (reused)
  std::uint64_t id_ = 0;
  bool over_limit_ = false;
  bool idle_ = false;      // a read of the next request's first byte is pending (strand only)
  bool stopping_ = false;  // stop() was called (strand only)
};

// --- Listeners -----------------------------------------------------------------------------------

template <class Protocol>
class listener final : public listener_base, public std::enable_shared_from_this<listener<Protocol>> {
 public:
  using acceptor_type = asio::basic_socket_acceptor<Protocol>;
  using socket_type = typename Protocol::socket;
  using on_accept = std::function<void(socket_type)>;

  listener(asio::io_context& io, on_accept accepted) : acceptor_(asio::make_strand(io)), accepted_(std::move(accepted)) {}

  acceptor_type& acceptor() noexcept { return acceptor_; }

  void start(asio::io_context& io) {
    asio::co_spawn(acceptor_.get_executor(), accept_loop(this->shared_from_this(), io), asio::detached);
  }

  void close() override {
    asio::post(acceptor_.get_executor(), [self = this->shared_from_this()] {
      error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

 private:
  asio::awaitable<void> accept_loop(std::shared_ptr<listener> self, asio::io_context& io) {
    (void)self;
    asio::steady_timer backoff(acceptor_.get_executor());
    while (acceptor_.is_open()) {
      socket_type socket(asio::make_strand(io));
      auto [ec] = co_await acceptor_.async_accept(socket, use_tuple);
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
      if (ec) {
        // Out of descriptors or memory: pause rather than spin; the backlog holds the peers.
        backoff.expires_after(std::chrono::milliseconds(100));
        co_await backoff.async_wait(use_tuple);
        continue;
      }
      accepted_(std::move(socket));
    }
  }

  acceptor_type acceptor_;
  on_accept accepted_;
};

template <class Stream>
void start_session(const impl_ptr& server, Stream stream, std::string remote, std::optional<principal> unix_caller) {
  std::make_shared<session<Stream>>(server, std::move(stream), std::move(remote), std::move(unix_caller))->start();
}

std::string remote_of(const tcp::socket& socket) {
  error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  return ec ? std::string("unknown") : endpoint.address().to_string();
}

result<std::uint16_t> listen_tcp(const impl_ptr& server, const std::string& address, std::uint16_t port,
                                 std::function<void(tcp::socket)> accepted) {
  error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) return ec;
  auto l = std::make_shared<listener<tcp>>(server->io, std::move(accepted));
  auto& acceptor = l->acceptor();
  const tcp::endpoint endpoint(ip, port);
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return ec;
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return ec;
  acceptor.bind(endpoint, ec);
  if (ec) return ec;
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return ec;
  const std::uint16_t bound = acceptor.local_endpoint(ec).port();
  if (ec) return ec;
  {
    const std::lock_guard lock(server->mutex);
    if (server->stopping) return error_code(asio::error::operation_aborted);
    server->listeners.push_back(l);
  }
  l->start(server->io);
  return bound;
}

}  // namespace

// --- server --------------------------------------------------------------------------------------

server::server(asio::io_context& io, const ocsp::router& router, server_options options)
    : impl_(std::make_shared<impl>(io, router, std::move(options))) {}

server::~server() {
  impl_->stop();
  impl_->pool.join();
}

void server::stop() { impl_->stop(); }

std::size_t server::connections() const noexcept {
  const std::lock_guard lock(impl_->mutex);
  return impl_->sessions.size();
}

result<std::uint16_t> server::listen_http(const std::string& address, std::uint16_t port) {
  std::weak_ptr<impl> weak = impl_;
  return listen_tcp(impl_, address, port, [weak](tcp::socket socket) {
    auto self = weak.lock();
    if (!self) return;
    std::string remote = remote_of(socket);
    start_session(self, beast::tcp_stream(std::move(socket)), std::move(remote), std::nullopt);
  });
}

result<std::uint16_t> server::listen_https(const std::string& address, std::uint16_t port, asio::ssl::context& tls) {
  std::weak_ptr<impl> weak = impl_;
  return listen_tcp(impl_, address, port, [weak, &tls](tcp::socket socket) {
    auto self = weak.lock();
    if (!self) return;
    std::string remote = remote_of(socket);
    start_session(self, tls_stream(beast::tcp_stream(std::move(socket)), tls), std::move(remote), std::nullopt);
  });
}

result<void> server::listen_unix(const std::filesystem::path& path) {
  const std::string& name = path.native();
  if (name.empty() || name.size() >= sizeof(sockaddr_un::sun_path)) {
    return make_error_code(boost::system::errc::filename_too_long);
  }
  const unix_protocol::endpoint endpoint(name);
  error_code ec;
  struct stat st {};
  if (::lstat(name.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return make_error_code(boost::system::errc::file_exists);
    // A socket file: live if something accepts on it, stale (a crashed run) if not.
    unix_protocol::socket probe(impl_->io);
    probe.connect(endpoint, ec);
    if (!ec) return error_code(asio::error::address_in_use);
    if (ec != asio::error::connection_refused) return ec;
    if (::unlink(name.c_str()) != 0 && errno != ENOENT) return error_code(errno, boost::system::system_category());
  }

  std::weak_ptr<impl> weak = impl_;
  auto l = std::make_shared<listener<unix_protocol>>(impl_->io, [weak](unix_protocol::socket socket) {
    auto self = weak.lock();
    if (!self) return;
    struct ucred cred {};
    socklen_t size = sizeof cred;
    std::string remote = "unix:unknown";
    std::optional<principal> caller;
    if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &size) == 0) {
      const auto uid = static_cast<std::uint32_t>(cred.uid);
      remote = "unix:" + std::to_string(uid);
      try {
        caller = self->options.unix_identity ? self->options.unix_identity(uid) : std::nullopt;
      } catch (...) {
        caller.reset();
      }
      // Unmapped uids are authenticated (the kernel vouches for them) but hold no role: 403.
      if (!caller) caller = principal{"uid:" + std::to_string(uid), role::none};
    }
    // Without credentials the caller stays unauthenticated (401).
    start_session(self, unix_stream(std::move(socket)), std::move(remote), std::move(caller));
  });
  auto& acceptor = l->acceptor();
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return ec;
  acceptor.bind(endpoint, ec);
  if (ec) return ec;
  // Before listen(): no peer can connect while the mode is still the umask's.
  if (::chmod(name.c_str(), 0660) != 0 || ::lstat(name.c_str(), &st) != 0) {
    ec = error_code(errno, boost::system::system_category());
    ::unlink(name.c_str());
    return ec;
  }
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    ::unlink(name.c_str());
    return ec;
  }
  {
    const std::lock_guard lock(impl_->mutex);
    if (impl_->stopping) {
      ::unlink(name.c_str());
      return error_code(asio::error::operation_aborted);
    }
    impl_->listeners.push_back(l);
    impl_->unix_files.push_back({path, st.st_dev, st.st_ino});
  }
  l->start(impl_->io);
  return boost::outcome_v2::success();
}

}  // namespace ocsp::http

namespace ocsp::http {

std::optional<principal> default_unix_identity(std::uint32_t uid) {
  if (uid != 0 && uid != static_cast<std::uint32_t>(::geteuid())) return std::nullopt;
  // The account name when the system knows it (getpwuid_r: thread-safe), else "uid:N".
  std::array<char, 4096> buffer{};
  passwd entry{};
  passwd* found = nullptr;
  std::string name = "uid:" + std::to_string(uid);
  if (::getpwuid_r(static_cast<uid_t>(uid), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr &&
      found->pw_name != nullptr) {
    name = found->pw_name;
  }
  return principal{std::move(name), role::admin};
}

}  // namespace ocsp::http
