// Shared by the benchmarks that need it: reading fixture files, interleaved measurement with
// allocation counts, medians. The executable that includes it defines the counters' hooks
// (operator new, CRYPTO_set_mem_functions) in its own translation unit: replacement allocation
// functions may not be inline, so they cannot live in a header.
#pragma once

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
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
