// Helpers shared by the test suite: random fills, the numerical gradient
// checker, and paths to the project and to ../shared.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cnn/core/blob.hpp"
#include "cnn/core/common.hpp"
#include "cnn/core/layer.hpp"

namespace cnn {
namespace test {

void FillGaussian(Blob* blob, float stddev = 1.f, float mean = 0.f);
void FillUniform(Blob* blob, float lo, float hi);
void FillValues(Blob* blob, const std::vector<float>& values);
std::vector<float> DataOf(const Blob& blob);
std::vector<float> DiffOf(const Blob& blob);
// Expects equal sizes and |a - b| <= tolerance * max(1, |a|) element-wise
// (NaN only against NaN), naming `what` and the first few elements that differ.
void ExpectClose(const std::vector<float>& a, const std::vector<float>& b, float tolerance, const std::string& what);

// Parses a LayerParameter from prototxt text; fails the test on a parse error.
LayerParameter ParseLayer(const std::string& text);

struct GradientCheckOptions {
  float step = 1e-2f;       // central-difference step
  float threshold = 1e-2f;  // allowed relative error
  uint64_t seed = 1701;     // reseeded before every forward so stochastic layers repeat
  // Points within kink_range of kink (ReLU's 0, say) are skipped: the
  // function is not differentiable there.
  float kink = 0.f;
  float kink_range = -1.f;
  bool check_params = true;
  std::vector<int> bottoms;  // bottoms to check; empty = all the layer allows (AllowForceBackward)
};

// Sets up `layer`, then compares its analytic gradients with central
// differences of L = sum_k w_k * top_k (w fixed random weights) with respect
// to the chosen bottoms and every learnable blob. Reports failures through
// gtest's EXPECT macros, naming the blob and element.
void CheckGradient(Layer& layer, const BlobVec& bottom, const BlobVec& top,
                   const GradientCheckOptions& options = GradientCheckOptions());

// CheckGradient on a Gaussian bottom of `shape` with the layer's blobs (set
// up on it) Gaussian too, so that an affine part is not the identity.
void CheckGradientWithRandomBlobs(Layer& layer, const std::vector<int>& shape, const GradientCheckOptions& options);

// `param` with Gaussian blobs (drawn after Context::set_random_seed(seed))
// written in, for a bottom of `shape`: every layer built from it, on either
// device, starts from the same non-trivial weights.
LayerParameter WithRandomBlobs(LayerParameter param, const std::vector<int>& shape, uint64_t seed);

// Runs a layer from `make` forward and backward once with a separate top and
// once in place (top == bottom), on the same Gaussian input and top diff
// (drawn after Context::set_random_seed(seed)), and expects the same values
// and bottom gradients to the bit.
void ExpectInPlaceMatchesSeparate(const std::function<std::unique_ptr<Layer>()>& make,
                                  const std::vector<int>& shape, uint64_t seed);

// Absolute paths: the source tree, ../shared beside it, the built `cnn` tool.
std::string SourcePath(const std::string& relative);
std::string SharedPath(const std::string& relative);
bool PathExists(const std::string& path);
std::string ToolPath();
// A fresh empty directory under the system temp dir.
std::string MakeTempDir();

// Runs a shell command, capturing stdout+stderr; returns the exit status.
int RunCommand(const std::string& command, std::string* output);

// "mpirun" with the flags a test needs (root, a busy 2-core machine) and a
// trailing space, or "" when mpirun is not installed.
std::string Mpirun();
// Whether the built tool says it has MPI.
bool ToolBuiltWithMpi();

// Runs the built `cnn` tool with `args` (a shell-quoted string).
struct ToolResult {
  int status;
  std::string output;
};
ToolResult Cnn(const std::string& args);

// The message of the Error `fn` throws; fails the test when nothing is thrown.
template <typename Fn>
std::string ErrorOf(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected cnn::Error";
  return "";
}

}  // namespace test
}  // namespace cnn
