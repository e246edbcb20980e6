// The users store: the file (round trip, mode, strict loading), changes (durable or refused
// without a trace), authentication (constant-time verifier, the credential cache), HTTP Basic
// parsing and the first admin.
#include <ocsp/users.hpp>

#include "support.hpp"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using ocsp::errc;
using ocsp::role;

constexpr std::uint32_t test_iterations = 1000;

std::string base64(const std::string& text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// A state directory with a users store over it, an injected clock, and a way to start over from
// the files alone (as a restarted daemon does).
class users_fixture {
 public:
  explicit users_fixture(std::size_t cache_capacity = 1024) : cache_capacity_(cache_capacity) { reopen(); }

  ocsp::users_options options() {
    ocsp::users_options o;
    o.iterations = test_iterations;
    o.cache_capacity = cache_capacity_;
    o.clock = [this] { return std::chrono::steady_clock::time_point(std::chrono::seconds(clock_seconds.load())); };
    return o;
  }

  // Drops the store and the directory (releasing its lock), then opens both again from disk.
  void reopen() {
    users.reset();
    dir.reset();
    auto d = ocsp::state_directory::open(tmp / "state");
    if (!d) FAIL("state_directory::open: " << d.error().message);
    dir = std::make_shared<ocsp::state_directory>(std::move(d).value());
    auto u = ocsp::users_store::open(dir, options());
    if (!u) FAIL("users_store::open: " << u.error().message);
    users = std::move(u).value();
  }

  std::filesystem::path file() const { return tmp / "state" / "users.json"; }
  std::string file_bytes() const { return ocsp_test::read_text(file()); }

  // Derivations `f` costs.
  template <class F>
  std::uint64_t derivations_of(F&& f) {
    const auto before = users->derivation_count();
    f();
    return users->derivation_count() - before;
  }

  ocsp_test::temp_dir tmp;
  std::shared_ptr<ocsp::state_directory> dir;
  std::unique_ptr<ocsp::users_store> users;
  std::atomic<long long> clock_seconds{1000};

 private:
  std::size_t cache_capacity_;
};

void add(ocsp::users_store& users, std::string_view name, role r, std::string_view password) {
  const auto added = users.add_user(name, r, password);
  if (!added) FAIL("add_user " << name << ": " << added.error().message);
}

}  // namespace

TEST_CASE("users: every role round-trips through a real state directory", "[users]") {
  users_fixture f;
  CHECK(f.users->list().empty());
  CHECK_FALSE(std::filesystem::exists(f.file()));  // nothing written until a change

  for (const role r : ocsp::all_roles()) {
    add(*f.users, "user." + std::string(ocsp::to_string(r)), r, "secret-" + std::string(ocsp::to_string(r)));
  }
  f.reopen();

  const auto listed = f.users->list();
  REQUIRE(listed.size() == ocsp::all_roles().size());
  CHECK(std::is_sorted(listed.begin(), listed.end(), [](const auto& a, const auto& b) { return a.name < b.name; }));
  for (const role r : ocsp::all_roles()) {
    const std::string name = "user." + std::string(ocsp::to_string(r));
    INFO(name);
    CHECK(std::find(listed.begin(), listed.end(), ocsp::user_info{name, r}) != listed.end());
    const auto who = f.users->authenticate(name, "secret-" + std::string(ocsp::to_string(r)));
    REQUIRE(who);
    CHECK(who->user == name);
    CHECK(who->role == r);
  }
}

TEST_CASE("users: the file is 0600, holds verifiers and never the password", "[users]") {
  users_fixture f;
  const std::string password = "Correct horse battery staple";
  add(*f.users, "alice@example.com", role::admin, password);
  REQUIRE(f.users->set_password("alice@example.com", password + "!").has_value());

  struct stat st {};
  REQUIRE(::stat(f.file().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  const std::string bytes = f.file_bytes();
  CHECK(bytes.find(password) == std::string::npos);
  CHECK(bytes.find(base64(password)) == std::string::npos);
  CHECK(bytes.find("pbkdf2-sha256$1000$") != std::string::npos);
  CHECK(bytes.find("\"alice@example.com\"") != std::string::npos);

  // Each verifier has its own salt: the same password twice gives two different verifiers.
  add(*f.users, "bob", role::none, "same-password");
  add(*f.users, "carol", role::none, "same-password");
  auto parsed = ocsp::parse_users_json(f.file_bytes());
  REQUIRE(parsed);
  REQUIRE(parsed.value().size() == 3);
  CHECK(parsed.value()[1].verifier != parsed.value()[2].verifier);
}

TEST_CASE("users: wrong password, unknown user, wrong case and malformed input are refused", "[users]") {
  users_fixture f;
  add(*f.users, "alice", role::admin, "password-1");
  CHECK(f.users->authenticate("alice", "password-1"));
  CHECK_FALSE(f.users->authenticate("alice", "password-2"));
  CHECK_FALSE(f.users->authenticate("alice", "PASSWORD-1"));
  CHECK_FALSE(f.users->authenticate("alice", "password-1 "));
  CHECK_FALSE(f.users->authenticate("alice", ""));
  CHECK_FALSE(f.users->authenticate("Alice", "password-1"));
  CHECK_FALSE(f.users->authenticate("bob", "password-1"));
  CHECK_FALSE(f.users->authenticate("", "password-1"));
  CHECK_FALSE(f.users->authenticate(std::string("alice\0x", 7), "password-1"));
  CHECK_FALSE(f.users->authenticate("alice", std::string(2000, 'x')));
}

TEST_CASE("users: an unknown name costs a derivation, as a known one does", "[users]") {
  users_fixture f;
  add(*f.users, "alice", role::admin, "password-1");
  CHECK(f.derivations_of([&] { CHECK_FALSE(f.users->authenticate("alice", "wrong-password")); }) == 1);
  CHECK(f.derivations_of([&] { CHECK_FALSE(f.users->authenticate("mallory", "wrong-password")); }) == 1);
  CHECK(f.derivations_of([&] { CHECK_FALSE(f.users->authenticate("mallory", "wrong-password")); }) == 1);
}

TEST_CASE("users: a corrupt users file is state_corrupt, never a silent reset", "[users]") {
  // A real verifier to build the cases from.
  std::string verifier;
  {
    users_fixture f;
    add(*f.users, "alice", role::admin, "password-1");
    auto parsed = ocsp::parse_users_json(f.file_bytes());
    REQUIRE(parsed);
    verifier = parsed.value().at(0).verifier;
  }
  const std::string salt = verifier.substr(19, 24), key = verifier.substr(44);
  REQUIRE(verifier == "pbkdf2-sha256$1000$" + salt + "$" + key);
  const auto user = [](const std::string& name, const std::string& r, const std::string& v) {
    return "{\"name\":\"" + name + "\",\"role\":\"" + r + "\",\"verifier\":\"" + v + "\"}";
  };
  const auto file = [](const std::string& users) { return "{\"format\":1,\"users\":[" + users + "]}"; };
  const std::string good = user("alice", "admin", verifier);

  // The valid forms the cases below break.
  REQUIRE(ocsp::parse_users_json(file(good)));
  REQUIRE(ocsp::parse_users_json(file("")));
  REQUIRE(ocsp::parse_users_json(" {\"users\":[" + good + "],\"format\":1}\n"));

  const std::vector<std::pair<const char*, std::string>> cases{
      {"not JSON", "users: alice"},
      {"empty", ""},
      {"truncated", file(good).substr(0, 40)},
      {"an array", "[" + good + "]"},
      {"trailing content", file(good) + "{}"},
      {"trailing garbage", file(good) + " x"},
      {"unknown top-level key", "{\"format\":1,\"users\":[],\"extra\":0}"},
      {"duplicate top-level key", "{\"format\":1,\"format\":1,\"users\":[]}"},
      {"format missing", "{\"users\":[]}"},
      {"users missing", "{\"format\":1}"},
      {"another format", "{\"format\":2,\"users\":[]}"},
      {"format a string", "{\"format\":\"1\",\"users\":[]}"},
      {"users null", "{\"format\":1,\"users\":null}"},
      {"users an object", "{\"format\":1,\"users\":{}}"},
      {"a user not an object", file("\"alice\"")},
      {"duplicate user", file(good + "," + user("alice", "none", verifier))},
      {"unknown user key", file("{\"name\":\"alice\",\"role\":\"admin\",\"verifier\":\"" + verifier + "\",\"password\":\"x\"}")},
      {"duplicate user key", file("{\"name\":\"alice\",\"name\":\"bob\",\"role\":\"admin\",\"verifier\":\"" + verifier + "\"}")},
      {"verifier missing", file("{\"name\":\"alice\",\"role\":\"admin\"}")},
      {"role not a string", file("{\"name\":\"alice\",\"role\":7,\"verifier\":\"" + verifier + "\"}")},
      {"bad role", file(user("alice", "root", verifier))},
      {"role in the wrong case", file(user("alice", "Admin", verifier))},
      {"empty name", file(user("", "admin", verifier))},
      {"name with a space", file(user("al ice", "admin", verifier))},
      {"name too long", file(user(std::string(65, 'a'), "admin", verifier))},
      {"verifier: another algorithm", file(user("alice", "admin", "scrypt$1000$" + salt + "$" + key))},
      {"verifier: leading zero", file(user("alice", "admin", "pbkdf2-sha256$01000$" + salt + "$" + key))},
      {"verifier: too few iterations", file(user("alice", "admin", "pbkdf2-sha256$999$" + salt + "$" + key))},
      {"verifier: too many iterations", file(user("alice", "admin", "pbkdf2-sha256$99999999999$" + salt + "$" + key))},
      {"verifier: short salt", file(user("alice", "admin", "pbkdf2-sha256$1000$AAAA$" + key))},
      {"verifier: salt not base64", file(user("alice", "admin", "pbkdf2-sha256$1000$" + std::string(24, '*') + "$" + key))},
      {"verifier: key unpadded", file(user("alice", "admin", "pbkdf2-sha256$1000$" + salt + "$" + key.substr(0, 43)))},
      {"verifier: key missing", file(user("alice", "admin", "pbkdf2-sha256$1000$" + salt))},
      {"verifier: extra field", file(user("alice", "admin", verifier + "$AAAA"))},
      {"verifier: empty", file(user("alice", "admin", ""))},
  };
  for (const auto& [what, text] : cases) {
    INFO(what);
    const auto parsed = ocsp::parse_users_json(text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().ocsp_code() == errc::state_corrupt);
  }

  // Through open(): the same code, and the file is left as it was.
  users_fixture f;
  add(*f.users, "alice", role::admin, "password-1");
  f.users.reset();
  f.dir.reset();
  for (const auto& [what, text] : cases) {
    INFO(what);
    ocsp_test::write_text(f.file(), text);
    auto dir = ocsp::state_directory::open(f.tmp / "state");
    REQUIRE(dir);
    auto opened = ocsp::users_store::open(std::make_shared<ocsp::state_directory>(std::move(dir).value()), f.options());
    REQUIRE_FALSE(opened);
    CHECK(opened.error().ocsp_code() == errc::state_corrupt);
    CHECK(f.file_bytes() == text);
  }
}

TEST_CASE("users: refused changes leave the file byte-identical and the memory unchanged", "[users]") {
  users_fixture f;
  add(*f.users, "alice", role::admin, "password-1");
  add(*f.users, "bob", role::db_viewer, "password-2");
  const std::string before = f.file_bytes();
  const auto listed = f.users->list();

  struct refusal {
    const char* what;
    std::function<ocsp::api_result<void>()> change;
    errc expected;
  };
  const std::vector<refusal> refusals{
      {"existing name", [&] { return f.users->add_user("alice", role::none, "password-3"); }, errc::user_exists},
      {"bad name", [&] { return f.users->add_user("carol smith", role::none, "password-3"); }, errc::invalid_user_name},
      {"empty name", [&] { return f.users->add_user("", role::none, "password-3"); }, errc::invalid_user_name},
      {"name too long", [&] { return f.users->add_user(std::string(65, 'c'), role::none, "password-3"); },
       errc::invalid_user_name},
      {"short password", [&] { return f.users->add_user("carol", role::none, "1234567"); }, errc::weak_password},
      {"long password", [&] { return f.users->add_user("carol", role::none, std::string(1025, 'p')); }, errc::weak_password},
      {"role out of range", [&] { return f.users->add_user("carol", static_cast<role>(99), "password-3"); },
       errc::invalid_schema},
      {"set_password unknown", [&] { return f.users->set_password("carol", "password-3"); }, errc::user_not_found},
      {"set_password short", [&] { return f.users->set_password("alice", "short"); }, errc::weak_password},
      {"set_role unknown", [&] { return f.users->set_role("carol", role::admin); }, errc::user_not_found},
      {"set_role out of range", [&] { return f.users->set_role("bob", static_cast<role>(-1)); }, errc::invalid_schema},
      {"remove unknown", [&] { return f.users->remove_user("carol"); }, errc::user_not_found},
      {"remove in the wrong case", [&] { return f.users->remove_user("Alice"); }, errc::user_not_found},
  };
  for (const auto& r : refusals) {
    INFO(r.what);
    const auto outcome = r.change();
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().ocsp_code() == r.expected);
    CHECK(f.file_bytes() == before);
    CHECK(f.users->list() == listed);
  }
  CHECK(f.users->authenticate("alice", "password-1"));
  CHECK(f.users->authenticate("bob", "password-2"));

  // Limits are inclusive.
  CHECK(f.users->add_user(std::string(64, 'c'), role::none, "12345678"));
  CHECK(f.users->add_user("d", role::none, std::string(1024, 'p')));
  CHECK(f.users->authenticate("d", std::string(1024, 'p')));
}

TEST_CASE("users: each change is durable when it returns", "[users]") {
  users_fixture f;
  add(*f.users, "alice", role::admin, "password-1");
  add(*f.users, "bob", role::db_viewer, "password-2");
  REQUIRE(f.users->set_password("alice", "password-1b"));
  REQUIRE(f.users->set_role("bob", role::cluster_member));
  add(*f.users, "carol", role::user_manager, "password-3");
  REQUIRE(f.users->remove_user("carol"));
  f.reopen();
  CHECK(f.users->list() == std::vector<ocsp::user_info>{{"alice", role::admin}, {"bob", role::cluster_member}});
  CHECK_FALSE(f.users->authenticate("alice", "password-1"));
  CHECK(f.users->authenticate("alice", "password-1b"));
  const auto bob = f.users->authenticate("bob", "password-2");
  REQUIRE(bob);
  CHECK(bob->role == role::cluster_member);
  CHECK_FALSE(f.users->authenticate("carol", "password-3"));
}

TEST_CASE("users: a verified credential is cached, changes drop it, failures are not cached", "[users]") {
  users_fixture f;
  add(*f.users, "alice", role::admin, "password-1");

  SECTION("a second authenticate skips the derivation") {
    CHECK(f.derivations_of([&] { CHECK(f.users->authenticate("alice", "password-1")); }) == 1);
    CHECK(f.derivations_of([&] {
            const auto who = f.users->authenticate("alice", "password-1");
            REQUIRE(who);
            CHECK(who->user == "alice");
            CHECK(who->role == role::admin);
          }) == 0);
  }
  SECTION("failed attempts are never cached") {
    CHECK(f.derivations_of([&] { CHECK_FALSE(f.users->authenticate("alice", "password-2")); }) == 1);
    CHECK(f.derivations_of([&] { CHECK_FALSE(f.users->authenticate("alice", "password-2")); }) == 1);
    CHECK(f.derivations_of([&] { CHECK(f.users->authenticate("alice", "password-1")); }) == 1);
    // A cached success does not let a wrong password through.
    CHECK(f.derivations_of([&] { CHECK_FALSE(f.users->authenticate("alice", "password-2")); }) == 1);
  }
  SECTION("a password change invalidates at once") {
    REQUIRE(f.users->authenticate("alice", "password-1"));
    REQUIRE(f.users->set_password("alice", "password-9"));
    CHECK(f.derivations_of([&] { CHECK_FALSE(f.users->authenticate("alice", "password-1")); }) == 1);
    CHECK(f.derivations_of([&] { CHECK(f.users->authenticate("alice", "password-9")); }) == 1);
    CHECK(f.derivations_of([&] { CHECK(f.users->authenticate("alice", "password-9")); }) == 0);
  }
  SECTION("a role change invalidates at once") {
    REQUIRE(f.users->authenticate("alice", "password-1"));
    REQUIRE(f.users->set_role("alice", role::db_viewer));
    const auto who = f.users->authenticate("alice", "password-1");
    REQUIRE(who);
    CHECK(who->role == role::db_viewer);
  }
  SECTION("removal invalidates at once, and a new user of the same name starts afresh") {
    REQUIRE(f.users->authenticate("alice", "password-1"));
    REQUIRE(f.users->remove_user("alice"));
    CHECK_FALSE(f.users->authenticate("alice", "password-1"));
    add(*f.users, "alice", role::none, "password-2");
    CHECK_FALSE(f.users->authenticate("alice", "password-1"));
    const auto who = f.users->authenticate("alice", "password-2");
    REQUIRE(who);
    CHECK(who->role == role::none);
  }
  SECTION("another user's change leaves the entry") {
    add(*f.users, "bob", role::none, "password-2");
    REQUIRE(f.users->authenticate("alice", "password-1"));
    REQUIRE(f.users->set_password("bob", "password-3"));
    CHECK(f.derivations_of([&] { CHECK(f.users->authenticate("alice", "password-1")); }) == 0);
  }
  SECTION("entries expire after the TTL on the injected clock") {
    REQUIRE(f.users->authenticate("alice", "password-1"));
    f.clock_seconds += 59;
    CHECK(f.derivations_of([&] { CHECK(f.users->authenticate("alice", "password-1")); }) == 0);
    f.clock_seconds += 1;  // 60 s after the derivation
    CHECK(f.derivations_of([&] { CHECK(f.users->authenticate("alice", "password-1")); }) == 1);
    CHECK(f.derivations_of([&] { CHECK(f.users->authenticate("alice", "password-1")); }) == 0);
  }
  SECTION("a reopened store starts with an empty cache") {
    REQUIRE(f.users->authenticate("alice", "password-1"));
    f.reopen();
    CHECK(f.derivations_of([&] { CHECK(f.users->authenticate("alice", "password-1")); }) == 1);
  }
}

TEST_CASE("users: authenticate_cached answers from the cache only, never deriving", "[users]") {
  users_fixture f;
  add(*f.users, "alice", role::admin, "password-1");
  CHECK(f.derivations_of([&] { CHECK_FALSE(f.users->authenticate_cached("alice", "password-1")); }) == 0);
  REQUIRE(f.users->authenticate("alice", "password-1"));
  CHECK(f.derivations_of([&] {
          const auto who = f.users->authenticate_cached("alice", "password-1");
          REQUIRE(who);
          CHECK(who->user == "alice");
          CHECK(who->role == role::admin);
        }) == 0);
  // A wrong password, another name, malformed input: not in the cache, and still no derivation.
  CHECK(f.derivations_of([&] {
          CHECK_FALSE(f.users->authenticate_cached("alice", "password-2"));
          CHECK_FALSE(f.users->authenticate_cached("Alice", "password-1"));
          CHECK_FALSE(f.users->authenticate_cached("bad name", "password-1"));
        }) == 0);
  // Changes and expiry apply to it exactly as to authenticate.
  REQUIRE(f.users->set_role("alice", role::db_viewer));
  CHECK_FALSE(f.users->authenticate_cached("alice", "password-1"));
  REQUIRE(f.users->authenticate("alice", "password-1"));
  CHECK(f.users->authenticate_cached("alice", "password-1"));
  f.clock_seconds += 60;
  CHECK_FALSE(f.users->authenticate_cached("alice", "password-1"));
}

TEST_CASE("users: two stores on one thread keep their caches apart", "[users]") {
  // Each store keys its cache with its own secret; a thread prepares its HMAC for one store at a
  // time, and must not reuse it for the other.
  users_fixture a, b;
  add(*a.users, "alice", role::admin, "password-1");
  add(*b.users, "alice", role::db_viewer, "password-1");
  REQUIRE(a.users->authenticate("alice", "password-1"));
  REQUIRE(b.users->authenticate("alice", "password-1"));
  for (int i = 0; i < 3; ++i) {
    CHECK(a.derivations_of([&] {
            const auto who = a.users->authenticate("alice", "password-1");
            REQUIRE(who);
            CHECK(who->role == role::admin);
          }) == 0);
    CHECK(b.derivations_of([&] {
            const auto who = b.users->authenticate("alice", "password-1");
            REQUIRE(who);
            CHECK(who->role == role::db_viewer);
          }) == 0);
  }
  // A store opened after another was destroyed (perhaps at the same address) starts cold.
  a.reopen();
  CHECK_FALSE(a.users->authenticate_cached("alice", "password-1"));
  CHECK(a.derivations_of([&] { CHECK(a.users->authenticate("alice", "password-1")); }) == 1);
}

TEST_CASE("users: the cache is bounded and evicts the oldest entry", "[users]") {
  users_fixture f(2);
  add(*f.users, "a1", role::none, "password-a");
  add(*f.users, "b2", role::none, "password-b");
  add(*f.users, "c3", role::none, "password-c");
  REQUIRE(f.users->authenticate("a1", "password-a"));
  REQUIRE(f.users->authenticate("b2", "password-b"));
  REQUIRE(f.users->authenticate("c3", "password-c"));  // evicts a1
  CHECK(f.derivations_of([&] { CHECK(f.users->authenticate("c3", "password-c")); }) == 0);
  CHECK(f.derivations_of([&] { CHECK(f.users->authenticate("b2", "password-b")); }) == 0);
  CHECK(f.derivations_of([&] { CHECK(f.users->authenticate("a1", "password-a")); }) == 1);  // evicts b2
  CHECK(f.derivations_of([&] { CHECK(f.users->authenticate("b2", "password-b")); }) == 1);
}

TEST_CASE("users: open refuses options out of range", "[users]") {
  ocsp_test::temp_dir tmp;
  auto d = ocsp::state_directory::open(tmp / "state");
  REQUIRE(d);
  const auto dir = std::make_shared<ocsp::state_directory>(std::move(d).value());
  ocsp::users_options o;
  o.iterations = ocsp::min_pbkdf2_iterations - 1;
  auto opened = ocsp::users_store::open(dir, o);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().ocsp_code() == errc::internal_error);
  o.iterations = test_iterations;
  o.cache_ttl = -1s;
  opened = ocsp::users_store::open(dir, o);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().ocsp_code() == errc::internal_error);
  CHECK(ocsp::users_options{}.iterations == 600'000);  // OWASP 2023 for PBKDF2-HMAC-SHA256
}

TEST_CASE("users: parse_basic_authorization follows RFC 7617", "[users]") {
  using creds = std::pair<std::string, std::string>;
  struct row {
    const char* what;
    std::string header;
    std::optional<creds> expected;
  };
  const std::string alice = base64("alice:open sesame");
  const std::vector<row> rows{
      {"valid", "Basic " + alice, creds{"alice", "open sesame"}},
      {"RFC 7617's example", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", creds{"Aladdin", "open sesame"}},
      {"lower-case scheme", "basic " + alice, creds{"alice", "open sesame"}},
      {"upper-case scheme", "BASIC " + alice, creds{"alice", "open sesame"}},
      {"several spaces", "Basic    " + alice, creds{"alice", "open sesame"}},
      {"surrounding whitespace", " \tBasic " + alice + " \t", creds{"alice", "open sesame"}},
      {"password with colons", "Basic " + base64("alice:a:b:c"), creds{"alice", "a:b:c"}},
      {"empty password (allowed)", "Basic " + base64("alice:"), creds{"alice", ""}},
      {"UTF-8 password", "Basic " + base64("alice:p\xc3\xa4ss"), creds{"alice", "p\xc3\xa4ss"}},
      {"no colon", "Basic " + base64("alice"), std::nullopt},
      {"empty user-id", "Basic " + base64(":password"), std::nullopt},
      {"control character", "Basic " + base64("alice:pass\nword"), std::nullopt},
      {"NUL in the user-id", "Basic " + base64(std::string("al\0ice:password", 15)), std::nullopt},
      {"bad base64 character", "Basic " + alice.substr(0, alice.size() - 4) + "*AAA", std::nullopt},
      {"base64 without padding", "Basic " + base64("alice:pw").substr(0, 11), std::nullopt},
      {"base64 with stray bits", "Basic YWxpY2U6cHx=", std::nullopt},
      {"padding in the middle", "Basic YQ==YWxpY2U6cHc=", std::nullopt},
      {"space inside the token", "Basic " + alice.substr(0, 4) + " " + alice.substr(4), std::nullopt},
      {"no token", "Basic ", std::nullopt},
      {"no space", "Basic" + alice, std::nullopt},
      {"tab instead of space", "Basic\t" + alice, std::nullopt},
      {"other scheme", "Bearer " + alice, std::nullopt},
      {"scheme prefix", "Basically " + alice, std::nullopt},
      {"empty", "", std::nullopt},
      {"over 4 KiB", "Basic " + base64("alice:" + std::string(3100, 'p')), std::nullopt},
  };
  for (const auto& r : rows) {
    INFO(r.what);
    CHECK(ocsp::parse_basic_authorization(r.header) == r.expected);
  }
  // Just under the limit is accepted.
  const std::string long_password(3000, 'p');
  const std::string header = "Basic " + base64("alice:" + long_password);
  REQUIRE(header.size() <= ocsp::max_authorization_size);
  CHECK(ocsp::parse_basic_authorization(header) == creds{"alice", long_password});
}

TEST_CASE("users: ensure_admin creates the first admin only when there is no user", "[users]") {
  SECTION("a generated password, returned once") {
    users_fixture f;
    const auto created = f.users->ensure_admin(std::nullopt);
    REQUIRE(created);
    REQUIRE(created.value());
    const std::string password = *created.value();
    CHECK(password.size() == 32);
    CHECK(password.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
          std::string::npos);
    CHECK(f.users->list() == std::vector<ocsp::user_info>{{"admin", role::admin}});
    CHECK(f.file_bytes().find(password) == std::string::npos);

    const std::string before = f.file_bytes();
    const auto again = f.users->ensure_admin(std::nullopt);
    REQUIRE(again);
    CHECK_FALSE(again.value());
    CHECK(f.file_bytes() == before);

    f.reopen();
    const auto who = f.users->authenticate("admin", password);
    REQUIRE(who);
    CHECK(who->role == role::admin);
  }
  SECTION("a given password") {
    users_fixture f;
    const auto created = f.users->ensure_admin(std::string("given-password"));
    REQUIRE(created);
    CHECK_FALSE(created.value());
    CHECK(f.users->authenticate("admin", "given-password"));
  }
  SECTION("a weak given password creates nothing") {
    users_fixture f;
    const auto created = f.users->ensure_admin(std::string("short"));
    REQUIRE_FALSE(created);
    CHECK(created.error().ocsp_code() == errc::weak_password);
    CHECK(f.users->list().empty());
    CHECK_FALSE(std::filesystem::exists(f.file()));
  }
  SECTION("any existing user, of any role, means no admin is made") {
    users_fixture f;
    add(*f.users, "viewer", role::db_viewer, "password-1");
    const std::string before = f.file_bytes();
    const auto created = f.users->ensure_admin(std::nullopt);
    REQUIRE(created);
    CHECK_FALSE(created.value());
    CHECK(f.file_bytes() == before);
    CHECK(f.users->list() == std::vector<ocsp::user_info>{{"viewer", role::db_viewer}});
  }
}

TEST_CASE("users: authentication in parallel with password changes stays consistent", "[users]") {
  users_fixture f;
  add(*f.users, "carol", role::cluster_viewer, "password-A");
  add(*f.users, "dave", role::db_member, "password-D");

  std::atomic<bool> done{false};
  std::atomic<int> wrong{0}, carol_ok{0}, dave_ok{0}, attempts{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 8; ++t) {
    readers.emplace_back([&, t] {
      for (int i = 0; !done.load() || i < 20; ++i) {
        ++attempts;
        const std::string carol_password = (i + t) % 2 == 0 ? "password-A" : "password-B";
        if (const auto who = f.users->authenticate("carol", carol_password)) {
          if (who->user == "carol" && who->role == role::cluster_viewer) ++carol_ok; else ++wrong;
        }
        if (f.users->authenticate("carol", "password-never")) ++wrong;
        // An unchanged user always authenticates, with its own role.
        const auto dave = f.users->authenticate("dave", "password-D");
        if (dave && dave->user == "dave" && dave->role == role::db_member) ++dave_ok; else ++wrong;
      }
    });
  }
  int changes = 0;
  for (int i = 0; i < 60; ++i) {
    if (f.users->set_password("carol", i % 2 == 0 ? "password-B" : "password-A")) ++changes;
    std::this_thread::sleep_for(1ms);
  }
  done = true;
  for (auto& thread : readers) thread.join();

  CHECK(changes == 60);
  CHECK(wrong == 0);
  CHECK(dave_ok == attempts);
  CHECK(carol_ok > 0);
  // The last change (i = 59) set password-A: the cache holds nothing stale.
  CHECK(f.users->authenticate("carol", "password-A"));
  CHECK_FALSE(f.users->authenticate("carol", "password-B"));
  f.reopen();
  CHECK(f.users->authenticate("carol", "password-A"));
  CHECK_FALSE(f.users->authenticate("carol", "password-B"));
}

TEST_CASE("users: the new error codes map to the API's codes", "[users]") {
  CHECK(ocsp::errc_name(errc::user_exists) == "user_exists");
  CHECK(ocsp::rest_error_code(errc::user_exists) == "invalid_schema");
  CHECK(ocsp::rest_error_code(errc::invalid_user_name) == "invalid_schema");
  CHECK(ocsp::rest_error_code(errc::weak_password) == "invalid_schema");
  CHECK(ocsp::http_status(errc::weak_password) == 400);
  CHECK(ocsp::rest_error_code(errc::user_not_found) == "not_found");
  CHECK(ocsp::http_status(errc::user_not_found) == 404);
}
