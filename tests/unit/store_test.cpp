// The state directory and the file configuration store: durability, crash safety, corruption,
// locking, permissions, and how the service reacts to a store that fails.
#include "support.hpp"

#include <ocsp/config.hpp>
#include <ocsp/config_json.hpp>
#include <ocsp/config_store.hpp>
#include <ocsp/error.hpp>
#include <ocsp/service.hpp>
#include <ocsp/state_dir.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <csignal>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

constexpr std::string_view config_file = ocsp::file_config_store::file_name;
const std::string temp_file = ".ocsp-config.json.tmp";

// A configuration different from the defaults in every field.
const ocsp::ocsp_config custom_config{true, 1800, 120, 7, 9};

std::shared_ptr<ocsp::state_directory> open_dir(const fs::path& path) {
  auto dir = ocsp::state_directory::open(path);
  if (!dir) FAIL("cannot open state directory " << path << ": " << dir.error().message);
  return std::make_shared<ocsp::state_directory>(std::move(dir).value());
}

// Opens `path`, loads through a file store, and closes the directory again.
ocsp::api_result<ocsp::ocsp_config> load_from(const fs::path& path) {
  ocsp::file_config_store store(open_dir(path));
  return store.load();
}

void save_to(const fs::path& path, const ocsp::ocsp_config& config) {
  ocsp::file_config_store store(open_dir(path));
  const auto saved = store.save(config);
  if (!saved) FAIL("cannot save to " << path << ": " << saved.error().message);
}

unsigned mode_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return static_cast<unsigned>(st.st_mode) & 07777u;
}

// A store that loads a fixed configuration and refuses every save.
class failing_store final : public ocsp::config_store {
 public:
  explicit failing_store(ocsp::ocsp_config initial) : initial_(initial) {}
  ocsp::api_result<ocsp::ocsp_config> load() override { return initial_; }
  ocsp::api_result<void> save(const ocsp::ocsp_config&) override {
    ++save_calls;
    return ocsp::make_error(ocsp::errc::state_write_failed, "test store: the disk is full");
  }
  int save_calls = 0;

 private:
  ocsp::ocsp_config initial_;
};

}  // namespace

// --- round trip -------------------------------------------------------------------------------

TEST_CASE("file_config_store: a saved configuration survives reopening the directory", "[store][state]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  REQUIRE(custom_config != ocsp::ocsp_config{});
  {
    auto dir = open_dir(state);
    ocsp::file_config_store store(dir);
    REQUIRE(store.save(custom_config).has_value());
    // The same store reads back what it wrote.
    const auto again = store.load();
    REQUIRE(again.has_value());
    CHECK(again.value() == custom_config);
  }  // the store and the directory (and its lock) are dropped here
  const auto loaded = load_from(state);
  REQUIRE(loaded.has_value());
  CHECK(loaded.value() == custom_config);
  // The file holds exactly the state-file form.
  CHECK(ocsp_test::read_text(state / std::string(config_file)) == ocsp::to_state_json(custom_config));
}

TEST_CASE("file_config_store: the last of several saves is the one loaded", "[store][state]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  const ocsp::ocsp_config second{false, 600, 300, 2, 30};
  {
    auto dir = open_dir(state);
    ocsp::file_config_store store(dir);
    REQUIRE(store.save(custom_config).has_value());
    REQUIRE(store.save(second).has_value());
  }
  const auto loaded = load_from(state);
  REQUIRE(loaded.has_value());
  CHECK(loaded.value() == second);
}

TEST_CASE("file_config_store: a missing file loads as the defaults", "[store][state]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  const auto loaded = load_from(state);
  REQUIRE(loaded.has_value());
  CHECK(loaded.value() == ocsp::ocsp_config{});
  // Loading does not create the file.
  CHECK_FALSE(fs::exists(state / std::string(config_file)));
}

// --- crash safety -----------------------------------------------------------------------------

TEST_CASE("state_directory: a torn temporary file next to a committed file is discarded", "[store][state][crash]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  save_to(state, custom_config);
  const std::string committed = ocsp_test::read_text(state / std::string(config_file));
  ocsp_test::write_text(state / temp_file, "{\"format\":1,\"ocsp_functi\x01\xff");
  REQUIRE(fs::exists(state / temp_file));

  auto dir = open_dir(state);
  CHECK_FALSE(fs::exists(state / temp_file));
  ocsp::file_config_store store(dir);
  const auto loaded = store.load();
  REQUIRE(loaded.has_value());
  CHECK(loaded.value() == custom_config);
  CHECK(ocsp_test::read_text(state / std::string(config_file)) == committed);
}

TEST_CASE("state_directory: a torn temporary file with no committed file loads as the defaults",
          "[store][state][crash]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  fs::create_directory(state);
  // A complete-looking but uncommitted configuration: it must not be picked up either.
  ocsp_test::write_text(state / temp_file, ocsp::to_state_json(custom_config));

  auto dir = open_dir(state);
  CHECK_FALSE(fs::exists(state / temp_file));
  ocsp::file_config_store store(dir);
  const auto loaded = store.load();
  REQUIRE(loaded.has_value());
  CHECK(loaded.value() == ocsp::ocsp_config{});
  CHECK_FALSE(fs::exists(state / std::string(config_file)));
}

TEST_CASE("state_directory: other files and other temporary files' neighbours survive open", "[store][state][crash]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  fs::create_directory(state);
  ocsp_test::write_text(state / "notes.txt", "keep me");
  ocsp_test::write_text(state / ".hidden", "keep me too");
  ocsp_test::write_text(state / ".other.tmp", "stale");
  auto dir = open_dir(state);
  CHECK(ocsp_test::read_text(state / "notes.txt") == "keep me");
  CHECK(ocsp_test::read_text(state / ".hidden") == "keep me too");
  CHECK_FALSE(fs::exists(state / ".other.tmp"));
}

TEST_CASE("file_config_store: a process killed while saving leaves a loadable configuration",
          "[store][state][crash]") {
  // The child saves distinct valid configurations as fast as it can; these fields never change.
  constexpr std::int64_t first_frequency = 60;
  constexpr std::int64_t frequency_span = 1000;
  const auto child_config = [](std::int64_t i) {
    return ocsp::ocsp_config{true, first_frequency + i % frequency_span, 240, 11, 13};
  };

  std::random_device seed_source;
  const unsigned seed = seed_source();
  INFO("random seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_ms(0, 15);

  for (int round = 0; round < 20; ++round) {
    INFO("round " << round);
    ocsp_test::temp_dir tmp;
    const fs::path state = tmp / "state";

    int ready[2] = {-1, -1};
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // The child: no Catch2, no exceptions escaping, and _exit so no atexit handler or
      // destructor of the parent's objects runs here.
      ::close(ready[0]);
      auto dir = ocsp::state_directory::open(state);
      if (!dir) ::_exit(2);
      ocsp::file_config_store store(std::make_shared<ocsp::state_directory>(std::move(dir).value()));
      for (std::int64_t i = 0;; ++i) {
        if (!store.save(child_config(i))) ::_exit(3);
        if (i == 0) {
          const char byte = 'r';
          if (::write(ready[1], &byte, 1) != 1) ::_exit(4);
          ::close(ready[1]);
        }
      }
    }

    // The parent: wait for the first committed save, let the child run on, then kill it.
    ::close(ready[1]);
    char byte = 0;
    const ssize_t got = ::read(ready[0], &byte, 1);
    ::close(ready[0]);
    if (got == 1) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ::kill(child, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    // Killed by us, not exited on an error of its own.
    REQUIRE(got == 1);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    auto dir = open_dir(state);
    CHECK_FALSE(fs::exists(state / temp_file));
    ocsp::file_config_store store(dir);
    const auto loaded = store.load();
    REQUIRE(loaded.has_value());
    const ocsp::ocsp_config config = loaded.value();
    CHECK(config.query_frequency >= first_frequency);
    CHECK(config.query_frequency < first_frequency + frequency_span);
    CHECK(config == child_config(config.query_frequency - first_frequency));
  }
}

// --- corruption -------------------------------------------------------------------------------

TEST_CASE("file_config_store: a corrupt state file is an error, never a reset to defaults", "[store][state][corrupt]") {
  const std::string valid = ocsp::to_state_json(custom_config);
  const std::vector<std::pair<std::string, std::string>> corrupt{
      {"garbage bytes", std::string("\x00\x01\xfe\xff garbage \x7f", 14)},
      {"truncated JSON", valid.substr(0, valid.size() / 2)},
      {"empty file", ""},
      {"missing field",
       R"({"format":1,"ocsp_functionality":true,"query_frequency":1800,"recovery_frequency":120,"response_timeout":9})"},
      {"out-of-range value",
       R"({"format":1,"ocsp_functionality":true,"query_frequency":59,"recovery_frequency":120,"recovery_max_tries":7,"response_timeout":9})"},
      {"unknown key",
       R"({"extra":1,"format":1,"ocsp_functionality":true,"query_frequency":1800,"recovery_frequency":120,"recovery_max_tries":7,"response_timeout":9})"},
      {"wrong format",
       R"({"format":2,"ocsp_functionality":true,"query_frequency":1800,"recovery_frequency":120,"recovery_max_tries":7,"response_timeout":9})"},
      {"trailing content", valid + "x"},
      {"a second object", valid + valid},
      {"float",
       R"({"format":1,"ocsp_functionality":true,"query_frequency":1800.5,"recovery_frequency":120,"recovery_max_tries":7,"response_timeout":9})"},
      {"not an object", "[1,2,3]"},
  };
  // The sample itself is valid, so each case fails only because of its corruption.
  REQUIRE(ocsp::parse_state_json(valid).has_value());

  for (const auto& [label, bytes] : corrupt) {
    INFO("case: " << label);
    ocsp_test::temp_dir tmp;
    const fs::path state = tmp / "state";
    const fs::path file = state / std::string(config_file);
    fs::create_directory(state);
    ocsp_test::write_text(file, bytes);
    REQUIRE(ocsp_test::read_text(file) == bytes);

    {
      const auto loaded = load_from(state);
      CHECK_FALSE(loaded.has_value());
      if (!loaded) {
        CHECK(loaded.error().ocsp_code() == ocsp::errc::state_corrupt);
        CHECK_THAT(loaded.error().message, Catch::Matchers::Contains(file.string()));
      }
    }
    {
      ocsp::service_options options;
      options.store = std::make_shared<ocsp::file_config_store>(open_dir(state));
      const auto svc = ocsp::service::create(std::move(options));
      CHECK_FALSE(svc.has_value());
      if (!svc) {
        CHECK(svc.error().ocsp_code() == ocsp::errc::state_corrupt);
        CHECK_THAT(svc.error().message, Catch::Matchers::Contains(file.string()));
      }
    }
    // Neither the load nor the failed start-up touched the file.
    CHECK(ocsp_test::read_text(file) == bytes);
  }
}

TEST_CASE("file_config_store: a directory in place of the state file is unreadable", "[store][state][corrupt]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  const fs::path file = state / std::string(config_file);
  fs::create_directories(file);

  const auto loaded = load_from(state);
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().ocsp_code() == ocsp::errc::state_unreadable);
  CHECK_THAT(loaded.error().message, Catch::Matchers::Contains(file.string()));

  ocsp::service_options options;
  options.store = std::make_shared<ocsp::file_config_store>(open_dir(state));
  const auto svc = ocsp::service::create(std::move(options));
  REQUIRE_FALSE(svc.has_value());
  CHECK(svc.error().ocsp_code() == ocsp::errc::state_unreadable);
  CHECK(fs::is_directory(file));
}

TEST_CASE("state_directory: a file larger than the limit is unreadable", "[store][state]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  auto dir = open_dir(state);
  REQUIRE(dir->write("big", std::string(100, 'x')).has_value());
  const auto small = dir->read("big", 99);
  REQUIRE_FALSE(small.has_value());
  CHECK(small.error().ocsp_code() == ocsp::errc::state_unreadable);
  const auto exact = dir->read("big", 100);
  REQUIRE(exact.has_value());
  REQUIRE(exact.value().has_value());
  CHECK(exact.value()->size() == 100);
}

// --- locking ----------------------------------------------------------------------------------

TEST_CASE("state_directory: a directory is locked while open", "[store][state][lock]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  {
    auto first = ocsp::state_directory::open(state);
    REQUIRE(first.has_value());
    const auto second = ocsp::state_directory::open(state);
    REQUIRE_FALSE(second.has_value());
    CHECK(second.error().ocsp_code() == ocsp::errc::state_locked);
    CHECK_THAT(second.error().message, Catch::Matchers::Contains(state.string()));

    // Moving the open directory keeps the lock with the new owner.
    ocsp::state_directory moved(std::move(first).value());
    const auto third = ocsp::state_directory::open(state);
    REQUIRE_FALSE(third.has_value());
    CHECK(third.error().ocsp_code() == ocsp::errc::state_locked);
  }
  const auto reopened = ocsp::state_directory::open(state);
  CHECK(reopened.has_value());
}

TEST_CASE("state_directory: the lock holds across processes", "[store][state][lock]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  auto held = open_dir(state);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Our copy of the parent's descriptors shares its lock; close them first so the child
    // tests a lock held by another process, not by itself.
    held.reset();
    const auto opened = ocsp::state_directory::open(state);
    ::_exit(!opened && opened.error().ocsp_code() == ocsp::errc::state_locked ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

// --- permissions ------------------------------------------------------------------------------

TEST_CASE("state_directory: the directory is created 0700 and the files 0600", "[store][state][permissions]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  REQUIRE_FALSE(fs::exists(state));
  {
    auto dir = open_dir(state);
    CHECK(mode_of(state) == 0700u);
    ocsp::file_config_store store(dir);
    REQUIRE(store.save(custom_config).has_value());
    CHECK(mode_of(state / std::string(config_file)) == 0600u);
    CHECK(mode_of(state / "lock") == 0600u);
    // A replaced file keeps the mode.
    REQUIRE(store.save(ocsp::ocsp_config{}).has_value());
    CHECK(mode_of(state / std::string(config_file)) == 0600u);
  }
}

TEST_CASE("state_directory: a directory that cannot be created is unusable", "[store][state]") {
  ocsp_test::temp_dir tmp;
  ocsp_test::write_text(tmp / "a-file", "not a directory");
  const auto opened = ocsp::state_directory::open(tmp / "a-file" / "state");
  REQUIRE_FALSE(opened.has_value());
  CHECK(opened.error().ocsp_code() == ocsp::errc::state_dir_unusable);

  const auto over_file = ocsp::state_directory::open(tmp / "a-file");
  REQUIRE_FALSE(over_file.has_value());
  CHECK(over_file.error().ocsp_code() == ocsp::errc::state_dir_unusable);
}

// --- names ------------------------------------------------------------------------------------

TEST_CASE("state_directory: read and write take plain file names only", "[store][state]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  ocsp_test::write_text(tmp / "outside", "secret");
  auto dir = open_dir(state);

  for (const std::string_view name : {"../outside", "..", ".", "sub/file", "/etc/hostname", ""}) {
    INFO("name: '" << name << "'");
    const auto read = dir->read(name);
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error().ocsp_code() == ocsp::errc::state_unreadable);
    const auto written = dir->write(name, "x");
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error().ocsp_code() == ocsp::errc::state_write_failed);
  }
  CHECK(ocsp_test::read_text(tmp / "outside") == "secret");
  CHECK_FALSE(fs::exists(tmp / ".outside.tmp"));
}

TEST_CASE("state_directory: write refuses the lock file and temporary names", "[store][state]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  auto dir = open_dir(state);
  for (const std::string_view name : {"lock", ".ocsp-config.json.tmp", ".x.tmp"}) {
    INFO("name: '" << name << "'");
    const auto written = dir->write(name, "x");
    REQUIRE_FALSE(written.has_value());
    CHECK(written.error().ocsp_code() == ocsp::errc::state_write_failed);
  }
  // The lock file is untouched (still empty), and no temporary file was left.
  CHECK(ocsp_test::read_text(state / "lock").empty());
  CHECK_FALSE(fs::exists(state / ".ocsp-config.json.tmp"));
  CHECK_FALSE(fs::exists(state / ".x.tmp"));
  // And the directory is still locked: writing "lock" did not replace the locked file.
  const auto second = ocsp::state_directory::open(state);
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().ocsp_code() == ocsp::errc::state_locked);
}

TEST_CASE("state_directory: plain names are written and read back", "[store][state]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  auto dir = open_dir(state);
  const auto missing = dir->read("data");
  REQUIRE(missing.has_value());
  CHECK_FALSE(missing.value().has_value());

  // Names that look like temporary names but are not (no leading dot, or nothing before .tmp).
  for (const std::string_view name : {"data", "data.tmp", ".tmp", "..data"}) {
    INFO("name: '" << name << "'");
    const std::string contents = std::string("contents of ") + std::string(name);
    REQUIRE(dir->write(name, contents).has_value());
    const auto read = dir->read(name);
    REQUIRE(read.has_value());
    REQUIRE(read.value().has_value());
    CHECK(*read.value() == contents);
  }
}

// --- the service over a failing store ---------------------------------------------------------

TEST_CASE("file_config_store: a failed save leaves the service's configuration unchanged", "[store][service]") {
  const ocsp::ocsp_config initial{false, 900, 120, 4, 3};
  auto store = std::make_shared<failing_store>(initial);
  ocsp::service_options options;
  options.store = store;
  const auto svc = ocsp_test::make_service(std::move(options));
  REQUIRE(svc->config() == initial);

  SECTION("typed patch") {
    ocsp::config_patch patch;
    patch.query_frequency = 7200;
    patch.recovery_max_tries = 9;
    const auto put = svc->put_config(ocsp_test::admin(), patch);
    REQUIRE_FALSE(put.has_value());
    CHECK(put.error().ocsp_code() == ocsp::errc::state_write_failed);
  }
  SECTION("JSON body") {
    const auto put = svc->put_config(ocsp_test::admin(), std::string_view(R"({"response_timeout":30})"));
    REQUIRE_FALSE(put.has_value());
    CHECK(put.error().ocsp_code() == ocsp::errc::state_write_failed);
  }
  CHECK(store->save_calls == 1);
  CHECK(svc->config() == initial);
  const auto got = svc->get_config(ocsp_test::admin());
  REQUIRE(got.has_value());
  CHECK(got.value().config == initial);
}

TEST_CASE("file_config_store: the service saves through the file store before acknowledging", "[store][service]") {
  ocsp_test::temp_dir tmp;
  const fs::path state = tmp / "state";
  {
    ocsp::service_options options;
    options.store = std::make_shared<ocsp::file_config_store>(open_dir(state));
    const auto svc = ocsp_test::make_service(std::move(options));
    CHECK(svc->config() == ocsp::ocsp_config{});
    ocsp::config_patch patch;
    patch.query_frequency = 4200;
    const auto put = svc->put_config(ocsp_test::admin(), patch);
    REQUIRE(put.has_value());
    CHECK(put.value().config.query_frequency == 4200);
  }
  ocsp::service_options options;
  options.store = std::make_shared<ocsp::file_config_store>(open_dir(state));
  const auto svc = ocsp_test::make_service(std::move(options));
  ocsp::ocsp_config expected;
  expected.query_frequency = 4200;
  CHECK(svc->config() == expected);
}

TEST_CASE("state_directory: concurrent writers sharing one directory never corrupt a file", "[store][state][concurrency]") {
  ocsp_test::temp_dir tmp;
  auto dir = std::make_shared<ocsp::state_directory>(ocsp::state_directory::open(tmp.path()).value());
  ocsp::file_config_store a(dir), b(dir);
  std::atomic<int> failures{0};
  auto writer = [&](ocsp::file_config_store& store, std::int64_t base_value) {
    for (int i = 0; i < 200; ++i) {
      if (!store.save(ocsp::ocsp_config{false, base_value + i % 100, 60, 5, 1})) ++failures;
    }
  };
  std::thread t1(writer, std::ref(a), 100), t2(writer, std::ref(b), 1000), t3(writer, std::ref(a), 2000);
  t1.join();
  t2.join();
  t3.join();
  CHECK(failures == 0);
  auto loaded = b.load();
  REQUIRE(loaded);
  CHECK(loaded.value().query_frequency >= 100);
}
