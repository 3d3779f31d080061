#include "cnn/layers/shape/flatten_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

void FlattenLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(top[0] != bottom[0], where() << "cannot run in place (top and bottom are the same blob)");
  const FlattenParameter& p = layer_param_.flatten_param();
  const Blob& in = *bottom[0];
  const int n = in.num_axes();
  auto in_range = [n](int a) { return a >= -n && a < n; };
  CNN_CHECK(in_range(p.axis()) && in_range(p.end_axis()),
            where() << "axis " << p.axis() << " / end_axis " << p.end_axis()
                    << " out of range for bottom of shape " << in.shape_string());
  const int start = in.CanonicalAxisIndex(p.axis());
  const int end = in.CanonicalAxisIndex(p.end_axis());
  CNN_CHECK(start <= end, where() << "axis " << p.axis() << " comes after end_axis " << p.end_axis()
                                  << " for bottom of shape " << in.shape_string());
  std::vector<int> shape(in.shape().begin(), in.shape().begin() + start);
  shape.push_back(in.count(start, end + 1));
  shape.insert(shape.end(), in.shape().begin() + end + 1, in.shape().end());
  top[0]->Reshape(shape);
  top[0]->ShareData(in);
}

// The diff is copied, not aliased. Aliasing it in Backward (Caffe's way)
// re-points the bottom's diff and cuts the gradient path of any blob already
// sharing that diff; aliasing it in Reshape makes one buffer of both, so
// whoever zeroes the bottom's diff (the gradient checker does) also wipes
// the top's. The copy is a single memcpy.
void FlattenLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  if (!propagate_down[0] || bottom[0]->diff() == top[0]->diff() || bottom[0]->count() == 0) return;
  cpu_copy(bottom[0]->count(), top[0]->cpu_diff(), bottom[0]->mutable_cpu_diff());
}

CNN_REGISTER_LAYER(Flatten, FlattenLayer);

}  // namespace cnn
