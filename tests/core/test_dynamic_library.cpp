// DynamicLibrary and LoadOnce (cnn/core/dynamic_library.hpp), which open
// cuBLAS and NCCL on first use: their messages, and a failure kept.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "cnn/core/dynamic_library.hpp"

namespace cnn {
namespace {

DynamicLibrary::Names Libm(const std::string& soname) {
  return {"the maths library", soname, "", "install libc6", "is it older than glibc 2.0?"};
}

TEST(DynamicLibrary, ResolvesASymbolOfALoadedLibrary) {
  const DynamicLibrary lib(Libm("libm.so.6"));
  double (*cosine)(double) = nullptr;
  lib.Resolve("cos", &cosine);
  ASSERT_NE(cosine, nullptr);
  EXPECT_EQ(cosine(0.5), std::cos(0.5));
}

TEST(DynamicLibrary, AMissingLibraryIsNamedWithHowToGetIt) {
  try {
    DynamicLibrary lib({"Nothing", "libcnn_no_such_library.so.1", "libcnn_no_such_library.so", "install nothing",
                        ""});
    FAIL() << "opened a library that does not exist";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cannot load Nothing (libcnn_no_such_library.so.1): "), std::string::npos) << m;
    EXPECT_NE(m.find("; install nothing"), std::string::npos) << m;
  }
}

TEST(DynamicLibrary, AMissingSymbolIsNamedWithTheReason) {
  const DynamicLibrary lib(Libm("libm.so.6"));
  void (*fn)() = nullptr;
  try {
    lib.Resolve("cnn_no_such_symbol", &fn);
    FAIL() << "resolved a symbol that does not exist";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("libm.so.6 has no symbol cnn_no_such_symbol: is it older than glibc 2.0?"),
              std::string::npos)
        << e.what();
  }
}

struct FailingApi {};
int load_calls = 0;
FailingApi LoadFailing() {
  ++load_calls;
  CNN_THROW("cannot load Failing (libfailing.so.1): not found");
}

TEST(DynamicLibrary, LoadOnceKeepsAFailureAndLoadsOnce) {
  for (int i = 0; i < 3; ++i) {
    try {
      LoadOnce(&LoadFailing);
      FAIL() << "a failed load returned";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("cannot load Failing (libfailing.so.1): not found"), std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(load_calls, 1);
}

}  // namespace
}  // namespace cnn
