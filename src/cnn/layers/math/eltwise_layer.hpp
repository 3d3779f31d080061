// Eltwise: element-wise PROD, SUM (optionally weighted per bottom) or MAX of
// bottoms that all have the same shape.
//
// On the CPU a SUM takes in a ReLU running in place on its top (a ResNet
// block's end; fusing_layer.hpp): the forward pass writes relu(sum) at once,
// the backward masks the top's gradient (as the ReLU would, in place) and
// hands it to the bottoms in the same pass. Bottoms that share one private
// layout (oneDNN's, kept) are summed in it.
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/fusing_layer.hpp"
#include "cnn/core/layer.hpp"
#include "cnn/core/private_layout.hpp"
#include "cnn/core/synced_memory.hpp"

namespace cnn {

class EltwiseLayer : public Layer, public FusingLayer {
 public:
  explicit EltwiseLayer(const LayerParameter& param) : Layer(param) {}

  int Fuse(const std::vector<FusionCandidate>& next, const FusionContext& context) override;
  void set_fused_pass(bool on) override { fused_pass_ = on && relu_taken_; }

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Eltwise"; }
  int MinBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 1; }

 protected:
  bool fused_pass() const { return fused_pass_; }
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;

#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

 private:
  EltwiseParameter::EltwiseOp op_ = EltwiseParameter::SUM;
  std::vector<float> coeffs_;
  bool stable_prod_grad_ = true;
  // MAX: which bottom won at each element (ties go as in Caffe); count()
  // ints. Synced memory, so the side that ran forward hands it to the side
  // that runs backward.
  std::unique_ptr<SyncedMemory> max_idx_;

  // Fusion with the ReLU after a SUM: taken, its slope, whether this pass
  // runs it, and the private layout the last fused forward ran in (null:
  // plain).
  void FusedForward(const BlobVec& bottom, const BlobVec& top);
  void FusedBackward(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom);
  bool relu_taken_ = false;
  float negative_slope_ = 0.f;
  bool fused_pass_ = false;
  std::shared_ptr<const PrivateLayout> fused_layout_;
};

}  // namespace cnn
