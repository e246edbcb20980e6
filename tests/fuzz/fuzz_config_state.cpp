// libFuzzer target: ocsp-config.json as the configuration store loads it (parse_state_json).
// Whatever it accepts is in range and writes back (to_state_json) to text that parses to the same
// configuration; every refusal is invalid_schema (which the store reports as state_corrupt).
#include <ocsp/config_json.hpp>

#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = ocsp::parse_state_json(text);
  if (!config) {
    if (config.error().ocsp_code() != ocsp::errc::invalid_schema || config.error().message.empty()) std::abort();
    return 0;
  }
  const std::string written = ocsp::to_state_json(config.value());
  auto again = ocsp::parse_state_json(written);
  if (!again || !(again.value() == config.value())) std::abort();
  if (ocsp::to_state_json(again.value()) != written) std::abort();
  return 0;
}
