// PUT /v1/ocsp body validation vs a bare simdjson DOM parse of the same bytes.
//
//   bench_put_validation [--iterations N] [--rounds R]
//
// Both sides run interleaved in each round, so machine noise hits them alike; the report is the
// median per-call time of each over the rounds and their ratio. Goal (issue 6): validation within
// 1.5x of the bare parse.
#include <ocsp/config_json.hpp>

#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

template <class F>
double ns_per_call(int iterations, F&& f) {
  const auto start = clock_type::now();
  for (int i = 0; i < iterations; ++i) f();
  const std::chrono::duration<double, std::nano> elapsed = clock_type::now() - start;
  return elapsed.count() / iterations;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 200000;
  int rounds = 9;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--iterations") == 0) iterations = std::atoi(argv[i + 1]);
    else if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  if (iterations <= 0 || rounds <= 0) {
    std::fprintf(stderr, "usage: %s [--iterations N] [--rounds R]\n", argv[0]);
    return 2;
  }

  const std::string url = "http://ocsp.example.com/";
  const std::string body = R"({"ocsp_functionality": true, "query_frequency": 3800, "response_timeout": 2, )"
                           R"("recovery_frequency": 80, "recovery_max_tries": 20, "responder_url": ")" +
                           url + "\"}";

  simdjson::dom::parser dom;
  std::size_t sink = 0;
  std::vector<double> ours, baseline;
  for (int r = 0; r < rounds; ++r) {
    ours.push_back(ns_per_call(iterations, [&] {
      auto patch = ocsp::parse_config_patch(body, url);
      if (!patch) std::abort();
      sink += static_cast<std::size_t>(*patch.value().query_frequency);
    }));
    baseline.push_back(ns_per_call(iterations, [&] {
      // The bare parse gets the same copy into padded memory that the validator makes.
      const simdjson::padded_string padded(body);
      simdjson::dom::element doc;
      if (dom.parse(padded).get(doc)) std::abort();
      sink += doc.is_object() ? 1U : 0U;
    }));
  }
  const double o = median(ours), b = median(baseline);
  std::printf("PUT body validation (%zu bytes), median of %d rounds x %d calls\n", body.size(), rounds, iterations);
  std::printf("  %-40s %10.1f ns/call\n", "ocsp::parse_config_patch", o);
  std::printf("  %-40s %10.1f ns/call\n", "baseline: simdjson DOM parse", b);
  std::printf("  ratio (ours / baseline)                  %10.2fx   goal <= 1.50x: %s\n", o / b,
              o / b <= 1.5 ? "met" : "NOT met");
  return sink == 0 ? 1 : 0;
}
