#include "ocsp/config_json.hpp"

#include "detail/json_messages.hpp"

#include "ocsp/json.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <bitset>
#include <cstddef>
#include <optional>

namespace ocsp {
namespace {

using detail::quote;
using detail::type_name;

namespace od = simdjson::ondemand;

constexpr std::int64_t state_format_version = 1;

// The keys a reader accepts, beyond the integer fields of `integer_fields`.
enum class key_kind { integer, ocsp_functionality, responder_url, format, unknown };

struct key_match {
  key_kind kind;
  std::size_t slot;                     // index for duplicate detection
  const integer_field* field = nullptr;  // for key_kind::integer
};

constexpr std::size_t slot_count = integer_fields.size() + 3;

key_match match_key(std::string_view key) {
  for (std::size_t i = 0; i < integer_fields.size(); ++i) {
    if (key == integer_fields[i].name) return {key_kind::integer, i, &integer_fields[i]};
  }
  if (key == "ocsp_functionality") return {key_kind::ocsp_functionality, integer_fields.size()};
  if (key == "responder_url") return {key_kind::responder_url, integer_fields.size() + 1};
  if (key == "format") return {key_kind::format, integer_fields.size() + 2};
  return {key_kind::unknown, 0};
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

// Each reader tries the typed getter first (the common, valid case parses the value once) and
// classifies the value only to explain a failure.

api_result<std::int64_t> read_integer(const integer_field& field, od::value& v) {
  std::int64_t value = 0;
  const auto rule = [&] { return fmt::format("{} must be an integer in [{}, {}]", field.name, field.min, field.max); };
  if (!v.get_int64().get(value)) {
    if (value < field.min || value > field.max) return schema_error(fmt::format("{}, got {}", rule(), value));
    return value;
  }
  od::json_type type{};
  if (auto e = v.type().get(type)) return malformed(e);
  if (type != od::json_type::number) return schema_error(fmt::format("{}, got {}", rule(), type_name(type)));
  od::number_type number_type{};
  if (auto e = v.get_number_type().get(number_type)) return malformed(e);
  if (number_type == od::number_type::floating_point_number) {
    return schema_error(fmt::format("{}, got the non-integer number {}", rule(), quote(trimmed_token(v))));
  }
  // An integer that does not fit 64 bits is out of range whatever the field.
  return schema_error(fmt::format("{}, got {}", rule(), quote(trimmed_token(v))));
}

api_result<bool> read_boolean(std::string_view name, od::value& v) {
  bool value = false;
  if (!v.get_bool().get(value)) return value;
  od::json_type type{};
  if (auto e = v.type().get(type)) return malformed(e);
  if (type == od::json_type::boolean) return malformed(simdjson::INCORRECT_TYPE);  // e.g. "tru"
  return schema_error(fmt::format("{} must be a boolean (true or false), got {}", name, type_name(type)));
}

api_result<std::string_view> read_string(std::string_view name, od::value& v) {
  std::string_view value;
  if (!v.get_string().get(value)) return value;
  od::json_type type{};
  if (auto e = v.type().get(type)) return malformed(e);
  if (type == od::json_type::string) return malformed(simdjson::STRING_ERROR);
  return schema_error(fmt::format("{} must be a string, got {}", name, type_name(type)));
}

enum class reader_mode { put_body, state_file };

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
  const simdjson::padded_string padded(text);

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
  for (auto field_result : object) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) return malformed(e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return malformed(e);

    const key_match match = match_key(key);
    const bool accepted = match.kind == key_kind::integer || match.kind == key_kind::ocsp_functionality ||
                          (match.kind == key_kind::responder_url && mode == reader_mode::put_body) ||
                          (match.kind == key_kind::format && mode == reader_mode::state_file);
    if (!accepted) {
      return schema_error(fmt::format(
          "unknown field {}: the fields are ocsp_functionality, query_frequency, recovery_frequency, "
          "recovery_max_tries, response_timeout{}",
          quote(key), mode == reader_mode::put_body ? " and the read-only responder_url" : ", format"));
    }
    if (out.seen.test(match.slot)) return schema_error(fmt::format("duplicate field {}", quote(key)));
    out.seen.set(match.slot);

    od::value value = field.value();
    switch (match.kind) {
      case key_kind::integer: {
        BOOST_OUTCOME_TRY(auto n, read_integer(*match.field, value));
        out.patch.*match.field->patch = n;
        break;
      }
      case key_kind::ocsp_functionality: {
        BOOST_OUTCOME_TRY(auto b, read_boolean("ocsp_functionality", value));
        out.patch.ocsp_functionality = b;
        break;
      }
      case key_kind::responder_url: {
        BOOST_OUTCOME_TRY(auto url, read_string("responder_url", value));
        if (url != current_responder_url) {
          return schema_error(fmt::format(
              "responder_url is read-only (it comes from the proxy certificate) and must be omitted or equal "
              "{}, got {}",
              quote(current_responder_url), quote(url)));
        }
        break;
      }
      case key_kind::format: {
        static constexpr integer_field format_field{"format", nullptr, nullptr, state_format_version,
                                                    state_format_version};
        BOOST_OUTCOME_TRY(read_integer(format_field, value));
        break;
      }
      case key_kind::unknown: break;
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
  if (!fields.seen.test(integer_fields.size() + 2)) return schema_error("field \"format\" is missing");
  if (!fields.patch.ocsp_functionality) return schema_error("field \"ocsp_functionality\" is missing");
  for (std::size_t i = 0; i < integer_fields.size(); ++i) {
    if (!fields.seen.test(i)) return schema_error(fmt::format("field \"{}\" is missing", integer_fields[i].name));
  }
  return apply(ocsp_config{}, fields.patch);
}

}  // namespace ocsp
