// The router: the role x request matrix, 401/404/405/406 and the order of the checks.
#include "support.hpp"

#include <ocsp/router.hpp>

#include <simdjson.h>

#include <array>
#include <string>
#include <vector>

namespace {

struct api_request {
  const char* method;
  const char* target;
  const char* body;
};

// The four requests of the API, with bodies that succeed for an admin.
constexpr std::array<api_request, 4> api_requests{{
    {"GET", "/v1/ocsp", ""},
    {"PUT", "/v1/ocsp", R"({"query_frequency":120})"},
    {"GET", "/v1/ocsp/status", ""},
    {"POST", "/v1/ocsp/test", ""},
}};

std::string error_code_of(const ocsp::response& r) {
  simdjson::dom::parser parser;
  std::string_view code;
  if (parser.parse(r.body).get_object()["error_code"].get(code)) return "<none>";
  return std::string(code);
}

ocsp::ocsp_status good_status() {
  ocsp::ocsp_status s;
  s.status = ocsp::cert_status::good;
  s.responder_url = "http://127.0.0.1:18080/ocsp";
  s.produced_at = s.this_update = std::chrono::sys_seconds(std::chrono::seconds(1640177411));
  return s;
}

struct fixture {
  std::shared_ptr<ocsp::static_node_registry> nodes =
      std::make_shared<ocsp::static_node_registry>(std::vector<ocsp::node_info>{{"node:1", {"ocsp"}}});
  std::unique_ptr<ocsp::service> svc = ocsp_test::make_service({
      .nodes = nodes,
      .certificate = ocsp_test::load_pki_cert("proxy"),
      .querier = std::make_shared<ocsp_test::fake_querier>(good_status()),
  });
  ocsp::router router{*svc};

  ocsp::response send(const api_request& r, const ocsp::principal* who) const {
    return router.handle({r.method, r.target, who, r.body});
  }
};

}  // namespace

TEST_CASE("router: role x request matrix", "[router][permissions]") {
  fixture f;
  int checked = 0;
  for (ocsp::role role : ocsp::all_roles()) {
    const ocsp::principal who{"user-" + std::string(ocsp::to_string(role)), role};
    for (const auto& req : api_requests) {
      INFO(ocsp::to_string(role) << " " << req.method << " " << req.target);
      const auto res = f.send(req, &who);
      if (role == ocsp::role::admin) {
        CHECK(res.status == 200);
      } else {
        CHECK(res.status == 403);
        CHECK(error_code_of(res) == "insufficient_permissions");
      }
      CHECK(res.header_value("Content-Type") == "application/json");
      ++checked;
    }
  }
  CHECK(checked == 28);

  for (const auto& req : api_requests) {
    INFO("unauthenticated " << req.method << " " << req.target);
    const auto res = f.send(req, nullptr);
    CHECK(res.status == 401);
    CHECK(error_code_of(res) == "unauthorized");
    CHECK(res.header_value("WWW-Authenticate") == "Basic realm=\"ocsp\"");
  }
}

TEST_CASE("router: a rejected request changes nothing", "[router][permissions]") {
  fixture f;
  const auto before = f.svc->config();
  const ocsp::principal viewer{"bob", ocsp::role::cluster_viewer};
  CHECK(f.send({"PUT", "/v1/ocsp", R"({"query_frequency":120})"}, &viewer).status == 403);
  CHECK(f.send({"PUT", "/v1/ocsp", R"({"query_frequency":120})"}, nullptr).status == 401);
  CHECK(f.svc->config() == before);
}

TEST_CASE("router: 406 on all four requests when one node lacks the ocsp capability", "[router][capability]") {
  fixture f;
  f.nodes->set_nodes({{"node:1", {"ocsp", "other"}}, {"node:2", {"other"}}, {"node:3", {"ocsp"}}});
  const auto before = f.svc->config();
  for (const auto& req : api_requests) {
    INFO(req.method << " " << req.target);
    const auto res = f.send(req, &ocsp_test::admin());
    CHECK(res.status == 406);
    CHECK(error_code_of(res) == "ocsp_unsupported_by_capability");
  }
  CHECK(f.svc->config() == before);

  // Once every node supports it, the same requests succeed.
  f.nodes->set_nodes({{"node:1", {"ocsp"}}, {"node:2", {"ocsp"}}});
  for (const auto& req : api_requests) CHECK(f.send(req, &ocsp_test::admin()).status == 200);
}

TEST_CASE("router: 404 for unknown paths, 405 with Allow for other methods", "[router]") {
  fixture f;
  for (const char* target : {"/", "", "/v1", "/v1/ocsp/", "/v1/ocspx", "/v2/ocsp", "/v1/ocsp/status/x", "/V1/OCSP",
                             "/v1/ocsp/test/", "v1/ocsp"}) {
    INFO("target " << target);
    const auto res = f.router.handle({"GET", target, &ocsp_test::admin(), ""});
    CHECK(res.status == 404);
    CHECK(error_code_of(res) == "not_found");
  }

  struct wrong_method {
    const char* method;
    const char* target;
    const char* allow;
  };
  for (const auto& w : std::vector<wrong_method>{{"POST", "/v1/ocsp", "GET, PUT"},
                                                 {"DELETE", "/v1/ocsp", "GET, PUT"},
                                                 {"get", "/v1/ocsp", "GET, PUT"},
                                                 {"HEAD", "/v1/ocsp", "GET, PUT"},
                                                 {"PUT", "/v1/ocsp/status", "GET"},
                                                 {"POST", "/v1/ocsp/status", "GET"},
                                                 {"GET", "/v1/ocsp/test", "POST"},
                                                 {"PATCH", "/v1/ocsp/test", "POST"},
                                                 {"", "/v1/ocsp", "GET, PUT"}}) {
    INFO(w.method << " " << w.target);
    const auto res = f.router.handle({w.method, w.target, &ocsp_test::admin(), ""});
    CHECK(res.status == 405);
    CHECK(error_code_of(res) == "method_not_allowed");
    CHECK(res.header_value("Allow") == w.allow);
  }
}

TEST_CASE("router: the query string is ignored", "[router]") {
  fixture f;
  CHECK(f.router.handle({"GET", "/v1/ocsp?pretty=1", &ocsp_test::admin(), ""}).status == 200);
  CHECK(f.router.handle({"GET", "/v1/ocsp/status?", &ocsp_test::admin(), ""}).status == 200);
}

TEST_CASE("router: checks run in the contract's order", "[router][order]") {
  fixture f;
  const ocsp::principal viewer{"carol", ocsp::role::db_viewer};

  // 401 before 404 and 405: unauthenticated callers learn nothing about paths.
  CHECK(f.router.handle({"GET", "/no/such/path", nullptr, ""}).status == 401);
  CHECK(f.router.handle({"DELETE", "/v1/ocsp", nullptr, ""}).status == 401);
  // 404/405 before 403.
  CHECK(f.router.handle({"GET", "/no/such/path", &viewer, ""}).status == 404);
  CHECK(f.router.handle({"DELETE", "/v1/ocsp", &viewer, ""}).status == 405);

  // 403 before 406.
  f.nodes->set_nodes({{"node:1", {}}});
  CHECK(f.router.handle({"GET", "/v1/ocsp", &viewer, ""}).status == 403);
  // 406 before 400: a bad body on an unsupported cluster is 406.
  const auto res = f.router.handle({"PUT", "/v1/ocsp", &ocsp_test::admin(), "{not json"});
  CHECK(res.status == 406);
  // ... and 400 once the cluster supports ocsp.
  f.nodes->set_nodes({{"node:1", {"ocsp"}}});
  CHECK(f.router.handle({"PUT", "/v1/ocsp", &ocsp_test::admin(), "{not json"}).status == 400);
}

namespace {
class failing_registry final : public ocsp::node_registry {
 public:
  ocsp::api_result<std::vector<ocsp::node_info>> nodes() const override {
    return ocsp::make_error(ocsp::errc::node_registry_unavailable, "registry down");
  }
};
}  // namespace

TEST_CASE("router: an unreadable node registry is a 500, not a guess", "[router][capability]") {
  auto svc = ocsp_test::make_service({.nodes = std::make_shared<failing_registry>()});
  const ocsp::router router(*svc);
  for (const auto& req : api_requests) {
    const auto res = router.handle({req.method, req.target, &ocsp_test::admin(), req.body});
    CHECK(res.status == 500);
    CHECK(error_code_of(res) == "internal_error");
  }
}

TEST_CASE("router: every response is compact JSON with the contract's error body", "[router]") {
  fixture f;
  const auto res = f.router.handle({"GET", "/v1/nothing", &ocsp_test::admin(), ""});
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  REQUIRE_FALSE(parser.parse(res.body).get(obj));
  std::vector<std::string> keys;
  for (auto field : obj) keys.emplace_back(field.key);
  CHECK(keys == std::vector<std::string>{"description", "error_code", "message"});
  // Compact: no whitespace between tokens.
  CHECK(res.body.rfind("{\"description\":\"", 0) == 0);
  CHECK(res.body.find("\",\"error_code\":\"not_found\",\"message\":\"") != std::string::npos);
  CHECK(res.body.find('\n') == std::string::npos);
  CHECK(res.header_value("Cache-Control") == "no-store");
}
