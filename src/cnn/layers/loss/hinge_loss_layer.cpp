#include "cnn/layers/loss/hinge_loss_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void HingeLossLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  norm_ = ReadLossNormalization(layer_param_, LossParameter_NormalizationMode_BATCH_SIZE, where());
  l2_ = layer_param_.hinge_loss_param().norm() == HingeLossParameter_Norm_L2;
}

void HingeLossLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(bottom[0]->num_axes() > 0 && bottom[0]->shape(0) > 0 && bottom[1]->num_axes() > 0 &&
                bottom[1]->shape(0) == bottom[0]->shape(0) && bottom[1]->count() == bottom[0]->shape(0),
            where() << "needs one label per item: scores " << bottom[0]->shape_string() << " hold "
                    << (bottom[0]->num_axes() > 0 ? bottom[0]->shape(0) : 0) << " items, labels "
                    << bottom[1]->shape_string() << " (expected N or N x 1 x 1 x 1)");
  num_ = bottom[0]->shape(0);
  dim_ = bottom[0]->count() / num_;
  top[0]->Reshape(std::vector<int>{});
}

int HingeLossLayer::LabelAt(const float* labels, int i) const {
  const int label = static_cast<int>(labels[i]);
  if (!norm_.Ignores(label) && (label < 0 || label >= dim_)) ThrowBadLabel(label, i);
  return label;
}

void HingeLossLayer::ThrowBadLabel(int label, int item) const {
  CNN_THROW(where() << "label " << label << " of item " << item << " is outside [0, " << dim_ << ") (the scores have "
                    << dim_ << " classes)");
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
