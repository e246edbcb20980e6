// Strict JSON readers for the configuration: the PUT /v1/ocsp body and the state file.
//
// Both parse with simdjson On-Demand and visit every field, so nothing slips through: malformed
// JSON, a non-object, trailing content, an unknown key, a duplicate key (compared after unescaping),
// a wrong type (string, float, boolean or null where an integer belongs; anything but a boolean
// for ocsp_functionality; null anywhere) and a value out of range are all rejected with a message
// that names the field and the rule. The first problem in document order is the one reported.
#pragma once

#include "ocsp/config.hpp"
#include "ocsp/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace ocsp {

/// The largest PUT body accepted (a complete configuration object is under 300 bytes).
inline constexpr std::size_t max_config_body = 64 * 1024;

/// Parses a PUT /v1/ocsp body into a patch. A body over max_config_body is refused unread. responder_url may appear only with the value
/// `current_responder_url` (it is read-only; accepting the same value lets GET -> edit -> PUT
/// round-trip) and is dropped from the patch. Fails with errc::invalid_schema.
api_result<config_patch> parse_config_patch(std::string_view body, std::string_view current_responder_url);

/// The state-file form of a stored configuration: the config fields plus "format":1, keys sorted.
std::string to_state_json(const ocsp_config& config);

/// Parses the state-file form. Every field must be present and in range.
/// Fails with errc::invalid_schema; the store reports it as errc::state_corrupt.
api_result<ocsp_config> parse_state_json(std::string_view text);

}  // namespace ocsp
