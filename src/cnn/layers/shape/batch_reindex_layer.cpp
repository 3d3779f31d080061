#include "cnn/layers/shape/batch_reindex_layer.hpp"

#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/shape/batch_reindex_index.hpp"

namespace cnn {

void BatchReindexLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const Blob& in = *bottom[0];
  const Blob& index = *bottom[1];
  CNN_CHECK(top[0] != bottom[0], where() << "cannot run in place (top and bottom 0 are the same blob)");
  CNN_CHECK(in.num_axes() >= 1, where() << "bottom 0 needs an item axis, got shape " << in.shape_string());
  CNN_CHECK(index.num_axes() == 1, where() << "the index (bottom 1) must be 1-D, got shape " << index.shape_string());
  std::vector<int> shape = in.shape();
  shape[0] = index.shape(0);
  inner_ = in.count(1);
  top[0]->Reshape(shape);
}

void BatchReindexLayer::CheckIndices(const Blob& index, const Blob& data) const {
  const float* perm = index.cpu_data();
  const int rows = data.shape(0);
  for (int i = 0; i < index.count(); ++i) {
    CNN_CHECK(perm[i] >= 0.f && perm[i] < static_cast<float>(rows),
              where() << "index " << perm[i] << " (element " << i << " of bottom 1) is not an item of bottom 0 of shape "
                      << data.shape_string() << "; indices run from 0 to " << rows - 1);
  }
}

void BatchReindexLayer::BuildGradientIndex(const Blob& index, int rows) {
  const int n = index.count();
  const size_t bytes = static_cast<size_t>(rows + 1 + n) * sizeof(int);
  if (!csr_ || csr_->size() < bytes) csr_ = std::make_unique<SyncedMemory>(bytes);
  int* begin = static_cast<int*>(csr_->mutable_cpu_data());
  int* order = begin + rows + 1;
  const float* perm = index.cpu_data();
  std::vector<int> fill(rows + 1, 0);
  for (int i = 0; i < n; ++i) ++fill[static_cast<int>(perm[i]) + 1];
  for (int r = 0; r < rows; ++r) fill[r + 1] += fill[r];
  std::copy(fill.begin(), fill.end(), begin);
  // Ascending top rows within each bottom row: the sum runs in top order.
  for (int i = 0; i < n; ++i) order[fill[static_cast<int>(perm[i])]++] = i;
}

void BatchReindexLayer::CheckNoIndexGradient(const std::vector<bool>& propagate_down) const {
  CNN_CHECK(!propagate_down[1], where() << "cannot back-propagate to the index (bottom 1)");
}

void BatchReindexLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  CheckIndices(*bottom[1], *bottom[0]);
  const float* in = bottom[0]->cpu_data();
  const float* perm = bottom[1]->cpu_data();
  float* out = top[0]->mutable_cpu_data();
  const long long count = top[0]->count();
  for (long long t = 0; t < count; ++t) out[t] = in[ReindexSource(t, inner_, perm)];
}

void BatchReindexLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                     const BlobVec& bottom) {
  CheckNoIndexGradient(propagate_down);
  if (!propagate_down[0]) return;
  const int rows = bottom[0]->shape(0);
  CheckIndices(*bottom[1], *bottom[0]);
  BuildGradientIndex(*bottom[1], rows);
  const int* begin = static_cast<const int*>(csr_->cpu_data());
  const int* order = begin + rows + 1;
  const float* top_diff = top[0]->cpu_diff();
  float* diff = bottom[0]->mutable_cpu_diff();
  const long long count = bottom[0]->count();
  for (long long b = 0; b < count; ++b) diff[b] = ReindexGradient(b, inner_, begin, order, top_diff);
}

CNN_REGISTER_LAYER(BatchReindex, BatchReindexLayer);

}  // namespace cnn
