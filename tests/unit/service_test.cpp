// The service's own rules beyond validation: test(), the cache, concurrency.
#include "support.hpp"

#include <ocsp/direct/client.hpp>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

ocsp::ocsp_status good_status(const std::string& url) {
  ocsp::ocsp_status s;
  s.status = ocsp::cert_status::good;
  s.responder_url = url;
  s.produced_at = s.this_update = std::chrono::sys_seconds(std::chrono::seconds(1700000000));
  return s;
}

}  // namespace

TEST_CASE("test(): no_responder_url is a 500 for a certificate without one, or none", "[service][test]") {
  auto querier = std::make_shared<ocsp_test::fake_querier>(good_status("x"));
  for (auto cert : {ocsp_test::load_pki_cert("proxy-noaia"), std::shared_ptr<const ocsp::proxy_certificate>()}) {
    auto svc = ocsp_test::make_service({.certificate = cert, .querier = querier});
    auto r = svc->test(ocsp_test::admin());
    REQUIRE_FALSE(r);
    CHECK(r.error().ocsp_code() == ocsp::errc::no_responder_url);
    CHECK(ocsp::http_status(r.error().ocsp_code()) == 500);
  }
  CHECK(querier->calls == 0);
}

TEST_CASE("test(): without a query engine it fails as ocsp_query_failed", "[service][test]") {
  auto svc = ocsp_test::make_service({.certificate = ocsp_test::load_pki_cert("proxy")});
  auto r = svc->test(ocsp_test::admin());
  REQUIRE_FALSE(r);
  CHECK(r.error().ocsp_code() == ocsp::errc::ocsp_query_failed);
}

TEST_CASE("test(): caches the answer only when OCSP is enabled", "[service][test][cache]") {
  const auto cert = ocsp_test::load_pki_cert("proxy");
  const auto answer = good_status(cert->responder_url());
  auto querier = std::make_shared<ocsp_test::fake_querier>(answer);
  auto svc = ocsp_test::make_service({.certificate = cert, .querier = querier});
  ocsp::direct::client client(*svc, ocsp_test::admin());

  // Disabled: answered, not cached.
  auto first = client.test();
  REQUIRE(first);
  CHECK(first.value() == answer);
  CHECK(client.get_status().value() == ocsp::ocsp_status::not_cached(cert->responder_url()));

  // Enabled: answered and cached.
  REQUIRE(client.put_config(ocsp::config_patch{.ocsp_functionality = true}));
  REQUIRE(client.test());
  CHECK(client.get_status().value() == answer);
  CHECK(querier->calls == 2);
}

TEST_CASE("test(): the querier's error reaches the caller with its code", "[service][test]") {
  const auto cert = ocsp_test::load_pki_cert("proxy");
  for (auto code : {ocsp::errc::task_queued_for_too_long, ocsp::errc::invalid_ocsp_response,
                    ocsp::errc::ocsp_query_failed}) {
    auto svc = ocsp_test::make_service(
        {.certificate = cert,
         .querier = std::make_shared<ocsp_test::fake_querier>(ocsp::make_error(code, "from the querier"))});
    REQUIRE(svc->put_config(ocsp_test::admin(), ocsp::config_patch{.ocsp_functionality = true}));
    const ocsp::router router(*svc);
    const auto res = router.handle({"POST", "/v1/ocsp/test", &ocsp_test::admin(), ""});
    CHECK(res.status == 500);
    CHECK_THAT(res.body, Catch::Contains(std::string(ocsp::rest_error_code(code))));
    // A failed query never replaces the cached status.
    CHECK(svc->cache().current() == std::nullopt);
  }
}

TEST_CASE("get_status: the cached status, and the pre-cache form after invalidation", "[service][cache]") {
  const auto cert = ocsp_test::load_pki_cert("proxy");
  auto svc = ocsp_test::make_service({.certificate = cert});
  ocsp::direct::client client(*svc, ocsp_test::admin());
  svc->cache().store(good_status(cert->responder_url()));
  CHECK(client.get_status().value().status == ocsp::cert_status::good);
  REQUIRE(svc->cache().invalidate());
  CHECK(client.get_status().value() == ocsp::ocsp_status::not_cached(cert->responder_url()));
}

TEST_CASE("replace_certificate: the responder URL follows the certificate", "[service]") {
  auto svc = ocsp_test::make_service({.certificate = ocsp_test::load_pki_cert("proxy")});
  ocsp::direct::client client(*svc, ocsp_test::admin());
  CHECK_FALSE(client.get_config().value().responder_url.empty());
  svc->replace_certificate(ocsp_test::load_pki_cert("proxy-noaia"));
  CHECK(client.get_config().value().responder_url.empty());
  auto r = client.put_config(R"({"ocsp_functionality":true})");
  REQUIRE_FALSE(r);
  CHECK(r.error().ocsp_code() == ocsp::errc::enable_without_responder_url);
}

TEST_CASE("concurrent PUTs: serialised, the store always matches what was acknowledged", "[service][concurrency]") {
  ocsp_test::temp_dir dir;
  auto state = std::make_shared<ocsp::state_directory>(ocsp::state_directory::open(dir.path()).value());
  auto store = std::make_shared<ocsp::file_config_store>(state);
  auto svc = ocsp_test::make_service({.store = store, .certificate = ocsp_test::load_pki_cert("proxy")});

  constexpr int threads = 4;
  constexpr int puts_per_thread = 25;
  std::vector<std::thread> workers;
  std::vector<std::vector<std::int64_t>> acknowledged(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ocsp::direct::client client(*svc, ocsp_test::admin());
      for (int i = 0; i < puts_per_thread; ++i) {
        const std::int64_t value = 60 + t * 1000 + i;
        auto r = client.put_config(ocsp::config_patch{.query_frequency = value});
        if (r) acknowledged[static_cast<std::size_t>(t)].push_back(r.value().config.query_frequency);
      }
    });
  }
  for (auto& w : workers) w.join();

  std::set<std::int64_t> all;
  for (const auto& a : acknowledged) {
    CHECK(a.size() == puts_per_thread);
    all.insert(a.begin(), a.end());
  }
  CHECK(all.size() == threads * puts_per_thread);
  // The final state is the last acknowledged value of one of the threads, in memory and on disk.
  const auto final_value = svc->config().query_frequency;
  CHECK(std::any_of(acknowledged.begin(), acknowledged.end(),
                    [&](const auto& a) { return !a.empty() && a.back() == final_value; }));
  CHECK(store->load().value().query_frequency == final_value);
}

namespace {
// A store whose save makes the new configuration visible and then reports a failure, as a failed
// fsync of the directory after the rename does.
class visible_then_failed_store final : public ocsp::config_store {
 public:
  ocsp::api_result<ocsp::ocsp_config> load() override { return stored; }
  ocsp::api_result<void> save(const ocsp::ocsp_config& config) override {
    stored = config;
    return ocsp::make_error(ocsp::errc::state_write_failed, "fsync of the directory failed");
  }
  ocsp::ocsp_config stored;
};
}  // namespace

TEST_CASE("put_config: after a failed save, the configuration in force is the stored one", "[service][store]") {
  auto store = std::make_shared<visible_then_failed_store>();
  auto svc = ocsp_test::make_service({.store = store, .certificate = ocsp_test::load_pki_cert("proxy")});
  auto r = svc->put_config(ocsp_test::admin(), R"({"query_frequency":777})");
  REQUIRE_FALSE(r);
  CHECK(r.error().ocsp_code() == ocsp::errc::state_write_failed);
  CHECK(ocsp::http_status(r.error().ocsp_code()) == 500);
  CHECK(svc->config() == store->stored);
  CHECK(svc->config().query_frequency == 777);
}

TEST_CASE("replace_certificate: the old certificate's cached status is discarded", "[service][cache][rotation]") {
  const auto cert = ocsp_test::load_pki_cert("proxy");
  auto svc = ocsp_test::make_service({.certificate = cert});
  svc->cache().store(good_status(cert->responder_url()));
  svc->replace_certificate(ocsp_test::load_pki_cert("proxy-ldap-first"));
  auto status = svc->get_status(ocsp_test::admin());
  REQUIRE(status);
  CHECK(status.value() == ocsp::ocsp_status::not_cached("http://127.0.0.1:18080/second"));
}

namespace {
// A querier during whose query the proxy certificate is replaced.
class swapping_querier final : public ocsp::status_querier {
 public:
  ocsp::api_result<ocsp::cache_entry> query(const ocsp::proxy_certificate& cert, const ocsp::ocsp_config&) override {
    svc->replace_certificate(replacement);
    return ocsp::cache_entry{good_status(cert.responder_url()), {}, {}};
  }
  ocsp::service* svc = nullptr;
  std::shared_ptr<const ocsp::proxy_certificate> replacement;
};
}  // namespace

TEST_CASE("test(): an answer about a certificate swapped out meanwhile is not cached", "[service][cache][rotation]") {
  auto querier = std::make_shared<swapping_querier>();
  auto svc = ocsp_test::make_service({.certificate = ocsp_test::load_pki_cert("proxy"), .querier = querier});
  querier->svc = svc.get();
  querier->replacement = ocsp_test::load_pki_cert("proxy-ldap-first");
  REQUIRE(svc->put_config(ocsp_test::admin(), ocsp::config_patch{.ocsp_functionality = true}));
  REQUIRE(svc->test(ocsp_test::admin()));  // the caller still gets its answer
  CHECK(svc->cache().current() == std::nullopt);
}

TEST_CASE("service::create refuses a stored configuration outside the ranges, whatever the store", "[service]") {
  auto store = std::make_shared<ocsp::memory_config_store>(ocsp::ocsp_config{true, 0, 60, 5, 1});
  auto svc = ocsp::service::create({.store = store});
  REQUIRE_FALSE(svc);
  CHECK(svc.error().ocsp_code() == ocsp::errc::state_corrupt);
}

namespace {
class code_only_querier final : public ocsp::status_querier {
 public:
  ocsp::api_result<ocsp::cache_entry> query(const ocsp::proxy_certificate&, const ocsp::ocsp_config&) override {
    // As BOOST_OUTCOME_TRY does when it passes up a result<T> error: a code and no message.
    return ocsp::error_info{make_error_code(ocsp::errc::der_truncated), {}};
  }
};
class throwing_querier final : public ocsp::status_querier {
 public:
  ocsp::api_result<ocsp::cache_entry> query(const ocsp::proxy_certificate&, const ocsp::ocsp_config&) override {
    throw std::runtime_error("boom");
  }
};
}  // namespace

TEST_CASE("router: an error without a message gets its code's text, nothing throws out", "[service][router]") {
  const auto cert = ocsp_test::load_pki_cert("proxy");
  {
    auto svc = ocsp_test::make_service({.certificate = cert, .querier = std::make_shared<code_only_querier>()});
    const auto res = ocsp::router(*svc).handle({"POST", "/v1/ocsp/test", &ocsp_test::admin(), ""});
    CHECK(res.status == 500);
    CHECK_THAT(res.body, Catch::Contains("\"error_code\":\"invalid_ocsp_response\""));
    CHECK_THAT(res.body, !Catch::Contains("\"message\":\"\""));
  }
  {
    auto svc = ocsp_test::make_service({.certificate = cert, .querier = std::make_shared<throwing_querier>()});
    const auto res = ocsp::router(*svc).handle({"POST", "/v1/ocsp/test", &ocsp_test::admin(), ""});
    CHECK(res.status == 500);
    CHECK_THAT(res.body, Catch::Contains("\"error_code\":\"internal_error\""));
  }
}
