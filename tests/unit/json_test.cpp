// The JSON serializer against hostile strings: every output must be valid JSON that decodes back to
// the input (or, for invalid UTF-8, to the input with U+FFFD in place of each bad byte).
#include <ocsp/json.hpp>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <string>
#include <vector>

namespace {

std::string encode(std::string_view s) {
  std::string out;
  ocsp::append_json_string(out, s);
  return out;
}

// Decodes a JSON string literal with simdjson's DOM parser (a parser nobody here wrote).
std::string decode(const std::string& literal) {
  simdjson::dom::parser parser;
  std::string_view value;
  const auto error = parser.parse(literal).get(value);
  if (error) FAIL("not a valid JSON string: " << literal << " (" << simdjson::error_message(error) << ")");
  return std::string(value);
}

}  // namespace

TEST_CASE("json: escapes exactly what RFC 8259 requires", "[json]") {
  struct row {
    std::string in;
    std::string out;
  };
  const std::vector<row> rows{
      {"", R"("")"},
      {"plain", R"("plain")"},
      {"say \"hi\"", R"("say \"hi\"")"},
      {"back\\slash", R"("back\\slash")"},
      {"line\nfeed\ttab\rcr\bbs\fff", R"("line\nfeed\ttab\rcr\bbs\fff")"},
      {std::string("nul\0byte", 8), R"("nul\u0000byte")"},
      {"\x01\x1f", R"("\u0001\u001f")"},
      {"\x7f", "\"\x7f\""},  // DEL needs no escape
      {"/", R"("/")"},       // solidus needs no escape
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
      {"\xe2\x80\xa8", "\"\xe2\x80\xa8\""},  // U+2028 is valid in JSON
  };
  for (const auto& r : rows) {
    INFO("input bytes: " << r.in.size());
    CHECK(encode(r.in) == r.out);
    CHECK(decode(encode(r.in)) == r.in);
  }
}

TEST_CASE("json: every ASCII character round-trips", "[json]") {
  std::string all;
  for (int c = 0; c < 128; ++c) all.push_back(static_cast<char>(c));
  CHECK(decode(encode(all)) == all);
}

TEST_CASE("json: invalid UTF-8 becomes U+FFFD, so the output is always valid JSON", "[json]") {
  const std::string fffd = "\xef\xbf\xbd";
  struct row {
    std::string in;
    std::string decoded;
  };
  const std::vector<row> rows{
      {"\x80", fffd},                                   // lone continuation byte
      {"a\xff" "b", "a" + fffd + "b"},                  // never valid in UTF-8
      {"\xc0\xaf", fffd + fffd},                        // overlong '/'
      {"\xe0\x80\xaf", fffd + fffd + fffd},             // overlong, three bytes
      {"\xed\xa0\x80", fffd + fffd + fffd},             // UTF-16 surrogate
      {"\xf4\x90\x80\x80", fffd + fffd + fffd + fffd},  // above U+10FFFF
      {"\xe2\x82", fffd + fffd},                        // truncated sequence at the end
      {"\xc3(", fffd + "("},                            // bad continuation
  };
  for (const auto& r : rows) {
    CHECK(decode(encode(r.in)) == r.decoded);
  }
}

TEST_CASE("json: object writer is compact and keeps the caller's key order", "[json]") {
  ocsp::json_object_writer w;
  w.field("a", std::string_view("x\"y")).field("b", std::int64_t{-42}).field("c", true).field("d", false);
  CHECK(w.finish() == R"({"a":"x\"y","b":-42,"c":true,"d":false})");
  CHECK(ocsp::json_object_writer{}.finish() == "{}");
}

TEST_CASE("json: every byte value at every offset of a long plain run is escaped as on its own", "[json]") {
  // The plain-run scan looks at 8 bytes at a time: a byte that needs escaping (or starts a UTF-8
  // sequence) must be found wherever it sits in a block, and bytes near it must not be misread.
  const std::string plain = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::size_t mismatches = 0;
  for (int c = 0; c < 256; ++c) {
    const std::string alone = encode(std::string(1, static_cast<char>(c)));
    const std::string inner = alone.substr(1, alone.size() - 2);
    for (std::size_t at = 0; at <= plain.size(); ++at) {
      std::string in = plain;
      in.insert(at, 1, static_cast<char>(c));
      const std::string expected = "\"" + plain.substr(0, at) + inner + plain.substr(at) + "\"";
      if (encode(in) != expected) ++mismatches;
    }
  }
  CHECK(mismatches == 0);
  // Neighbours that sit just around the thresholds (0x1f/0x20, 0x7f/0x80) in one block.
  CHECK(encode(" !\x1f\x7f#$%&'()*") == "\" !\\u001f\x7f#$%&'()*\"");
  CHECK(decode(encode("0123456\xc3\xa9" "89abcdef")) == "0123456\xc3\xa9" "89abcdef");
}
