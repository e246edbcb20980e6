// The direct adapter, in process: GET /v1/ocsp/status, GET /v1/ocsp and PUT /v1/ocsp through the
// router (exactly what the HTTP adapter hands it, minus the socket), and the typed calls beside
// them.
//
//   bench_adapter FIXTURES_DIR [--iterations N] [--rounds R]
//
// The service holds the p256 fixture's proxy certificate (its responder URL comes from the AIA)
// and a cached GOOD status. Every contender runs once per round, interleaved, and the report is
// the median per call over the rounds. Goal (issue 6): under 1 us per GET through the router. The
// PUT rows show the price of durability: with the file store a PUT is acknowledged only after its
// file and directory are fsync'ed, which the in-memory store skips.
#include "bench_support.hpp"

#include <ocsp/direct/client.hpp>
#include <ocsp/service.hpp>
#include <ocsp/state_dir.hpp>

#include <array>
#include <functional>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;

struct contender {
  const char* name;
  int iterations_divisor;  // fewer calls for the slow (fsync) row
  std::function<std::uint64_t()> call;
  std::vector<double> ns;
  std::vector<double> allocs;
};

std::unique_ptr<ocsp::service> make_service(std::shared_ptr<ocsp::config_store> store,
                                            std::shared_ptr<const ocsp::proxy_certificate> cert) {
  auto svc = ocsp::service::create({.store = std::move(store), .certificate = std::move(cert)});
  if (!svc) {
    std::fprintf(stderr, "service: %s\n", svc.error().message.c_str());
    std::exit(2);
  }
  auto service = std::move(svc).value();
  // OCSP on, and a cached answer as the poller would leave it.
  if (!service->put_config({"bench", ocsp::role::admin}, R"({"ocsp_functionality":true})")) std::exit(2);
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  ocsp::ocsp_status status;
  status.status = ocsp::cert_status::good;
  status.responder_url = service->certificate()->responder_url();
  status.produced_at = now - 60s;
  status.this_update = now - 60s;
  status.next_update = now + 24h;
  service->cache().store(status);
  return service;
}

// Two valid bodies, alternated, so that every PUT changes the configuration.
std::uint64_t put(ocsp::direct::client& c, unsigned& flip) {
  static constexpr std::array<std::string_view, 2> bodies{
      R"({"query_frequency": 3800, "response_timeout": 2, "recovery_frequency": 80, "recovery_max_tries": 20})",
      R"({"query_frequency": 3900, "response_timeout": 3, "recovery_frequency": 90, "recovery_max_tries": 10})"};
  const ocsp::response r = c.call("PUT", "/v1/ocsp", bodies[flip++ & 1U]);
  if (r.status != 200) {
    std::fprintf(stderr, "PUT answered %u: %s\n", r.status, r.body.c_str());
    std::exit(1);
  }
  return r.body.size();
}

std::uint64_t get(const ocsp::direct::client& c, std::string_view target) {
  const ocsp::response r = c.call("GET", target);
  if (r.status != 200) {
    std::fprintf(stderr, "GET %.*s answered %u: %s\n", static_cast<int>(target.size()), target.data(), r.status,
                 r.body.c_str());
    std::exit(1);
  }
  return r.body.size();
}

/// Calls per second of `threads` threads each running `calls` router GETs of the status.
double parallel_gets_per_second(const ocsp::direct::client& c, int threads, int calls) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      std::uint64_t acc = 0;
      for (int i = 0; i < calls; ++i) acc += get(c, "/v1/ocsp/status");
      bench::sink = bench::sink + acc;
    });
  }
  for (auto& th : pool) th.join();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  return threads * static_cast<double>(calls) / elapsed.count();
}

}  // namespace

int main(int argc, char** argv) {
  const bench::options opt = bench::parse_options(argc, argv, 200000);
  const std::filesystem::path pki = opt.fixtures / "p256" / "pki";
  auto loaded = ocsp::proxy_certificate::load(pki / "proxy.pem", pki / "issuer.pem");
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
    return 2;
  }
  auto cert = std::make_shared<const ocsp::proxy_certificate>(std::move(loaded).value());

  auto memory = make_service(std::make_shared<ocsp::memory_config_store>(), cert);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("bench-adapter-" + std::to_string(::getpid()));
  auto state = ocsp::state_directory::open(dir);
  if (!state) {
    std::fprintf(stderr, "%s\n", state.error().message.c_str());
    return 2;
  }
  auto durable = make_service(
      std::make_shared<ocsp::file_config_store>(std::make_shared<ocsp::state_directory>(std::move(state).value())),
      cert);

  ocsp::direct::client admin(*memory, {"bench-admin", ocsp::role::admin});
  // Only admin holds view_ocsp_status (the contract), so the reads are an admin's too.
  const ocsp::direct::client& viewer = admin;
  ocsp::direct::client durable_admin(*durable, {"bench-admin", ocsp::role::admin});
  unsigned flip_memory = 0, flip_file = 0;

  std::vector<contender> rows;
  rows.push_back({"router GET /v1/ocsp/status", 1, [&] { return get(viewer, "/v1/ocsp/status"); }, {}, {}});
  rows.push_back({"router GET /v1/ocsp", 1, [&] { return get(viewer, "/v1/ocsp"); }, {}, {}});
  rows.push_back({"router PUT /v1/ocsp (memory store)", 1, [&] { return put(admin, flip_memory); }, {}, {}});
  rows.push_back({"router PUT /v1/ocsp (file store, fsync)", 1000,
                  [&] { return put(durable_admin, flip_file); }, {}, {}});
  rows.push_back({"typed get_status()", 1,
                  [&] { return static_cast<std::uint64_t>(viewer.get_status().value().status); }, {}, {}});
  rows.push_back({"typed get_config()", 1,
                  [&] { return static_cast<std::uint64_t>(viewer.get_config().value().config.query_frequency); }, {},
                  {}});

  for (int r = 0; r < opt.rounds; ++r) {
    for (auto& row : rows) {
      const auto m = bench::measure(std::max(1, opt.iterations / row.iterations_divisor), row.call);
      row.ns.push_back(m.ns);
      row.allocs.push_back(m.allocs);
    }
  }
  const double parallel = parallel_gets_per_second(viewer, 2, std::max(1, opt.iterations / 2));

  std::printf("### Direct adapter (in process, through the router)\n\n");
  std::printf("Median of %d rounds x %d calls (the fsync'ed PUT: %d calls), one thread.\n\n", opt.rounds,
              opt.iterations, std::max(1, opt.iterations / 1000));
  std::printf("| call | ns/call | calls/s | allocations/call | goal |\n| --- | ---: | ---: | ---: | --- |\n");
  for (const auto& row : rows) {
    const double ns = bench::median(row.ns);
    const bool is_router_get = std::string_view(row.name).starts_with("router GET");
    std::printf("| %s | %.0f | %.0f | %.1f | %s |\n", row.name, ns, 1e9 / ns, bench::median(row.allocs),
                is_router_get ? (ns < 1000 ? "< 1 us: met" : "< 1 us: **NOT met**") : "-");
  }
  std::printf("\nTwo threads on the same client, router GET /v1/ocsp/status: %.0f calls/s in all "
              "(%.2fx the one-thread figure).\n",
              parallel, parallel / (1e9 / bench::median(rows[0].ns)));

  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return bench::sink == 0 ? 1 : 0;
}
