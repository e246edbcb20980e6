#include "ocsp/direct/client.hpp"

#include <ocsp/service.hpp>

#include <utility>

namespace ocsp::direct {

client::client(ocsp::service& svc, principal caller) : service_(&svc), router_(svc), caller_(std::move(caller)) {}

api_result<config_object> client::get_config() const { return service_->get_config(caller_); }
api_result<config_object> client::put_config(const config_patch& patch) { return service_->put_config(caller_, patch); }
api_result<config_object> client::put_config(std::string_view json_body) {
  return service_->put_config(caller_, json_body);
}
api_result<ocsp_status> client::get_status() const { return service_->get_status(caller_); }
api_result<ocsp_status> client::test() { return service_->test(caller_); }

response client::call(std::string_view method, std::string_view target, std::string_view body) const {
  return router_.handle(request{method, target, &caller_, body});
}

}  // namespace ocsp::direct
