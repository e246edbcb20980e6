// A directory of small state files, each replaced crash-safely.
//
// `write` puts the new bytes in a temporary file (mode 0600), fsyncs it, renames it over the old
// file and fsyncs the directory, so after a crash at any moment the file holds either the old or
// the new contents, and a successful return means the new contents survive a power loss. Opening
// takes an exclusive lock (flock on `<dir>/lock`): two processes never share a state directory.
// Temporary files a crash left behind (`.<name>.tmp`) are removed at open; they never hold
// committed state. Thread-safe: writes are serialised, so several stores may share one directory.
#pragma once

#include "ocsp/error.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace ocsp {

class state_directory {
 public:
  /// Opens `path`, creating it (mode 0700) if absent, and locks it.
  /// errc::state_dir_unusable, or errc::state_locked when another process holds it.
  static api_result<state_directory> open(const std::filesystem::path& path);

  state_directory(state_directory&& other) noexcept;
  state_directory& operator=(state_directory&& other) noexcept;
  state_directory(const state_directory&) = delete;
  state_directory& operator=(const state_directory&) = delete;
  ~state_directory();

  const std::filesystem::path& path() const noexcept { return path_; }

  /// The contents of file `name`, or nullopt when it does not exist.
  /// errc::state_unreadable when it exists but cannot be read, is not a regular file, or is
  /// larger than `max_size`.
  api_result<std::optional<std::string>> read(std::string_view name, std::size_t max_size = 1 << 20) const;

  /// Replaces file `name` with `contents` durably (see above). errc::state_write_failed: the file
  /// then holds the old contents, except after a failed fsync of the directory, when the rename
  /// has already happened and the file may hold the new contents (durability unknown).
  api_result<void> write(std::string_view name, std::string_view contents);

 private:
  state_directory(std::filesystem::path path, int dir_fd, int lock_fd) noexcept;
  void close() noexcept;

  std::filesystem::path path_;
  int dir_fd_ = -1;
  int lock_fd_ = -1;
  std::unique_ptr<std::mutex> write_mutex_ = std::make_unique<std::mutex>();  // movable holder
};

}  // namespace ocsp
