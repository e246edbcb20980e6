#include <ocsp/permissions.hpp>

#include <catch2/catch.hpp>

#include <set>
#include <string>

TEST_CASE("permissions: admin alone holds the four OCSP permissions", "[permissions]") {
  CHECK(ocsp::all_roles().size() == 7);
  CHECK(ocsp::all_permissions().size() == 4);
  int granted = 0;
  for (ocsp::role r : ocsp::all_roles()) {
    for (ocsp::permission p : ocsp::all_permissions()) {
      INFO(ocsp::to_string(r) << " / " << ocsp::to_string(p));
      CHECK(ocsp::has_permission(r, p) == (r == ocsp::role::admin));
      granted += ocsp::has_permission(r, p) ? 1 : 0;
    }
  }
  CHECK(granted == 4);
}

TEST_CASE("permissions: role and permission names", "[permissions]") {
  std::set<std::string> names;
  for (ocsp::role r : ocsp::all_roles()) {
    const auto name = ocsp::to_string(r);
    names.emplace(name);
    auto parsed = ocsp::parse_role(name);
    REQUIRE(parsed);
    CHECK(*parsed == r);
  }
  CHECK(names == std::set<std::string>{"none", "db_viewer", "db_member", "cluster_viewer", "cluster_member",
                                       "user_manager", "admin"});
  CHECK_FALSE(ocsp::parse_role("Admin"));
  CHECK_FALSE(ocsp::parse_role(""));
  CHECK_FALSE(ocsp::parse_role("root"));

  std::set<std::string> perms;
  for (ocsp::permission p : ocsp::all_permissions()) perms.emplace(ocsp::to_string(p));
  CHECK(perms == std::set<std::string>{"view_ocsp_config", "config_ocsp", "view_ocsp_status", "test_ocsp_status"});
}
