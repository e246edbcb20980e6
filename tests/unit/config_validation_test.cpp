// PUT /v1/ocsp bodies, table-driven: each row is sent through the router to a service over a real
// file store, and the test asserts the HTTP status, the error_code, and that the stored
// configuration (in memory and on disk) changed exactly as the row says, or not at all.
#include "support.hpp"

#include <ocsp/config_json.hpp>
#include <ocsp/router.hpp>

#include <simdjson.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

using ocsp::config_patch;
using ocsp::ocsp_config;

enum class cert_kind { with_aia, without_aia, none };

struct put_case {
  std::string name;
  std::string body;
  unsigned status;
  std::string error_code;              // "" for success
  std::optional<config_patch> change;  // success: what changes relative to the base config
  std::string mentions = {};           // a field name the error message must name
  cert_kind cert = cert_kind::with_aia;
  std::optional<ocsp_config> start = std::nullopt;  // the stored configuration before; `base` if unset
};

constexpr const char* url = "http://127.0.0.1:18080/ocsp";

// A base configuration that differs from the defaults in every field, so that a row that resets
// a field to its default is visible as a change.
const ocsp_config base{true, 1800, 120, 10, 5};
// The same, disabled: enabling is the transition from false to true.
const ocsp_config base_disabled{false, 1800, 120, 10, 5};

put_case ok(std::string name, std::string body, config_patch change) {
  return {std::move(name), std::move(body), 200, "", change};
}
put_case schema(std::string name, std::string body, std::string mentions = {}) {
  return {std::move(name), std::move(body), 400, "invalid_schema", std::nullopt, std::move(mentions)};
}

std::vector<put_case> cases() {
  std::vector<put_case> c{
      // Valid bodies.
      ok("empty object is a no-op", "{}", {}),
      ok("empty object with whitespace", " \n\t{ }\r\n ", {}),
      ok("disable", R"({"ocsp_functionality":false})", {.ocsp_functionality = false}),
      ok("enable (already enabled)", R"({"ocsp_functionality":true})", {.ocsp_functionality = true}),
      ok("query_frequency minimum", R"({"query_frequency":60})", {.query_frequency = 60}),
      ok("query_frequency maximum", R"({"query_frequency":86400})", {.query_frequency = 86400}),
      ok("recovery_frequency minimum", R"({"recovery_frequency":60})", {.recovery_frequency = 60}),
      ok("recovery_frequency maximum", R"({"recovery_frequency":86400})", {.recovery_frequency = 86400}),
      ok("recovery_max_tries minimum", R"({"recovery_max_tries":1})", {.recovery_max_tries = 1}),
      ok("recovery_max_tries maximum", R"({"recovery_max_tries":100})", {.recovery_max_tries = 100}),
      ok("response_timeout minimum", R"({"response_timeout":1})", {.response_timeout = 1}),
      ok("response_timeout maximum", R"({"response_timeout":60})", {.response_timeout = 60}),
      ok("the seed's example body",
         R"({"ocsp_functionality": true, "query_frequency": 3800, "response_timeout": 2, "recovery_frequency": 80, "recovery_max_tries": 20})",
         {true, 3800, 80, 20, 2}),
      ok("responder_url equal to the certificate's is accepted",
         std::string(R"({"responder_url":")") + url + R"(","query_frequency":900})", {.query_frequency = 900}),
      ok("GET output edited and PUT back round-trips",
         std::string(R"({"ocsp_functionality":false,"query_frequency":3600,"recovery_frequency":60,"recovery_max_tries":5,"responder_url":")") +
             url + R"(","response_timeout":1})",
         {false, 3600, 60, 5, 1}),
      ok("escaped key equals its unescaped name", R"({"query\u005ffrequency":120})", {.query_frequency = 120}),
      ok("every key escaped",
         R"({"\u006fcsp_functionality":false,"query\u005ffrequency":120,"recovery\u005Ffrequency":90,)"
         R"("recovery_max_trie\u0073":3,"response\u005ftimeout":5})",
         {false, 120, 90, 3, 5}),
      ok("escaped responder_url key", std::string(R"({"responder\u005furl":")") + url + R"(","query_frequency":900})",
         {.query_frequency = 900}),
      ok("whitespace everywhere", "{ \"recovery_max_tries\" :\n 42 \t}", {.recovery_max_tries = 42}),
      ok("explicit positive exponent-free integer", R"({"response_timeout":30})", {.response_timeout = 30}),

      // Malformed JSON.
      schema("empty body", ""),
      schema("whitespace only", "   \n"),
      schema("unterminated object", "{"),
      schema("missing value", R"({"query_frequency":})"),
      schema("trailing comma", R"({"query_frequency":120,})"),
      schema("single quotes", "{'query_frequency':120}"),
      schema("bare words", "not json"),
      schema("leading zero", R"({"query_frequency":0120})"),
      schema("missing comma", R"({"query_frequency":120 "response_timeout":2})"),
      schema("unquoted key", R"({query_frequency:120})"),
      schema("raw control character in a string", "{\"responder_url\":\"a\x01b\"}"),
      schema("invalid UTF-8 in a key", "{\"\xff\":1}"),
      schema("truncated true", R"({"ocsp_functionality":tru})"),

      // Not an object, or content after it.
      schema("array", "[]"),
      schema("array holding an object", R"([{"query_frequency":120}])"),
      schema("number", "120"),
      schema("string", R"("query_frequency")"),
      schema("null", "null"),
      schema("boolean", "true"),
      schema("extra closing brace", R"({"query_frequency":120}})"),
      schema("second object", R"({"query_frequency":120} {"query_frequency":130})"),
      schema("trailing garbage", R"({"query_frequency":120} x)"),
      schema("trailing comma after object", R"({},)"),

      // Unknown and duplicate keys.
      schema("unknown key", R"({"foo":1})", "foo"),
      schema("key in the wrong case", R"({"Query_Frequency":120})", "Query_Frequency"),
      schema("key with trailing space", R"({"query_frequency ":120})"),
      schema("a status field is not a config field", R"({"cert_status":"GOOD"})", "cert_status"),
      schema("unknown key after valid ones", R"({"query_frequency":120,"enabled":true})", "enabled"),
      schema("duplicate key", R"({"query_frequency":120,"query_frequency":120})", "query_frequency"),
      schema("duplicate key through an escape", R"({"query_frequency":120,"query\u005ffrequency":130})", "query_frequency"),
      schema("duplicate key, the escaped one first", R"({"query\u005ffrequency":120,"query_frequency":130})",
             "query_frequency"),
      schema("duplicate key, both escaped", R"({"query\u005ffrequency":120,"\u0071uery_frequency":130})",
             "query_frequency"),
      schema("escaped unknown key is named unescaped", R"({"fo\u006f":1})", "foo"),
      schema("known name with a character more", R"({"query_frequencyx":1})", "query_frequencyx"),
      schema("known name with a character less", R"({"query_frequenc":1})", "query_frequenc"),
      schema("known name but the last character", R"({"recovery_frequencz":1})", "recovery_frequencz"),
      schema("known name then an escaped quote", R"({"query_frequency\"":1})", "query_frequency"),
      schema("known name then an escaped backslash", R"({"query_frequency\\":1})", "query_frequency"),
      schema("empty key", R"({"":1})"),
      schema("format is a state-file field only", R"({"format":1})", "format"),
      schema("invalid escape in a key", R"({"query\x_frequency":1})"),
      schema("invalid unicode escape in a key", R"({"query\u00zzfrequency":1})"),
      schema("key cut short", R"({"query_frequency)"),
      schema("duplicate boolean", R"({"ocsp_functionality":true,"ocsp_functionality":false})", "ocsp_functionality"),
      schema("duplicate responder_url",
             std::string(R"({"responder_url":")") + url + R"(","responder_url":")" + url + R"("})", "responder_url"),

      // Wrong types.
      schema("string where an integer belongs", R"({"query_frequency":"3600"})", "query_frequency"),
      schema("float where an integer belongs", R"({"query_frequency":3600.0})", "query_frequency"),
      schema("fraction where an integer belongs", R"({"recovery_frequency":90.5})", "recovery_frequency"),
      schema("exponent where an integer belongs", R"({"query_frequency":1e3})", "query_frequency"),
      schema("boolean where an integer belongs", R"({"recovery_max_tries":true})", "recovery_max_tries"),
      schema("null where an integer belongs", R"({"response_timeout":null})", "response_timeout"),
      schema("array where an integer belongs", R"({"query_frequency":[3600]})", "query_frequency"),
      schema("object where an integer belongs", R"({"query_frequency":{"value":3600}})", "query_frequency"),
      schema("number where a boolean belongs", R"({"ocsp_functionality":1})", "ocsp_functionality"),
      schema("zero where a boolean belongs", R"({"ocsp_functionality":0})", "ocsp_functionality"),
      schema("string where a boolean belongs", R"({"ocsp_functionality":"true"})", "ocsp_functionality"),
      schema("null where a boolean belongs", R"({"ocsp_functionality":null})", "ocsp_functionality"),
      schema("null responder_url", R"({"responder_url":null})", "responder_url"),
      schema("number responder_url", R"({"responder_url":1})", "responder_url"),

      // Out of range, both ends of every field.
      schema("query_frequency below", R"({"query_frequency":59})", "query_frequency"),
      schema("query_frequency above", R"({"query_frequency":86401})", "query_frequency"),
      schema("recovery_frequency below", R"({"recovery_frequency":59})", "recovery_frequency"),
      schema("recovery_frequency above", R"({"recovery_frequency":86401})", "recovery_frequency"),
      schema("recovery_max_tries below", R"({"recovery_max_tries":0})", "recovery_max_tries"),
      schema("recovery_max_tries above", R"({"recovery_max_tries":101})", "recovery_max_tries"),
      schema("response_timeout below", R"({"response_timeout":0})", "response_timeout"),
      schema("response_timeout above", R"({"response_timeout":61})", "response_timeout"),
      schema("negative", R"({"query_frequency":-3600})", "query_frequency"),
      schema("negative zero", R"({"response_timeout":-0})", "response_timeout"),
      schema("beyond 64 bits", R"({"query_frequency":99999999999999999999})", "query_frequency"),
      schema("beyond int64 but within uint64", R"({"query_frequency":18446744073709551615})", "query_frequency"),
      schema("below int64", R"({"query_frequency":-9223372036854775809})", "query_frequency"),

      // responder_url is read-only.
      schema("different responder_url", R"({"responder_url":"http://evil.example/ocsp"})", "responder_url"),
      schema("empty responder_url while the certificate has one", R"({"responder_url":""})", "responder_url"),

      // Atomicity: one bad field rejects the whole body, including the good fields before it.
      schema("valid then out of range", R"({"query_frequency":120,"response_timeout":0})", "response_timeout"),
      schema("valid then unknown", R"({"ocsp_functionality":false,"foo":1})", "foo"),
      schema("valid then malformed", R"({"query_frequency":120,"recovery_frequency":})"),
  };

  // No responder URL in the certificate.
  c.push_back({"enable without a responder URL", R"({"ocsp_functionality":true})", 400, "no_responder_url",
               std::nullopt, "", cert_kind::without_aia, base_disabled});
  c.push_back({"enable with other fields, without a responder URL", R"({"ocsp_functionality":true,"query_frequency":120})",
               400, "no_responder_url", std::nullopt, "", cert_kind::without_aia, base_disabled});
  c.push_back({"enable with no certificate at all", R"({"ocsp_functionality":true})", 400, "no_responder_url",
               std::nullopt, "", cert_kind::none, base_disabled});
  c.push_back({"schema errors come before no_responder_url", R"({"ocsp_functionality":true,"query_frequency":1})",
               400, "invalid_schema", std::nullopt, "query_frequency", cert_kind::without_aia, base_disabled});
  c.push_back({"true while already enabled is not enabling (GET -> edit -> PUT after a certificate swap)",
               R"({"ocsp_functionality":true,"responder_url":"","query_frequency":900})", 200, "",
               config_patch{.query_frequency = 900}, "", cert_kind::without_aia});
  c.push_back({"enable with a responder URL", R"({"ocsp_functionality":true})", 200, "",
               config_patch{.ocsp_functionality = true}, "", cert_kind::with_aia, base_disabled});
  c.push_back(schema("body over 64 KiB", "{\"query_frequency\":120" + std::string(70000, ' ') + "}"));
  c.push_back({"disable without a responder URL is fine", R"({"ocsp_functionality":false})", 200, "",
               config_patch{.ocsp_functionality = false}, "", cert_kind::without_aia});
  c.push_back({"other fields without a responder URL are fine", R"({"query_frequency":700})", 200, "",
               config_patch{.query_frequency = 700}, "", cert_kind::without_aia});
  c.push_back({"empty responder_url matches a certificate without one", R"({"responder_url":"","query_frequency":700})",
               200, "", config_patch{.query_frequency = 700}, "", cert_kind::without_aia});
  return c;
}

std::string json_string_field(const std::string& json, const char* key) {
  simdjson::dom::parser parser;
  std::string_view value;
  if (parser.parse(json).get_object()[key].get(value)) return "<absent>";
  return std::string(value);
}

}  // namespace

TEST_CASE("PUT /v1/ocsp: table of bodies", "[validation][put]") {
  const auto all = cases();
  REQUIRE(all.size() >= 50);
  const auto with_aia = ocsp_test::load_pki_cert("proxy");
  const auto without_aia = ocsp_test::load_pki_cert("proxy-noaia");
  REQUIRE(with_aia->responder_url() == url);

  for (const put_case& row : all) {
    DYNAMIC_SECTION(row.name) {
      INFO("body: " << row.body);
      ocsp_test::temp_dir dir;
      std::shared_ptr<ocsp::state_directory> state;
      {
        auto opened = ocsp::state_directory::open(dir.path());
        REQUIRE(opened);
        state = std::make_shared<ocsp::state_directory>(std::move(opened).value());
      }
      auto store = std::make_shared<ocsp::file_config_store>(state);
      const ocsp_config start = row.start.value_or(base);
      REQUIRE(store->save(start));
      const std::string file_before = ocsp_test::read_text(dir / "ocsp-config.json");

      auto svc = ocsp_test::make_service({
          .store = store,
          .certificate = row.cert == cert_kind::with_aia      ? with_aia
                         : row.cert == cert_kind::without_aia ? without_aia
                                                              : nullptr,
      });
      const ocsp::router router(*svc);
      const auto res = router.handle({"PUT", "/v1/ocsp", &ocsp_test::admin(), row.body});
      INFO("response: " << res.status << " " << res.body);

      CHECK(res.status == row.status);
      CHECK(res.header_value("Content-Type") == "application/json");
      if (row.error_code.empty()) {
        const ocsp_config expected = ocsp::apply(start, *row.change);
        CHECK(svc->config() == expected);
        auto stored = store->load();
        REQUIRE(stored);
        CHECK(stored.value() == expected);
        // The answer is the full updated object.
        const std::string expected_url = row.cert == cert_kind::with_aia ? url : "";
        CHECK(res.body == ocsp::to_json(ocsp::config_object{expected, expected_url}));
        if (expected == start) CHECK(ocsp_test::read_text(dir / "ocsp-config.json") == file_before);
      } else {
        CHECK(json_string_field(res.body, "error_code") == row.error_code);
        CHECK(json_string_field(res.body, "message") == json_string_field(res.body, "description"));
        if (!row.mentions.empty()) CHECK_THAT(json_string_field(res.body, "message"), Catch::Contains(row.mentions));
        // Nothing changed, in memory or on disk.
        CHECK(svc->config() == start);
        CHECK(ocsp_test::read_text(dir / "ocsp-config.json") == file_before);
      }
    }
  }
}

TEST_CASE("parse_config_patch: the patch holds exactly the fields given", "[validation]") {
  auto patch = ocsp::parse_config_patch(R"({"recovery_frequency":61,"ocsp_functionality":false})", "");
  REQUIRE(patch);
  const config_patch& got = patch.value();
  CHECK(got.ocsp_functionality == std::optional<bool>(false));
  CHECK(got.recovery_frequency == std::optional<std::int64_t>(61));
  CHECK_FALSE(got.query_frequency.has_value());
  CHECK_FALSE(got.recovery_max_tries.has_value());
  CHECK_FALSE(got.response_timeout.has_value());

  auto empty = ocsp::parse_config_patch("{}", "");
  REQUIRE(empty);
  const config_patch& none = empty.value();
  CHECK_FALSE(none.ocsp_functionality.has_value());
  CHECK_FALSE(none.query_frequency.has_value());
}

TEST_CASE("parse_config_patch: escaped and plain keys are the same key", "[validation]") {
  // Keys written plainly are matched in place, escaped ones after unescaping: both must reach
  // the same field, and count as the same key for duplicates.
  const std::vector<std::pair<std::string, config_patch>> same{
      {R"({"query_frequency":120})", {.query_frequency = 120}},
      {R"({"query\u005ffrequency":120})", {.query_frequency = 120}},
      {R"({"\u0071\u0075\u0065\u0072\u0079\u005f\u0066\u0072\u0065\u0071\u0075\u0065\u006e\u0063\u0079":120})",
       {.query_frequency = 120}},
      {R"({"ocsp_functionalit\u0079":true})", {.ocsp_functionality = true}},
      {R"({"response_timeout":7,"recovery\u005fmax_tries":9})", {.recovery_max_tries = 9, .response_timeout = 7}},
  };
  for (const auto& [body, expected] : same) {
    INFO("body: " << body);
    auto r = ocsp::parse_config_patch(body, "");
    REQUIRE(r);
    CHECK(r.value() == expected);
  }
  for (const char* body : {R"({"ocsp_functionality":true,"ocsp\u005ffunctionality":true})",
                           R"({"responder_url":"","responder\u005furl":""})",
                           R"({"\u0072esponse_timeout":1,"response_timeout":1})"}) {
    INFO("body: " << body);
    auto r = ocsp::parse_config_patch(body, "");
    REQUIRE_FALSE(r);
    CHECK(r.error().ocsp_code() == ocsp::errc::invalid_schema);
    CHECK_THAT(r.error().message, Catch::Contains("duplicate"));
  }
}

TEST_CASE("parse_config_patch: small and large bodies are read alike", "[validation]") {
  // Around and far above the size up to which the body is copied to the stack rather than the heap.
  const std::vector<std::size_t> sizes{900, 1000, 1023, 1024, 1025, 1100, 4096, ocsp::max_config_body};
  for (const std::size_t size : sizes) {
    const std::string head = R"({"query_frequency":120)";
    std::string valid = head + std::string(size - head.size() - 1, ' ') + "}";
    REQUIRE(valid.size() == size);
    INFO("size: " << size);
    auto r = ocsp::parse_config_patch(valid, "");
    REQUIRE(r);
    CHECK(r.value() == config_patch{.query_frequency = 120});

    std::string trailing = valid;  // "... } x", the same size
    trailing[size - 3] = '}';
    trailing[size - 1] = 'x';
    auto t = ocsp::parse_config_patch(trailing, "");
    REQUIRE_FALSE(t);
    CHECK(t.error().ocsp_code() == ocsp::errc::invalid_schema);

    std::string cut = valid.substr(0, size - 1);  // no closing brace
    auto c = ocsp::parse_config_patch(cut, "");
    REQUIRE_FALSE(c);
    CHECK(c.error().ocsp_code() == ocsp::errc::invalid_schema);
  }
}

TEST_CASE("parse_config_patch: messages quote hostile input safely and briefly", "[validation]") {
  const std::string long_key(5000, 'k');
  auto r = ocsp::parse_config_patch("{\"" + long_key + "\":1}", "");
  REQUIRE_FALSE(r);
  CHECK(r.error().ocsp_code() == ocsp::errc::invalid_schema);
  CHECK(r.error().message.size() < 400);

  auto ctl = ocsp::parse_config_patch(R"({"a\nb\u0000c":1})", "");
  REQUIRE_FALSE(ctl);
  CHECK(ctl.error().message.find('\n') == std::string::npos);
  CHECK(ctl.error().message.find('\0') == std::string::npos);
}

TEST_CASE("parse_config_patch: agrees with simdjson's DOM parser on what is JSON", "[validation]") {
  // Whatever the DOM parser rejects as JSON, the validator must reject too.
  const std::vector<std::string> bodies{
      "{", "}", "{]", R"({"a":1]})", R"({"query_frequency":120,,"x":1})", R"({"query_frequency":+1})",
      R"({"query_frequency":.5})", R"({"query_frequency":1.})", R"({"query_frequency":0x10})",
      R"({"ocsp_functionality":True})", R"({"query_frequency":120}])", "{\"query_frequency\":120}\x01",
      R"({"responder_url":"\x"})", R"({"responder_url":"\u12"})", "{\"responder_url\":\"\xc3\x28\"}"};
  simdjson::dom::parser dom;
  for (const auto& body : bodies) {
    INFO("body: " << body);
    const bool dom_accepts = !dom.parse(body).error();
    CHECK_FALSE(dom_accepts);
    auto r = ocsp::parse_config_patch(body, "");
    CHECK_FALSE(r);
    if (!r) CHECK(r.error().ocsp_code() == ocsp::errc::invalid_schema);
  }
}

TEST_CASE("typed put_config applies the same range rules", "[validation][put]") {
  auto svc = ocsp_test::make_service({.certificate = ocsp_test::load_pki_cert("proxy")});
  const ocsp_config before = svc->config();

  auto bad = svc->put_config(ocsp_test::admin(), config_patch{.query_frequency = 120, .response_timeout = 0});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().ocsp_code() == ocsp::errc::invalid_schema);
  CHECK_THAT(bad.error().message, Catch::Contains("response_timeout"));
  CHECK(svc->config() == before);

  auto good = svc->put_config(ocsp_test::admin(), config_patch{.ocsp_functionality = true, .query_frequency = 120});
  REQUIRE(good);
  CHECK(good.value().config.query_frequency == 120);
  CHECK(good.value().config.ocsp_functionality);
  CHECK(svc->config() == good.value().config);
}
