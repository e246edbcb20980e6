// The openssl CLI as the OCSP responder of the tests, in two forms:
// - `answer(request)`: offline, one request file in, one response file out (`openssl ocsp -reqin
//   -respout`): a real responder's answer to the exact request the poller built, nonce included,
//   with no network; the poller's transport is replaced by it where a test is about verification
//   or scheduling rather than sockets.
// - `serve()`: `openssl ocsp -port` on a loopback port, as a child process, killed at destruction.
// The index file says what the responder knows; `set` rewrites it (the server re-reads it when it
// changes).
#pragma once

#include "support.hpp"

#include <ocsp/certificate.hpp>
#include <ocsp/error.hpp>

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace ocsp_test {

class openssl_responder {
 public:
  explicit openssl_responder(std::filesystem::path work) : work_(std::move(work)) {
    std::filesystem::create_directories(work_);
    write_index();
  }
  ~openssl_responder() { stop(); }
  openssl_responder(const openssl_responder&) = delete;
  openssl_responder& operator=(const openssl_responder&) = delete;

  /// The index line for `cert`: 'V' (good) or 'R' (revoked, keyCompromise at 2024-01-01).
  void set(const ocsp::proxy_certificate& cert, char status) {
    entries_[cert.serial_hex()] = status;
    write_index();
  }
  /// Who signs: a stem of the test PKI ("ca", "responder", "responder-noeku", "other-ca").
  void sign_with(std::string stem) { signer_ = std::move(stem); }
  /// How long answers are valid: -nmin (nextUpdate = now + minutes).
  void valid_for_minutes(int minutes) { minutes_ = minutes; }

  /// The answer to `request` (DER), made offline.
  std::vector<std::uint8_t> answer(const std::vector<std::uint8_t>& request) {
    const auto req = work_ / "req.der", resp = work_ / "resp.der";
    {
      std::ofstream out(req, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(request.data()), static_cast<std::streamsize>(request.size()));
    }
    std::filesystem::remove(resp);
    run(command() + " -reqin " + req.string() + " -respout " + resp.string() + " >/dev/null 2>&1");
    const std::string der = read_text(resp);
    return {der.begin(), der.end()};
  }

  /// Starts `openssl ocsp -port 0` (the kernel picks the port; openssl prints it as
  /// "ACCEPT [::]:PORT PID=...") and returns the port once it listens.
  std::uint16_t serve() {
    const auto log = work_ / "server.log";
    std::filesystem::remove(log);
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string line = "exec " + command() + " -port 0 >" + log.string() + " 2>&1";
      ::execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // up to 10 s
      const std::string text = read_text(log);
      if (const auto at = text.find("ACCEPT "); at != std::string::npos) {
        const auto colon = text.find("]:", at);
        const auto end = text.find(' ', colon == std::string::npos ? at : colon);
        if (colon != std::string::npos && end != std::string::npos) {
          return port_ = static_cast<std::uint16_t>(std::stoi(text.substr(colon + 2, end - colon - 2)));
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop();
    FAIL("openssl ocsp did not start: " << read_text(log));
    return 0;
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }

  std::uint16_t port() const noexcept { return port_; }

 private:
  std::string command() const {
    const auto pki = pki_dir();
    return "openssl ocsp -index " + (work_ / "index.txt").string() + " -CA " + (pki / "ca.pem").string() +
           " -rsigner " + (pki / (signer_ + ".pem")).string() + " -rkey " + (pki / (signer_ + ".key")).string() +
           " -nmin " + std::to_string(minutes_);
  }

  void write_index() {
    std::string text;
    for (const auto& [serial, status] : entries_) {
      text += std::string(1, status) + "\t301231235959Z\t";
      if (status == 'R') text += "240101000000Z,keyCompromise";
      text += "\t" + serial + "\tunknown\t/CN=test\n";
    }
    // Written whole and renamed, so a responder that re-reads it never sees half a file.
    const auto tmp = work_ / "index.txt.tmp";
    write_text(tmp, text);
    std::filesystem::rename(tmp, work_ / "index.txt");
    write_text(work_ / "index.txt.attr", "unique_subject = no\n");
  }

  std::filesystem::path work_;
  std::map<std::string, char> entries_;
  std::string signer_ = "ca";
  int minutes_ = 60;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace ocsp_test
