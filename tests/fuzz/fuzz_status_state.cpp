// libFuzzer target: ocsp-status.der as the status store loads it (decode_stored_response). The
// decoding is strict DER, so whatever it accepts must encode back to exactly the same bytes.
#include <ocsp/status_store.hpp>

#include <cstdlib>
#include <algorithm>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> der(data, size);
  auto stored = ocsp::decode_stored_response(der);
  if (!stored) return 0;
  const std::vector<std::uint8_t> encoded = ocsp::encode_stored_response(stored.value());
  if (encoded.size() != size || !std::equal(encoded.begin(), encoded.end(), data)) std::abort();
  return 0;
}
