// The OpenBLAS kernel set the tool restarts with (cnn/core/blas_core.hpp),
// and the set a started `cnn` runs with on this machine.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>

#include "cnn/core/blas_core.hpp"

namespace cnn {
namespace {

TEST(BlasCore, OnlyAFallbackWithoutAvx2IsReplaced) {
  const CpuVectorFeatures none, avx2{true, false}, avx512{true, true};
  struct Case {
    const char* detected;
    CpuVectorFeatures cpu;
    const char* expected;
  };
  for (const Case& c : {Case{"Prescott", avx512, "SkylakeX"}, Case{"Prescott", avx2, "Haswell"},
                        Case{"Sandybridge", avx2, "Haswell"}, Case{"Nehalem", avx512, "SkylakeX"},
                        Case{"Prescott", none, ""}, Case{"Haswell", avx512, ""}, Case{"Zen", avx512, ""},
                        Case{"SkylakeX", avx512, ""}, Case{"cooperlake", avx512, ""},
                        Case{"SapphireRapids", avx512, ""}}) {
    SCOPED_TRACE(c.detected);
    EXPECT_EQ(BetterOpenBlasCore(c.detected, c.cpu), c.expected);
  }
}

// Runs `cnn version` without OPENBLAS_CORETYPE (the environment a user has)
// and reads the BLAS line's core. Fails on a CPU OpenBLAS 0.3.21 does not
// know (it reported Prescott on an AVX-512 Emerald Rapids) unless the tool
// switches to a vector kernel set.
TEST(BlasCore, TheToolRunsVectorKernelsWhereTheCpuHasThem) {
  if (!DetectCpuVectorFeatures().avx2_fma) GTEST_SKIP() << "this CPU has no AVX2 with FMA";
  const std::string command = std::string("env -u OPENBLAS_CORETYPE ") + CNN_TOOL_PATH +
                              " version 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  ASSERT_TRUE(pipe != nullptr);
  std::string out;
  std::array<char, 512> buf;
  while (fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
  const size_t line = out.find("BLAS: OpenBLAS");
  ASSERT_NE(line, std::string::npos) << out;
  const size_t at = out.find("; core ", line);
  ASSERT_NE(at, std::string::npos) << out;
  const size_t begin = at + 7, end = out.find_first_of(" ;(\n", begin);
  const std::string core = out.substr(begin, end - begin);
  EXPECT_TRUE(IsVectorOpenBlasCore(core)) << "core '" << core << "'\n" << out;
}

}  // namespace
}  // namespace cnn
