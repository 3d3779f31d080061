#include "cnn/layers/recurrent/lstm_unit_layer.hpp"

#include <cstdint>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/recurrent/lstm_unit_formula.hpp"

namespace cnn {

void LSTMUnitLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const Blob& c_prev = *bottom[0];
  const Blob& x = *bottom[1];
  const Blob& cont = *bottom[2];
  CNN_CHECK(c_prev.num_axes() == 3 && c_prev.shape(0) == 1,
            where() << "c_prev (bottom 0) has shape " << c_prev.shape_string() << ", expected 1 x N x H");
  num_ = c_prev.shape(1);
  hidden_ = c_prev.shape(2);
  CNN_CHECK(x.num_axes() == 3 && x.shape(0) == 1 && x.shape(1) == num_ &&
                static_cast<int64_t>(x.shape(2)) == 4 * static_cast<int64_t>(hidden_),
            where() << "gate input x (bottom 1) has shape " << x.shape_string() << ", expected 1 x " << num_
                    << " x " << 4 * static_cast<int64_t>(hidden_) << " (4 gates of c_prev's " << hidden_ << ")");
  CNN_CHECK(cont.num_axes() == 2 && cont.shape(0) == 1 && cont.shape(1) == num_,
            where() << "cont (bottom 2) has shape " << cont.shape_string() << ", expected 1 x " << num_);
  top[0]->ReshapeLike(c_prev);
  top[1]->ReshapeLike(c_prev);
  acts_.ReshapeLike(x);
}

void LSTMUnitLayer::CheckNoContGradient(const std::vector<bool>& propagate_down) const {
  CNN_CHECK(!propagate_down[2], where() << "cannot backpropagate to the sequence indicators cont (bottom 2)");
}

void LSTMUnitLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const float* c_prev = bottom[0]->cpu_data();
  const float* x = bottom[1]->cpu_data();
  const float* cont = bottom[2]->cpu_data();
  float* acts = acts_.mutable_cpu_data();
  float* c = top[0]->mutable_cpu_data();
  float* h = top[1]->mutable_cpu_data();
  for (int n = 0; n < num_; ++n) {
    const int64_t row = static_cast<int64_t>(n) * hidden_;
    const int64_t gates = 4 * row;
    for (int j = 0; j < hidden_; ++j) {
      LstmUnitForwardAt(hidden_, j, c_prev[row + j], x + gates, cont[n], acts + gates, c + row + j, h + row + j);
    }
  }
}

void LSTMUnitLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                 const BlobVec& bottom) {
  CheckNoContGradient(propagate_down);
  if (!propagate_down[0] && !propagate_down[1]) return;
  const float* c_prev = bottom[0]->cpu_data();
  const float* cont = bottom[2]->cpu_data();
  const float* acts = acts_.cpu_data();
  const float* c = top[0]->cpu_data();
  const float* dc = top[0]->cpu_diff();
  const float* dh = top[1]->cpu_diff();
  float* dc_prev = propagate_down[0] ? bottom[0]->mutable_cpu_diff() : nullptr;
  float* dx = propagate_down[1] ? bottom[1]->mutable_cpu_diff() : nullptr;
  for (int n = 0; n < num_; ++n) {
    const int64_t row = static_cast<int64_t>(n) * hidden_;
    const int64_t gates = 4 * row;
    for (int j = 0; j < hidden_; ++j) {
      LstmUnitBackwardAt(hidden_, j, c_prev[row + j], acts + gates, c[row + j], cont[n], dc[row + j], dh[row + j],
                         dc_prev ? dc_prev + row + j : nullptr, dx ? dx + gates : nullptr);
    }
  }
}

CNN_REGISTER_LAYER(LSTMUnit, LSTMUnitLayer);

}  // namespace cnn
