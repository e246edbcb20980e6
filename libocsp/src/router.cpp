#include "ocsp/router.hpp"

#include "ocsp/json.hpp"
#include "ocsp/service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace ocsp {
namespace {

constexpr header json_type{"Content-Type", "application/json"};
constexpr header no_store{"Cache-Control", "no-store"};
constexpr header basic_challenge{"WWW-Authenticate", "Basic realm=\"ocsp\""};

template <class T>
response ok(const api_result<T>& r) {
  return response{200, {json_type, no_store}, to_json(r.value())};
}

response failure(const error_info& e) {
  const errc code = e.ocsp_code();
  // An error passed up from a result<T> has a code but no message: its category's text is one.
  const std::string& message = e.message.empty() ? e.code.message() : e.message;
  response out{http_status(code), {json_type, no_store}, error_body(rest_error_code(code), message)};
  if (code == errc::unauthorized) out.headers.push_back(basic_challenge);
  return out;
}

template <class T>
response reply(const api_result<T>& r) {
  return r ? ok(r) : failure(r.error());
}

using handler = response (*)(service&, const principal&, std::string_view body);

struct operation {
  std::string_view method;
  handler handle = nullptr;
};

struct resource {
  std::string_view path;
  std::string_view allow;  // the Allow header of a 405: the methods below
  std::array<operation, 2> operations;
};

// The API: one row per path. Adding a request is adding an operation here and a service call.
const std::array<resource, 3> resources{{
    {"/v1/ocsp",
     "GET, PUT",
     {{{"GET", [](service& s, const principal& p, std::string_view) { return reply(s.get_config(p)); }},
       {"PUT", [](service& s, const principal& p, std::string_view body) { return reply(s.put_config(p, body)); }}}}},
    {"/v1/ocsp/status",
     "GET",
     {{{"GET", [](service& s, const principal& p, std::string_view) { return reply(s.get_status(p)); }}}}},
    {"/v1/ocsp/test",
     "POST",
     {{{"POST", [](service& s, const principal& p, std::string_view) { return reply(s.test(p)); }}}}},
}};

// Caller input echoed in a message, cut short.
std::string_view bounded(std::string_view text) { return text.substr(0, 128); }

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string_view response::header_value(std::string_view name) const noexcept {
  for (const header& h : headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return {};
}

std::string error_body(std::string_view error_code, std::string_view message) {
  return json_object_writer{}
      .field("description", message)
      .field("error_code", error_code)
      .field("message", message)
      .finish();
}

response router::handle(const request& req) const noexcept {
  try {
    return dispatch(req);
  } catch (const std::exception& e) {
    // Nothing below throws by design; this keeps bad_alloc and friends inside the library.
    try {
      return failure(make_error(errc::internal_error, std::string("internal error: ") + e.what()));
    } catch (...) {
    }
  } catch (...) {
  }
  return response{500, {json_type, no_store}, R"({"description":"internal error","error_code":"internal_error","message":"internal error"})"};
}

response router::dispatch(const request& req) const {
  // 1. Authentication: before routing, so unauthenticated callers learn nothing about paths.
  if (req.caller == nullptr) {
    return failure(make_error(errc::unauthorized, "authentication required: use HTTP Basic credentials"));
  }

  // 2. Route.
  const std::string_view path = req.target.substr(0, req.target.find('?'));
  const auto found = std::find_if(resources.begin(), resources.end(), [&](const resource& r) { return r.path == path; });
  if (found == resources.end()) return failure(make_error(errc::not_found, fmt::format("no resource at {}", bounded(path))));
  const auto op = std::find_if(found->operations.begin(), found->operations.end(),
                               [&](const operation& o) { return o.handle != nullptr && o.method == req.method; });
  if (op == found->operations.end()) {
    response out = failure(make_error(
        errc::method_not_allowed, fmt::format("{} does not allow {}; allowed: {}", path, bounded(req.method), found->allow)));
    out.headers.push_back({"Allow", found->allow});
    return out;
  }

  // 3-5. Permission, capability, body and state: the service's checks, in that order.
  return op->handle(*service_, *req.caller, req.body);
}

}  // namespace ocsp
