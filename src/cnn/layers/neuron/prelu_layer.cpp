#include "cnn/layers/neuron/prelu_layer.hpp"

#include <memory>

#include "cnn/core/common.hpp"
#include "cnn/core/filler.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"
#include "cnn/layers/neuron/prelu_formula.hpp"

namespace cnn {

void PReLULayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const PReLUParameter& p = layer_param_.prelu_param();
  CNN_CHECK(bottom[0]->num_axes() >= 2, where() << "needs an input with a channel axis (at least 2 axes), got shape "
                                                << bottom[0]->shape_string());
  channel_shared_ = p.channel_shared();
  channels_ = bottom[0]->shape(1);
  // A shared slope is a scalar blob (no axes, one value), as in Caffe.
  const std::vector<int> shape = channel_shared_ ? std::vector<int>{} : std::vector<int>{channels_};
  if (!blobs_.empty()) {
    CNN_CHECK(blobs_.size() == 1, where() << "given " << blobs_.size() << " parameter blobs, expected 1 (the slopes)");
    CNN_CHECK(blobs_[0]->count() == (channel_shared_ ? 1 : channels_),
              where() << "slopes have shape " << blobs_[0]->shape_string() << ", expected "
                      << (channel_shared_ ? "one value (channel_shared)" : std::to_string(channels_) + " (one per channel)"));
  } else {
    blobs_.push_back(std::make_shared<Blob>(shape));
    if (p.has_filler()) {
      CreateFiller(p.filler())->Fill(blobs_[0].get());
    } else {
      FillerParameter constant;
      constant.set_type("constant");
      constant.set_value(0.25f);
      CreateFiller(constant)->Fill(blobs_[0].get());
    }
  }
  param_propagate_down_.assign(1, true);
}

void PReLULayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(bottom[0]->num_axes() >= 2, where() << "needs an input with a channel axis (at least 2 axes), got shape "
                                                << bottom[0]->shape_string());
  CNN_CHECK(channel_shared_ || bottom[0]->shape(1) == channels_,
            where() << "input " << bottom[0]->shape_string() << " has " << bottom[0]->shape(1)
                    << " channels, the slopes were made for " << channels_);
  if (top[0] != bottom[0]) {
    top[0]->ReshapeLike(*bottom[0]);
  } else {
    input_copy_.ReshapeLike(*bottom[0]);
  }
}

void PReLULayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const int n = bottom[0]->count(), inner = bottom[0]->count(2), channels = bottom[0]->shape(1);
  const float* x = bottom[0]->cpu_data();
  const float* slope = blobs_[0]->cpu_data();
  if (top[0] == bottom[0]) cpu_copy(n, x, input_copy_.mutable_cpu_data());
  float* y = top[0]->mutable_cpu_data();
  for (int i = 0; i < n; ++i) y[i] = prelu::Forward(x[i], slope[prelu::SlopeIndex(i, inner, channels, channel_shared_)]);
}

void PReLULayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                              const BlobVec& bottom) {
  const int n = bottom[0]->count(), inner = bottom[0]->count(2), channels = bottom[0]->shape(1);
  const float* x = top[0] == bottom[0] ? input_copy_.cpu_data() : bottom[0]->cpu_data();
  const float* dy = top[0]->cpu_diff();
  // The slopes first: in place, the bottom diff below overwrites dy.
  if (param_propagate_down(0)) {
    float* slope_diff = blobs_[0]->mutable_cpu_diff();
    for (int i = 0; i < n; ++i) {
      slope_diff[prelu::SlopeIndex(i, inner, channels, channel_shared_)] += prelu::SlopeDiff(x[i], dy[i]);
    }
  }
  if (propagate_down[0]) {
    const float* slope = blobs_[0]->cpu_data();
    float* dx = bottom[0]->mutable_cpu_diff();
    for (int i = 0; i < n; ++i) {
      dx[i] = prelu::BottomDiff(x[i], slope[prelu::SlopeIndex(i, inner, channels, channel_shared_)], dy[i]);
    }
  }
}

CNN_REGISTER_LAYER(PReLU, PReLULayer);

}  // namespace cnn
