// The HTTPS listener's certificate, reloadable while connections are served.
//
// The SSL_CTX given to the listener carries no certificate of its own: a certificate callback sets
// the current chain and key on each connection from a snapshot, so a reload (SIGHUP) swaps the
// snapshot and the next handshake uses it, with no lock held across handshakes and no change to
// an SSL_CTX that other threads are using.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct ssl_ctx_st;

namespace ocspd {

class tls_identity {
 public:
  /// Loads the chain (leaf first, then intermediates) and the key; checks that they match.
  /// On failure returns false with `error` naming the file and the fault, and keeps the old one.
  bool load(const std::filesystem::path& chain_file, const std::filesystem::path& key_file, std::string& error);

  /// Installs the certificate callback on `ctx`; this object must outlive the SSL_CTX's use.
  bool install(ssl_ctx_st* ctx);

  /// Whether the current leaf certificate is `der` (false before load).
  bool serves(const std::vector<std::uint8_t>& der) const;

  struct loaded;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const loaded> current_;
};

}  // namespace ocspd
