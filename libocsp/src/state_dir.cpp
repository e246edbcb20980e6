#include "ocsp/state_dir.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ocsp {
namespace {

constexpr std::string_view lock_name = "lock";
constexpr std::string_view temp_suffix = ".tmp";

std::string errno_text(int err) { return std::strerror(err); }

// The temporary name for `name`: hidden and suffixed, so a directory listing never mistakes it.
std::string temp_name(std::string_view name) { return fmt::format(".{}{}", name, temp_suffix); }

bool is_temp_name(std::string_view name) {
  return name.size() > 1 + temp_suffix.size() && name.front() == '.' && name.ends_with(temp_suffix);
}

// A name must be a plain file name: no path separators, no "." or "..".
bool is_plain_name(std::string_view name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

class fd_guard {
 public:
  explicit fd_guard(int fd) noexcept : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Removes the temporary files a crash left behind.
void remove_stale_temps(int dir_fd) {
  const int dup_fd = ::dup(dir_fd);
  if (dup_fd < 0) return;
  DIR* dir = ::fdopendir(dup_fd);
  if (dir == nullptr) {
    ::close(dup_fd);
    return;
  }
  while (const dirent* entry = ::readdir(dir)) {
    if (is_temp_name(entry->d_name)) ::unlinkat(dir_fd, entry->d_name, 0);
  }
  ::closedir(dir);
}

}  // namespace

state_directory::state_directory(std::filesystem::path path, int dir_fd, int lock_fd) noexcept
    : path_(std::move(path)), dir_fd_(dir_fd), lock_fd_(lock_fd) {}

state_directory::state_directory(state_directory&& other) noexcept
    : path_(std::move(other.path_)),
      dir_fd_(std::exchange(other.dir_fd_, -1)),
      lock_fd_(std::exchange(other.lock_fd_, -1)),
      write_mutex_(std::move(other.write_mutex_)) {}

state_directory& state_directory::operator=(state_directory&& other) noexcept {
  if (this != &other) {
    close();
    path_ = std::move(other.path_);
    dir_fd_ = std::exchange(other.dir_fd_, -1);
    lock_fd_ = std::exchange(other.lock_fd_, -1);
    write_mutex_ = std::move(other.write_mutex_);
  }
  return *this;
}

state_directory::~state_directory() { close(); }

void state_directory::close() noexcept {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
  if (dir_fd_ >= 0) ::close(dir_fd_);
  lock_fd_ = dir_fd_ = -1;
}

api_result<state_directory> state_directory::open(const std::filesystem::path& path) {
  const auto unusable = [&](std::string_view what, int err) {
    return make_error(errc::state_dir_unusable,
                      fmt::format("state directory {}: {}: {}", path.string(), what, errno_text(err)));
  };
  const bool created = ::mkdir(path.c_str(), 0700) == 0;
  if (!created && errno != EEXIST) return unusable("cannot create it", errno);
  if (created) {
    // The new directory's own entry must be durable too, or a power loss can take it, and every
    // file acknowledged in it, away.
    const auto parent = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    fd_guard parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (parent_fd.get() < 0 || ::fsync(parent_fd.get()) != 0) return unusable("cannot fsync its parent", errno);
  }

  fd_guard dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return unusable("cannot open it", errno);

  fd_guard lock(::openat(dir.get(), std::string(lock_name).c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (lock.get() < 0) return unusable("cannot open its lock file", errno);
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return make_error(errc::state_locked,
                        fmt::format("state directory {} is in use by another process (it holds {}/{})",
                                    path.string(), path.string(), lock_name));
    }
    return unusable("cannot lock it", errno);
  }
  remove_stale_temps(dir.get());
  return state_directory(path, dir.release(), lock.release());
}

api_result<std::optional<std::string>> state_directory::read(std::string_view name, std::size_t max_size) const {
  const auto file_path = (path_ / name).string();
  const auto unreadable = [&](std::string_view what) {
    return make_error(errc::state_unreadable, fmt::format("state file {}: {}", file_path, what));
  };
  if (!is_plain_name(name)) return unreadable("not a plain file name");

  fd_guard fd(::openat(dir_fd_, std::string(name).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return unreadable(fmt::format("cannot open it: {}", errno_text(errno)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return unreadable(fmt::format("cannot stat it: {}", errno_text(errno)));
  if (!S_ISREG(st.st_mode)) return unreadable("not a regular file");
  if (static_cast<std::size_t>(st.st_size) > max_size) {
    return unreadable(fmt::format("{} bytes, more than the {} allowed", st.st_size, max_size));
  }

  std::string contents;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return unreadable(fmt::format("read failed: {}", errno_text(errno)));
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<std::size_t>(n));
    if (contents.size() > max_size) return unreadable(fmt::format("more than the {} bytes allowed", max_size));
  }
  return std::optional<std::string>(std::move(contents));
}

api_result<void> state_directory::write(std::string_view name, std::string_view contents) {
  const auto file_path = (path_ / name).string();
  const auto failed = [&](std::string_view what, int err) {
    return make_error(errc::state_write_failed,
                      fmt::format("state file {}: {}: {}", file_path, what, errno_text(err)));
  };
  if (!is_plain_name(name) || name == lock_name || is_temp_name(name)) {
    return make_error(errc::state_write_failed, fmt::format("state file {}: not a usable file name", file_path));
  }
  const std::string temp = temp_name(name);
  std::lock_guard lock(*write_mutex_);  // one writer at a time: the temporary name is per file

  fd_guard fd(::openat(dir_fd_, temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) return failed("cannot create the temporary file", errno);
  if (!write_all(fd.get(), contents)) {
    const int err = errno;
    ::unlinkat(dir_fd_, temp.c_str(), 0);
    return failed("cannot write the temporary file", err);
  }
  if (::fsync(fd.get()) != 0) {
    const int err = errno;
    ::unlinkat(dir_fd_, temp.c_str(), 0);
    return failed("cannot fsync the temporary file", err);
  }
  if (::close(fd.release()) != 0) {
    const int err = errno;
    ::unlinkat(dir_fd_, temp.c_str(), 0);
    return failed("cannot close the temporary file", err);
  }
  if (::renameat(dir_fd_, temp.c_str(), dir_fd_, std::string(name).c_str()) != 0) {
    const int err = errno;
    ::unlinkat(dir_fd_, temp.c_str(), 0);
    return failed("cannot rename the temporary file into place", err);
  }
  // The rename is durable only once the directory entry is.
  if (::fsync(dir_fd_) != 0) return failed("cannot fsync the state directory", errno);
  return boost::outcome_v2::success();
}

}  // namespace ocsp
