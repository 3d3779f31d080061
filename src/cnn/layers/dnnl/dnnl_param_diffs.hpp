// The parameter gradients of a oneDNN backward-weights primitive (the
// convolution's, deconvolution's and inner product's), added into the
// layer's diffs: the primitive overwrites its outputs, while Caffe's layers
// add to their parameter diffs (over bottoms, calls and iter_size). The
// weights' gradient goes through a reorder with a sum post-op from the
// primitive's layout into ours; the bias's through a buffer of its own.
#pragma once

#include <dnnl.hpp>

#include <unordered_map>
#include <vector>

#include "cnn/layers/dnnl/dnnl_arg.hpp"

namespace cnn {

class DnnlParamDiffs {
 public:
  // `ours`: our weights' layout; `chosen`: the primitive's diff_weights_desc();
  // `outputs`: the bias's length, 0 without a bias. `borrowed`: the weights'
  // buffer is lent for each pass (LendFromWorkspace with weights_arg()).
  void Reset(const dnnl::memory::desc& ours, const dnnl::memory::desc& chosen, int outputs, bool borrowed);
  DnnlArg* weights_arg() { return &weights_; }
  // The primitive's DIFF_WEIGHTS and DIFF_BIAS arguments.
  void AddTargets(std::unordered_map<int, dnnl::memory>* args);
  // After the primitive ran (and the stream waited): adds its results into
  // the diffs asked for (null: not wanted).
  void AddInto(float* weights_diff, float* bias_diff);

 private:
  DnnlArg weights_;
  std::vector<float> bias_values_;
  dnnl::memory bias_;
};

}  // namespace cnn
