// An HTTP/1.1 keep-alive load generator for ocspd's API over TCP and AF_UNIX sockets (wrk cannot
// open AF_UNIX sockets), and the UNIX-socket-vs-TCP comparison of issue 6.
//
//   bench_load (--unix PATH | --tcp HOST:PORT) [--duration S | --requests N] [common options]
//   bench_load --compare-unix PATH --compare-tcp HOST:PORT [--rounds R] [--duration S] [common options]
//
//   common options: --connections N (64)  --path P (/v1/ocsp/status)  --threads T (1)
//                   --header 'Name: value' (every target, repeatable)
//                   --tcp-header 'Name: value' (TCP targets only, repeatable: the Basic credentials)
//                   --timeout S (10, per request)  --warmup S (0.5; 0 for none)
//                   --server-pid PID (the server's CPU time per answer, from /proc/PID/stat)
//
// Every connection keeps one request in flight (no pipelining, as wrk does): it writes the request,
// reads the whole answer (status line, header fields, a Content-Length body), records the latency
// and sends the next. An answer other than 200 is an error, and so are a malformed answer, a
// connection that fails or closes early, and a request unanswered after --timeout; after a failure
// the connection is opened again. Latencies of the 200 answers go into a fixed log-linear histogram
// (1/64 relative resolution), so the measuring loop allocates nothing. With --duration, answers
// completed before the deadline count; with --requests N, exactly N answers (or failures) do.
//
// The comparison runs UNIX and TCP alternately in this one process (unix, tcp, unix, tcp, ...), so
// machine noise hits both alike, and prints the medians over the rounds and their ratio as a
// markdown table (goal: UNIX at least 1.2x TCP in requests/s). With --server-pid it also reports
// the server's CPU time per answer, which the machine's other load disturbs much less than
// requests/s does.
//
// Output: a markdown table on stdout. Exit status 0 when every answer was 200, 1 when there were
// errors, 2 on a usage error.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

// --- Latency histogram ---------------------------------------------------------------------------

/// Nanosecond latencies in log-linear buckets, like HdrHistogram: values below 128 exactly, then
/// 64 buckets per power of two, so a bucket is at most 1/64 of its value wide. Up to 2^40 ns
/// (about 18 minutes); larger values land in the last bucket. Fixed size: recording never allocates.
class histogram {
 public:
  void record(std::uint64_t ns) noexcept {
    ++counts_[index_of(ns)];
    ++total_;
  }

  void merge(const histogram& other) noexcept {
    for (std::size_t i = 0; i < bucket_count; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
  }

  std::uint64_t count() const noexcept { return total_; }

  /// The value at quantile `q` (0..1) in nanoseconds: the middle of the bucket holding that rank; 0
  /// when empty.
  double quantile(double q) const noexcept {
    if (total_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_) + 0.999999);
    rank = std::clamp<std::uint64_t>(rank, 1, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      seen += counts_[i];
      if (seen >= rank) return static_cast<double>(lower_of(i)) + static_cast<double>(width_of(i) - 1) / 2;
    }
    return static_cast<double>(lower_of(bucket_count - 1));
  }

 private:
  static constexpr unsigned sub_bits = 6;
  static constexpr std::uint64_t sub_count = std::uint64_t{1} << sub_bits;
  static constexpr unsigned max_shift = 40 - sub_bits;
  static constexpr std::size_t bucket_count = sub_count * (max_shift + 2);

  static std::size_t index_of(std::uint64_t v) noexcept {
    if (v < 2 * sub_count) return static_cast<std::size_t>(v);
    const auto shift = static_cast<unsigned>(std::bit_width(v)) - 1 - sub_bits;
    if (shift > max_shift) return bucket_count - 1;
    return static_cast<std::size_t>(sub_count * (shift + 1) + (v >> shift) - sub_count);
  }
  static std::uint64_t lower_of(std::size_t bucket) noexcept {
    if (bucket < 2 * sub_count) return bucket;
    const std::uint64_t shift = bucket / sub_count - 1;
    return (bucket - sub_count * shift) << shift;
  }
  static std::uint64_t width_of(std::size_t bucket) noexcept {
    return bucket < 2 * sub_count ? 1 : std::uint64_t{1} << (bucket / sub_count - 1);
  }

  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t total_ = 0;
};

// --- Targets and options -------------------------------------------------------------------------

/// Where the load goes: an AF_UNIX socket path or a TCP address, resolved once.
struct endpoint {
  bool is_unix = false;
  std::string text;  // the path, or HOST:PORT as given
  std::string host;  // the Host header field: HOST:PORT, or "localhost" for a UNIX socket
  sockaddr_storage address{};
  socklen_t address_size = 0;

  std::string name() const { return (is_unix ? "unix:" : "tcp:") + text; }
};

std::optional<endpoint> unix_endpoint(const std::string& path) {
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof addr.sun_path) return std::nullopt;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  endpoint e;
  e.is_unix = true;
  e.text = path;
  e.host = "localhost";
  std::memcpy(&e.address, &addr, sizeof addr);
  e.address_size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  return e;
}

/// HOST:PORT or [IPV6]:PORT; HOST may be a name (resolved now, first answer).
std::optional<endpoint> tcp_endpoint(const std::string& host_port) {
  const std::size_t colon = host_port.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == host_port.size()) return std::nullopt;
  std::string host = host_port.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = host_port.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0 || found == nullptr) return std::nullopt;
  endpoint e;
  e.text = host_port;
  e.host = host_port;
  std::memcpy(&e.address, found->ai_addr, found->ai_addrlen);
  e.address_size = found->ai_addrlen;
  ::freeaddrinfo(found);
  return e;
}

struct load_options {
  endpoint target;
  unsigned connections = 64;
  double duration = 5;         // seconds; used when requests is 0
  std::uint64_t requests = 0;  // answers in total (failures included); 0: run for `duration`
  std::string path = "/v1/ocsp/status";
  std::vector<std::string> headers;      // "Name: value", sent to every target
  std::vector<std::string> tcp_headers;  // sent to TCP targets only
  unsigned threads = 1;
  double timeout = 10;  // seconds a request may wait for its whole answer
};

struct load_result {
  std::uint64_t ok = 0;          // 200 answers
  std::uint64_t non_200 = 0;     // complete answers with another status
  std::uint64_t malformed = 0;   // answers that did not parse (or are not supported: chunked, no length)
  std::uint64_t io_errors = 0;   // connect, read or write failed, or the peer closed before answering
  std::uint64_t timeouts = 0;    // requests unanswered after the timeout
  std::uint64_t reconnects = 0;  // connections opened again after a failure or a "Connection: close"
  double seconds = 0;
  histogram latency;  // of the 200 answers

  std::uint64_t errors() const noexcept { return non_200 + malformed + io_errors + timeouts; }
  double rps() const noexcept { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }

  void merge(const load_result& other) noexcept {
    ok += other.ok;
    non_200 += other.non_200;
    malformed += other.malformed;
    io_errors += other.io_errors;
    timeouts += other.timeouts;
    reconnects += other.reconnects;
    seconds = std::max(seconds, other.seconds);
    latency.merge(other.latency);
  }
};

/// The request every connection sends, as wire bytes.
std::string request_bytes(const load_options& o) {
  std::string r = "GET " + o.path + " HTTP/1.1\r\nHost: " + o.target.host + "\r\n";
  for (const std::string& h : o.headers) r += h + "\r\n";
  if (!o.target.is_unix) {
    for (const std::string& h : o.tcp_headers) r += h + "\r\n";
  }
  return r + "\r\n";
}

// --- HTTP/1.1 answer parsing ---------------------------------------------------------------------

char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

bool icontains(std::string_view hay, std::string_view needle) noexcept {
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// The parts of an answer's head the load generator needs.
struct answer_head {
  unsigned status = 0;
  std::uint64_t content_length = 0;
  bool keep_alive = true;
};

/// Parses a status line and header fields ending with the empty line (`head` excludes the final
/// CRLF CRLF). nullopt when malformed, or when the body's length is not given by Content-Length
/// (chunked or read-until-close answers are not what these servers send).
std::optional<answer_head> parse_head(std::string_view head) {
  answer_head out;
  std::size_t eol = head.find("\r\n");
  const std::string_view status_line = head.substr(0, eol);
  // "HTTP/1.x NNN reason"
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ') return std::nullopt;
  const char minor = status_line[7];
  if (minor != '0' && minor != '1') return std::nullopt;
  out.keep_alive = minor == '1';
  const auto status = status_line.substr(9, 3);
  if (std::from_chars(status.data(), status.data() + 3, out.status).ptr != status.data() + 3 || out.status < 100) {
    return std::nullopt;
  }
  if (status_line.size() > 12 && status_line[12] != ' ') return std::nullopt;

  bool have_length = false;
  while (eol != std::string_view::npos) {
    const std::size_t from = eol + 2;
    eol = head.find("\r\n", from);
    const std::string_view line = head.substr(from, eol == std::string_view::npos ? std::string_view::npos : eol - from);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      std::uint64_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || end != value.data() + value.size() || value.empty()) return std::nullopt;
      if (have_length && n != out.content_length) return std::nullopt;
      out.content_length = n;
      have_length = true;
    } else if (iequals(name, "transfer-encoding")) {
      return std::nullopt;
    } else if (iequals(name, "connection")) {
      if (icontains(value, "close")) out.keep_alive = false;
      else if (icontains(value, "keep-alive")) out.keep_alive = true;
    }
  }
  const bool bodiless = out.status < 200 || out.status == 204 || out.status == 304;
  if (!have_length && !bodiless) return std::nullopt;
  return out;
}

// --- The load loop -------------------------------------------------------------------------------

/// One thread's share of the connections, driven by one epoll instance.
class worker {
 public:
  worker(const load_options& o, const std::string& request, unsigned connections, std::uint64_t quota)
      : options_(o), request_(request), quota_(quota), connections_(connections) {}

  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  ~worker() {
    for (connection& c : connections_) close_fd(c);
    if (epoll_ >= 0) ::close(epoll_);
  }

  /// Runs until `deadline` (duration mode) or until the quota is used up; the result's `seconds`
  /// is the measured time.
  load_result run(clock_type::time_point start, clock_type::time_point deadline) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) {
      std::perror("epoll_create1");
      std::exit(2);
    }
    const auto timeout = std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(options_.timeout));
    for (std::size_t i = 0; i < connections_.size(); ++i) open(i, start);
    std::array<epoll_event, 256> events{};
    clock_type::time_point now = clock_type::now();
    clock_type::time_point last_sweep = now;
    clock_type::time_point last_answer = now;
    while (true) {
      if (quota_ != 0 ? done_ >= quota_ : now >= deadline) break;
      // Wake at least every 10 ms to sweep timeouts, reopen refused connections and see the deadline.
      int wait_ms = 10;
      if (quota_ == 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
        wait_ms = static_cast<int>(std::clamp<long long>(left + 1, 0, 10));
      }
      const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), wait_ms);
      if (n < 0 && errno != EINTR) {
        std::perror("epoll_wait");
        std::exit(2);
      }
      for (int k = 0; k < n; ++k) {
        now = clock_type::now();  // per event: a batch of answers takes a while to handle
        const std::uint64_t data = events[static_cast<std::size_t>(k)].data.u64;
        const auto index = static_cast<std::size_t>(data & 0xffffffffU);
        connection& c = connections_[index];
        if (c.fd < 0 || c.generation != static_cast<std::uint32_t>(data >> 32)) continue;  // stale
        const std::uint32_t what = events[static_cast<std::size_t>(k)].events;
        if (c.state == phase::connecting) on_connected(index, now);
        else if (c.state == phase::writing) write_request(index, now);
        else if (c.state == phase::reading && (what & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0) {
          if (on_readable(index, now)) last_answer = now;
        }
      }
      now = clock_type::now();
      if (now - last_sweep >= std::chrono::milliseconds(10)) {
        last_sweep = now;
        sweep(now, timeout);
      }
    }
    load_result r = result_;
    const auto end = quota_ != 0 ? last_answer : now;
    r.seconds = std::chrono::duration<double>(end - start).count();
    return r;
  }

 private:
  enum class phase { closed, connecting, writing, reading, finished };

  struct connection {
    int fd = -1;
    std::uint32_t generation = 0;
    phase state = phase::closed;
    clock_type::time_point sent;      // when the request in flight was first written, or connect() began
    clock_type::time_point retry_at;  // when a closed connection may be opened again
    std::size_t written = 0;          // bytes of the request written so far
    std::size_t have = 0;             // bytes of the answer's head in `buffer`
    std::size_t scanned = 0;          // `buffer` has no CRLF CRLF ending before this offset + 4
    bool in_body = false;
    std::uint64_t body_left = 0;
    answer_head head;
    std::unique_ptr<char[]> buffer;
  };

  static constexpr std::size_t buffer_size = 16 * 1024;

  bool may_issue() const noexcept { return quota_ == 0 || issued_ < quota_; }

  void close_fd(connection& c) noexcept {
    if (c.fd >= 0) ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
    c.state = phase::closed;
  }

  void watch(std::size_t i, std::uint32_t events, int op) {
    connection& c = connections_[i];
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = (std::uint64_t{c.generation} << 32) | i;
    if (::epoll_ctl(epoll_, op, c.fd, &ev) != 0) {
      std::perror("epoll_ctl");
      std::exit(2);
    }
  }

  /// A failure: counted, and the connection is closed to be opened again (at once, or after a
  /// short pause when even connecting failed, so a dead server is not hammered in a tight loop).
  void fail(std::size_t i, std::uint64_t& counter, clock_type::time_point now, bool pause) {
    ++counter;
    ++done_;
    connection& c = connections_[i];
    close_fd(c);
    ++result_.reconnects;
    c.retry_at = now + (pause ? std::chrono::milliseconds(50) : std::chrono::milliseconds(0));
    if (!pause) open(i, now);
  }

  void open(std::size_t i, clock_type::time_point now) {
    connection& c = connections_[i];
    if (!may_issue()) {
      c.state = phase::finished;
      return;
    }
    if (!c.buffer) c.buffer = std::make_unique<char[]>(buffer_size);
    const auto& address = options_.target.address;
    c.sent = now;
    c.fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
      std::perror("socket");
      std::exit(2);
    }
    ++c.generation;
    if (!options_.target.is_unix) {
      const int one = 1;
      ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    const int rc = ::connect(c.fd, reinterpret_cast<const sockaddr*>(&address), options_.target.address_size);
    if (rc == 0) {
      watch(i, EPOLLIN, EPOLL_CTL_ADD);
      begin_request(i, now);
    } else if (errno == EINPROGRESS) {
      c.state = phase::connecting;
      watch(i, EPOLLOUT, EPOLL_CTL_ADD);
    } else {
      // Refused, or (AF_UNIX) EAGAIN for a full backlog: the request this connection would have
      // sent fails; try again shortly.
      ++issued_;
      fail(i, result_.io_errors, now, true);
    }
  }

  void on_connected(std::size_t i, clock_type::time_point now) {
    connection& c = connections_[i];
    int error = 0;
    socklen_t size = sizeof error;
    if (::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0 || error != 0) {
      ++issued_;
      fail(i, result_.io_errors, now, true);
      return;
    }
    watch(i, EPOLLIN, EPOLL_CTL_MOD);
    begin_request(i, now);
  }

  void begin_request(std::size_t i, clock_type::time_point now) {
    connection& c = connections_[i];
    if (!may_issue()) {
      close_fd(c);
      c.state = phase::finished;
      return;
    }
    ++issued_;
    c.sent = now;
    c.written = 0;
    c.have = 0;
    c.scanned = 0;
    c.in_body = false;
    c.state = phase::reading;
    write_request(i, now);
  }

  void write_request(std::size_t i, clock_type::time_point now) {
    connection& c = connections_[i];
    const bool was_waiting = c.state == phase::writing;
    while (c.written < request_.size()) {
      const ssize_t n = ::send(c.fd, request_.data() + c.written, request_.size() - c.written, MSG_NOSIGNAL);
      if (n > 0) {
        c.written += static_cast<std::size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        // The rest when the socket is writable (rare: a request is a few hundred bytes).
        if (!was_waiting) watch(i, EPOLLOUT, EPOLL_CTL_MOD);
        c.state = phase::writing;
        return;
      } else {
        fail(i, result_.io_errors, now, false);
        return;
      }
    }
    if (was_waiting) watch(i, EPOLLIN, EPOLL_CTL_MOD);
    c.state = phase::reading;
  }

  /// Reads what the socket has; true when an answer was completed.
  bool on_readable(std::size_t i, clock_type::time_point now) {
    connection& c = connections_[i];
    char* const buf = c.buffer.get();
    ssize_t n = 0;
    do {
      n = c.in_body ? ::read(c.fd, buf, buffer_size) : ::read(c.fd, buf + c.have, buffer_size - c.have);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    if (n <= 0) {  // reset, or closed before the answer was complete
      fail(i, result_.io_errors, now, false);
      return false;
    }
    const auto got = static_cast<std::size_t>(n);
    if (!c.in_body) {
      c.have += got;
      const std::string_view text(buf, c.have);
      const std::size_t end = text.find("\r\n\r\n", c.scanned);
      if (end == std::string_view::npos) {
        if (c.have == buffer_size) fail(i, result_.malformed, now, false);  // a head this large is not ours
        else c.scanned = c.have < 3 ? 0 : c.have - 3;
        return false;
      }
      const auto head = parse_head(text.substr(0, end));
      if (!head) {
        fail(i, result_.malformed, now, false);
        return false;
      }
      c.head = *head;
      const std::size_t body_here = c.have - (end + 4);
      if (body_here > c.head.content_length) {  // bytes nobody asked for
        fail(i, result_.malformed, now, false);
        return false;
      }
      c.in_body = true;
      c.body_left = c.head.content_length - body_here;
    } else {
      if (got > c.body_left) {
        fail(i, result_.malformed, now, false);
        return false;
      }
      c.body_left -= got;
    }
    if (c.body_left != 0) return false;

    ++done_;
    if (c.head.status == 200) {
      ++result_.ok;
      result_.latency.record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.sent).count()));
    } else {
      ++result_.non_200;
    }
    if (!c.head.keep_alive) {
      close_fd(c);
      ++result_.reconnects;
      open(i, now);
    } else {
      begin_request(i, now);
    }
    return true;
  }

  /// Fails requests past their timeout; reopens connections whose pause is over.
  void sweep(clock_type::time_point now, clock_type::duration timeout) {
    for (std::size_t i = 0; i < connections_.size(); ++i) {
      connection& c = connections_[i];
      if (c.state == phase::closed && now >= c.retry_at) open(i, now);
      else if ((c.state == phase::reading || c.state == phase::writing) && now - c.sent > timeout) {
        fail(i, result_.timeouts, now, false);
      } else if (c.state == phase::connecting && now - c.sent > timeout) {
        ++issued_;
        fail(i, result_.timeouts, now, true);
      }
    }
  }

  const load_options& options_;
  const std::string& request_;
  const std::uint64_t quota_;  // 0: duration mode
  std::uint64_t issued_ = 0;   // requests written, plus connections that failed before they could write one
  std::uint64_t done_ = 0;     // answers and failures
  int epoll_ = -1;
  std::vector<connection> connections_;
  load_result result_;
};

/// One measurement: `o.connections` connections spread over `o.threads` threads, for
/// `o.duration` seconds or `o.requests` answers.
load_result run_load(const load_options& o) {
  const std::string request = request_bytes(o);
  const unsigned threads = std::clamp(o.threads, 1U, o.connections);
  std::vector<std::unique_ptr<worker>> workers;
  for (unsigned t = 0; t < threads; ++t) {
    const unsigned conns = o.connections / threads + (t < o.connections % threads ? 1 : 0);
    const std::uint64_t quota = o.requests == 0 ? 0 : o.requests / threads + (t < o.requests % threads ? 1 : 0);
    if (o.requests != 0 && quota == 0) continue;
    workers.push_back(std::make_unique<worker>(o, request, conns, quota));
  }
  std::vector<load_result> results(workers.size());
  const auto start = clock_type::now();
  const auto deadline = start + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(o.duration));
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < workers.size(); ++t) {
    pool.emplace_back([&, t] { results[t] = workers[t]->run(start, deadline); });
  }
  results[0] = workers[0]->run(start, deadline);
  for (std::thread& th : pool) th.join();
  load_result total;
  for (const load_result& r : results) total.merge(r);
  return total;
}

// --- Reporting -----------------------------------------------------------------------------------

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0 : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double ms(double ns) { return ns / 1e6; }

std::string errors_text(const load_result& r) {
  if (r.errors() == 0) return "0";
  char text[160];
  std::snprintf(text, sizeof text, "%llu (non-200 %llu, malformed %llu, I/O %llu, timeouts %llu)",
                static_cast<unsigned long long>(r.errors()), static_cast<unsigned long long>(r.non_200),
                static_cast<unsigned long long>(r.malformed), static_cast<unsigned long long>(r.io_errors),
                static_cast<unsigned long long>(r.timeouts));
  return text;
}

std::string header_names(const load_options& o) {
  std::string names;
  auto add = [&](const std::string& h) {
    const std::string name = h.substr(0, h.find(':'));
    if (!names.empty()) names += ", ";
    names += name;
  };
  for (const std::string& h : o.headers) add(h);
  if (!o.target.is_unix) {
    for (const std::string& h : o.tcp_headers) add(h);
  }
  return names.empty() ? "none" : names;
}

void warm_up(load_options o, double seconds) {
  if (seconds <= 0) return;
  o.requests = 0;
  o.duration = seconds;
  (void)run_load(o);
}

/// CPU seconds (user + system, all threads) the process `pid` has used so far; -1 when unreadable.
/// Read around each run, it gives the server's CPU per request: a figure that, unlike requests/s,
/// does not depend on how much of the shared machine the server got.
double process_cpu_seconds(long pid) {
  if (pid <= 0) return -1;
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE* f = std::fopen(path, "r");
  if (f == nullptr) return -1;
  char line[1024];
  const bool read = std::fgets(line, sizeof line, f) != nullptr;
  std::fclose(f);
  if (!read) return -1;
  // After "PID (COMM) ": state is field 3 of proc(5), utime and stime are fields 14 and 15.
  const char* p = std::strrchr(line, ')');
  if (p == nullptr) return -1;
  unsigned long long utime = 0, stime = 0;
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) return -1;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/// One run with the server's CPU time around it: microseconds of server CPU per 200 answer (-1
/// without a pid).
load_result measured_run(const load_options& o, long server_pid, double& server_us_per_request) {
  const double before = process_cpu_seconds(server_pid);
  load_result r = run_load(o);
  const double after = process_cpu_seconds(server_pid);
  server_us_per_request = before >= 0 && after >= 0 && r.ok > 0 ? (after - before) * 1e6 / static_cast<double>(r.ok) : -1;
  return r;
}

std::string cpu_text(double us) {
  if (us < 0) return "n/a";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", us);
  return text;
}

int single(const load_options& o, double warmup, long server_pid) {
  warm_up(o, warmup);
  double cpu = -1;
  const load_result r = measured_run(o, server_pid, cpu);
  std::printf("| target | connections | extra header fields | seconds | 200 answers | requests/s | p50 (ms) | p99 (ms) | "
              "server CPU (us/request) | errors |\n");
  std::printf("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
  std::printf("| %s | %u | %s | %.2f | %llu | %.0f | %.3f | %.3f | %s | %s |\n", o.target.name().c_str(), o.connections,
              header_names(o).c_str(), r.seconds, static_cast<unsigned long long>(r.ok), r.rps(),
              ms(r.latency.quantile(0.50)), ms(r.latency.quantile(0.99)), cpu_text(cpu).c_str(), errors_text(r).c_str());
  return r.errors() == 0 && r.ok > 0 ? 0 : 1;
}

int compare(const load_options& unix_o, const load_options& tcp_o, int rounds, double warmup, long server_pid) {
  struct side {
    const load_options* options;
    std::vector<double> rps, p50, p99, cpu;
    load_result total;
  };
  side sides[2] = {{&unix_o, {}, {}, {}, {}, {}}, {&tcp_o, {}, {}, {}, {}, {}}};
  for (side& s : sides) warm_up(*s.options, warmup);
  for (int r = 0; r < rounds; ++r) {
    for (side& s : sides) {
      double cpu = -1;
      const load_result res = measured_run(*s.options, server_pid, cpu);
      std::fprintf(stderr, "bench_load: round %d/%d %s: %.0f requests/s, p99 %.3f ms, server CPU %s us/request, errors %llu\n",
                   r + 1, rounds, s.options->target.name().c_str(), res.rps(), ms(res.latency.quantile(0.99)),
                   cpu_text(cpu).c_str(), static_cast<unsigned long long>(res.errors()));
      s.rps.push_back(res.rps());
      s.p50.push_back(ms(res.latency.quantile(0.50)));
      s.p99.push_back(ms(res.latency.quantile(0.99)));
      s.cpu.push_back(cpu);
      s.total.merge(res);
    }
  }
  const bool have_cpu = server_pid > 0;
  std::printf("| transport | extra header fields | requests/s (median) | p50 (ms, median) | p99 (ms, median) |%s errors |\n",
              have_cpu ? " server CPU (us/request, median) |" : "");
  std::printf("| --- | --- | ---: | ---: | ---: |%s --- |\n", have_cpu ? " ---: |" : "");
  for (const side& s : sides) {
    std::printf("| %s | %s | %.0f | %.3f | %.3f |", s.options->target.name().c_str(), header_names(*s.options).c_str(),
                median(s.rps), median(s.p50), median(s.p99));
    if (have_cpu) std::printf(" %s |", cpu_text(median(s.cpu)).c_str());
    std::printf(" %s |\n", errors_text(s.total).c_str());
  }
  const double rps_ratio = median(sides[0].rps) / median(sides[1].rps);
  std::printf("| **ratio UNIX / TCP** | | **%.2fx** (goal >= 1.2x: %s) | %.2fx | %.2fx |", rps_ratio,
              rps_ratio >= 1.2 ? "met" : "NOT met", median(sides[0].p50) / median(sides[1].p50),
              median(sides[0].p99) / median(sides[1].p99));
  if (have_cpu) std::printf(" %.2fx |", median(sides[0].cpu) / median(sides[1].cpu));
  std::printf(" |\n");
  char each[64];
  if (unix_o.requests != 0) std::snprintf(each, sizeof each, "%llu requests", static_cast<unsigned long long>(unix_o.requests));
  else std::snprintf(each, sizeof each, "%g s", unix_o.duration);
  std::printf("\n%u connections, %d interleaved rounds (unix, tcp, unix, ...) of %s each; requests/s per round:\n",
              unix_o.connections, rounds, each);
  for (const side& s : sides) {
    std::printf("%s:", s.options->target.name().c_str());
    for (const double v : s.rps) std::printf(" %.0f", v);
    std::printf("\n");
  }
  const bool clean = sides[0].total.errors() == 0 && sides[1].total.errors() == 0 && sides[0].total.ok > 0 && sides[1].total.ok > 0;
  return clean ? 0 : 1;
}

[[noreturn]] void usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s (--unix PATH | --tcp HOST:PORT) [--duration S | --requests N] [options]\n"
               "       %s --compare-unix PATH --compare-tcp HOST:PORT [--rounds R] [--duration S | --requests N] [options]\n"
               "options: --connections N (64) --path P (/v1/ocsp/status) --header 'Name: value' (repeatable)\n"
               "         --tcp-header 'Name: value' (TCP only, repeatable) --threads T (1) --timeout S (10)\n"
               "         --warmup S (0.5) --server-pid PID (report the server's CPU per request)\n",
               argv0, argv0);
  std::exit(2);
}

template <class T>
bool number(const char* text, T& out) {
  const std::string_view s(text);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  load_options o;
  std::optional<std::string> unix_path, tcp_address, compare_unix, compare_tcp;
  int rounds = 5;
  double warmup = 0.5;
  long server_pid = 0;
  bool have_duration = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) usage(argv[0]);
    const char* v = argv[++i];
    const bool is_header = std::strchr(v, ':') != nullptr;
    bool ok = true;
    if (a == "--unix") unix_path = v;
    else if (a == "--tcp") tcp_address = v;
    else if (a == "--compare-unix") compare_unix = v;
    else if (a == "--compare-tcp") compare_tcp = v;
    else if (a == "--connections") ok = number(v, o.connections) && o.connections > 0;
    else if (a == "--duration") ok = number(v, o.duration) && o.duration > 0 && (have_duration = true);
    else if (a == "--requests") ok = number(v, o.requests) && o.requests > 0;
    else if (a == "--path" && *v == '/') o.path = v;
    else if (a == "--header" && is_header) o.headers.emplace_back(v);
    else if (a == "--tcp-header" && is_header) o.tcp_headers.emplace_back(v);
    else if (a == "--threads") ok = number(v, o.threads) && o.threads > 0;
    else if (a == "--timeout") ok = number(v, o.timeout) && o.timeout > 0;
    else if (a == "--warmup") ok = number(v, warmup) && warmup >= 0;
    else if (a == "--rounds") ok = number(v, rounds) && rounds > 0;
    else if (a == "--server-pid") ok = number(v, server_pid) && server_pid > 0;
    else ok = false;
    if (!ok) {
      std::fprintf(stderr, "%s: bad option or value: %s %s\n", argv[0], std::string(a).c_str(), v);
      usage(argv[0]);
    }
  }
  if (have_duration && o.requests != 0) usage(argv[0]);

  const bool single_mode = unix_path.has_value() != tcp_address.has_value();
  const bool compare_mode = compare_unix && compare_tcp;
  if (single_mode == compare_mode || (compare_unix.has_value() != compare_tcp.has_value())) usage(argv[0]);

  auto resolve = [&](const std::string& text, bool is_unix) {
    auto e = is_unix ? unix_endpoint(text) : tcp_endpoint(text);
    if (!e) {
      std::fprintf(stderr, "%s: cannot use %s %s\n", argv[0], is_unix ? "socket path" : "address", text.c_str());
      std::exit(2);
    }
    return *e;
  };
  if (single_mode) {
    o.target = unix_path ? resolve(*unix_path, true) : resolve(*tcp_address, false);
    return single(o, warmup, server_pid);
  }
  load_options u = o, t = o;
  u.target = resolve(*compare_unix, true);
  t.target = resolve(*compare_tcp, false);
  return compare(u, t, rounds, warmup, server_pid);
}
