// The poller against real responders: the openssl CLI (offline for the scheduling and verification
// cases, as a loopback server for the network ones) and the scripted hostile server.
//
// Scheduling cases run without the poller's threads: the test owns the clock and calls run_due()
// (the injected executor), so hours of schedule take milliseconds and no test sleeps.
#include "openssl_responder.hpp"
#include "support.hpp"
#include "test_http_server.hpp"

#include <ocsp/poller.hpp>
#include <ocsp/response.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <chrono>
#include <thread>

namespace {

using namespace std::chrono_literals;
using byte_vector = std::vector<std::uint8_t>;
using ocsp::errc;

std::chrono::sys_seconds wall_now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// A service over a memory configuration store and a persisted-in-memory answer store, with the
// test PKI's proxy certificate (AIA: http://127.0.0.1:18080/ocsp).
struct fixture {
  std::shared_ptr<const ocsp::proxy_certificate> cert = ocsp_test::load_pki_cert("proxy");
  std::shared_ptr<ocsp::memory_status_store> answers = std::make_shared<ocsp::memory_status_store>();
  std::unique_ptr<ocsp::service> svc = ocsp_test::make_service({.certificate = cert, .answers = answers});
  ocsp_test::temp_dir tmp;
  ocsp_test::openssl_responder responder{tmp / "responder"};
  std::chrono::sys_seconds clock = wall_now();
  std::vector<std::chrono::sys_seconds> fetches;   // when the transport was used
  std::function<ocsp::api_result<byte_vector>(const byte_vector&)> transport;  // what it answers
  ocsp::responder_query_options seen;  // what the poller asked of the transport (timeout = response_timeout)
  std::vector<std::string> log;

  fixture() {
    responder.set(*cert, 'V');
    transport = [this](const byte_vector& request) -> ocsp::api_result<byte_vector> { return responder.answer(request); };
  }

  ocsp::poller_options options() {
    ocsp::poller_options o;
    o.clock = [this] { return clock; };
    o.fetch = [this](const ocsp::responder_url&, ocsp::der::bytes request, const ocsp::responder_query_options& opts) {
      fetches.push_back(clock);
      seen = opts;
      return transport(byte_vector(request.begin(), request.end()));
    };
    o.log = [this](std::string_view line) { log.emplace_back(line); };
    o.start_threads = false;
    return o;
  }

  void enable(std::int64_t query_frequency = 3600, std::int64_t recovery_frequency = 60, std::int64_t tries = 3) {
    REQUIRE(svc->put_config(ocsp_test::admin(), ocsp::config_patch{.ocsp_functionality = true,
                                                                   .query_frequency = query_frequency,
                                                                   .recovery_frequency = recovery_frequency,
                                                                   .recovery_max_tries = tries}));
  }

  // Advances the clock to each due poll up to `until` and runs it.
  void run_until(ocsp::poller& p, std::chrono::sys_seconds until) {
    for (int guard = 0; guard < 1000; ++guard) {
      const auto next = p.next_query();
      if (!next || *next > until) break;
      clock = std::max(clock, *next);
      REQUIRE(p.run_due());
    }
    clock = until;
  }

  // The real transport to a server on loopback `port` (the certificate names port 18080), with
  // the options the poller gave (its response_timeout).
  std::function<ocsp::api_result<byte_vector>(const byte_vector&)> network(std::uint16_t port) {
    return [this, port](const byte_vector& request) {
      auto url = ocsp::parse_responder_url("http://127.0.0.1/ocsp").value();
      url.port = port;
      return ocsp::query_responder(url, request, seen);
    };
  }

  std::string log_text() const {
    std::string all;
    for (const auto& l : log) all += l + "\n";
    return all;
  }
};

ocsp::api_result<byte_vector> refused(const byte_vector&) {
  return ocsp::make_error(errc::responder_unreachable, "connect to 127.0.0.1:18080 failed: Connection refused");
}

}  // namespace

TEST_CASE("poller: enabled queries at once, then every query_frequency, the answer is cached and stapled",
          "[poller][schedule]") {
  fixture f;
  f.responder.valid_for_minutes(24 * 60);  // nextUpdate far enough not to drive the schedule
  auto p = ocsp::poller::create(*f.svc, f.options());
  CHECK_FALSE(p->next_query().has_value());  // disabled: nothing due
  CHECK_FALSE(p->run_due());

  const auto t0 = f.clock;
  f.enable(3600);
  REQUIRE(p->next_query() == t0);
  f.run_until(*p, t0 + 3h + 1s);
  CHECK(f.fetches == std::vector{t0, t0 + 1h, t0 + 2h, t0 + 3h});
  auto status = f.svc->get_status(ocsp_test::admin());
  REQUIRE(status);
  CHECK(status.value().status == ocsp::cert_status::good);
  CHECK(status.value().responder_url == "http://127.0.0.1:18080/ocsp");
  auto staple = p->staple();
  REQUIRE(staple != nullptr);
  CHECK(ocsp::parse_ocsp_response(staple->response_der));
  REQUIRE(f.answers->load().value().has_value());  // persisted
  CHECK(f.answers->load().value()->response_der == staple->response_der);
}

TEST_CASE("poller: a short-lived answer is refreshed at half its window", "[poller][schedule]") {
  fixture f;
  f.responder.valid_for_minutes(20);  // nextUpdate = thisUpdate + 20 min: refresh after 10 min
  auto p = ocsp::poller::create(*f.svc, f.options());
  const auto t0 = f.clock;
  f.enable(3600);
  REQUIRE(p->run_due());
  const auto cached = f.svc->cache().current();
  REQUIRE(cached);
  REQUIRE(cached->this_update);
  REQUIRE(cached->next_update);
  const auto half = *cached->this_update + (*cached->next_update - *cached->this_update) / 2;
  CHECK(p->next_query() == std::max(half, t0 + 60s));
  CHECK(*p->next_query() < t0 + 3600s);
}

TEST_CASE("poller: failures retry at recovery_frequency, invalidate after recovery_max_tries, success restores",
          "[poller][schedule][recovery]") {
  fixture f;
  f.responder.valid_for_minutes(24 * 60);
  auto p = ocsp::poller::create(*f.svc, f.options());
  const auto t0 = f.clock;
  f.enable(3600, 60, 3);
  REQUIRE(p->run_due());  // t0: GOOD
  REQUIRE(f.svc->cache().current());

  f.transport = refused;
  f.run_until(*p, t0 + 1h + 119s);  // t0+1h fails, t0+1h+60s fails
  CHECK(p->consecutive_failures() == 2);
  CHECK(f.svc->cache().current());  // still the last good answer
  CHECK(p->staple() != nullptr);

  f.run_until(*p, t0 + 1h + 120s);  // third failure: invalidated
  CHECK(p->consecutive_failures() == 3);
  CHECK_FALSE(f.svc->cache().current());
  CHECK(p->staple() == nullptr);
  CHECK_FALSE(f.answers->load().value().has_value());  // the invalidation is persisted too
  auto status = f.svc->get_status(ocsp_test::admin());
  REQUIRE(status);
  CHECK(status.value() == ocsp::ocsp_status::not_cached("http://127.0.0.1:18080/ocsp"));
  CHECK(p->next_query() == t0 + 1h + 120s + 3600s);  // back to query_frequency

  f.transport = [&f](const byte_vector& r) -> ocsp::api_result<byte_vector> { return f.responder.answer(r); };
  f.run_until(*p, t0 + 2h + 120s);
  CHECK(p->consecutive_failures() == 0);
  CHECK(f.svc->cache().current());
  CHECK(f.fetches == std::vector{t0, t0 + 1h, t0 + 1h + 60s, t0 + 1h + 120s, t0 + 2h + 120s});
  CHECK_THAT(f.log_text(), Catch::Contains("invalidated"));
}

TEST_CASE("poller: a configuration change reschedules at once, disabling stops polling", "[poller][schedule]") {
  fixture f;
  f.responder.valid_for_minutes(24 * 60);
  auto p = ocsp::poller::create(*f.svc, f.options());
  const auto t0 = f.clock;
  f.enable(3600);
  REQUIRE(p->run_due());
  f.clock = t0 + 10min;
  f.enable(600);  // a new frequency: query now, then every 10 minutes
  CHECK(p->next_query() == t0 + 10min);
  f.run_until(*p, t0 + 30min);
  CHECK(f.fetches == std::vector{t0, t0 + 10min, t0 + 20min, t0 + 30min});
  REQUIRE(f.svc->put_config(ocsp_test::admin(), ocsp::config_patch{.ocsp_functionality = false}));
  CHECK_FALSE(p->next_query().has_value());
  f.run_until(*p, t0 + 5h);
  CHECK(f.fetches.size() == 4);
  CHECK(f.svc->cache().current());  // disabled: the cache stays as it was
}

TEST_CASE("poller: a new proxy certificate discards the old answer and queries at once", "[poller][schedule][rotation]") {
  fixture f;
  f.responder.valid_for_minutes(24 * 60);
  auto p = ocsp::poller::create(*f.svc, f.options());
  const auto t0 = f.clock;
  f.enable(3600);
  REQUIRE(p->run_due());
  const auto old_staple = p->staple();
  REQUIRE(old_staple);

  const auto second = ocsp_test::load_pki_cert("proxy-ldap-first");
  f.responder.set(*second, 'R');
  f.clock = t0 + 5min;
  f.svc->replace_certificate(second);
  CHECK_FALSE(f.svc->cache().current());
  CHECK(p->staple() == nullptr);
  CHECK(p->next_query() == t0 + 5min);
  REQUIRE(p->run_due());
  auto status = f.svc->get_status(ocsp_test::admin());
  REQUIRE(status);
  CHECK(status.value().status == ocsp::cert_status::revoked);
  CHECK(status.value().responder_url == "http://127.0.0.1:18080/second");
  REQUIRE(p->staple());
  CHECK(p->staple()->cert_id_der != old_staple->cert_id_der);
}

// Each bad answer: the query fails with the contract's code, the failure counts, and the cached
// answer stays exactly as it was.
TEST_CASE("poller: bad answers are refused and never replace the cached one", "[poller][verify]") {
  fixture f;
  f.responder.valid_for_minutes(24 * 60);
  auto p = ocsp::poller::create(*f.svc, f.options());
  f.enable(3600, 60, 100);
  REQUIRE(p->run_due());
  const auto good = f.svc->cache().entry();
  REQUIRE(good);

  const auto other_cert = ocsp_test::load_pki_cert("proxy-noaia");
  auto other_identity = ocsp::proxy_identity::create(other_cert);
  REQUIRE(other_identity);

  struct bad_case {
    const char* what;
    std::function<ocsp::api_result<byte_vector>(const byte_vector&)> transport;
    errc api_code;
  };
  ocsp_test::openssl_responder delegated(f.tmp / "delegated-noeku");
  delegated.set(*f.cert, 'V');
  delegated.sign_with("responder-noeku");
  ocsp_test::openssl_responder unrelated(f.tmp / "unrelated");
  unrelated.set(*f.cert, 'V');
  unrelated.sign_with("other-ca");
  ocsp_test::openssl_responder short_lived(f.tmp / "short");
  short_lived.set(*f.cert, 'V');
  short_lived.valid_for_minutes(1);

  const std::vector<bad_case> table{
      {"connection refused", refused, errc::ocsp_query_failed},
      {"garbage instead of DER",
       [](const byte_vector&) -> ocsp::api_result<byte_vector> { return byte_vector{'n', 'o', 'p', 'e'}; },
       errc::invalid_ocsp_response},
      {"a delegated responder without id-kp-OCSPSigning (openssl ocsp -port)", f.network(delegated.serve()),
       errc::invalid_ocsp_response},
      {"signed by an unrelated CA's key (openssl ocsp -port)", f.network(unrelated.serve()), errc::invalid_ocsp_response},
      {"an answer about another certificate",
       [&](const byte_vector&) -> ocsp::api_result<byte_vector> {
         f.responder.set(*other_cert, 'V');
         return f.responder.answer(other_identity.value()->request(std::nullopt).value());
       },
       errc::invalid_ocsp_response},
      {"an answer to another request (its nonce differs)",
       [&](const byte_vector&) -> ocsp::api_result<byte_vector> {
         const std::array<std::uint8_t, 16> other_nonce{1, 2, 3};
         auto identity = ocsp::proxy_identity::create(f.cert).value();
         return f.responder.answer(identity->request(ocsp::der::bytes(other_nonce)).value());
       },
       errc::invalid_ocsp_response},
      {"an answer without the nonce that was sent",
       [&](const byte_vector&) -> ocsp::api_result<byte_vector> {
         auto identity = ocsp::proxy_identity::create(f.cert).value();
         return f.responder.answer(identity->request(std::nullopt).value());
       },
       errc::invalid_ocsp_response},
  };
  for (const auto& c : table) {
    INFO(c.what);
    f.transport = c.transport;
    const std::uint32_t failures = p->consecutive_failures();
    f.clock = *p->next_query();
    REQUIRE(p->run_due());
    CHECK(p->consecutive_failures() == failures + 1);
    CHECK(f.svc->cache().entry() == good);  // the very same entry
    // The same answer through POST /v1/ocsp/test: the contract's code, the reason in the message.
    auto tested = f.svc->test(ocsp_test::admin());
    REQUIRE_FALSE(tested);
    CHECK(tested.error().ocsp_code() == c.api_code);
    CHECK_FALSE(tested.error().message.empty());
    CHECK(f.svc->cache().entry() == good);
  }

  SECTION("an expired answer (nextUpdate passed, beyond the skew)") {
    f.transport = f.network(short_lived.serve());
    f.clock = wall_now() + 1h;  // the 1-minute answer is long stale by then
    auto tested = f.svc->test(ocsp_test::admin());
    REQUIRE_FALSE(tested);
    CHECK(tested.error().ocsp_code() == errc::invalid_ocsp_response);
    CHECK(f.svc->cache().entry() == good);
  }
}

TEST_CASE("poller: a delegated responder with id-kp-OCSPSigning is believed, UNKNOWN and REVOKED are answers",
          "[poller][verify]") {
  fixture f;
  f.responder.sign_with("responder");
  ocsp_test::openssl_responder served(f.tmp / "served");  // the same delegate, on loopback
  served.set(*f.cert, 'V');
  served.sign_with("responder");
  f.transport = f.network(served.serve());
  auto p = ocsp::poller::create(*f.svc, f.options());
  f.enable();
  REQUIRE(p->run_due());
  REQUIRE(f.svc->cache().current());
  CHECK(f.svc->cache().current()->status == ocsp::cert_status::good);
  f.transport = [&f](const byte_vector& r) -> ocsp::api_result<byte_vector> { return f.responder.answer(r); };

  f.responder.set(*f.cert, 'R');
  auto revoked = f.svc->test(ocsp_test::admin());
  REQUIRE(revoked);
  CHECK(revoked.value().status == ocsp::cert_status::revoked);
  REQUIRE(revoked.value().revocation_time);
  CHECK(f.svc->cache().current()->status == ocsp::cert_status::revoked);

  ocsp_test::openssl_responder empty(f.tmp / "empty");  // knows no certificate: UNKNOWN
  f.transport = [&](const byte_vector& r) -> ocsp::api_result<byte_vector> { return empty.answer(r); };
  auto unknown = f.svc->test(ocsp_test::admin());
  REQUIRE(unknown);
  CHECK(unknown.value().status == ocsp::cert_status::unknown);
  CHECK(f.svc->cache().current()->status == ocsp::cert_status::unknown);
}

TEST_CASE("poller: POST test while disabled answers without caching, enabled it caches and clears failures",
          "[poller][test]") {
  fixture f;
  auto p = ocsp::poller::create(*f.svc, f.options());
  auto answer = f.svc->test(ocsp_test::admin());
  REQUIRE(answer);
  CHECK(answer.value().status == ocsp::cert_status::good);
  CHECK_FALSE(f.svc->cache().current());

  f.enable(3600, 60, 5);
  f.transport = refused;
  REQUIRE(p->run_due());
  CHECK(p->consecutive_failures() == 1);
  f.transport = [&f](const byte_vector& r) -> ocsp::api_result<byte_vector> { return f.responder.answer(r); };
  REQUIRE(f.svc->test(ocsp_test::admin()));
  CHECK(p->consecutive_failures() == 0);
  CHECK(f.svc->cache().current());
}

// The real network: openssl ocsp -port, the poller's own threads and transport.
TEST_CASE("poller: against openssl ocsp over loopback, with its own threads", "[poller][network][openssl]") {
  fixture f;
  const std::uint16_t port = f.responder.serve();
  ocsp::poller_options o;
  std::atomic<int> fetched{0};
  // The certificate names port 18080; the responder listens where it could.
  o.fetch = [&](const ocsp::responder_url& url, ocsp::der::bytes request, const ocsp::responder_query_options& opts) {
    ++fetched;
    ocsp::responder_url here = url;
    here.port = port;
    return ocsp::query_responder(here, request, opts);
  };
  std::mutex log_mutex;
  std::string log;
  o.log = [&](std::string_view line) {
    std::lock_guard lock(log_mutex);
    log.append(line).append("\n");
  };
  auto p = ocsp::poller::create(*f.svc, o);
  f.enable();
  for (int i = 0; i < 100 && !f.svc->cache().current(); ++i) std::this_thread::sleep_for(50ms);
  {
    std::lock_guard lock(log_mutex);
    INFO(log);
    REQUIRE(f.svc->cache().current());
  }
  CHECK(f.svc->cache().current()->status == ocsp::cert_status::good);
  CHECK(fetched == 1);

  // openssl ocsp re-reads a changed index before it accepts a connection, so the request it is
  // already waiting for still sees the old one: one throwaway request lets it notice the change.
  f.responder.set(*f.cert, 'R');
  {
    auto url = ocsp::parse_responder_url("http://127.0.0.1/").value();
    url.port = port;
    (void)ocsp::query_responder(url, ocsp::proxy_identity::create(f.cert).value()->request().value(), {});
  }
  auto revoked = f.svc->test(ocsp_test::admin());
  REQUIRE(revoked);
  CHECK(revoked.value().status == ocsp::cert_status::revoked);
  CHECK(f.svc->get_status(ocsp_test::admin()).value().status == ocsp::cert_status::revoked);

  f.responder.stop();  // responder down: connection refused
  auto down = f.svc->test(ocsp_test::admin());
  REQUIRE_FALSE(down);
  CHECK(down.error().ocsp_code() == errc::ocsp_query_failed);
  CHECK(f.svc->cache().current()->status == ocsp::cert_status::revoked);
  p->stop();
}

TEST_CASE("poller: hostile responders fail the query within response_timeout and change nothing",
          "[poller][network][hostile]") {
  fixture f;
  f.responder.valid_for_minutes(24 * 60);
  auto p = ocsp::poller::create(*f.svc, f.options());
  f.enable(3600, 60, 100);
  REQUIRE(p->run_due());
  const auto good = f.svc->cache().entry();
  REQUIRE(good);

  struct hostile {
    const char* what;
    ocsp_test::server_script script;
    errc api_code;
  };
  const std::vector<hostile> table{
      {"never answers", ocsp_test::server_script::never_answer(), errc::ocsp_query_failed},
      {"HTTP 500", ocsp_test::server_script::respond(ocsp_test::http_response(500, "oops", {{"Content-Type", "text/plain"}})),
       errc::ocsp_query_failed},
      {"garbage body with the right type",
       ocsp_test::server_script::respond(ocsp_test::http_response(200, "garbage", {{"Content-Type", "application/ocsp-response"}})),
       errc::invalid_ocsp_response},
      {"oversized body",
       ocsp_test::server_script::respond(ocsp_test::http_response(200, std::string(200000, 'x'),
                                                                  {{"Content-Type", "application/ocsp-response"}})),
       errc::ocsp_query_failed},
      {"closes at once", ocsp_test::server_script::close_at_once(), errc::ocsp_query_failed},
  };
  for (const auto& c : table) {
    INFO(c.what);
    ocsp_test::test_http_server server(c.script);
    f.transport = f.network(server.port());  // with the poller's options: response_timeout 1 s
    const auto started = std::chrono::steady_clock::now();
    auto tested = f.svc->test(ocsp_test::admin());
    const auto took = std::chrono::steady_clock::now() - started;
    REQUIRE_FALSE(tested);
    CHECK(tested.error().ocsp_code() == c.api_code);
    CHECK(f.seen.timeout == 1s);  // the configuration's response_timeout reached the transport
    CHECK(took < 3s);            // response_timeout (1 s) plus slack
    CHECK(f.svc->cache().entry() == good);
  }
}

TEST_CASE("poller: the next poll reflects a revocation at the responder", "[poller][schedule]") {
  fixture f;
  f.responder.valid_for_minutes(24 * 60);
  auto p = ocsp::poller::create(*f.svc, f.options());
  const auto t0 = f.clock;
  f.enable(3600);
  REQUIRE(p->run_due());
  CHECK(f.svc->cache().current()->status == ocsp::cert_status::good);
  f.responder.set(*f.cert, 'R');
  f.run_until(*p, t0 + 1h);
  const auto status = f.svc->get_status(ocsp_test::admin());
  REQUIRE(status);
  CHECK(status.value().status == ocsp::cert_status::revoked);
  CHECK(status.value().revocation_time.has_value());
  REQUIRE(p->staple());
  auto stapled = ocsp::parse_ocsp_response(p->staple()->response_der);
  REQUIRE(stapled);
  CHECK(stapled.value().basic->responses.begin()->status == ocsp::cert_status::revoked);
}

TEST_CASE("poller: a POST test queued behind a stuck query answers task_queued_for_too_long", "[poller][queue]") {
  fixture f;
  std::mutex gate_mutex;
  std::condition_variable gate;
  bool release = false, entered = false;
  ocsp::poller_options o = f.options();
  o.start_threads = true;  // the real timer and worker
  o.clock = {};
  o.max_queue_wait = 300ms;
  o.fetch = [&](const ocsp::responder_url&, ocsp::der::bytes request, const ocsp::responder_query_options&)
      -> ocsp::api_result<byte_vector> {
    std::unique_lock lock(gate_mutex);
    entered = true;
    gate.notify_all();
    gate.wait(lock, [&] { return release; });  // the poll hangs until the test lets it go
    return f.responder.answer(byte_vector(request.begin(), request.end()));
  };
  auto p = ocsp::poller::create(*f.svc, o);
  f.enable();
  {
    std::unique_lock lock(gate_mutex);
    REQUIRE(gate.wait_for(lock, 5s, [&] { return entered; }));  // the first poll is on the worker
  }
  const auto started = std::chrono::steady_clock::now();
  auto tested = f.svc->test(ocsp_test::admin());
  const auto waited = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(tested);
  CHECK(tested.error().ocsp_code() == errc::task_queued_for_too_long);
  CHECK(waited >= 300ms);
  CHECK(waited < 3s);
  {
    std::lock_guard lock(gate_mutex);
    release = true;
  }
  gate.notify_all();
  for (int i = 0; i < 100 && !f.svc->cache().current(); ++i) std::this_thread::sleep_for(50ms);
  CHECK(f.svc->cache().current());  // the stuck poll still finishes and is cached
  p->stop();
}

TEST_CASE("poller: the cached answer survives a restart on the same state directory and is verified again",
          "[poller][state][restart]") {
  ocsp_test::temp_dir state;
  ocsp_test::temp_dir tmp;
  ocsp_test::openssl_responder responder(tmp / "responder");
  const auto cert = ocsp_test::load_pki_cert("proxy");
  responder.set(*cert, 'R');
  const auto clock = wall_now();
  const auto start = [&] {
    auto dir = std::make_shared<ocsp::state_directory>(ocsp::state_directory::open(state.path()).value());
    auto svc = ocsp::service::create({.store = std::make_shared<ocsp::file_config_store>(dir),
                                      .certificate = cert,
                                      .answers = std::make_shared<ocsp::file_status_store>(dir),
                                      .clock = [clock] { return clock; }});
    REQUIRE(svc);
    return std::move(svc).value();
  };
  byte_vector stapled_before;
  {
    auto svc = start();
    ocsp::poller_options o;
    o.clock = [clock] { return clock; };
    o.start_threads = false;
    o.fetch = [&](const ocsp::responder_url&, ocsp::der::bytes request, const ocsp::responder_query_options&)
        -> ocsp::api_result<byte_vector> { return responder.answer(byte_vector(request.begin(), request.end())); };
    auto p = ocsp::poller::create(*svc, o);
    REQUIRE(svc->put_config(ocsp_test::admin(), ocsp::config_patch{.ocsp_functionality = true}));
    REQUIRE(p->run_due());
    REQUIRE(p->staple());
    stapled_before = p->staple()->response_der;
    p->stop();
  }
  auto svc = start();  // a new process, in effect: nothing shared but the directory
  CHECK_THAT(svc->restore_note(), Catch::Contains("reloaded"));
  CHECK(svc->config().ocsp_functionality);
  const auto status = svc->get_status(ocsp_test::admin());
  REQUIRE(status);
  CHECK(status.value().status == ocsp::cert_status::revoked);
  REQUIRE(svc->cache().entry());
  CHECK(svc->cache().entry()->response_der == stapled_before);
  ocsp::poller_options o;
  o.clock = [clock] { return clock; };
  o.start_threads = false;
  o.fetch = [](const ocsp::responder_url&, ocsp::der::bytes, const ocsp::responder_query_options&) {
    return refused({});
  };
  auto p = ocsp::poller::create(*svc, o);
  REQUIRE(p->staple());  // staple at once, before the first poll of the new process
  CHECK(p->staple()->response_der == stapled_before);

  SECTION("a corrupt status file: a clean start without a status, never a wrong one") {
    p->stop();
    svc.reset();
    ocsp_test::write_text(state / "ocsp-status.der", std::string(stapled_before.begin(), stapled_before.end() - 7));
    auto again = start();
    CHECK(again->cache().current() == std::nullopt);
    CHECK_THAT(again->restore_note(), Catch::Contains("dropped"));
    const auto after = again->get_status(ocsp_test::admin());
    REQUIRE(after);
    CHECK(after.value() == ocsp::ocsp_status::not_cached("http://127.0.0.1:18080/ocsp"));
  }
}
