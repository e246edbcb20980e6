#include <ocsp/error.hpp>

#include <boost/system/system_error.hpp>
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <utility>
#include <vector>

TEST_CASE("errc: a boost::system category with the API's codes and statuses", "[error]") {
  CHECK(std::string(ocsp::error_category().name()) == "ocsp");

  struct expectation {
    ocsp::errc code;
    const char* rest;
    unsigned status;
  };
  const std::vector<expectation> api{
      {ocsp::errc::unauthorized, "unauthorized", 401},
      {ocsp::errc::not_found, "not_found", 404},
      {ocsp::errc::method_not_allowed, "method_not_allowed", 405},
      {ocsp::errc::insufficient_permissions, "insufficient_permissions", 403},
      {ocsp::errc::ocsp_unsupported_by_capability, "ocsp_unsupported_by_capability", 406},
      {ocsp::errc::invalid_schema, "invalid_schema", 400},
      {ocsp::errc::enable_without_responder_url, "no_responder_url", 400},
      {ocsp::errc::no_responder_url, "no_responder_url", 500},
      {ocsp::errc::task_queued_for_too_long, "task_queued_for_too_long", 500},
      {ocsp::errc::invalid_ocsp_response, "invalid_ocsp_response", 500},
      {ocsp::errc::ocsp_query_failed, "ocsp_query_failed", 500},
      {ocsp::errc::internal_error, "internal_error", 500},
      {ocsp::errc::state_corrupt, "internal_error", 500},
      {ocsp::errc::certificate_issuer_mismatch, "internal_error", 500},
  };
  for (const auto& e : api) {
    INFO(e.rest);
    CHECK(ocsp::rest_error_code(e.code) == e.rest);
    CHECK(ocsp::http_status(e.code) == e.status);
    const boost::system::error_code ec = e.code;  // implicit, via is_error_code_enum
    CHECK(ec.category() == ocsp::error_category());
    CHECK(ec == e.code);
    CHECK_FALSE(ec.message().empty());
    CHECK(ec.message() != "unknown ocsp error");
  }
  CHECK(ocsp::error_category().message(9999) == "unknown ocsp error");
}

TEST_CASE("errc: every enumerator has its own name, and the transport and verification codes map as the contract says",
          "[error]") {
  // Walk the numeric blocks of the enumeration: every defined value has a distinct name.
  std::set<std::string> names;
  int defined = 0;
  for (int v = 1; v < 400; ++v) {
    const auto e = static_cast<ocsp::errc>(v);
    if (ocsp::errc_name(e) == "unknown") continue;
    ++defined;
    CHECK(names.insert(std::string(ocsp::errc_name(e))).second);
    CHECK(ocsp::error_category().message(v) != "unknown ocsp error");
  }
  CHECK(defined > 60);
  CHECK(ocsp::errc_name(ocsp::errc::ocsp_bad_signature) == "ocsp_bad_signature");
  CHECK(ocsp::errc_name(static_cast<ocsp::errc>(9999)) == "unknown");
  for (const auto e : {ocsp::errc::ocsp_bad_signature, ocsp::errc::ocsp_responder_id_mismatch, ocsp::errc::ocsp_response_expired,
                       ocsp::errc::ocsp_nonce_mismatch, ocsp::errc::ocsp_cert_id_not_found}) {
    CHECK(ocsp::rest_error_code(e) == "invalid_ocsp_response");
  }
  for (const auto e : {ocsp::errc::responder_unreachable, ocsp::errc::responder_timeout, ocsp::errc::responder_http_status,
                       ocsp::errc::responder_content_type, ocsp::errc::responder_body_too_large}) {
    CHECK(ocsp::rest_error_code(e) == "ocsp_query_failed");
    CHECK(ocsp::http_status(e) == 500);
  }
}

TEST_CASE("api_result: carries code and message, value() throws system_error", "[error]") {
  ocsp::api_result<int> r = ocsp::make_error(ocsp::errc::invalid_schema, "query_frequency must be ...");
  REQUIRE_FALSE(r);
  CHECK(r.error().ocsp_code() == ocsp::errc::invalid_schema);
  try {
    (void)r.value();
    FAIL("value() did not throw");
  } catch (const boost::system::system_error& e) {
    CHECK(e.code() == ocsp::errc::invalid_schema);
  }

  // A code from another category maps to internal_error for the API.
  const ocsp::error_info foreign{make_error_code(boost::system::errc::io_error), "disk"};
  CHECK(foreign.ocsp_code() == ocsp::errc::internal_error);
}
