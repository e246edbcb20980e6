// Shared by the benchmarks on shared/perf-fixtures: the command line, the fixture manifest and
// files, interleaved measurement with allocation counts, medians.
//
// Allocation counting: C++ allocations are counted by the replacement operator new in
// counting_new.cpp, which an executable gets by linking the bench_counting_new object library
// (replacement allocation functions may not be inline, so they cannot live in this header);
// OpenSSL's by calling count_openssl_allocations() first thing in main.
#pragma once

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace bench {

using bytes = std::vector<std::uint8_t>;

/// Heap allocations seen so far: C++ (operator new) and OpenSSL (its malloc/realloc hooks).
inline std::atomic<std::uint64_t> cxx_allocations{0};
inline std::atomic<std::uint64_t> openssl_allocations{0};

inline void* counting_malloc(std::size_t n, const char*, int) {
  openssl_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n);
}
inline void* counting_realloc(void* p, std::size_t n, const char*, int) {
  openssl_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, n);
}
inline void counting_free(void* p, const char*, int) { std::free(p); }

/// Routes OpenSSL's allocations through the counting hooks; call it before OpenSSL allocates anything.
inline void count_openssl_allocations() { CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free); }

/// The command line: FIXTURES_DIR [--iterations N] [--rounds R].
struct options {
  std::filesystem::path fixtures;
  int iterations = 0;
  int rounds = 7;
};

/// Exits with 2, after the usage line, without FIXTURES_DIR.
inline options parse_options(int argc, char** argv, int default_iterations) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FIXTURES_DIR [--iterations N] [--rounds R]\n", argv[0]);
    std::exit(2);
  }
  options o;
  o.fixtures = argv[1];
  o.iterations = default_iterations;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--iterations") == 0) o.iterations = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rounds") == 0) o.rounds = std::atoi(argv[i + 1]);
  }
  return o;
}

/// The rows of FIXTURES_DIR/manifest.tsv below its header, as columns (rows with fewer than 12
/// are passed over). Columns used: 0 name, 3 response file, 4 request file, 5 issuer PEM (beside
/// the PKI's proxy.pem), 8 embedded certificates, 9 SingleResponses. Exits with 2 when there is
/// none.
inline std::vector<std::vector<std::string>> manifest_rows(const std::filesystem::path& dir) {
  std::ifstream tsv(dir / "manifest.tsv");
  std::string line;
  std::getline(tsv, line);  // header
  std::vector<std::vector<std::string>> rows;
  while (std::getline(tsv, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string col; std::getline(ss, col, '\t');) cols.push_back(col);
    if (cols.size() >= 12) rows.push_back(std::move(cols));
  }
  if (rows.empty()) {
    std::fprintf(stderr, "no fixtures in %s/manifest.tsv\n", dir.c_str());
    std::exit(2);
  }
  return rows;
}

/// The whole file; exits with 2 when it cannot be read.
inline bytes read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", p.c_str());
    std::exit(2);
  }
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The first certificate of a PEM file, as DER; exits with 2 on failure.
inline bytes pem_certificate_der(const std::filesystem::path& p) {
  FILE* f = std::fopen(p.c_str(), "r");
  if (f == nullptr) {
    std::fprintf(stderr, "cannot read %s\n", p.c_str());
    std::exit(2);
  }
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (x == nullptr) std::exit(2);
  unsigned char* out = nullptr;
  const int n = i2d_X509(x, &out);
  X509_free(x);
  if (n <= 0) std::exit(2);
  bytes der(out, out + n);
  OPENSSL_free(out);
  return der;
}

/// Keeps results observable so the optimiser cannot drop the work.
inline volatile std::uint64_t sink = 0;

struct measurement {
  double ns = 0;      // per call
  double allocs = 0;  // C++ and OpenSSL heap allocations per call
};

/// Runs `f` `iterations` times; the mean time and allocation count per call.
template <class F>
measurement measure(int iterations, F&& f) {
  const auto a0 = cxx_allocations.load() + openssl_allocations.load();
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t acc = 0;
  for (int i = 0; i < iterations; ++i) acc += f();
  const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
  sink = sink + acc;
  const auto a1 = cxx_allocations.load() + openssl_allocations.load();
  return {elapsed.count() / iterations, static_cast<double>(a1 - a0) / iterations};
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace bench
