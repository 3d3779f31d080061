#include "cnn/layers/shape/tile_layer.hpp"

#include <cstdint>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/shape/tile_index.hpp"

namespace cnn {

void TileLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const TileParameter& p = layer_param_.tile_param();
  const Blob& in = *bottom[0];
  CNN_CHECK(top[0] != bottom[0], where() << "cannot run in place (top and bottom are the same blob)");
  CNN_CHECK(p.has_tiles(), where() << "tile_param.tiles (the number of copies) must be given");
  CNN_CHECK(p.tiles() > 0, where() << "tiles must be positive, got " << p.tiles());
  const int n = in.num_axes();
  CNN_CHECK(p.axis() >= -n && p.axis() < n,
            where() << "axis " << p.axis() << " out of range for bottom of shape " << in.shape_string());
  const int axis = in.CanonicalAxisIndex(p.axis());
  tiles_ = p.tiles();
  inner_ = in.count(axis);
  std::vector<int> shape = in.shape();
  CNN_CHECK(static_cast<long long>(shape[axis]) * tiles_ <= INT32_MAX,
            where() << tiles_ << " tiles of axis " << axis << " of bottom of shape " << in.shape_string()
                    << " is too large");
  shape[axis] *= tiles_;
  top[0]->Reshape(shape);
}

void TileLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  const float* in = bottom[0]->cpu_data();
  float* out = top[0]->mutable_cpu_data();
  const long long count = top[0]->count();
  for (long long t = 0; t < count; ++t) out[t] = in[TileSource(t, inner_, tiles_)];
}

void TileLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                             const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  const float* top_diff = top[0]->cpu_diff();
  float* diff = bottom[0]->mutable_cpu_diff();
  const long long count = bottom[0]->count();
  for (long long b = 0; b < count; ++b) diff[b] = TileGradient(top_diff, b, inner_, tiles_);
}

CNN_REGISTER_LAYER(Tile, TileLayer);

}  // namespace cnn
