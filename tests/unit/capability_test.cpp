#include <ocsp/capability.hpp>

#include <catch2/catch.hpp>

TEST_CASE("capability: the single-node default supports ocsp", "[capability]") {
  const ocsp::single_node_registry single;
  auto supported = single.supported_by_all(ocsp::ocsp_capability);
  REQUIRE(supported);
  CHECK(supported.value());
  CHECK_FALSE(single.supported_by_all("redis_search").value());
  auto nodes = single.nodes();
  REQUIRE(nodes);
  REQUIRE(nodes.value().size() == 1);
  CHECK(nodes.value()[0].supports("ocsp"));
}

TEST_CASE("capability: every node must support it", "[capability]") {
  ocsp::static_node_registry reg({{"n1", {"ocsp"}}, {"n2", {"ocsp", "x"}}});
  CHECK(reg.supported_by_all("ocsp").value());
  CHECK_FALSE(reg.supported_by_all("x").value());

  reg.set_nodes({{"n1", {"ocsp"}}, {"n2", {"x"}}});
  CHECK_FALSE(reg.supported_by_all("ocsp").value());

  reg.set_nodes({});
  CHECK_FALSE(reg.supported_by_all("ocsp").value());  // an empty cluster supports nothing

  reg.set_nodes({{"n1", {"OCSP"}}});
  CHECK_FALSE(reg.supported_by_all("ocsp").value());  // names are exact
}
