// The one JSON serializer of libocsp: compact output, correct escaping of every string.
//
// Writers append to a std::string. Keys are written in the order the caller gives; every object
// libocsp writes lists its keys alphabetically (the vendor's server does), which the tests check.
// Strings are escaped per RFC 8259: quote, backslash and every control character; valid UTF-8
// passes through unchanged; a byte that is not valid UTF-8 becomes U+FFFD, so the output is
// always valid JSON whatever bytes a certificate or a caller supplied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ocsp {

/// Appends `text` to `out` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);

class json_object_writer {
 public:
  static constexpr std::size_t initial_capacity = 256;

  /// Starts with room for the objects of the API (all under 256 bytes): one allocation, no regrowth.
  json_object_writer() {
    out_.reserve(initial_capacity);
    out_.push_back('{');
  }

  json_object_writer& field(std::string_view key, std::string_view value);
  json_object_writer& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
  json_object_writer& field(std::string_view key, std::int64_t value);
  json_object_writer& field(std::string_view key, bool value);
  json_object_writer& field_null(std::string_view key);
  /// `json` must already be valid JSON (a nested object or array from another writer).
  json_object_writer& field_raw(std::string_view key, std::string_view json);

  /// Closes the object and returns the text; the writer is empty afterwards.
  std::string finish();

 private:
  void key(std::string_view name);
  std::string out_;
  bool first_ = true;
};

/// Builds a JSON array from elements that are already JSON.
class json_array_writer {
 public:
  json_array_writer() { out_.push_back('['); }
  json_array_writer& add_raw(std::string_view json);
  std::string finish();

 private:
  std::string out_;
  bool first_ = true;
};

}  // namespace ocsp
