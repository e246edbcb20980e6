#include "ocsp/status_store.hpp"

#include "ocsp/der.hpp"
#include "ocsp/ocsp_types.hpp"
#include "detail/der_try.hpp"

#include <fmt/format.h>

namespace ocsp {
namespace {

constexpr std::int64_t stored_version = 1;

errc decode(der::reader in, stored_response& out) {
  der::reader body;
  OCSP_DER_TRY(in.get(der::tag::sequence, body));
  OCSP_DER_TRY(in.end());
  std::int64_t version = 0;
  OCSP_DER_TRY(body.get_int64(der::tag::integer, 0, 255, version));
  if (version != stored_version) return errc::ocsp_unsupported_version;
  der::bytes id_element;
  der::reader id_contents;
  // Read the CertID whole, then check its grammar on a copy of the element.
  OCSP_DER_TRY(body.get(der::tag::sequence, id_contents, &id_element));
  der::reader id_reader(id_element);
  cert_id id;
  OCSP_DER_TRY(parse_cert_id(id_reader, id));
  der::bytes response;
  OCSP_DER_TRY(body.get_octet_string(response));
  OCSP_DER_TRY(body.end());
  out.cert_id_der.assign(id_element.begin(), id_element.end());
  out.response_der.assign(response.begin(), response.end());
  return errc{};
}

}  // namespace

std::vector<std::uint8_t> encode_stored_response(const stored_response& response) {
  der::writer out;
  out.begin(der::tag::sequence);
  out.add_integer(stored_version);
  out.add_raw(response.cert_id_der);
  out.add_octet_string(response.response_der);
  out.end();
  auto encoded = out.take();
  return encoded ? std::move(encoded).value() : std::vector<std::uint8_t>{};
}

result<stored_response> decode_stored_response(std::span<const std::uint8_t> der) noexcept {
  stored_response out;
  if (const errc e = decode(der::reader(der), out); !der::ok(e)) return e;
  return out;
}

api_result<std::optional<stored_response>> memory_status_store::load() {
  std::lock_guard lock(mutex_);
  return stored_;
}

api_result<void> memory_status_store::save(const std::optional<stored_response>& response) {
  std::lock_guard lock(mutex_);
  stored_ = response;
  return boost::outcome_v2::success();
}

api_result<std::optional<stored_response>> file_status_store::load() {
  std::lock_guard lock(mutex_);
  BOOST_OUTCOME_TRY(auto text, dir_->read(file_name));
  if (!text || text->empty()) return std::optional<stored_response>{};
  const std::span<const std::uint8_t> bytes(reinterpret_cast<const std::uint8_t*>(text->data()), text->size());
  auto decoded = decode_stored_response(bytes);
  if (!decoded) {
    return make_error(errc::state_corrupt,
                      fmt::format("state file {} is corrupt ({}); it holds only a cached OCSP answer, so "
                                  "removing it costs one query",
                                  (dir_->path() / file_name).string(), decoded.error().message()));
  }
  return std::optional<stored_response>(std::move(decoded).value());
}

api_result<void> file_status_store::save(const std::optional<stored_response>& response) {
  std::lock_guard lock(mutex_);
  if (!response) return dir_->write(file_name, {});
  const std::vector<std::uint8_t> encoded = encode_stored_response(*response);
  if (encoded.empty()) return make_error(errc::internal_error, "the cached OCSP answer could not be encoded");
  return dir_->write(file_name,
                     std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()));
}

}  // namespace ocsp
