// The UNIX-socket adapter's identity map (ocsp/unix/peer_roles.hpp): "UID=ROLE" parsing, and the
// uid -> principal function the server asks for each socket peer.
#include <ocsp/unix/peer_roles.hpp>

#include <catch2/catch.hpp>

#include <pwd.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using ocsp::role;
using ocsp::unix_socket::make_uid_mapper;
using ocsp::unix_socket::parse_uid_role;

// Two uids that are neither this process's nor root's.
std::uint32_t other_uid(int which) {
  const auto self = static_cast<std::uint32_t>(::geteuid());
  std::uint32_t uid = 40000 + static_cast<std::uint32_t>(which);
  if (uid == self) uid += 100;
  return uid;
}

}  // namespace

TEST_CASE("peer_roles: parse_uid_role: a numeric uid and a role", "[peer_roles]") {
  std::string error;
  const auto parsed = parse_uid_role("1001=db_viewer", error);
  REQUIRE(parsed.has_value());
  CHECK(parsed->uid == 1001);
  CHECK(parsed->role == role::db_viewer);
  CHECK(error.empty());

  const auto zero = parse_uid_role("0=admin", error);
  REQUIRE(zero.has_value());
  CHECK(zero->uid == 0);
  CHECK(zero->role == role::admin);

  const auto largest = parse_uid_role("4294967294=cluster_viewer", error);
  REQUIRE(largest.has_value());
  CHECK(largest->uid == 4294967294u);
  CHECK(largest->role == role::cluster_viewer);
}

TEST_CASE("peer_roles: parse_uid_role: every role of the contract by its name", "[peer_roles]") {
  for (const role r : ocsp::all_roles()) {
    std::string error;
    const std::string text = "7=" + std::string(ocsp::to_string(r));
    const auto parsed = parse_uid_role(text, error);
    INFO(text << ": " << error);
    REQUIRE(parsed.has_value());
    CHECK(parsed->uid == 7);
    CHECK(parsed->role == r);
  }
}

TEST_CASE("peer_roles: parse_uid_role: an account name is looked up", "[peer_roles]") {
  std::string error;
  const auto root = parse_uid_role("root=db_member", error);
  INFO(error);
  REQUIRE(root.has_value());
  CHECK(root->uid == 0);
  CHECK(root->role == role::db_member);

  // This process's own account, when it has a name.
  if (const passwd* self = ::getpwuid(::geteuid()); self != nullptr && self->pw_name != nullptr) {
    const std::string name = self->pw_name;
    const auto mine = parse_uid_role(name + "=user_manager", error);
    INFO(name << ": " << error);
    REQUIRE(mine.has_value());
    CHECK(mine->uid == static_cast<std::uint32_t>(::geteuid()));
    CHECK(mine->role == role::user_manager);
  }
}

TEST_CASE("peer_roles: parse_uid_role: malformed entries name their fault", "[peer_roles]") {
  struct bad {
    const char* text;
    const char* says;  // a part of the error message
  };
  const std::vector<bad> cases = {
      {"", "UID=ROLE"},
      {"1001", "UID=ROLE"},
      {"=admin", "UID=ROLE"},
      {"1001=", "UID=ROLE"},
      {"1001=superuser", "unknown role \"superuser\""},
      {"1001=Admin", "unknown role"},
      {"1001=db_viewer=x", "unknown role"},
      {"1001= admin", "unknown role"},
      {"no-such-account-e2e=admin", "neither a uid nor an account"},
      {"-1=admin", "neither a uid nor an account"},
      {"12ab=admin", "neither a uid nor an account"},
      {"4294967295=admin", "out of range"},
      {"99999999999=admin", "out of range"},
      {"18446744073709551616=admin", "neither a uid nor an account"},
  };
  for (const bad& c : cases) {
    std::string error;
    const auto parsed = parse_uid_role(c.text, error);
    INFO("\"" << c.text << "\" -> " << error);
    CHECK_FALSE(parsed.has_value());
    CHECK_THAT(error, Catch::Contains(c.says));
  }
}

TEST_CASE("peer_roles: parse_uid_role: an unknown role's message lists the roles there are", "[peer_roles]") {
  std::string error;
  REQUIRE_FALSE(parse_uid_role("1001=root", error).has_value());
  for (const role r : ocsp::all_roles()) CHECK_THAT(error, Catch::Contains(std::string(ocsp::to_string(r))));
}

TEST_CASE("peer_roles: make_uid_mapper: own uid and root are admin, mapped uids their role, others nothing",
          "[peer_roles]") {
  const std::uint32_t viewer = other_uid(1), nobody_here = other_uid(2), roleless = other_uid(3);
  const auto map = make_uid_mapper({{viewer, role::db_viewer}, {roleless, role::none}});

  const auto self = map(static_cast<std::uint32_t>(::geteuid()));
  REQUIRE(self.has_value());
  CHECK(self->role == role::admin);
  CHECK_FALSE(self->user.empty());

  const auto root = map(0);
  REQUIRE(root.has_value());
  CHECK(root->role == role::admin);

  const auto mapped = map(viewer);
  REQUIRE(mapped.has_value());
  CHECK(mapped->role == role::db_viewer);
  CHECK(mapped->user == "uid:" + std::to_string(viewer));

  // Mapped to none is a principal (the router answers 403), as is an unmapped uid's nullopt.
  const auto none = map(roleless);
  REQUIRE(none.has_value());
  CHECK(none->role == role::none);

  CHECK_FALSE(map(nobody_here).has_value());
  CHECK_FALSE(map(4294967294u).has_value());
}

TEST_CASE("peer_roles: make_uid_mapper: the map cannot demote this process's uid or root", "[peer_roles]") {
  const auto self = static_cast<std::uint32_t>(::geteuid());
  const auto map = make_uid_mapper({{self, role::db_viewer}, {0, role::none}});
  const auto mine = map(self);
  REQUIRE(mine.has_value());
  CHECK(mine->role == role::admin);
  const auto root = map(0);
  REQUIRE(root.has_value());
  CHECK(root->role == role::admin);
}

TEST_CASE("peer_roles: make_uid_mapper: an empty map is the default identity", "[peer_roles]") {
  const auto map = make_uid_mapper({});
  for (const std::uint32_t uid : {static_cast<std::uint32_t>(::geteuid()), 0u, other_uid(4), 65534u}) {
    const auto ours = map(uid);
    const auto theirs = ocsp::http::default_unix_identity(uid);
    INFO("uid " << uid);
    REQUIRE(ours.has_value() == theirs.has_value());
    if (ours) {
      CHECK(ours->role == theirs->role);
      CHECK(ours->user == theirs->user);
    }
  }
}

TEST_CASE("peer_roles: make_uid_mapper: the mapper keeps its own copy of the map", "[peer_roles]") {
  std::map<std::uint32_t, role> roles{{other_uid(5), role::cluster_member}};
  const auto map = make_uid_mapper(roles);
  roles.clear();
  roles[other_uid(6)] = role::admin;
  const auto kept = map(other_uid(5));
  REQUIRE(kept.has_value());
  CHECK(kept->role == role::cluster_member);
  CHECK_FALSE(map(other_uid(6)).has_value());
}
