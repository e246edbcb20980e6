// libFuzzer target: users.json as ocspd loads it (parse_users_json). Whatever it accepts must
// write back (to_users_json) to text that parses to the same users; every refusal is
// state_corrupt, the code the store reports for a damaged file.
#include <ocsp/users.hpp>

#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto users = ocsp::parse_users_json(text);
  if (!users) {
    if (users.error().ocsp_code() != ocsp::errc::state_corrupt || users.error().message.empty()) std::abort();
    return 0;
  }
  for (const ocsp::stored_user& u : users.value()) {
    if (!ocsp::is_valid_user_name(u.name)) std::abort();
  }
  const std::string written = ocsp::to_users_json(users.value());
  auto again = ocsp::parse_users_json(written);
  if (!again || again.value().size() != users.value().size()) std::abort();
  for (std::size_t i = 0; i < again.value().size(); ++i) {
    const ocsp::stored_user &a = users.value()[i], &b = again.value()[i];
    if (a.name != b.name || a.role != b.role || a.verifier != b.verifier) std::abort();
  }
  return 0;
}
