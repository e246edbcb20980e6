// libFuzzer target: OCSPRequest decoding, description and byte-exact re-encoding.
#include <ocsp/der.hpp>
#include <ocsp/describe.hpp>
#include <ocsp/request.hpp>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ocsp::der::bytes input(data, size);
  auto parsed = ocsp::parse_ocsp_request(input);
  if (!parsed) return 0;
  (void)ocsp::describe_json(parsed.value());
  ocsp::der::writer out;
  ocsp::encode(out, parsed.value());
  auto encoded = out.finish();
  if (!encoded || !std::ranges::equal(encoded.value(), input)) std::abort();
  return 0;
}
