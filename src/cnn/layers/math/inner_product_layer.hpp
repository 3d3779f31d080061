// InnerProduct (fully connected): flattens every axis from `axis` on into one
// input vector of K values per example and computes y = W x + b with
// num_output outputs. Weights are (num_output, K), or (K, num_output) with
// transpose; the bias is (num_output).
#pragma once

#include "cnn/core/layer.hpp"

namespace cnn {

class InnerProductLayer : public Layer {
 public:
  explicit InnerProductLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "InnerProduct"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

 protected:  // the settings below are also read by the oneDNN engine (layers/dnnl/)
  int axis_ = 1;
  int num_output_ = 0;  // N
  int input_size_ = 0;  // K, fixed at setup by the weights
  int batch_ = 0;       // M, product of the axes before `axis`
  bool bias_term_ = true;
  bool transpose_ = false;
};

}  // namespace cnn
