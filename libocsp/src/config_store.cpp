#include "ocsp/config_store.hpp"

#include "ocsp/config_json.hpp"

#include <fmt/format.h>

namespace ocsp {

api_result<ocsp_config> memory_config_store::load() {
  std::lock_guard lock(mutex_);
  return config_;
}

api_result<void> memory_config_store::save(const ocsp_config& config) {
  std::lock_guard lock(mutex_);
  config_ = config;
  return boost::outcome_v2::success();
}

api_result<ocsp_config> file_config_store::load() {
  std::lock_guard lock(mutex_);
  BOOST_OUTCOME_TRY(auto text, dir_->read(file_name));
  if (!text) return ocsp_config{};
  auto parsed = parse_state_json(*text);
  if (!parsed) {
    return make_error(errc::state_corrupt,
                      fmt::format("state file {} is corrupt: {}; restore it from a backup, or remove it to "
                                  "start again from the default OCSP configuration",
                                  (dir_->path() / file_name).string(), parsed.error().message));
  }
  return parsed.value();
}

api_result<void> file_config_store::save(const ocsp_config& config) {
  std::lock_guard lock(mutex_);
  return dir_->write(file_name, to_state_json(config));
}

}  // namespace ocsp
