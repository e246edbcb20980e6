#include "ocsp/config_json.hpp"

#include "detail/json_messages.hpp"

#include "ocsp/json.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cstddef>
#include <cstring>
#include <optional>
#include <utility>

namespace ocsp {
namespace {

using detail::quote;
using detail::type_name;

namespace od = simdjson::ondemand;

constexpr std::int64_t state_format_version = 1;

// The keys a reader knows, each with a slot for duplicate detection: the integer fields in the
// order of `integer_fields`, then these three.
constexpr std::size_t ocsp_functionality_slot = integer_fields.size();
constexpr std::size_t responder_url_slot = integer_fields.size() + 1;
constexpr std::size_t format_slot = integer_fields.size() + 2;
constexpr std::size_t slot_count = integer_fields.size() + 3;
constexpr std::size_t no_slot = slot_count;  // an unknown key

constexpr std::array<std::string_view, slot_count> key_names = [] {
  std::array<std::string_view, slot_count> names{};
  for (std::size_t i = 0; i < integer_fields.size(); ++i) names[i] = integer_fields[i].name;
  names[ocsp_functionality_slot] = "ocsp_functionality";
  names[responder_url_slot] = "responder_url";
  names[format_slot] = "format";
  return names;
}();

// unsafe_is_equal below needs names without quotes or backslashes, and within the padding.
static_assert(std::all_of(key_names.begin(), key_names.end(), [](std::string_view name) {
  return name.find_first_of("\\\"") == std::string_view::npos && name.size() < simdjson::SIMDJSON_PADDING;
}));

// The slot of an unescaped key, or no_slot.
std::size_t slot_of(std::string_view key) {
  for (std::size_t i = 0; i < slot_count; ++i) {
    if (key == key_names[i]) return i;
  }
  return no_slot;
}

// The slot of a key written without escapes, compared where it lies in the input (no copy);
// no_slot for any other key, known but escaped or unknown. A known name ends at its closing
// quote, so in-place equality is equality of the unescaped key.
std::size_t slot_of_plain(od::raw_json_string key) {
  // Unrolled over the table, so that every comparison has a constant length and compiles to a
  // few loads instead of a call to memcmp.
  return [&]<std::size_t... i>(std::index_sequence<i...>) {
    std::size_t slot = no_slot;
    static_cast<void>(((key.unsafe_is_equal(key_names[i]) && (slot = i, true)) || ...));
    return slot;
  }(std::make_index_sequence<slot_count>());
}

std::string_view trimmed_token(od::value& v) {
  std::string_view raw = v.raw_json_token();
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' || raw.back() == '\r')) {
    raw.remove_suffix(1);
  }
  return raw;
}


error_info schema_error(std::string message) { return make_error(errc::invalid_schema, std::move(message)); }

error_info malformed(simdjson::error_code e) {
  return schema_error(fmt::format("not valid JSON: {}", simdjson::error_message(e)));
}

// Each field is read with its typed getter alone: the common, valid case parses the value once and
// builds nothing else. Only when the getter fails, or the value is out of range, is the value
// classified and the message built, out of line.

std::string integer_rule(const integer_field& field) {
  return fmt::format("{} must be an integer in [{}, {}]", field.name, field.min, field.max);
}

[[gnu::cold]] error_info out_of_range(const integer_field& field, std::int64_t value) {
  return schema_error(fmt::format("{}, got {}", integer_rule(field), value));
}

// Why `v`, which get_int64 refused (and so did not consume), is not an integer.
[[gnu::cold]] error_info not_an_integer(const integer_field& field, od::value& v) {
  od::json_type type{};
  if (auto e = v.type().get(type)) return malformed(e);
  if (type != od::json_type::number) {
    return schema_error(fmt::format("{}, got {}", integer_rule(field), type_name(type)));
  }
  od::number_type number_type{};
  if (auto e = v.get_number_type().get(number_type)) return malformed(e);
  if (number_type == od::number_type::floating_point_number) {
    return schema_error(
        fmt::format("{}, got the non-integer number {}", integer_rule(field), quote(trimmed_token(v))));
  }
  // An integer that does not fit 64 bits is out of range whatever the field.
  return schema_error(fmt::format("{}, got {}", integer_rule(field), quote(trimmed_token(v))));
}

// Why `v`, which get_bool refused, is not a boolean.
[[gnu::cold]] error_info not_a_boolean(std::string_view name, od::value& v) {
  od::json_type type{};
  if (auto e = v.type().get(type)) return malformed(e);
  if (type == od::json_type::boolean) return malformed(simdjson::INCORRECT_TYPE);  // e.g. "tru"
  return schema_error(fmt::format("{} must be a boolean (true or false), got {}", name, type_name(type)));
}

// Why `v`, which get_string refused, is not a string.
[[gnu::cold]] error_info not_a_string(std::string_view name, od::value& v) {
  od::json_type type{};
  if (auto e = v.type().get(type)) return malformed(e);
  if (type == od::json_type::string) return malformed(simdjson::STRING_ERROR);
  return schema_error(fmt::format("{} must be a string, got {}", name, type_name(type)));
}

[[gnu::cold]] error_info responder_url_differs(std::string_view current, std::string_view url) {
  return schema_error(fmt::format(
      "responder_url is read-only (it comes from the proxy certificate) and must be omitted or equal {}, got {}",
      quote(current), quote(url)));
}

enum class reader_mode { put_body, state_file };

[[gnu::cold]] error_info unknown_field(std::string_view key, reader_mode mode) {
  return schema_error(fmt::format(
      "unknown field {}: the fields are ocsp_functionality, query_frequency, recovery_frequency, "
      "recovery_max_tries, response_timeout{}",
      quote(key), mode == reader_mode::put_body ? " and the read-only responder_url" : ", format"));
}

[[gnu::cold]] error_info duplicate_field(std::string_view key) {
  return schema_error(fmt::format("duplicate field {}", quote(key)));
}

// The largest body parsed from a copy on the stack (a complete configuration is under 300 bytes).
constexpr std::size_t small_body = 1024;

struct parsed_fields {
  config_patch patch;
  std::bitset<slot_count> seen;
};

// The one walk over a configuration object; the two public readers differ only in the keys they
// accept and what they require afterwards.
api_result<parsed_fields> read_config_object(std::string_view text, reader_mode mode,
                                             std::string_view current_responder_url) {
  // A parser per thread: its buffers are reused, so a steady stream of PUTs does not allocate them.
  thread_local od::parser parser;
  // simdjson reads up to SIMDJSON_PADDING bytes past the end, so it parses a padded copy. A body
  // of usual size is copied to the stack; only a large one costs a heap allocation.
  char local[small_body + simdjson::SIMDJSON_PADDING];
  simdjson::padded_string heap;
  simdjson::padded_string_view padded;
  if (text.size() <= small_body) {
    std::copy_n(text.data(), text.size(), local);
    std::memset(local + text.size(), 0, simdjson::SIMDJSON_PADDING);
    padded = simdjson::padded_string_view(local, text.size(), text.size() + simdjson::SIMDJSON_PADDING);
  } else {
    heap = simdjson::padded_string(text);
    padded = heap;
  }

  od::document doc;
  if (auto e = parser.iterate(padded).get(doc)) {
    if (e == simdjson::EMPTY) return schema_error("empty: a JSON object is required");
    return malformed(e);
  }
  od::json_type root_type{};
  if (auto e = doc.type().get(root_type)) return malformed(e);
  if (root_type != od::json_type::object) {
    return schema_error(fmt::format("a JSON object is required, got {}", type_name(root_type)));
  }
  od::object object;
  if (auto e = doc.get_object().get(object)) return malformed(e);

  parsed_fields out;
  // The field and its value are used where they are, by reference: copies of these small structs
  // (which GCC makes with one wide load right after the narrower stores that built them) stall
  // store-to-load forwarding, and cost about a third of the whole call (docs/perf.md).
  for (auto field_result : object) {
    if (auto e = field_result.error()) return malformed(e);
    auto&& field = std::move(field_result).value_unsafe();
    // Most keys are known names written plainly, matched in place; only the others (escaped or
    // unknown) are unescaped, to be matched or quoted.
    std::size_t slot = slot_of_plain(field.key());
    std::string_view key;
    if (slot != no_slot) {
      key = key_names[slot];
    } else {
      if (auto e = field.unescaped_key().get(key)) return malformed(e);
      slot = slot_of(key);
    }

    const bool accepted = slot < integer_fields.size() || slot == ocsp_functionality_slot ||
                          (slot == responder_url_slot && mode == reader_mode::put_body) ||
                          (slot == format_slot && mode == reader_mode::state_file);
    if (!accepted) return unknown_field(key, mode);
    if (out.seen.test(slot)) return duplicate_field(key);
    out.seen.set(slot);

    od::value& value = field.value();
    if (slot < integer_fields.size()) {
      const integer_field& f = integer_fields[slot];
      std::int64_t n = 0;
      if (value.get_int64().get(n)) return not_an_integer(f, value);
      if (n < f.min || n > f.max) return out_of_range(f, n);
      out.patch.*f.patch = n;
    } else if (slot == ocsp_functionality_slot) {
      bool b = false;
      if (value.get_bool().get(b)) return not_a_boolean("ocsp_functionality", value);
      out.patch.ocsp_functionality = b;
    } else if (slot == responder_url_slot) {
      std::string_view url;
      if (value.get_string().get(url)) return not_a_string("responder_url", value);
      if (url != current_responder_url) return responder_url_differs(current_responder_url, url);
    } else {  // format_slot
      static constexpr integer_field format_field{"format", nullptr, nullptr, state_format_version,
                                                  state_format_version};
      std::int64_t n = 0;
      if (value.get_int64().get(n)) return not_an_integer(format_field, value);
      if (n != state_format_version) return out_of_range(format_field, n);
    }
  }

  // On-Demand stops at the end of the root object; anything after it is trailing content.
  const char* rest = nullptr;
  if (!doc.current_location().get(rest)) {
    return schema_error(fmt::format("unexpected content after the JSON object: {}",
                                    quote(std::string_view(rest, static_cast<std::size_t>(
                                                                     padded.data() + padded.size() - rest)))));
  }
  return out;
}

}  // namespace

api_result<config_patch> parse_config_patch(std::string_view body, std::string_view current_responder_url) {
  if (body.size() > max_config_body) {
    return schema_error(fmt::format("the body is {} bytes, more than the {} allowed", body.size(), max_config_body));
  }
  BOOST_OUTCOME_TRY(auto fields, read_config_object(body, reader_mode::put_body, current_responder_url));
  return fields.patch;
}

std::string to_state_json(const ocsp_config& c) {
  return json_object_writer{}
      .field("format", state_format_version)
      .field("ocsp_functionality", c.ocsp_functionality)
      .field("query_frequency", c.query_frequency)
      .field("recovery_frequency", c.recovery_frequency)
      .field("recovery_max_tries", c.recovery_max_tries)
      .field("response_timeout", c.response_timeout)
      .finish();
}

api_result<ocsp_config> parse_state_json(std::string_view text) {
  BOOST_OUTCOME_TRY(auto fields, read_config_object(text, reader_mode::state_file, {}));
  if (!fields.seen.test(format_slot)) return schema_error("field \"format\" is missing");
  if (!fields.patch.ocsp_functionality) return schema_error("field \"ocsp_functionality\" is missing");
  for (std::size_t i = 0; i < integer_fields.size(); ++i) {
    if (!fields.seen.test(i)) return schema_error(fmt::format("field \"{}\" is missing", integer_fields[i].name));
  }
  return apply(ocsp_config{}, fields.patch);
}

}  // namespace ocsp
