// The router: one transport-agnostic request handler shared by every adapter.
//
// (method, target, principal, body) -> (HTTP status, headers, JSON body). The HTTP and UNIX-socket
// adapters feed it parsed requests, the direct adapter calls it in-process, so no transport can
// drift from the contract. Checks run in the contract's order and the first failure answers:
// authentication (401) -> route (404, or 405 with Allow) -> permission (403) -> capability (406)
// -> body and state (400/500). The query string of the target is ignored; paths match exactly.
//
// A GET never blocks: it reads in-memory state under locks held only to copy it, so adapters may
// run GETs on their I/O threads. PUT (a durable save) and POST (an OCSP query) may take a while.
#pragma once

#include "ocsp/permissions.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ocsp {

class service;

struct request {
  std::string_view method;  // case-sensitive, as HTTP methods are
  std::string_view target;  // origin-form: path with an optional ?query
  const principal* caller = nullptr;  // null: not authenticated
  std::string_view body;
};

/// A response header. Names and values have static storage duration.
struct header {
  std::string_view name;
  std::string_view value;
};

struct response {
  unsigned status = 200;
  std::vector<header> headers;
  std::string body;  // JSON

  /// The value of header `name` (case-insensitive), or "" when absent.
  std::string_view header_value(std::string_view name) const noexcept;
};

class router {
 public:
  explicit router(service& svc) noexcept : service_(&svc) {}
  /// Never throws: an unexpected failure inside is a 500 internal_error.
  response handle(const request& req) const noexcept;

 private:
  response dispatch(const request& req) const;
  service* service_;
};

/// The JSON error body of the contract: {"description":...,"error_code":...,"message":...}.
std::string error_body(std::string_view error_code, std::string_view message);

}  // namespace ocsp
