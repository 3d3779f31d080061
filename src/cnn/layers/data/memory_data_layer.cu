#include "cnn/layers/data/memory_data_layer.hpp"

#include <cuda_runtime.h>

#include "cnn/gpu/cuda_check.hpp"

namespace cnn {

// One host-to-device copy per top instead of filling the host side first and
// letting synced memory upload it.
void MemoryDataLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  CheckHasData();
  Reshape(bottom, top);
  const size_t count = static_cast<size_t>(batch_size_) * example_size_;
  CNN_CUDA_CHECK(cudaMemcpy(top[0]->mutable_gpu_data(), data_ + static_cast<size_t>(pos_) * example_size_,
                            count * sizeof(float), cudaMemcpyHostToDevice));
  CNN_CUDA_CHECK(cudaMemcpy(top[1]->mutable_gpu_data(), labels_ + pos_, batch_size_ * sizeof(float),
                            cudaMemcpyHostToDevice));
  Advance();
}

}  // namespace cnn
