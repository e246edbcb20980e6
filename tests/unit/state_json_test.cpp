// The state-file form of the configuration: to_state_json / parse_state_json.
#include <ocsp/config.hpp>
#include <ocsp/config_json.hpp>
#include <ocsp/error.hpp>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

const std::array<std::string_view, 6> expected_keys{"format",          "ocsp_functionality", "query_frequency",
                                                   "recovery_frequency", "recovery_max_tries", "response_timeout"};

std::vector<ocsp::ocsp_config> sample_configs() {
  std::vector<ocsp::ocsp_config> configs;
  configs.push_back(ocsp::ocsp_config{});  // the defaults
  configs.push_back(ocsp::ocsp_config{true, 60, 60, 1, 1});  // every minimum
  configs.push_back(ocsp::ocsp_config{false, 86400, 86400, 100, 60});  // every maximum
  configs.push_back(ocsp::ocsp_config{true, 1234, 321, 42, 17});  // distinct values in every field
  return configs;
}

// A state-file body with the given key/raw-value pairs, in the order given.
std::string object_of(const std::vector<std::pair<std::string_view, std::string_view>>& fields) {
  std::string out = "{";
  for (const auto& [key, value] : fields) {
    if (out.size() > 1) out += ',';
    out += '"';
    out += key;
    out += "\":";
    out += value;
  }
  out += '}';
  return out;
}

std::vector<std::pair<std::string_view, std::string_view>> complete_fields() {
  return {{"format", "1"},
          {"ocsp_functionality", "true"},
          {"query_frequency", "120"},
          {"recovery_frequency", "90"},
          {"recovery_max_tries", "3"},
          {"response_timeout", "5"}};
}

}  // namespace

TEST_CASE("state_json: to_state_json and parse_state_json round-trip", "[state_json][config]") {
  for (const auto& config : sample_configs()) {
    const std::string text = ocsp::to_state_json(config);
    INFO("state json: " << text);
    const auto parsed = ocsp::parse_state_json(text);
    REQUIRE(parsed.has_value());
    CHECK(parsed.value() == config);
    // Writing what was read gives the same bytes: the form is canonical.
    CHECK(ocsp::to_state_json(parsed.value()) == text);
  }
}

TEST_CASE("state_json: distinct configurations give distinct state files", "[state_json][config]") {
  const auto configs = sample_configs();
  for (std::size_t i = 0; i < configs.size(); ++i) {
    for (std::size_t j = i + 1; j < configs.size(); ++j) {
      CHECK(ocsp::to_state_json(configs[i]) != ocsp::to_state_json(configs[j]));
    }
  }
}

TEST_CASE("state_json: keys are in alphabetical order and include format 1", "[state_json][config]") {
  for (const auto& config : sample_configs()) {
    const std::string text = ocsp::to_state_json(config);
    INFO("state json: " << text);
    simdjson::dom::parser parser;
    const simdjson::padded_string padded(text);
    simdjson::dom::element doc;
    REQUIRE(parser.parse(padded).get(doc) == simdjson::SUCCESS);
    simdjson::dom::object object;
    REQUIRE(doc.get_object().get(object) == simdjson::SUCCESS);

    std::vector<std::string> keys;
    for (const auto field : object) keys.emplace_back(field.key);
    CHECK(std::is_sorted(keys.begin(), keys.end()));
    REQUIRE(keys.size() == expected_keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) CHECK(keys[i] == expected_keys[i]);

    std::int64_t format = 0;
    REQUIRE(object["format"].get_int64().get(format) == simdjson::SUCCESS);
    CHECK(format == 1);

    bool functionality = !config.ocsp_functionality;
    REQUIRE(object["ocsp_functionality"].get_bool().get(functionality) == simdjson::SUCCESS);
    CHECK(functionality == config.ocsp_functionality);
    for (const auto& field : ocsp::integer_fields) {
      std::int64_t value = -1;
      REQUIRE(object[field.name].get_int64().get(value) == simdjson::SUCCESS);
      CHECK(value == config.*field.value);
    }
  }
}

TEST_CASE("state_json: a complete hand-written state file parses", "[state_json][config]") {
  const auto parsed = ocsp::parse_state_json(object_of(complete_fields()));
  REQUIRE(parsed.has_value());
  CHECK(parsed.value() == ocsp::ocsp_config{true, 120, 90, 3, 5});
}

TEST_CASE("state_json: escaped keys are the same keys", "[state_json][config]") {
  const auto parsed = ocsp::parse_state_json(object_of({{"form\\u0061t", "1"},
                                                        {"ocsp\\u005ffunctionality", "true"},
                                                        {"query_frequency", "120"},
                                                        {"recovery_frequency", "90"},
                                                        {"recovery_max_tries", "3"},
                                                        {"response\\u005ftimeout", "5"}}));
  REQUIRE(parsed.has_value());
  CHECK(parsed.value() == ocsp::ocsp_config{true, 120, 90, 3, 5});

  auto fields = complete_fields();
  fields.emplace_back("\\u0066ormat", "1");  // "format" a second time
  const auto duplicate = ocsp::parse_state_json(object_of(fields));
  REQUIRE_FALSE(duplicate.has_value());
  CHECK(duplicate.error().ocsp_code() == ocsp::errc::invalid_schema);
  CHECK_THAT(duplicate.error().message, Catch::Matchers::Contains("format"));
}

TEST_CASE("state_json: parse rejects each missing field", "[state_json][config]") {
  for (const auto missing : expected_keys) {
    std::vector<std::pair<std::string_view, std::string_view>> fields;
    for (const auto& field : complete_fields()) {
      if (field.first != missing) fields.push_back(field);
    }
    REQUIRE(fields.size() == expected_keys.size() - 1);
    const std::string text = object_of(fields);
    INFO("state json: " << text);
    const auto parsed = ocsp::parse_state_json(text);
    CHECK_FALSE(parsed.has_value());
    if (parsed) continue;  // reported; go on with the next field
    CHECK(parsed.error().ocsp_code() == ocsp::errc::invalid_schema);
    CHECK_THAT(parsed.error().message, Catch::Matchers::Contains(std::string(missing)));
  }
}

TEST_CASE("state_json: parse rejects what a state file never holds", "[state_json][config]") {
  const std::vector<std::pair<std::string_view, std::string>> bad{
      {"empty", ""},
      {"not an object", "[1]"},
      {"wrong format", object_of({{"format", "2"},
                                  {"ocsp_functionality", "true"},
                                  {"query_frequency", "120"},
                                  {"recovery_frequency", "90"},
                                  {"recovery_max_tries", "3"},
                                  {"response_timeout", "5"}})},
      {"responder_url (read-only, never stored)", object_of({{"format", "1"},
                                                              {"ocsp_functionality", "true"},
                                                              {"query_frequency", "120"},
                                                              {"recovery_frequency", "90"},
                                                              {"recovery_max_tries", "3"},
                                                              {"responder_url", "\"\""},
                                                              {"response_timeout", "5"}})},
      {"duplicate key", object_of({{"format", "1"},
                                   {"ocsp_functionality", "true"},
                                   {"query_frequency", "120"},
                                   {"query_frequency", "120"},
                                   {"recovery_frequency", "90"},
                                   {"recovery_max_tries", "3"},
                                   {"response_timeout", "5"}})},
      {"float", object_of({{"format", "1"},
                           {"ocsp_functionality", "true"},
                           {"query_frequency", "120.0"},
                           {"recovery_frequency", "90"},
                           {"recovery_max_tries", "3"},
                           {"response_timeout", "5"}})},
      {"out of range", object_of({{"format", "1"},
                                  {"ocsp_functionality", "true"},
                                  {"query_frequency", "120"},
                                  {"recovery_frequency", "90"},
                                  {"recovery_max_tries", "0"},
                                  {"response_timeout", "5"}})},
      {"trailing content", object_of(complete_fields()) + "{}"},
  };
  for (const auto& [label, text] : bad) {
    INFO(label << ": " << text);
    const auto parsed = ocsp::parse_state_json(text);
    CHECK_FALSE(parsed.has_value());
    if (parsed) continue;  // reported; go on with the next case
    CHECK(parsed.error().ocsp_code() == ocsp::errc::invalid_schema);
  }
}
