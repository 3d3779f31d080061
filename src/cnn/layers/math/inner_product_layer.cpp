#include "cnn/layers/math/inner_product_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/filler.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void InnerProductLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const InnerProductParameter& p = layer_param_.inner_product_param();
  CNN_CHECK(p.has_num_output() && p.num_output() > 0, where() << "needs a positive num_output");
  num_output_ = static_cast<int>(p.num_output());
  bias_term_ = p.bias_term();
  transpose_ = p.transpose();
  const int num_axes = bottom[0]->num_axes();
  CNN_CHECK(p.axis() >= -num_axes && p.axis() < num_axes, where() << "axis " << p.axis()
                                                                  << " out of range for input of shape "
                                                                  << bottom[0]->shape_string());
  axis_ = bottom[0]->CanonicalAxisIndex(p.axis());
  input_size_ = bottom[0]->count(axis_);

  const std::vector<int> weight_shape =
      transpose_ ? std::vector<int>{input_size_, num_output_} : std::vector<int>{num_output_, input_size_};
  const size_t expected = bias_term_ ? 2 : 1;
  if (!blobs_.empty()) {
    CNN_CHECK(blobs_.size() == expected, where() << "given " << blobs_.size()
                                                 << " parameter blob(s), expected " << expected
                                                 << (bias_term_ ? " (weights and bias)" : " (weights)"));
    CNN_CHECK(blobs_[0]->shape() == weight_shape,
              where() << "weights have shape " << blobs_[0]->shape_string() << ", expected "
                      << weight_shape[0] << " x " << weight_shape[1]
                      << (transpose_ ? " (input x output, transpose)" : " (output x input)"));
    CNN_CHECK(!bias_term_ || blobs_[1]->count() == num_output_,
              where() << "bias has shape " << blobs_[1]->shape_string() << ", expected " << num_output_
                      << " values");
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

void InnerProductLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const Blob& in = *bottom[0];
  CNN_CHECK(axis_ < in.num_axes(),
            where() << "axis " << axis_ << " out of range for input of shape " << in.shape_string());
  const int k = in.count(axis_);
  CNN_CHECK(k == input_size_,
            where() << "input size " << k << " per example changed, weights expect " << input_size_);
  batch_ = in.count(0, axis_);
  std::vector<int> top_shape(in.shape().begin(), in.shape().begin() + axis_);
  top_shape.push_back(num_output_);
  top[0]->Reshape(top_shape);
}

void InnerProductLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  float* y = top[0]->mutable_cpu_data();
  // y (M x N) = x (M x K) * W^T, with W stored N x K (or K x N when transposed).
  cpu_gemm(false, !transpose_, batch_, num_output_, input_size_, 1.f, bottom[0]->cpu_data(),
           blobs_[0]->cpu_data(), 0.f, y);
  if (bias_term_) {
    const float* b = blobs_[1]->cpu_data();
    for (int i = 0; i < batch_; ++i) cpu_axpy(num_output_, 1.f, b, y + static_cast<int64_t>(i) * num_output_);
  }
}

void InnerProductLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                     const BlobVec& bottom) {
  const float* dy = top[0]->cpu_diff();
  const float* x = bottom[0]->cpu_data();
  if (param_propagate_down(0)) {
    float* dw = blobs_[0]->mutable_cpu_diff();
    if (transpose_) {
      cpu_gemm(true, false, input_size_, num_output_, batch_, 1.f, x, dy, 1.f, dw);  // x^T dy
    } else {
      cpu_gemm(true, false, num_output_, input_size_, batch_, 1.f, dy, x, 1.f, dw);  // dy^T x
    }
  }
  if (bias_term_ && param_propagate_down(1)) {
    float* db = blobs_[1]->mutable_cpu_diff();
    for (int i = 0; i < batch_; ++i)
      cpu_axpy(num_output_, 1.f, dy + static_cast<int64_t>(i) * num_output_, db);
  }
  if (propagate_down[0]) {
    // dx (M x K) = dy (M x N) * W, with W viewed as N x K.
    cpu_gemm(false, transpose_, batch_, input_size_, num_output_, 1.f, dy, blobs_[0]->cpu_data(), 0.f,
             bottom[0]->mutable_cpu_diff());
  }
}

CNN_REGISTER_LAYER(InnerProduct, InnerProductLayer);

}  // namespace cnn
