// Shared by the conformance suites: where the vectors are ($OCSP_VECTORS_DIR, which ctest sets
// from the OCSP_VECTORS_DIR CMake option; the vectors are never copied into the repository), the
// skip when they are absent (exit code 77, which ctest reports as skipped), reading a vector file,
// and a walk over shared/vectors/manifest.json in which each suite picks the fields it needs.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace conformance {

/// The exit code ctest reports as skipped (SKIP_RETURN_CODE in tests/CMakeLists.txt).
inline constexpr int exit_skipped = 77;

/// $OCSP_VECTORS_DIR; empty when unset.
inline std::filesystem::path vectors_dir() {
  const char* dir = std::getenv("OCSP_VECTORS_DIR");
  return dir != nullptr ? std::filesystem::path(dir) : std::filesystem::path();
}

/// Whether $OCSP_VECTORS_DIR holds manifest.json; if not, prints why the suite skips. For main():
/// `if (!conformance::vectors_available()) return conformance::exit_skipped;`
inline bool vectors_available() {
  const char* dir = std::getenv("OCSP_VECTORS_DIR");
  if (dir != nullptr && std::filesystem::exists(std::filesystem::path(dir) / "manifest.json")) return true;
  std::printf("SKIPPED: the conformance vectors are not available: set OCSP_VECTORS_DIR (or the CMake option "
              "OCSP_VECTORS_DIR) to the shared/vectors folder holding manifest.json (now: %s)\n",
              dir ? dir : "unset");
  return false;
}

/// The bytes of a vector file, by its path relative to the vectors folder (as the manifest names
/// it); empty when it cannot be read.
inline std::vector<std::uint8_t> read_vector(const std::filesystem::path& file) {
  std::ifstream in(vectors_dir() / file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// A field's value, as On-Demand hands it out: read it at most once.
using json_value = simdjson::simdjson_result<simdjson::ondemand::value>;

/// One `Entry` per element of the manifest's "vectors" array: `pick(entry, key, value)` is called
/// for each field of the element and stores what the suite needs. On-Demand, because the manifest
/// holds integers wider than 64 bits (source_expectations.serial_int), which simdjson's DOM parser
/// refuses and On-Demand skips unread. Throws when the manifest cannot be read or parsed.
template <class Entry, class Pick>
std::vector<Entry> load_manifest(Pick&& pick) {
  const std::filesystem::path path = vectors_dir() / "manifest.json";
  simdjson::padded_string json;
  if (auto error = simdjson::padded_string::load(path.string()).get(json)) {
    throw std::runtime_error("cannot read " + path.string() + ": " + simdjson::error_message(error));
  }
  simdjson::ondemand::parser parser;
  auto doc = parser.iterate(json);
  std::vector<Entry> out;
  for (auto v : doc["vectors"].get_array()) {
    Entry e;
    for (auto field : v.get_object()) pick(e, field.unescaped_key().value(), field.value());
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace conformance
