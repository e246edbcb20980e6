// The replacement operator new/delete that counts C++ heap allocations for bench_support.hpp's
// measure(). Replacement allocation functions may not be inline, so they live in this one
// translation unit, which each counting benchmark links (the bench_counting_new object library).
// Out here GCC cannot inline the malloc/free pair into the benchmarks' new-expressions, which
// -Wmismatched-new-delete flags; no diagnostic pragma is needed (unless built with LTO).
#include "bench_support.hpp"

#include <cstdlib>
#include <new>

void* operator new(std::size_t n) {
  bench::cxx_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
