// libFuzzer target: OCSPResponse decoding, then everything a caller may do with the result.
#include <ocsp/der.hpp>
#include <ocsp/describe.hpp>
#include <ocsp/response.hpp>

#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ocsp::der::bytes input(data, size);
  auto parsed = ocsp::parse_ocsp_response(input);
  if (!parsed) return 0;
  // Iterate every view (lists re-parse lazily) and describe it.
  (void)ocsp::describe_json(parsed.value());
  // What parses must re-encode to the same bytes.
  ocsp::der::writer out;
  ocsp::encode(out, parsed.value());
  auto encoded = out.finish();
  if (!encoded || !std::ranges::equal(encoded.value(), input)) std::abort();
  return 0;
}
