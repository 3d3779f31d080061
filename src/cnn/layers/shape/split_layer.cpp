#include "cnn/layers/shape/split_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void SplitLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  for (size_t i = 0; i < top.size(); ++i) {
    // In place would make the summed gradient overwrite the one it reads.
    CNN_CHECK(top[i] != bottom[0], where() << "top " << i << " is its bottom; Split cannot run in place");
    top[i]->ReshapeLike(*bottom[0]);
    top[i]->ShareData(*bottom[0]);
  }
}

void SplitLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                              const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const int n = bottom[0]->count();
  if (n == 0) return;
  float* bottom_diff = bottom[0]->mutable_cpu_diff();
  cpu_copy(n, top[0]->cpu_diff(), bottom_diff);
  for (size_t i = 1; i < top.size(); ++i) cpu_axpy(n, 1.f, top[i]->cpu_diff(), bottom_diff);
}

CNN_REGISTER_LAYER(Split, SplitLayer);

}  // namespace cnn
