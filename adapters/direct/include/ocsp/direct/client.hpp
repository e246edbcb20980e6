// The direct adapter: how a C++ service in the same process uses libocsp.
//
// A `client` is bound to one caller (a principal) and offers the four API requests both as typed
// calls (results are structs, errors are error_info) and as a generic `call` through the same
// router the HTTP and UNIX-socket adapters use, so in-process callers see exactly the wire
// contract. A client is cheap; make one per caller. The service must outlive it.
#pragma once

#include <ocsp/config.hpp>
#include <ocsp/error.hpp>
#include <ocsp/permissions.hpp>
#include <ocsp/router.hpp>
#include <ocsp/status.hpp>

#include <string_view>

namespace ocsp {
class service;
}

namespace ocsp::direct {

class client {
 public:
  client(ocsp::service& svc, principal caller);

  api_result<config_object> get_config() const;
  api_result<config_object> put_config(const config_patch& patch);
  api_result<config_object> put_config(std::string_view json_body);
  api_result<ocsp_status> get_status() const;
  api_result<ocsp_status> test();

  /// Any request through the router, exactly as an HTTP adapter would send it.
  response call(std::string_view method, std::string_view target, std::string_view body = {}) const;

  const principal& caller() const noexcept { return caller_; }

 private:
  ocsp::service* service_;
  ocsp::router router_;
  principal caller_;
};

}  // namespace ocsp::direct
