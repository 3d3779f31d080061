// Bias (Caffe's): y = x + bias, the bias broadcast over bottom[0] from `axis`
// on (see axis_broadcast.hpp). With one bottom the bias is learned, blobs[0],
// of shape bottom[0].shape[axis : axis + num_axes] (zeros unless `filler`
// says otherwise); with two bottoms bottom[1] is the bias and gets a
// gradient. May run in place.
#pragma once

#include "cnn/core/layer.hpp"
#include "cnn/layers/math/axis_broadcast.hpp"

namespace cnn {

class BiasLayer : public Layer {
 public:
  explicit BiasLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Bias"; }
  int MinBottomBlobs() const override { return 1; }
  int MaxBottomBlobs() const override { return 2; }
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
  Blob& bias(const BlobVec& bottom) const { return bottom.size() > 1 ? *bottom[1] : *blobs_[0]; }

  AxisBroadcast view_;
};

}  // namespace cnn
