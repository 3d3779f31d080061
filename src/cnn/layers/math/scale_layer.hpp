// Scale (Caffe's): y = x * scale, the scale broadcast over bottom[0] from
// `axis` on (see axis_broadcast.hpp), optionally plus a bias of the same
// shape (bias_term). With one bottom the scale is learned, blobs[0], of shape
// bottom[0].shape[axis : axis + num_axes] (filled with ones unless `filler`
// says otherwise); with two bottoms bottom[1] is the scale and gets a
// gradient. The bias, when there is one, is the last blob: blobs[1] beside a
// learned scale, blobs[0] with a scale bottom, as Caffe stores it, so Caffe
// models (ResNet's BatchNorm + Scale pairs) load. May run in place.
#pragma once

#include "cnn/core/layer.hpp"
#include "cnn/layers/math/axis_broadcast.hpp"

namespace cnn {

class ScaleLayer : public Layer {
 public:
  explicit ScaleLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "Scale"; }
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
  const Blob& scale(const BlobVec& bottom) const { return bottom.size() > 1 ? *bottom[1] : *blobs_[0]; }
  const float* bias_cpu() const { return bias_id_ < 0 ? nullptr : blobs_[bias_id_]->cpu_data(); }
#ifdef CNN_WITH_CUDA
  const float* bias_gpu() const { return bias_id_ < 0 ? nullptr : blobs_[bias_id_]->gpu_data(); }
#endif

  AxisBroadcast view_;
  int bias_id_ = -1;  // index of the bias in blobs_, -1 without bias_term
  // The input, kept when running in place: the scale's gradient needs x.
  Blob x_copy_;
};

}  // namespace cnn
