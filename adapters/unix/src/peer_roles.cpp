#include "ocsp/unix/peer_roles.hpp"

#include <pwd.h>
#include <unistd.h>

#include <charconv>
#include <limits>
#include <utility>
#include <vector>

namespace ocsp::unix_socket {
namespace {

std::string role_list() {
  std::string names;
  for (const role r : all_roles()) {
    if (!names.empty()) names += ", ";
    names += to_string(r);
  }
  return names;
}

std::optional<std::uint32_t> lookup_account(const std::string& name) {
  std::vector<char> buffer(16 * 1024);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || found == nullptr) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(found->pw_uid);
}

}  // namespace

std::optional<uid_role> parse_uid_role(std::string_view text, std::string& error) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) {
    error = "expected UID=ROLE (for example 1001=db_viewer), got \"" + std::string(text) + "\"";
    return std::nullopt;
  }
  const std::string_view who = text.substr(0, eq);
  const std::string_view role_name = text.substr(eq + 1);

  uid_role entry;
  std::uint64_t number = 0;
  const auto [end, ec] = std::from_chars(who.data(), who.data() + who.size(), number);
  if (ec == std::errc{} && end == who.data() + who.size()) {
    // uid_t is 32 bits; (uid_t)-1 means "no uid" to the kernel.
    if (number >= std::numeric_limits<std::uint32_t>::max()) {
      error = "uid " + std::string(who) + " is out of range";
      return std::nullopt;
    }
    entry.uid = static_cast<std::uint32_t>(number);
  } else if (auto uid = lookup_account(std::string(who))) {
    entry.uid = *uid;
  } else {
    error = "\"" + std::string(who) + "\" is neither a uid nor an account on this system";
    return std::nullopt;
  }

  const std::optional<role> r = parse_role(role_name);
  if (!r) {
    error = "unknown role \"" + std::string(role_name) + "\" (roles: " + role_list() + ")";
    return std::nullopt;
  }
  entry.role = *r;
  return entry;
}

http::uid_mapper make_uid_mapper(std::map<std::uint32_t, role> roles) {
  return [roles = std::move(roles)](std::uint32_t uid) -> std::optional<principal> {
    if (auto own = http::default_unix_identity(uid)) return own;
    const auto it = roles.find(uid);
    if (it == roles.end()) return std::nullopt;
    return principal{"uid:" + std::to_string(uid), it->second};
  };
}

}  // namespace ocsp::unix_socket
