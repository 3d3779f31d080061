#include "cnn/layers/math/reduction_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/math/reduction_op.hpp"

namespace cnn {

void ReductionLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const ReductionParameter& p = layer_param_.reduction_param();
  const Blob& in = *bottom[0];
  CNN_CHECK(top[0] != bottom[0], where() << "cannot run in place (top and bottom are the same blob)");
  const int n = in.num_axes();
  CNN_CHECK(p.axis() >= -n && p.axis() < n,
            where() << "axis " << p.axis() << " out of range for bottom of shape " << in.shape_string());
  const int axis = in.CanonicalAxisIndex(p.axis());
  op_ = static_cast<int>(p.operation());
  num_ = in.count(0, axis);
  dim_ = in.count(axis);
  coeff_ = p.coeff();
  if (op_ == kReduceMean && dim_ > 0) coeff_ /= static_cast<float>(dim_);
  top[0]->Reshape(std::vector<int>(in.shape().begin(), in.shape().begin() + axis));
}

void ReductionLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const float* x = bottom[0]->cpu_data();
  float* y = top[0]->mutable_cpu_data();
  for (int i = 0; i < num_; ++i) {
    double sum = 0.0;
    const float* row = x + static_cast<long long>(i) * dim_;
    for (int j = 0; j < dim_; ++j) sum += ReductionTerm(op_, row[j]);
    y[i] = static_cast<float>(sum) * coeff_;
  }
}

void ReductionLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                  const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const float* x = bottom[0]->cpu_data();
  const float* dy = top[0]->cpu_diff();
  float* dx = bottom[0]->mutable_cpu_diff();
  for (int i = 0; i < num_; ++i) {
    const float scaled = dy[i] * coeff_;
    const long long base = static_cast<long long>(i) * dim_;
    for (int j = 0; j < dim_; ++j) dx[base + j] = ReductionGradient(op_, x[base + j], scaled);
  }
}

CNN_REGISTER_LAYER(Reduction, ReductionLayer);

}  // namespace cnn
