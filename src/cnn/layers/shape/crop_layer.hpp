// Crop: cuts bottom 0 down to the shape of bottom 1 on the axes from
// crop_param.axis on (default 2: H and W of N,C,H,W), keeping earlier axes.
// crop_param.offset gives where the window starts: none = 0 everywhere, one
// value for every cropped axis, or one per cropped axis. Bottom 1 only gives
// the shape: its gradient is zero.
#pragma once

#include <vector>

#include "cnn/core/layer.hpp"
#include "cnn/layers/shape/crop_index.hpp"

namespace cnn {

class CropLayer : public Layer {
 public:
  explicit CropLayer(const LayerParameter& param) : Layer(param) {}

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Crop"; }
  int ExactNumBottomBlobs() const override { return 2; }
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

 private:
  CropIndex index_;
};

}  // namespace cnn
