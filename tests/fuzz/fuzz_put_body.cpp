// libFuzzer target: the PUT /v1/ocsp body validator. Whatever it accepts must be a JSON object
// that simdjson's DOM parser also accepts (the validator may never be laxer than JSON).
#include <ocsp/config_json.hpp>

#include <simdjson.h>

#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto patch = ocsp::parse_config_patch(body, "http://ocsp.example/");
  if (!patch) {
    if (patch.error().ocsp_code() != ocsp::errc::invalid_schema) std::abort();
    return 0;
  }
  simdjson::dom::parser dom;
  simdjson::dom::object object;
  if (dom.parse(body).get(object)) std::abort();
  if (auto checked = ocsp::check_ranges(patch.value()); !checked) std::abort();
  return 0;
}
