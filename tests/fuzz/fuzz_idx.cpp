// An idx file (MNIST's format, gzipped or not) as `cnn convert_mnist` reads
// it, read both as images and as labels: any file must either read or end in
// cnn::Error naming it.
#include <cstdint>

#include "cnn/core/common.hpp"
#include "cnn/data/idx_reader.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cnn::fuzz::Init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = cnn::fuzz::WriteInput(data, size, ".idx");
  CNN_FUZZ_EXPECT_ONLY_ERRORS({
    const cnn::IdxImages images = cnn::ReadIdxImages(path);
    // Touch the last pixel, where a wrong size would show.
    volatile char last = images.image(images.count - 1)[images.rows * images.cols - 1];
    (void)last;
  });
  CNN_FUZZ_EXPECT_ONLY_ERRORS({
    const cnn::IdxLabels labels = cnn::ReadIdxLabels(path);
    volatile int last = labels.label(labels.count - 1);
    (void)last;
  });
  return 0;
}
