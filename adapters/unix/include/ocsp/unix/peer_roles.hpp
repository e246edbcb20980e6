// The UNIX-socket adapter: who a local caller is.
//
// The transport is the HTTP adapter's (`ocsp::http::server::listen_unix`: the same HTTP over an
// AF_UNIX stream socket, file mode 0660, so `curl --unix-socket` works). What this adapter adds is
// the identity: the kernel tells the server the peer's uid (SO_PEERCRED), and a `peer_roles` map
// turns it into a principal. This process's own uid and root are admin (they could read the state
// directory anyway); other uids get the role the map gives them; an unmapped uid is a principal
// with role none, which the router answers 403 (the contract's rule for unmapped uids).
#pragma once

#include "ocsp/http/server.hpp"
#include "ocsp/permissions.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ocsp::unix_socket {

/// One entry of the map: "UID=ROLE".
struct uid_role {
  std::uint32_t uid = 0;
  ocsp::role role = role::none;
};

/// Parses "UID=ROLE": UID is a decimal uid or an account name (looked up in the user database),
/// ROLE one of the contract's roles ("db_viewer", "admin", ...). nullopt with `error` naming the
/// fault (missing '=', unknown account, uid out of range, unknown role and the roles there are).
std::optional<uid_role> parse_uid_role(std::string_view text, std::string& error);

/// The identity function for `server_options::unix_identity`: this process's effective uid and
/// root are admin (as http::default_unix_identity), then `roles`, else nullopt (403).
http::uid_mapper make_uid_mapper(std::map<std::uint32_t, role> roles);

}  // namespace ocsp::unix_socket
