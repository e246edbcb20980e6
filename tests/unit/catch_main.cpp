// Catch2's main(), in a translation unit of its own so it is compiled once, for the unit, runtime
// and adapter tests.
//
// Strict: a run that matches no test case, or a test case that makes no assertion, fails instead
// of passing. A ctest entry whose name Catch cannot match (a ';' in a TEST_CASE name splits it in
// two when ctest discovers the tests) would otherwise pass without running anything. Catch 2.13
// takes only one --warn on the command line, hence setting both here.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  Catch::Session session;
  if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
  auto& config = session.configData();
  config.warnings = static_cast<Catch::WarnAbout::What>(config.warnings | Catch::WarnAbout::NoAssertions |
                                                         Catch::WarnAbout::NoTests);
  return session.run();
}
