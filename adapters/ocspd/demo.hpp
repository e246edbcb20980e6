// Demo mode: a throw-away PKI and a local OCSP responder, so that every endpoint answers at once.
//
// `ensure_demo_pki` creates, under DIR/demo-pki/, a root CA, an issuing CA, a proxy certificate for
// localhost / 127.0.0.1 whose AIA names http://127.0.0.1:PORT/ as its OCSP responder, and a
// delegated OCSP signer (issued by the issuing CA, id-kp-OCSPSigning), with their keys (0600) and
// the `openssl ocsp` index that lists the proxy certificate as valid. An existing PKI is reused
// when its proxy certificate names the same responder port; otherwise it is made again.
//
// `demo_responder` runs `openssl ocsp` (the real CLI, as a child process) on that port, signing
// with the delegated signer; it dies with ocspd (SIGTERM at destruction, PDEATHSIG otherwise).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <sys/types.h>

namespace ocspd {

struct demo_pki {
  std::filesystem::path dir;  // DIR/demo-pki
  std::filesystem::path root, issuer, proxy, proxy_key, proxy_chain, signer, signer_key, index;
  std::uint16_t responder_port = 0;
  bool created = false;  // made by this call (first run, or the port changed)
};

/// Creates or reuses the demo PKI. On failure returns false with `error` set.
bool ensure_demo_pki(const std::filesystem::path& state_dir, std::uint16_t responder_port, demo_pki& out,
                     std::string& error);

class demo_responder {
 public:
  /// Starts `openssl ocsp` for `pki` and waits (up to 5 s) until it listens.
  /// On failure returns false with `error` set (the responder's log is in DIR/demo-pki/responder.log).
  bool start(const demo_pki& pki, std::string& error);
  /// Stops the responder (SIGTERM, then SIGKILL after a second) if it runs.
  void stop() noexcept;
  ~demo_responder() { stop(); }

 private:
  pid_t pid_ = -1;
};

}  // namespace ocspd
