// The cell's selects (the exp clamp, the tanh series switch) vectorise
// because the whole project builds with -fno-trapping-math (CMakeLists.txt).
#include "cnn/layers/recurrent/lstm_unit_layer.hpp"

#include <cstdint>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/simd_clones.hpp"
#include "cnn/layers/recurrent/lstm_unit_formula.hpp"

namespace cnn {
namespace {

// One item's H units; separate functions with unaliased pointers so that
// the loops vectorise (and get AVX clones).
CNN_SIMD_CLONES void ForwardItem(int hidden, const float* __restrict__ c_prev, const float* __restrict__ x,
                                 float cont, float* __restrict__ acts, float* __restrict__ c,
                                 float* __restrict__ h) {
  for (int j = 0; j < hidden; ++j) LstmUnitForwardAt(hidden, j, c_prev[j], x, cont, acts, c + j, h + j);
}

void StoreGateGrad(int hidden, int j, const LstmUnitGrad& d, float* dx) {
  dx[j] = d.i;
  dx[hidden + j] = d.f;
  dx[2 * hidden + j] = d.o;
  dx[3 * hidden + j] = d.g;
}

CNN_SIMD_CLONES void BackwardItem(int hidden, const float* __restrict__ c_prev, const float* __restrict__ acts,
                                  const float* __restrict__ c, float cont, const float* __restrict__ dc,
                                  const float* __restrict__ dh, float* __restrict__ dc_prev,
                                  float* __restrict__ dx) {
  for (int j = 0; j < hidden; ++j) {
    const LstmUnitGrad d = LstmUnitBackwardAt(hidden, j, c_prev[j], acts, c[j], cont, dc[j], dh[j]);
    dc_prev[j] = d.c_prev;
    StoreGateGrad(hidden, j, d, dx);
  }
}

// The same when only the gates, or only c_prev, want a gradient.
CNN_SIMD_CLONES void BackwardItemGates(int hidden, const float* __restrict__ c_prev, const float* __restrict__ acts,
                                       const float* __restrict__ c, float cont, const float* __restrict__ dc,
                                       const float* __restrict__ dh, float* __restrict__ dx) {
  for (int j = 0; j < hidden; ++j) {
    StoreGateGrad(hidden, j, LstmUnitBackwardAt(hidden, j, c_prev[j], acts, c[j], cont, dc[j], dh[j]), dx);
  }
}

void BackwardItemCPrev(int hidden, const float* c_prev, const float* acts, const float* c, float cont,
                       const float* dc, const float* dh, float* dc_prev) {
  for (int j = 0; j < hidden; ++j) {
    dc_prev[j] = LstmUnitBackwardAt(hidden, j, c_prev[j], acts, c[j], cont, dc[j], dh[j]).c_prev;
  }
}

}  // namespace

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
    ForwardItem(hidden_, c_prev + row, x + gates, cont[n], acts + gates, c + row, h + row);
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
    if (dc_prev && dx) {
      BackwardItem(hidden_, c_prev + row, acts + gates, c + row, cont[n], dc + row, dh + row, dc_prev + row, dx + gates);
    } else if (dx) {
      BackwardItemGates(hidden_, c_prev + row, acts + gates, c + row, cont[n], dc + row, dh + row, dx + gates);
    } else {
      BackwardItemCPrev(hidden_, c_prev + row, acts + gates, c + row, cont[n], dc + row, dh + row, dc_prev + row);
    }
  }
}

CNN_REGISTER_LAYER(LSTMUnit, LSTMUnitLayer);

}  // namespace cnn
