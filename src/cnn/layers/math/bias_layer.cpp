#include "cnn/layers/math/bias_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/filler.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void BiasLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const BiasParameter& p = layer_param_.bias_param();
  if (bottom.size() == 1) {
    const std::vector<int> shape = OperandShape(*bottom[0], p.axis(), p.num_axes(), where(), "bias");
    if (!blobs_.empty()) {
      CNN_CHECK(blobs_.size() == 1, where() << "given " << blobs_.size() << " blobs, expected 1 (bias)");
      CNN_CHECK(blobs_[0]->shape() == shape, where() << "bias blob has shape " << blobs_[0]->shape_string()
                                                     << ", input of shape " << bottom[0]->shape_string()
                                                     << " needs " << Blob(shape).shape_string());
    } else {
      blobs_.push_back(std::make_shared<Blob>(shape));
      // An unset filler is the constant 0 (FillerParameter's defaults).
      CreateFiller(p.filler())->Fill(blobs_[0].get());
    }
  } else {
    CNN_CHECK(blobs_.empty(), where() << "given " << blobs_.size()
                                      << " blob(s), but the bias is its second bottom: expected none");
  }
  param_propagate_down_.assign(blobs_.size(), true);
}

void BiasLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  view_ = BroadcastView(*bottom[0], bias(bottom), layer_param_.bias_param().axis(), where(), "bias");
  if (top[0] != bottom[0]) top[0]->ReshapeLike(*bottom[0]);
}

void BiasLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  cpu_broadcast_add(view_, bottom[0]->cpu_data(), bias(bottom).cpu_data(), top[0]->mutable_cpu_data());
}

void BiasLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                             const BlobVec& bottom) {
  const bool learned = bottom.size() == 1;
  if (learned ? param_propagate_down(0) : propagate_down[1]) {
    // A learned bias accumulates like every parameter; a bias bottom's
    // gradient is overwritten like every bottom's.
    cpu_sum_to_operand(view_, top[0]->cpu_diff(), nullptr, learned, bias(bottom).mutable_cpu_diff());
  }
  if (propagate_down[0] && top[0] != bottom[0]) {
    cpu_copy(top[0]->count(), top[0]->cpu_diff(), bottom[0]->mutable_cpu_diff());
  }
}

CNN_REGISTER_LAYER(Bias, BiasLayer);

}  // namespace cnn
