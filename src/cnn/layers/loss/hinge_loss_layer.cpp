#include "cnn/layers/loss/hinge_loss_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void HingeLossLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  ItemLabelLossLayer::LayerSetUp(bottom, top);
  l2_ = layer_param_.hinge_loss_param().norm() == HingeLossParameter_Norm_L2;
}

void HingeLossLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const float* x = bottom[0]->cpu_data();
  const float* labels = bottom[1]->cpu_data();
  double loss = 0.0;
  int valid = 0;
  for (int i = 0; i < num_; ++i) {
    const int label = LabelAt(labels, i);
    if (norm_.Ignores(label)) continue;
    const float* xi = x + static_cast<size_t>(i) * dim_;
    for (int k = 0; k < dim_; ++k) loss += HingeTerm(xi[k], k == label, l2_);
    ++valid;
  }
  top[0]->mutable_cpu_data()[0] = static_cast<float>(loss / norm_.Divisor(num_, num_, valid));
}

void HingeLossLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                  const BlobVec& bottom) {
  CNN_CHECK(!propagate_down[1], where() << "cannot backpropagate to the labels (bottom 1)");
  if (!propagate_down[0]) return;
  const float* x = bottom[0]->cpu_data();
  const float* labels = bottom[1]->cpu_data();
  float* dx = bottom[0]->mutable_cpu_diff();
  int valid = 0;
  for (int i = 0; i < num_; ++i)
    if (!norm_.Ignores(LabelAt(labels, i))) ++valid;
  // top[0]'s diff carries the loss weight.
  const float scale = top[0]->cpu_diff()[0] / norm_.Divisor(num_, num_, valid);
  for (int i = 0; i < num_; ++i) {
    const int label = LabelAt(labels, i);
    const size_t base = static_cast<size_t>(i) * dim_;
    for (int k = 0; k < dim_; ++k)
      dx[base + k] = norm_.Ignores(label) ? 0.f : scale * HingeTermGradient(x[base + k], k == label, l2_);
  }
}

CNN_REGISTER_LAYER(HingeLoss, HingeLossLayer);

}  // namespace cnn
