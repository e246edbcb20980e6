// Roles, permissions and the table that joins them.
//
// The cluster manager's roles are fixed; each API request needs one permission, and a role holds a
// permission when the table says so. All four OCSP permissions belong to admin alone. The table is
// data: a new permission is one row.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ocsp {

enum class role { none, db_viewer, db_member, cluster_viewer, cluster_member, user_manager, admin };

enum class permission { view_ocsp_config, config_ocsp, view_ocsp_status, test_ocsp_status };

/// Every role, in the order above.
std::span<const role> all_roles() noexcept;
/// Every permission, in the order above.
std::span<const permission> all_permissions() noexcept;

std::string_view to_string(role r) noexcept;
std::string_view to_string(permission p) noexcept;
/// The role named `name` ("admin", "db_viewer", ...), or nullopt.
std::optional<role> parse_role(std::string_view name) noexcept;

/// Whether `r` holds `p`.
bool has_permission(role r, permission p) noexcept;

/// An authenticated caller: who it is (for logs) and the role that decides what it may do.
struct principal {
  std::string user;
  ocsp::role role = role::none;
};

}  // namespace ocsp
