#include "cnn/layers/math/scale_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/filler.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void ScaleLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const ScaleParameter& p = layer_param_.scale_param();
  const bool learned_scale = bottom.size() == 1;
  const size_t expected = (learned_scale ? 1 : 0) + (p.bias_term() ? 1 : 0);
  std::vector<int> scale_shape, bias_shape;
  if (learned_scale) {
    scale_shape = OperandShape(*bottom[0], p.axis(), p.num_axes(), where(), "scale");
    bias_shape = scale_shape;
  } else {
    bias_shape = bottom[1]->shape();
  }
  bias_id_ = p.bias_term() ? static_cast<int>(expected) - 1 : -1;
  if (!blobs_.empty()) {
    CNN_CHECK(blobs_.size() == expected,
              where() << "given " << blobs_.size() << " blob(s), expected " << expected
                      << (learned_scale ? (p.bias_term() ? " (scale and bias)" : " (scale)") : " (bias)"));
    if (learned_scale)
      CNN_CHECK(blobs_[0]->shape() == scale_shape,
                where() << "scale blob has shape " << blobs_[0]->shape_string() << ", input of shape "
                        << bottom[0]->shape_string() << " needs " << Blob(scale_shape).shape_string());
    if (bias_id_ >= 0)
      CNN_CHECK(blobs_[bias_id_]->shape() == bias_shape,
                where() << "bias blob has shape " << blobs_[bias_id_]->shape_string() << ", expected "
                        << Blob(bias_shape).shape_string());
  } else {
    if (learned_scale) {
      blobs_.push_back(std::make_shared<Blob>(scale_shape));
      if (p.has_filler()) {
        CreateFiller(p.filler())->Fill(blobs_.back().get());
      } else {
        // Ones: the layer starts as the identity.
        cpu_set(blobs_.back()->count(), 1.f, blobs_.back()->mutable_cpu_data());
      }
    }
    if (p.bias_term()) {
      blobs_.push_back(std::make_shared<Blob>(bias_shape));
      // An unset filler is the constant 0 (FillerParameter's defaults).
      CreateFiller(p.bias_filler())->Fill(blobs_.back().get());
    }
  }
  param_propagate_down_.assign(blobs_.size(), true);
}

void ScaleLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  view_ = BroadcastView(*bottom[0], scale(bottom), layer_param_.scale_param().axis(), where(), "scale");
  if (bias_id_ >= 0) {
    CNN_CHECK(blobs_[bias_id_]->count() == view_.dim,
              where() << "bias blob has shape " << blobs_[bias_id_]->shape_string() << ", the scale "
                      << scale(bottom).shape_string());
  }
  if (top[0] == bottom[0]) {
    x_copy_.ReshapeLike(*bottom[0]);
  } else {
    top[0]->ReshapeLike(*bottom[0]);
  }
}

void ScaleLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  // In place, x is gone by backward; only the scale's gradient reads it,
  // and a net that never learns the scale (a planned deploy net) skips the
  // activation-sized copy.
  const bool keep_x = bottom.size() > 1 || param_propagate_down(0);
  if (top[0] == bottom[0] && keep_x) cpu_copy(bottom[0]->count(), bottom[0]->cpu_data(), x_copy_.mutable_cpu_data());
  cpu_broadcast_scale(view_, bottom[0]->cpu_data(), scale(bottom).cpu_data(), bias_cpu(), top[0]->mutable_cpu_data());
}

void ScaleLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                              const BlobVec& bottom) {
  const float* dy = top[0]->cpu_diff();
  if (bias_id_ >= 0 && param_propagate_down(bias_id_)) {
    cpu_sum_to_operand(view_, dy, nullptr, true, blobs_[bias_id_]->mutable_cpu_diff());
  }
  const bool learned_scale = bottom.size() == 1;
  if (learned_scale ? param_propagate_down(0) : propagate_down[1]) {
    const float* x = (top[0] == bottom[0] ? x_copy_ : *bottom[0]).cpu_data();
    // A learned scale accumulates like every parameter; a scale bottom's
    // gradient is overwritten like every bottom's.
    Blob& s = learned_scale ? *blobs_[0] : *bottom[1];
    cpu_sum_to_operand(view_, dy, x, learned_scale, s.mutable_cpu_diff());
  }
  if (propagate_down[0]) {
    cpu_broadcast_scale(view_, dy, scale(bottom).cpu_data(), nullptr, bottom[0]->mutable_cpu_diff());
  }
}

CNN_REGISTER_LAYER(Scale, ScaleLayer);

}  // namespace cnn
