#include "cnn/layers/dnnl/dnnl_param_diffs.hpp"

#include "cnn/core/math.hpp"

namespace cnn {

void DnnlParamDiffs::Reset(const dnnl::memory::desc& ours, const dnnl::memory::desc& chosen, int outputs,
                           bool borrowed) {
  if (borrowed) {
    weights_.ResetBorrowed(ours, chosen, true);
  } else {
    weights_.Reset(ours, chosen, true);
  }
  bias_values_.assign(outputs, 0.f);
  bias_ = outputs > 0 ? dnnl::memory(dnnl_util::Plain({outputs}), dnnl_util::Engine(), bias_values_.data())
                      : dnnl::memory();
}

void DnnlParamDiffs::AddTargets(std::unordered_map<int, dnnl::memory>* args) {
  (*args)[DNNL_ARG_DIFF_WEIGHTS] = weights_.Target(nullptr);
  if (!bias_values_.empty()) (*args)[DNNL_ARG_DIFF_BIAS] = bias_;
}

void DnnlParamDiffs::AddInto(float* weights_diff, float* bias_diff) {
  if (weights_diff) weights_.Store(weights_diff);
  if (bias_diff && !bias_values_.empty()) {
    cpu_axpy(static_cast<int>(bias_values_.size()), 1.f, bias_values_.data(), bias_diff);
  }
}

}  // namespace cnn
