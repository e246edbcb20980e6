#include "ocsp/json.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>

namespace ocsp {
namespace {

// Bytes that end a run copied as is: the control characters, quote, backslash, and every byte
// of a multi-byte UTF-8 sequence (checked, then copied, one sequence at a time).
constexpr std::array<bool, 256> ends_plain_run = [] {
  std::array<bool, 256> t{};
  for (std::size_t c = 0; c < t.size(); ++c) t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return t;
}();

// True when none of the 8 bytes of `word` ends a plain run (see above), checked in parallel (the
// has-zero-byte trick: a byte of v is zero exactly when (v - 0x01) & ~v has its top bit set; a
// false alarm only sends the block to the byte loop, never past a byte that needs escaping).
bool all_plain(std::uint64_t word) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101U;
  constexpr std::uint64_t highs = 0x8080808080808080U;
  const auto has_zero = [](std::uint64_t v) { return (v - ones) & ~v & highs; };
  const std::uint64_t below_space = (word - ones * 0x20U) & ~word & highs;
  return ((word & highs) | below_space | has_zero(word ^ (ones * '"')) | has_zero(word ^ (ones * '\\'))) == 0;
}

// Length of the valid UTF-8 sequence starting at s[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto continuation = [&](std::size_t k) { return k < s.size() && (byte(k) & 0xC0U) == 0x80U; };
  const unsigned char lead = byte(i);
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(i + 1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(i + 1) || !continuation(i + 2)) return 0;
    const unsigned char second = byte(i + 1);
    if (lead == 0xE0 && second < 0xA0) return 0;  // overlong
    if (lead == 0xED && second > 0x9F) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(i + 1) || !continuation(i + 2) || !continuation(i + 3)) return 0;
    const unsigned char second = byte(i + 1);
    if (lead == 0xF0 && second < 0x90) return 0;  // overlong
    if (lead == 0xF4 && second > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  std::size_t i = 0;
  while (i < text.size()) {
    // Copy the longest run that needs no escaping in one append.
    std::size_t run = i;
    for (std::uint64_t word = 0; run + sizeof word <= text.size(); run += sizeof word) {
      std::memcpy(&word, text.data() + run, sizeof word);
      if (!all_plain(word)) break;
    }
    while (run < text.size()) {
      if (ends_plain_run[static_cast<unsigned char>(text[run])]) break;
      ++run;
    }
    out.append(text, i, run - i);
    i = run;
    if (i == text.size()) break;

    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence_length(text, i);
      if (n == 0) {
        out.append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
        ++i;
      } else {
        out.append(text, i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default: fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c)); break;
    }
    ++i;
  }
  out.push_back('"');
}

void json_object_writer::key(std::string_view name) {
  if (!first_) out_.push_back(',');
  first_ = false;
  append_json_string(out_, name);
  out_.push_back(':');
}

json_object_writer& json_object_writer::field(std::string_view key_name, std::string_view value) {
  key(key_name);
  append_json_string(out_, value);
  return *this;
}

json_object_writer& json_object_writer::field(std::string_view key_name, std::int64_t value) {
  key(key_name);
  std::array<char, 20> digits;  // the longest int64 is "-9223372036854775808", 20 characters
  const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), value).ptr;
  out_.append(digits.data(), end);
  return *this;
}

json_object_writer& json_object_writer::field(std::string_view key_name, bool value) {
  key(key_name);
  out_.append(value ? "true" : "false");
  return *this;
}

json_object_writer& json_object_writer::field_null(std::string_view key_name) {
  key(key_name);
  out_.append("null");
  return *this;
}

json_object_writer& json_object_writer::field_raw(std::string_view key_name, std::string_view json) {
  key(key_name);
  out_.append(json);
  return *this;
}

json_array_writer& json_array_writer::add_raw(std::string_view json) {
  if (!first_) out_.push_back(',');
  first_ = false;
  out_.append(json);
  return *this;
}

std::string json_array_writer::finish() {
  out_.push_back(']');
  return std::move(out_);
}

std::string json_object_writer::finish() {
  out_.push_back('}');
  return std::move(out_);
}

}  // namespace ocsp
