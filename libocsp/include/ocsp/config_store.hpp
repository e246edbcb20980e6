// Where the OCSP configuration lives between restarts.
//
// `config_store` is the interface the service writes through: `save` returns only once the
// configuration is durable, and the service acknowledges a PUT only after that. The embedded
// default, `file_config_store`, keeps it as JSON in a state directory (see state_dir.hpp); a
// clustered deployment can implement the interface over its shared store.
#pragma once

#include "ocsp/config.hpp"
#include "ocsp/error.hpp"
#include "ocsp/state_dir.hpp"

#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

namespace ocsp {

class config_store {
 public:
  virtual ~config_store() = default;
  /// The stored configuration; the defaults when nothing was ever stored.
  virtual api_result<ocsp_config> load() = 0;
  /// Stores `config` durably before returning. On failure the store may hold the old or the new
  /// configuration; `load` tells which.
  virtual api_result<void> save(const ocsp_config& config) = 0;
};

/// Keeps the configuration in memory only: for tests and embedders that persist elsewhere.
class memory_config_store final : public config_store {
 public:
  explicit memory_config_store(ocsp_config initial = {}) : config_(initial) {}
  api_result<ocsp_config> load() override;
  api_result<void> save(const ocsp_config& config) override;

 private:
  std::mutex mutex_;
  ocsp_config config_;
};

/// The configuration as `ocsp-config.json` in a state directory.
class file_config_store final : public config_store {
 public:
  static constexpr std::string_view file_name = "ocsp-config.json";

  explicit file_config_store(std::shared_ptr<state_directory> dir) : dir_(std::move(dir)) {}

  /// The defaults when the file does not exist. errc::state_unreadable when it cannot be read;
  /// errc::state_corrupt when it is not a complete, valid configuration: never a silent reset.
  api_result<ocsp_config> load() override;
  /// errc::state_write_failed; see state_directory::write for what the file then holds.
  api_result<void> save(const ocsp_config& config) override;

 private:
  std::mutex mutex_;
  std::shared_ptr<state_directory> dir_;
};

}  // namespace ocsp
