#include "cnn/layers/math/embed_layer.hpp"

#include <cstdint>

#include "cnn/core/common.hpp"
#include "cnn/core/filler.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void EmbedLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const EmbedParameter& p = layer_param_.embed_param();
  CNN_CHECK(p.num_output() > 0, where() << "needs a positive embed_param.num_output");
  CNN_CHECK(p.input_dim() > 0, where() << "needs a positive embed_param.input_dim (the number of indices)");
  CNN_CHECK(p.num_output() <= 1u << 30 && p.input_dim() <= 1u << 30,
            where() << "num_output " << p.num_output() << " or input_dim " << p.input_dim() << " too large");
  num_output_ = static_cast<int>(p.num_output());
  input_dim_ = static_cast<int>(p.input_dim());
  bias_term_ = p.bias_term();
  const std::vector<int> weight_shape{input_dim_, num_output_};
  const size_t expected = bias_term_ ? 2 : 1;
  if (!blobs_.empty()) {
    CNN_CHECK(blobs_.size() == expected, where() << "given " << blobs_.size() << " parameter blob(s), expected "
                                                 << expected << (bias_term_ ? " (weights and bias)" : " (weights)"));
    CNN_CHECK(blobs_[0]->shape() == weight_shape, where() << "weights have shape " << blobs_[0]->shape_string()
                                                          << ", expected " << input_dim_ << " x " << num_output_
                                                          << " (input_dim x num_output)");
    CNN_CHECK(!bias_term_ || blobs_[1]->count() == num_output_,
              where() << "bias has shape " << blobs_[1]->shape_string() << ", expected " << num_output_ << " values");
  } else {
    blobs_.push_back(std::make_shared<Blob>(weight_shape));
    CreateFiller(p.weight_filler())->Fill(blobs_[0].get());
    if (bias_term_) {
      blobs_.push_back(std::make_shared<Blob>(std::vector<int>{num_output_}));
      CreateFiller(p.bias_filler())->Fill(blobs_[1].get());
    }
  }
  param_propagate_down_.assign(blobs_.size(), true);
}

void EmbedLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  std::vector<int> shape = bottom[0]->shape();
  shape.push_back(num_output_);
  CNN_CHECK(static_cast<int64_t>(bottom[0]->count()) * num_output_ <= INT32_MAX,
            where() << "output of " << bottom[0]->count() << " x " << num_output_ << " values is too large");
  count_ = bottom[0]->count();
  top[0]->Reshape(shape);
}

void EmbedLayer::ThrowBadIndex(const Blob& bottom, int position) const {
  CNN_THROW(where() << "index " << bottom.cpu_data()[position] << " at position " << position
                    << " of the input is not an integer in [0, " << input_dim_ << ") (input_dim " << input_dim_
                    << ")");
}

void EmbedLayer::CheckNoPropagateDown(const std::vector<bool>& propagate_down) const {
  CNN_CHECK(!propagate_down[0], where() << "cannot backpropagate to the indices (bottom 0)");
}

void EmbedLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const float* idx = bottom[0]->cpu_data();
  const float* w = blobs_[0]->cpu_data();
  float* y = top[0]->mutable_cpu_data();
  // Every index is checked before the first row is written, so a bad one
  // leaves nothing half done.
  for (int m = 0; m < count_; ++m) {
    if (EmbedRow(idx[m], input_dim_) < 0) ThrowBadIndex(*bottom[0], m);
  }
  for (int m = 0; m < count_; ++m) {
    const int row = EmbedRow(idx[m], input_dim_);
    cpu_copy(num_output_, w + static_cast<int64_t>(row) * num_output_, y + static_cast<int64_t>(m) * num_output_);
  }
  if (bias_term_) {
    const float* b = blobs_[1]->cpu_data();
    for (int m = 0; m < count_; ++m) cpu_axpy(num_output_, 1.f, b, y + static_cast<int64_t>(m) * num_output_);
  }
}

void EmbedLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                              const BlobVec& bottom) {
  CheckNoPropagateDown(propagate_down);
  const float* idx = bottom[0]->cpu_data();
  const float* dy = top[0]->cpu_diff();
  if (param_propagate_down(0)) {
    for (int m = 0; m < count_; ++m) {
      if (EmbedRow(idx[m], input_dim_) < 0) ThrowBadIndex(*bottom[0], m);
    }
    float* dw = blobs_[0]->mutable_cpu_diff();
    for (int m = 0; m < count_; ++m) {
      const int row = EmbedRow(idx[m], input_dim_);
      cpu_axpy(num_output_, 1.f, dy + static_cast<int64_t>(m) * num_output_, dw + static_cast<int64_t>(row) * num_output_);
    }
  }
  if (bias_term_ && param_propagate_down(1)) {
    float* db = blobs_[1]->mutable_cpu_diff();
    for (int m = 0; m < count_; ++m) cpu_axpy(num_output_, 1.f, dy + static_cast<int64_t>(m) * num_output_, db);
  }
}

CNN_REGISTER_LAYER(Embed, EmbedLayer);

}  // namespace cnn
