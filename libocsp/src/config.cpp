#include "ocsp/config.hpp"

#include "ocsp/json.hpp"

#include <fmt/format.h>

namespace ocsp {
namespace {

api_result<void> check_range(const integer_field& field, std::int64_t value) {
  if (value < field.min || value > field.max) {
    return make_error(errc::invalid_schema, fmt::format("{} must be an integer in [{}, {}], got {}", field.name,
                                                        field.min, field.max, value));
  }
  return boost::outcome_v2::success();
}

}  // namespace

api_result<void> check_ranges(const config_patch& patch) {
  for (const integer_field& field : integer_fields) {
    if (const auto& value = patch.*field.patch) {
      BOOST_OUTCOME_TRY(check_range(field, *value));
    }
  }
  return boost::outcome_v2::success();
}

api_result<void> check_ranges(const ocsp_config& config) {
  for (const integer_field& field : integer_fields) {
    BOOST_OUTCOME_TRY(check_range(field, config.*field.value));
  }
  return boost::outcome_v2::success();
}

ocsp_config apply(const ocsp_config& base, const config_patch& patch) noexcept {
  ocsp_config out = base;
  if (patch.ocsp_functionality) out.ocsp_functionality = *patch.ocsp_functionality;
  for (const integer_field& field : integer_fields) {
    if (const auto& value = patch.*field.patch) out.*field.value = *value;
  }
  return out;
}

std::string to_json(const config_object& object) {
  // Keys in alphabetical order.
  const ocsp_config& c = object.config;
  return json_object_writer{}
      .field("ocsp_functionality", c.ocsp_functionality)
      .field("query_frequency", c.query_frequency)
      .field("recovery_frequency", c.recovery_frequency)
      .field("recovery_max_tries", c.recovery_max_tries)
      .field("responder_url", object.responder_url)
      .field("response_timeout", c.response_timeout)
      .finish();
}

}  // namespace ocsp
