// Pieces of the error messages of libocsp's strict JSON readers (the PUT body, the state file,
// the users file), so they all quote input and name JSON types the same way.
#pragma once

#include "ocsp/json.hpp"

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace ocsp::detail {

/// Bytes of caller or file input quoted back in a message.
inline constexpr std::size_t max_echo = 48;

/// Input quoted in a message: JSON-escaped (so control characters stay visible) and cut short.
inline std::string quote(std::string_view text) {
  std::string out;
  const bool cut = text.size() > max_echo;
  append_json_string(out, cut ? text.substr(0, max_echo) : text);
  if (cut) out.append("...");
  return out;
}

/// "an array", "a string", ... for "got ..." in a message.
inline std::string_view type_name(simdjson::ondemand::json_type type) {
  using t = simdjson::ondemand::json_type;
  switch (type) {
    case t::array: return "an array";
    case t::object: return "an object";
    case t::number: return "a number";
    case t::string: return "a string";
    case t::boolean: return "a boolean";
    case t::null: return "null";
  }
  return "an unknown value";
}

}  // namespace ocsp::detail
