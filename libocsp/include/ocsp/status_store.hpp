// Where the cached OCSP answer lives between restarts.
//
// `status_store` is what status_cache writes through. What is stored is the evidence, not the
// verdict: the CertID and the responder's DER exactly as received. At start-up the service checks
// it again (signature, signer, CertID of the current certificate, freshness) before serving it, so
// a stale, tampered or foreign file can cost a query but never yield a wrong status.
//
// `file_status_store` keeps it as `ocsp-status.der` in a state directory (crash-safe replacement,
// see state_dir.hpp), encoded as
//   CachedStatus ::= SEQUENCE {
//     version   INTEGER (1),
//     certID    CertID,
//     response  OCTET STRING  -- the OCSPResponse DER }
// An empty file means "nothing cached" (after an invalidation).
#pragma once

#include "ocsp/error.hpp"
#include "ocsp/state_dir.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace ocsp {

struct stored_response {
  std::vector<std::uint8_t> cert_id_der;   // the encoded CertID the response was accepted for
  std::vector<std::uint8_t> response_der;  // the OCSPResponse as received

  friend bool operator==(const stored_response&, const stored_response&) = default;
};

class status_store {
 public:
  virtual ~status_store() = default;
  /// The stored answer, or nullopt when there is none.
  virtual api_result<std::optional<stored_response>> load() = 0;
  /// Stores `response` (nullopt: none) durably before returning.
  virtual api_result<void> save(const std::optional<stored_response>& response) = 0;
};

class memory_status_store final : public status_store {
 public:
  api_result<std::optional<stored_response>> load() override;
  api_result<void> save(const std::optional<stored_response>& response) override;

 private:
  std::mutex mutex_;
  std::optional<stored_response> stored_;
};

class file_status_store final : public status_store {
 public:
  static constexpr std::string_view file_name = "ocsp-status.der";

  explicit file_status_store(std::shared_ptr<state_directory> dir) : dir_(std::move(dir)) {}

  /// nullopt when the file is absent or empty. errc::state_unreadable when it cannot be read;
  /// errc::state_corrupt when it is not a CachedStatus (the message names the file and the fault).
  api_result<std::optional<stored_response>> load() override;
  /// errc::state_write_failed.
  api_result<void> save(const std::optional<stored_response>& response) override;

 private:
  std::mutex mutex_;
  std::shared_ptr<state_directory> dir_;
};

/// The CachedStatus encoding above, and its strict decoding (der_* and ocsp_unsupported_version).
std::vector<std::uint8_t> encode_stored_response(const stored_response& response);
result<stored_response> decode_stored_response(std::span<const std::uint8_t> der) noexcept;

}  // namespace ocsp
