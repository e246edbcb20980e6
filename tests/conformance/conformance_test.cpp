// Conformance: every vector of shared/vectors/manifest.json (third-party OCSP requests and
// responses, with verdicts from OpenSSL and pyca/cryptography) against libocsp's decoders.
//
// - The accept/reject verdict must match `result.parse`. Where the two oracles disagree
//   (`disputed`), this project's strict-DER choice is listed below with its reason (docs/codec.md
//   lists the same choices).
// - For every accepted vector, the decoder's description (describe_json, what `ocspctl decode`
//   prints) must match each field of `expected`.
// - The same bytes fed to the other PDU's parser must be rejected.
//
// The vectors are read from $OCSP_VECTORS_DIR (ctest sets it from the OCSP_VECTORS_DIR CMake
// option); they are never copied into the repository. Without them the suite exits 77, which
// ctest reports as skipped.
#define CATCH_CONFIG_RUNNER
#include "manifest.hpp"

#include <ocsp/describe.hpp>
#include <ocsp/request.hpp>
#include <ocsp/response.hpp>

#include <catch2/catch.hpp>
#include <simdjson.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace {

namespace dom = simdjson::dom;

struct choice {
  bool accept;
  const char* why;
};

// This project's verdict on each vector the oracles dispute, and why.
const std::map<std::string, choice> disputed_choices{
    {"pyca/req-multi-sha1.der",
     {true, "several Requests in one requestList are valid RFC 6960; cryptography only declines to load them"}},
    {"go/reconstructed/req-two-requests.der", {true, "several Requests are valid RFC 6960 (as above)"}},
    {"pyca/resp-unknown-response-status.der",
     {false, "responseStatus 7 is outside RFC 6960's enumeration: nothing can be concluded from it"}},
    {"go/resp-revoked-critical-single-extension.der",
     {false, "ResponseData.version encodes its DEFAULT v1 explicitly, which is BER, not DER (X.690 11.5)"}},
    {"go/resp-revoked-single-extension-nonce.der",
     {false, "ResponseData.version encodes its DEFAULT v1 explicitly, which is BER, not DER (X.690 11.5)"}},
    {"go/reconstructed/req-trailing-zero-byte.der",
     {false, "a byte after the OCSPRequest: DER admits no trailing data (OpenSSL's CLI ignores it)"}},
};

// Fields of `expected` that describe_json does not produce, because they are another library's
// rendering rather than facts of the encoding.
bool not_compared(std::string_view key) { return key == "parse" || key == "name_rfc4514_cryptography"; }

// Compares every field of `expected` with `ours`, recording each difference with its path.
void compare(dom::element expected, dom::element ours, const std::string& path, std::vector<std::string>& diffs,
             int& compared) {
  const auto type = expected.type();
  if (type == dom::element_type::OBJECT) {
    if (ours.type() != dom::element_type::OBJECT) {
      diffs.push_back(path + ": expected an object");
      return;
    }
    for (auto [key, value] : dom::object(expected)) {
      if (not_compared(key)) continue;
      dom::element mine;
      if (dom::object(ours)[key].get(mine)) {
        diffs.push_back(path + "." + std::string(key) + ": missing from our output");
        continue;
      }
      compare(value, mine, path + "." + std::string(key), diffs, compared);
    }
    return;
  }
  if (type == dom::element_type::ARRAY) {
    if (ours.type() != dom::element_type::ARRAY) {
      diffs.push_back(path + ": expected an array");
      return;
    }
    const dom::array e = expected, o = ours;
    if (e.size() != o.size()) {
      diffs.push_back(path + ": expected " + std::to_string(e.size()) + " elements, got " + std::to_string(o.size()));
      return;
    }
    for (std::size_t i = 0; i < e.size(); ++i) compare(e.at(i).value(), o.at(i).value(), path + "[" + std::to_string(i) + "]", diffs, compared);
    return;
  }
  ++compared;
  if (simdjson::to_string(expected) != simdjson::to_string(ours)) {
    diffs.push_back(path + ": expected " + simdjson::to_string(expected) + ", got " + simdjson::to_string(ours));
  }
}

struct vector_entry {
  std::string file;
  std::string kind;
  std::string verdict;        // result.parse
  std::string expected_json;  // the `expected` object, as text
};

// The fields this suite reads from each manifest vector.
void pick(vector_entry& e, std::string_view key, conformance::json_value value) {
  if (key == "file") e.file = std::string(value.get_string().value());
  else if (key == "kind") e.kind = std::string(value.get_string().value());
  else if (key == "result") e.verdict = std::string(value["parse"].get_string().value());
  else if (key == "expected") {
    simdjson::ondemand::object expected = value.get_object().value();
    e.expected_json = std::string(expected.raw_json().value());
  }
}

struct decoded {
  bool ok = false;
  std::string json;   // describe_json when ok
  std::string error;  // the errc's message otherwise
};

decoded decode(std::string_view kind, const std::vector<std::uint8_t>& bytes) {
  if (kind == "response") {
    auto r = ocsp::parse_ocsp_response(bytes);
    if (!r) return {false, {}, r.error().message()};
    return {true, ocsp::describe_json(r.value()), {}};
  }
  auto r = ocsp::parse_ocsp_request(bytes);
  if (!r) return {false, {}, r.error().message()};
  return {true, ocsp::describe_json(r.value()), {}};
}

}  // namespace

TEST_CASE("conformance: every manifest vector", "[conformance]") {
  const auto vectors = conformance::load_manifest<vector_entry>(pick);
  REQUIRE(vectors.size() > 0);

  int accepted = 0, rejected = 0, disputed = 0, fields = 0, cross_rejections = 0;
  for (const vector_entry& v : vectors) {
    const std::string& file = v.file;
    const std::string& kind = v.kind;
    const std::string& verdict = v.verdict;
    const auto bytes = conformance::read_vector(file);
    const decoded ours = decode(kind, bytes);
    INFO(kind << " " << file << ": oracle verdict " << verdict << "; ours "
              << (ours.ok ? std::string("accept") : "reject (" + ours.error + ")"));
    if (bytes.empty()) {
      FAIL_CHECK("cannot read the vector");
      continue;
    }

    bool should_accept = verdict == "ok";
    if (verdict == "disputed") {
      const auto found = disputed_choices.find(file);
      if (found == disputed_choices.end()) {
        FAIL_CHECK("a disputed vector without a documented choice: decide, then list it here and in docs/codec.md");
        continue;
      }
      INFO("our choice: " << (found->second.accept ? "accept" : "reject") << ", because " << found->second.why);
      should_accept = found->second.accept;
      CHECK(ours.ok == should_accept);
      ++disputed;
    } else {
      CHECK((verdict == "ok" || verdict == "error"));
      CHECK(ours.ok == should_accept);
    }

    if (ours.ok && should_accept) {
      dom::parser ours_parser;
      dom::element mine;
      if (ours_parser.parse(ours.json).get(mine)) {
        FAIL_CHECK("describe_json produced invalid JSON: " << ours.json);
        continue;
      }
      dom::parser expected_parser;
      dom::element expected;
      if (expected_parser.parse(v.expected_json).get(expected)) {
        FAIL_CHECK("the manifest's expected object is not JSON");
        continue;
      }
      std::vector<std::string> diffs;
      compare(expected, mine, "expected", diffs, fields);
      for (const auto& d : diffs) FAIL_CHECK(d);
      ++accepted;
    } else if (!ours.ok) {
      ++rejected;
    }

    // The same bytes as the other kind of PDU must be rejected.
    const decoded other = decode(kind == "response" ? "request" : "response", bytes);
    CHECK_FALSE(other.ok);
    ++cross_rejections;
  }
  std::printf("conformance: %zu vectors: %d accepted (%d fields matched), %d rejected, %d disputed, %d cross-kind rejections\n",
              vectors.size(), accepted, fields, rejected, disputed, cross_rejections);
}

int main(int argc, char** argv) {
  if (!conformance::vectors_available()) return conformance::exit_skipped;
  return Catch::Session().run(argc, argv);
}
