#include "cnn/layers/shape/split_layer.hpp"

#include <memory>
#include <vector>

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
  // Diffs all in one private layout (oneDNN's, kept between its layers: the
  // two branches of a ResNet block) are summed in it, which an element-wise
  // sum allows, and the bottom's diff keeps it: no conversion either way.
  std::shared_ptr<const PrivateLayout> layout = top[0]->diff()->shared_prv_layout();
  for (size_t i = 1; layout && i < top.size(); ++i) {
    const PrivateLayout* other = top[i]->diff()->prv_layout();
    if (!other || !layout->Same(*other)) layout.reset();
  }
  if (layout) {
    const int m = static_cast<int>(layout->bytes() / sizeof(float));
    std::vector<const float*> dy;
    for (Blob* t : top) dy.push_back(static_cast<const float*>(t->diff()->prv_data(*layout)));
    float* dx = static_cast<float*>(bottom[0]->diff()->mutable_prv_data(layout));
    cpu_copy(m, dy[0], dx);
    for (size_t i = 1; i < dy.size(); ++i) cpu_axpy(m, 1.f, dy[i], dx);
    return;
  }
  float* bottom_diff = bottom[0]->mutable_cpu_diff();
  cpu_copy(n, top[0]->cpu_diff(), bottom_diff);
  for (size_t i = 1; i < top.size(); ++i) cpu_axpy(n, 1.f, top[i]->cpu_diff(), bottom_diff);
}

CNN_REGISTER_LAYER(Split, SplitLayer);

}  // namespace cnn
