// The OCSP configuration object: what the operator sets with PUT /v1/ocsp.
//
// `ocsp_config` holds the stored fields with their contract defaults. `config_patch` is a partial
// update (absent fields keep their value); `config_object` is what GET returns: the stored fields
// plus the read-only responder_url, which comes from the proxy certificate and is never stored.
// The integer fields, their names and their ranges are one table (`integer_fields`), shared by the
// JSON validator, the state-file loader and the docs.
#pragma once

#include "ocsp/error.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ocsp {

struct ocsp_config {
  bool ocsp_functionality = false;
  std::int64_t query_frequency = 3600;  // seconds
  std::int64_t recovery_frequency = 60;  // seconds
  std::int64_t recovery_max_tries = 5;
  std::int64_t response_timeout = 1;  // seconds

  std::chrono::seconds query_interval() const noexcept { return std::chrono::seconds(query_frequency); }
  std::chrono::seconds recovery_interval() const noexcept { return std::chrono::seconds(recovery_frequency); }
  std::chrono::seconds timeout() const noexcept { return std::chrono::seconds(response_timeout); }

  friend bool operator==(const ocsp_config&, const ocsp_config&) = default;
};

/// A partial update of the stored fields. responder_url is not here: it is read-only.
struct config_patch {
  std::optional<bool> ocsp_functionality{};
  std::optional<std::int64_t> query_frequency{};
  std::optional<std::int64_t> recovery_frequency{};
  std::optional<std::int64_t> recovery_max_tries{};
  std::optional<std::int64_t> response_timeout{};

  friend bool operator==(const config_patch&, const config_patch&) = default;
};

/// The configuration as the API shows it.
struct config_object {
  ocsp_config config;
  std::string responder_url;

  friend bool operator==(const config_object&, const config_object&) = default;
};

/// One integer field of the configuration: its JSON name, where it lives, and its inclusive range.
struct integer_field {
  std::string_view name;
  std::int64_t ocsp_config::*value;
  std::optional<std::int64_t> config_patch::*patch;
  std::int64_t min;
  std::int64_t max;
};

inline constexpr std::array<integer_field, 4> integer_fields{{
    {"query_frequency", &ocsp_config::query_frequency, &config_patch::query_frequency, 60, 86400},
    {"recovery_frequency", &ocsp_config::recovery_frequency, &config_patch::recovery_frequency, 60, 86400},
    {"recovery_max_tries", &ocsp_config::recovery_max_tries, &config_patch::recovery_max_tries, 1, 100},
    {"response_timeout", &ocsp_config::response_timeout, &config_patch::response_timeout, 1, 60},
}};

/// Checks every present field of `patch` against its range.
/// Fails with errc::invalid_schema naming the first field out of range.
api_result<void> check_ranges(const config_patch& patch);

/// Checks every field of a complete configuration against its range (errc::invalid_schema).
api_result<void> check_ranges(const ocsp_config& config);

/// `base` with every present field of `patch` applied. Does not validate.
ocsp_config apply(const ocsp_config& base, const config_patch& patch) noexcept;

/// The compact JSON of the API object, keys in alphabetical order.
std::string to_json(const config_object& object);

}  // namespace ocsp
