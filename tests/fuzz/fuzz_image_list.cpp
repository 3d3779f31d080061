// The image list `cnn convert_imageset` reads ("path label" lines), parsed
// and shuffled: any text must either parse or end in cnn::Error naming the
// line.
#include <cstdint>

#include "cnn/core/common.hpp"
#include "cnn/data/image_list.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cnn::fuzz::Init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = cnn::fuzz::WriteInput(data, size, ".txt");
  CNN_FUZZ_EXPECT_ONLY_ERRORS({
    std::vector<cnn::ImageListEntry> entries = cnn::ReadImageList(path);
    for (const auto& e : entries)
      if (e.path.empty() || e.line < 1) __builtin_trap();  // what the parser promises
    cnn::ShuffleImageList(&entries, 5);
  });
  return 0;
}
