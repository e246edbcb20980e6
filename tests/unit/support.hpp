// Shared helpers for the unit tests: temporary directories, the test PKI, service construction.
#pragma once

#include <ocsp/capability.hpp>
#include <ocsp/certificate.hpp>
#include <ocsp/config_store.hpp>
#include <ocsp/permissions.hpp>
#include <ocsp/service.hpp>
#include <ocsp/state_dir.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

namespace ocsp_test {

/// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class temp_dir {
 public:
  temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "libocsp-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

/// The directory of the test PKI (tests/pki/make-test-pki.sh, run by ctest as a fixture).
inline std::filesystem::path pki_dir() {
  const char* dir = std::getenv("OCSP_TEST_PKI");
  if (dir == nullptr || !std::filesystem::exists(std::filesystem::path(dir) / ".complete")) {
    FAIL("OCSP_TEST_PKI is not set or incomplete: run the tests through ctest, which generates the test PKI");
  }
  return dir;
}

/// Loads `<name>.pem` of the test PKI with `ca.pem` as its issuer.
inline std::shared_ptr<const ocsp::proxy_certificate> load_pki_cert(const std::string& name) {
  auto cert = ocsp::proxy_certificate::load(pki_dir() / (name + ".pem"), pki_dir() / "ca.pem");
  if (!cert) FAIL("cannot load test certificate " << name << ": " << cert.error().message);
  return std::make_shared<const ocsp::proxy_certificate>(std::move(cert).value());
}

inline const ocsp::principal& admin() {
  static const ocsp::principal p{"alice", ocsp::role::admin};
  return p;
}

/// A service over a memory store and a single node, for tests that do not exercise the store.
inline std::unique_ptr<ocsp::service> make_service(ocsp::service_options options = {}) {
  if (!options.store) options.store = std::make_shared<ocsp::memory_config_store>();
  auto svc = ocsp::service::create(std::move(options));
  if (!svc) FAIL("service::create failed: " << svc.error().message);
  return std::move(svc).value();
}

/// Runs `command` through the shell; FAILs the test with the command line when it does not exit 0.
inline void run(const std::string& command) {
  if (std::system(command.c_str()) != 0) FAIL("command failed: " << command);
}

/// A real OCSP response from the openssl CLI, made offline (-reqin/-respout, no network): the test
/// CA (ca.pem/ca.key of the test PKI) answers for `cert` with the index line status `index_status`
/// ('V' valid, 'R' revoked), valid for `days` days. Returns the DER.
inline std::vector<std::uint8_t> openssl_response(const ocsp::proxy_certificate& cert, const std::filesystem::path& work,
                                                  char index_status = 'V', int days = 1) {
  const std::filesystem::path pki = pki_dir();
  std::filesystem::create_directories(work);
  const std::string cert_pem = (work / "cert.pem").string();
  {
    std::ofstream out(work / "cert.der", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(cert.der().data()), static_cast<std::streamsize>(cert.der().size()));
  }
  run("openssl x509 -inform DER -in " + (work / "cert.der").string() + " -out " + cert_pem);
  std::string line = std::string(1, index_status) + "\t301231235959Z\t";
  if (index_status == 'R') line += "240101000000Z,keyCompromise";
  line += "\t" + cert.serial_hex() + "\tunknown\t/CN=test\n";
  write_text(work / "index.txt", line);
  const std::string ca = (pki / "ca.pem").string();
  run("openssl ocsp -issuer " + ca + " -cert " + cert_pem + " -no_nonce -reqout " + (work / "req.der").string() +
      " >/dev/null 2>&1");
  run("openssl ocsp -index " + (work / "index.txt").string() + " -rsigner " + ca + " -rkey " +
      (pki / "ca.key").string() + " -CA " + ca + " -ndays " + std::to_string(days) + " -reqin " +
      (work / "req.der").string() + " -respout " + (work / "resp.der").string() + " >/dev/null 2>&1");
  const std::string der = read_text(work / "resp.der");
  return {der.begin(), der.end()};
}

/// A querier that answers with a fixed result and counts its calls.
class fake_querier final : public ocsp::status_querier {
 public:
  explicit fake_querier(ocsp::api_result<ocsp::ocsp_status> answer) : answer_(std::move(answer)) {}
  ocsp::api_result<ocsp::cache_entry> query(const ocsp::proxy_certificate&, const ocsp::ocsp_config&) override {
    ++calls;
    if (!answer_) return answer_.error();
    return ocsp::cache_entry{answer_.value(), {}, {}};
  }
  int calls = 0;

 private:
  ocsp::api_result<ocsp::ocsp_status> answer_;
};

}  // namespace ocsp_test
