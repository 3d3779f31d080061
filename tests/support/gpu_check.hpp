// Helpers for the GPU half of the layer tests: skipping without a device,
// running a block in GPU mode, and comparing a layer's GPU pass with its CPU
// pass on the same inputs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cnn/core/blob.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer.hpp"

namespace cnn {
namespace test {

// True when this is a CUDA build and a CUDA device is usable.
bool HasGpu();

// Switches the calling thread to GPU mode on device 0 for the scope.
class ScopedGpuMode {
 public:
  ScopedGpuMode();
  ~ScopedGpuMode();
  ScopedGpuMode(const ScopedGpuMode&) = delete;
  ScopedGpuMode& operator=(const ScopedGpuMode&) = delete;

 private:
  Mode previous_;
};

struct GpuCompareOptions {
  // |gpu - cpu| <= tolerance * max(1, |cpu|) for every compared element.
  float tolerance = 1e-4f;
  uint64_t seed = 1701;
  // Bottoms to back-propagate into; empty = all.
  std::vector<bool> propagate_down;
  // Fills bottom `index` before the run; default: Gaussian(0, 1).
  std::function<void(int index, Blob* blob)> fill;
  // Layers whose forward draws random numbers (Dropout in TRAIN) cannot
  // match the CPU element for element; they compare shapes only and test
  // their statistics themselves.
  bool compare_values = true;
  bool backward = true;
  // Top 0 is bottom 0 (ReLU, Dropout and friends run in place in most nets).
  bool in_place = false;
};

// Builds the layer from `param` twice (same seed, so fillers give the same
// weights), runs forward and backward once on the CPU and once on the GPU on
// identical bottoms and identical random top diffs, and expects the tops,
// bottom diffs and parameter diffs to agree. Call after SKIP_WITHOUT_GPU().
void ExpectGpuMatchesCpu(const LayerParameter& param, const std::vector<std::vector<int>>& bottom_shapes,
                         const GpuCompareOptions& options = GpuCompareOptions());

// ExpectGpuMatchesCpu for every parameter text and bottom shape, out of place
// and in place, on the layer `head` (name and type) with `field { param }`
// and Gaussian blobs, if it has any (WithRandomBlobs, seed 12).
void ExpectGpuMatchesCpuForEach(const std::string& head, const std::string& field,
                                const std::vector<std::string>& params,
                                const std::vector<std::vector<int>>& shapes);

}  // namespace test
}  // namespace cnn

// GPU tests report "skipped" (not "passed") on machines without a device.
#define SKIP_WITHOUT_GPU()                                                     \
  do {                                                                         \
    if (!::cnn::test::HasGpu()) GTEST_SKIP() << "no CUDA device on this machine"; \
  } while (0)
