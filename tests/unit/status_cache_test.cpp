// The cached OCSP answer: its persistence (status_store), its snapshots and stapling rule
// (status_cache), and the service's start-up reload, which checks the answer again.
#include "support.hpp"

#include <ocsp/proxy_identity.hpp>
#include <ocsp/response.hpp>
#include <ocsp/status_cache.hpp>
#include <ocsp/status_store.hpp>

#include <sys/stat.h>

#include <chrono>
#include <thread>

namespace {

using namespace std::chrono_literals;
using byte_vector = std::vector<std::uint8_t>;

std::chrono::sys_seconds now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

// A CertID (SHA-1, NULL parameters, 20-octet hashes, serial 0x2a) and a stand-in response.
const byte_vector sample_cert_id = [] {
  byte_vector id{0x30, 0x3a, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14};
  id.insert(id.end(), 20, 0x11);
  id.push_back(0x04);
  id.push_back(0x14);
  id.insert(id.end(), 20, 0x22);
  id.insert(id.end(), {0x02, 0x01, 0x2a});
  return id;
}();

ocsp::stored_response sample_stored() { return {sample_cert_id, byte_vector{0x30, 0x03, 0x0a, 0x01, 0x00}}; }

ocsp::cache_entry sample_entry(std::optional<std::chrono::sys_seconds> next_update) {
  ocsp::cache_entry e;
  e.status.status = ocsp::cert_status::good;
  e.status.responder_url = "http://127.0.0.1/ocsp";
  e.status.this_update = now() - 1h;
  e.status.next_update = next_update;
  e.cert_id_der = sample_cert_id;
  e.response_der = {0x30, 0x03, 0x0a, 0x01, 0x00};
  return e;
}

}  // namespace

TEST_CASE("stored_response: encode -> decode is the identity, and the decoder is strict", "[cache][state]") {
  const ocsp::stored_response in = sample_stored();
  const byte_vector der = ocsp::encode_stored_response(in);
  auto out = ocsp::decode_stored_response(der);
  REQUIRE(out);
  CHECK(out.value() == in);

  struct bad {
    const char* what;
    byte_vector der;
    ocsp::errc expected;
  };
  byte_vector trailing = der;
  trailing.push_back(0x00);
  byte_vector version2 = der;
  // SEQUENCE header (2 octets, as the payload is short), then INTEGER 02 01 01: make it 2.
  REQUIRE(version2[2] == 0x02);
  version2[4] = 0x02;
  byte_vector truncated(der.begin(), der.end() - 1);
  byte_vector bad_cert_id = der;
  bad_cert_id[5] = 0x31;  // the CertID's SEQUENCE tag becomes SET
  const std::vector<bad> table{
      {"a byte after the SEQUENCE", trailing, ocsp::errc::der_trailing_data},
      {"an unknown version", version2, ocsp::errc::ocsp_unsupported_version},
      {"truncated", truncated, ocsp::errc::der_truncated},
      {"the CertID is not a SEQUENCE", bad_cert_id, ocsp::errc::der_unexpected_tag},
      {"empty", {}, ocsp::errc::der_truncated},
  };
  for (const auto& c : table) {
    INFO(c.what);
    auto r = ocsp::decode_stored_response(c.der);
    REQUIRE_FALSE(r);
    CHECK(r.error() == make_error_code(c.expected));
  }
}

TEST_CASE("file_status_store: save, reopen, load, none, corrupt is state_corrupt, mode 0600", "[cache][state]") {
  ocsp_test::temp_dir tmp;
  {
    auto dir = std::make_shared<ocsp::state_directory>(ocsp::state_directory::open(tmp.path()).value());
    ocsp::file_status_store store(dir);
    auto empty = store.load();
    REQUIRE(empty);
    CHECK_FALSE(empty.value().has_value());
    REQUIRE(store.save(sample_stored()));
  }
  struct stat st {};
  REQUIRE(::stat((tmp / "ocsp-status.der").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  {
    auto dir = std::make_shared<ocsp::state_directory>(ocsp::state_directory::open(tmp.path()).value());
    ocsp::file_status_store store(dir);
    auto loaded = store.load();
    REQUIRE(loaded);
    REQUIRE(loaded.value().has_value());
    CHECK(*loaded.value() == sample_stored());
    REQUIRE(store.save(std::nullopt));
    auto none = store.load();
    REQUIRE(none);
    CHECK_FALSE(none.value().has_value());
  }
  ocsp_test::write_text(tmp / "ocsp-status.der", "not DER at all");
  auto dir = std::make_shared<ocsp::state_directory>(ocsp::state_directory::open(tmp.path()).value());
  auto corrupt = ocsp::file_status_store(dir).load();
  REQUIRE_FALSE(corrupt);
  CHECK(corrupt.error().ocsp_code() == ocsp::errc::state_corrupt);
}

TEST_CASE("status_cache: stapling only for the same CertID, not past nextUpdate, only with a response", "[cache][staple]") {
  ocsp::status_cache cache;
  CHECK(cache.staple(sample_cert_id, now()) == nullptr);
  REQUIRE(cache.store(sample_entry(now() + 1h)).value());
  CHECK(cache.staple(sample_cert_id, now()) != nullptr);
  byte_vector other = sample_cert_id;
  other.back() = 0x2b;  // another serial
  CHECK(cache.staple(other, now()) == nullptr);
  CHECK(cache.staple(sample_cert_id, now() + 2h) == nullptr);  // nextUpdate passed

  REQUIRE(cache.store(sample_entry(std::nullopt)).value());  // no nextUpdate: fresh until replaced
  CHECK(cache.staple(sample_cert_id, now() + 24h * 365) != nullptr);

  ocsp::ocsp_status by_hand;
  by_hand.status = ocsp::cert_status::good;
  cache.store(by_hand);  // no DER: nothing to staple, but GET status shows it
  CHECK(cache.staple(sample_cert_id, now()) == nullptr);
  CHECK(cache.current() == by_hand);

  REQUIRE(cache.invalidate());
  CHECK(cache.current() == std::nullopt);
  CHECK(cache.entry() == nullptr);
}

TEST_CASE("status_cache: a store conditioned on a generation loses to anything that happened since", "[cache]") {
  auto store = std::make_shared<ocsp::memory_status_store>();
  ocsp::status_cache cache(store);
  const std::uint64_t before = cache.generation();
  REQUIRE(cache.invalidate());  // e.g. a certificate swap while a query was in flight
  auto late = cache.store(sample_entry(now() + 1h), before);
  REQUIRE(late);
  CHECK_FALSE(late.value());
  CHECK(cache.entry() == nullptr);
  CHECK_FALSE(store->load().value().has_value());  // nothing persisted either

  const std::uint64_t current = cache.generation();
  auto stored = cache.store(sample_entry(now() + 1h), current);
  REQUIRE(stored);
  CHECK(stored.value());
  REQUIRE(store->load().value().has_value());
  CHECK(store->load().value()->cert_id_der == sample_cert_id);
}

namespace {
// A status_store whose saves fail: the cache must then keep what it had.
class failing_store final : public ocsp::status_store {
 public:
  ocsp::api_result<std::optional<ocsp::stored_response>> load() override { return std::optional<ocsp::stored_response>{}; }
  ocsp::api_result<void> save(const std::optional<ocsp::stored_response>&) override {
    return ocsp::make_error(ocsp::errc::state_write_failed, "disk full");
  }
};
}  // namespace

TEST_CASE("status_cache: an entry that cannot be persisted is not served", "[cache][state]") {
  ocsp::status_cache cache(std::make_shared<failing_store>());
  auto r = cache.store(sample_entry(now() + 1h));
  REQUIRE_FALSE(r);
  CHECK(r.error().ocsp_code() == ocsp::errc::state_write_failed);
  CHECK(cache.entry() == nullptr);
}

TEST_CASE("status_cache: readers on other threads always see a whole entry", "[cache][staple][threads]") {
  ocsp::status_cache cache;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0}, seen{0};
  std::thread reader([&] {
    while (!done.load()) {
      if (auto e = cache.entry()) {
        ++seen;
        // Each entry is written with matching fields: a mix of two entries would break this.
        if (e->status.responder_url != "u" + std::to_string(e->response_der.size())) ++torn;
      }
    }
  });
  for (std::size_t i = 1; i <= 2000; ++i) {
    ocsp::cache_entry e;
    e.status.responder_url = "u" + std::to_string(i);
    e.response_der.assign(i, 0x30);
    REQUIRE(cache.store(std::move(e)).value());
  }
  done = true;
  reader.join();
  CHECK(torn == 0);
  CHECK(cache.entry()->response_der.size() == 2000);
}

// The start-up reload through the service, with real answers from the openssl CLI.
TEST_CASE("service: a persisted answer is reloaded only if it verifies again now", "[cache][state][service]") {
  const auto cert = ocsp_test::load_pki_cert("proxy");
  auto identity = ocsp::proxy_identity::create(cert);
  REQUIRE(identity);
  ocsp_test::temp_dir tmp;
  const byte_vector good = ocsp_test::openssl_response(*cert, tmp / "good", 'V', 2);
  const byte_vector revoked = ocsp_test::openssl_response(*cert, tmp / "revoked", 'R', 2);

  const auto start = [&](const std::optional<ocsp::stored_response>& stored, std::chrono::sys_seconds at,
                         std::shared_ptr<const ocsp::proxy_certificate> certificate) {
    auto store = std::make_shared<ocsp::memory_status_store>();
    REQUIRE(store->save(stored));
    auto svc = ocsp_test::make_service({.certificate = std::move(certificate), .answers = store, .clock = [at] { return at; }});
    return std::pair{std::move(svc), store};
  };

  SECTION("a good answer comes back GOOD, with its times") {
    auto [svc, store] = start(ocsp::stored_response{identity.value()->cert_id_der(), good}, now(), cert);
    auto status = svc->get_status(ocsp_test::admin());
    REQUIRE(status);
    CHECK(status.value().status == ocsp::cert_status::good);
    CHECK(status.value().this_update.has_value());
    CHECK(status.value().next_update.has_value());
    CHECK(svc->cache().staple(identity.value()->cert_id_der(), now()) != nullptr);
    CHECK_THAT(svc->restore_note(), Catch::Contains("reloaded"));
  }
  SECTION("a revoked answer comes back REVOKED with its revocation time") {
    auto [svc, store] = start(ocsp::stored_response{identity.value()->cert_id_der(), revoked}, now(), cert);
    auto status = svc->get_status(ocsp_test::admin());
    REQUIRE(status);
    CHECK(status.value().status == ocsp::cert_status::revoked);
    REQUIRE(status.value().revocation_time.has_value());
  }
  SECTION("an answer past its nextUpdate is dropped, and the file emptied") {
    auto [svc, store] = start(ocsp::stored_response{identity.value()->cert_id_der(), good}, now() + 24h * 3, cert);
    CHECK(svc->cache().current() == std::nullopt);
    CHECK_FALSE(store->load().value().has_value());
    CHECK_THAT(svc->restore_note(), Catch::Contains("dropped"));
  }
  SECTION("an answer whose signature bytes were altered is dropped") {
    byte_vector tampered = good;
    {
      auto parsed = ocsp::parse_ocsp_response(good);
      REQUIRE(parsed);
      REQUIRE(parsed.value().basic.has_value());
      const auto& signature = parsed.value().basic->signature.bits;
      REQUIRE(signature.size() > 8);
      tampered[static_cast<std::size_t>(signature.data() + 4 - good.data())] ^= 0x01;  // a bit of the signature itself
    }
    auto [svc, store] = start(ocsp::stored_response{identity.value()->cert_id_der(), tampered}, now(), cert);
    CHECK(svc->cache().current() == std::nullopt);
  }
  SECTION("an answer stored for another certificate is dropped") {
    const auto other = ocsp_test::load_pki_cert("proxy-noaia");
    auto other_identity = ocsp::proxy_identity::create(other);
    REQUIRE(other_identity);
    auto [svc, store] = start(ocsp::stored_response{identity.value()->cert_id_der(), good}, now(), other);
    CHECK(svc->cache().current() == std::nullopt);
    CHECK_THAT(svc->restore_note(), Catch::Contains("another certificate"));
  }
  SECTION("a stored CertID that does not match the response's is dropped (the response is checked, not trusted)") {
    const auto other = ocsp_test::load_pki_cert("proxy-noaia");
    const byte_vector foreign = ocsp_test::openssl_response(*other, tmp / "foreign", 'V', 2);
    auto [svc, store] = start(ocsp::stored_response{identity.value()->cert_id_der(), foreign}, now(), cert);
    CHECK(svc->cache().current() == std::nullopt);
  }
}

TEST_CASE("service: a corrupt status file costs a query, never a wrong status or a failed start", "[cache][state][service]") {
  ocsp_test::temp_dir tmp;
  ocsp_test::write_text(tmp / "ocsp-status.der", std::string("\x30\x05garbage", 8));
  auto dir = std::make_shared<ocsp::state_directory>(ocsp::state_directory::open(tmp.path()).value());
  auto svc = ocsp_test::make_service(
      {.certificate = ocsp_test::load_pki_cert("proxy"), .answers = std::make_shared<ocsp::file_status_store>(dir)});
  CHECK(svc->cache().current() == std::nullopt);
  CHECK_THAT(svc->restore_note(), Catch::Contains("corrupt"));
  CHECK(ocsp_test::read_text(tmp / "ocsp-status.der").empty());
}

TEST_CASE("service: GET status on an answer past its nextUpdate is invalid_ocsp_response, not a stale status",
          "[cache][service]") {
  std::chrono::sys_seconds clock = now();
  const auto cert = ocsp_test::load_pki_cert("proxy");
  auto svc = ocsp_test::make_service({.certificate = cert, .clock = [&clock] { return clock; }});
  ocsp::cache_entry entry = sample_entry(clock + 1h);
  entry.cert_id_der = ocsp::proxy_identity::create(cert).value()->cert_id_der();
  REQUIRE(svc->cache().store(entry).value());
  auto fresh = svc->get_status(ocsp_test::admin());
  REQUIRE(fresh);
  CHECK(fresh.value().status == ocsp::cert_status::good);
  clock += 1h;  // exactly at nextUpdate: still usable
  CHECK(svc->get_status(ocsp_test::admin()));
  clock += 1s;
  auto stale = svc->get_status(ocsp_test::admin());
  REQUIRE_FALSE(stale);
  CHECK(stale.error().ocsp_code() == ocsp::errc::invalid_ocsp_response);
  CHECK(ocsp::http_status(stale.error().ocsp_code()) == 500);
}

TEST_CASE("status_cache: only answers for the subject's CertID are stored, a new subject drops the old answer",
          "[cache][rotation]") {
  auto store = std::make_shared<ocsp::memory_status_store>();
  ocsp::status_cache cache(store);
  cache.set_subject(sample_cert_id);
  REQUIRE(cache.store(sample_entry(now() + 1h)).value());
  ocsp::cache_entry other = sample_entry(now() + 1h);
  other.cert_id_der.back() = 0x2b;  // another serial: a late answer about a replaced certificate
  auto refused = cache.store(other);
  REQUIRE(refused);
  CHECK_FALSE(refused.value());
  CHECK(cache.entry()->cert_id_der == sample_cert_id);

  REQUIRE(cache.change_subject(other.cert_id_der));
  CHECK(cache.entry() == nullptr);
  CHECK_FALSE(store->load().value().has_value());
  CHECK_FALSE(cache.store(sample_entry(now() + 1h)).value());  // the old certificate's answer is refused now
  CHECK(cache.store(other).value());

  REQUIRE(cache.change_subject({}));  // no certificate: nothing with a CertID is accepted
  CHECK_FALSE(cache.store(other).value());
}

TEST_CASE("service: replacing the certificate discards the cached answer and refuses late ones about the old one",
          "[cache][rotation][service]") {
  const auto first = ocsp_test::load_pki_cert("proxy");
  const auto second = ocsp_test::load_pki_cert("proxy-ldap-first");
  auto svc = ocsp_test::make_service({.certificate = first});
  ocsp::cache_entry entry = sample_entry(now() + 1h);
  entry.cert_id_der = ocsp::proxy_identity::create(first).value()->cert_id_der();
  REQUIRE(svc->cache().store(entry).value());
  svc->replace_certificate(second);
  CHECK(svc->cache().entry() == nullptr);
  CHECK_FALSE(svc->cache().store(entry).value());
  entry.cert_id_der = ocsp::proxy_identity::create(second).value()->cert_id_der();
  CHECK(svc->cache().store(entry).value());
}
