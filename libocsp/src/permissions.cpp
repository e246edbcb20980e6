#include "ocsp/permissions.hpp"

#include <array>
#include <initializer_list>

namespace ocsp {
namespace {

constexpr std::array roles{role::none,           role::db_viewer,    role::db_member, role::cluster_viewer,
                           role::cluster_member, role::user_manager, role::admin};
constexpr std::array<std::string_view, roles.size()> role_names{
    "none", "db_viewer", "db_member", "cluster_viewer", "cluster_member", "user_manager", "admin"};

constexpr std::array permissions{permission::view_ocsp_config, permission::config_ocsp,
                                 permission::view_ocsp_status, permission::test_ocsp_status};

// The roles that hold a permission, as a bit set over `roles`.
using role_set = unsigned;
constexpr role_set roles_of(std::initializer_list<role> list) {
  role_set set = 0;
  for (role r : list) set |= 1U << static_cast<unsigned>(r);
  return set;
}

struct grant {
  permission perm;
  std::string_view name;
  role_set holders;
};

// The permissions table (vendor documentation: the OCSP permissions belong to admin alone).
constexpr std::array<grant, permissions.size()> grants{{
    {permission::view_ocsp_config, "view_ocsp_config", roles_of({role::admin})},
    {permission::config_ocsp, "config_ocsp", roles_of({role::admin})},
    {permission::view_ocsp_status, "view_ocsp_status", roles_of({role::admin})},
    {permission::test_ocsp_status, "test_ocsp_status", roles_of({role::admin})},
}};

constexpr const grant& grant_for(permission p) { return grants[static_cast<std::size_t>(p)]; }

static_assert([] {
  for (std::size_t i = 0; i < grants.size(); ++i) {
    if (static_cast<std::size_t>(grants[i].perm) != i) return false;
  }
  return true;
}(), "the grants table must list permissions in enum order");

}  // namespace

std::span<const role> all_roles() noexcept { return roles; }
std::span<const permission> all_permissions() noexcept { return permissions; }

std::string_view to_string(role r) noexcept {
  const auto i = static_cast<std::size_t>(r);
  return i < role_names.size() ? role_names[i] : std::string_view("invalid_role");
}
std::string_view to_string(permission p) noexcept {
  return static_cast<std::size_t>(p) < grants.size() ? grant_for(p).name : std::string_view("invalid_permission");
}

std::optional<role> parse_role(std::string_view name) noexcept {
  for (std::size_t i = 0; i < roles.size(); ++i) {
    if (role_names[i] == name) return roles[i];
  }
  return std::nullopt;
}

bool has_permission(role r, permission p) noexcept {
  // Values outside the enums (a cast from bad input) hold nothing.
  if (static_cast<std::size_t>(p) >= grants.size() || static_cast<std::size_t>(r) >= roles.size()) return false;
  return (grant_for(p).holders & (1U << static_cast<unsigned>(r))) != 0;
}

}  // namespace ocsp
