// BatchNormLayer on cuDNN's batch normalisation (SPATIAL mode, scale 1 and
// bias 0, so cuDNN's affine part is the identity and the layer stays Caffe's
// BatchNorm without one).
//
// cuDNN keeps running averages in its own convention (an exponential
// average with a factor, and a variance of its own choosing); Caffe's three
// blobs are weighted sums divided by a total. So cuDNN computes y and the
// batch's mean and inverse standard deviation only, and the layer folds
// those into the three blobs itself, with the same formulas (norm_math.hpp)
// as the CAFFE engine: the blobs hold what engine: CAFFE's would, to float
// rounding. With use_global_stats, cuDNN's inference pass normalises by
// blobs[0] / blobs[2] and blobs[1] / blobs[2]; its backward (a per-channel
// scale, which cuDNN has no call for) is BatchNormLayer's own.
//
// The rest runs BatchNormLayer's own GPU path: eps below cuDNN's minimum
// (CUDNN_BN_MIN_EPSILON) or 0, an empty input, and training on one value per
// channel (the unbiased variance has no m - 1 to divide by, and Caffe
// defines that case). In place, the input is copied aside before cuDNN
// overwrites it (its backward needs x), and so is the top diff in backward
// (cuDNN documents no dy == dx). CPU mode runs the inherited CPU code.
#pragma once

#ifdef CNN_WITH_CUDNN

#include <vector>

#include "cnn/gpu/cudnn_util.hpp"
#include "cnn/layers/norm/batch_norm_layer.hpp"

namespace cnn {

class CudnnBatchNormLayer : public BatchNormLayer {
 public:
  explicit CudnnBatchNormLayer(const LayerParameter& param) : BatchNormLayer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;

  // Whether a pass on this input runs on cuDNN (decided from the parameters
  // and the shape alone, so forward and backward always agree).
  bool uses_cudnn(const Blob& bottom) const;

 protected:
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  void Prepare(const Blob& bottom);
  // x as cuDNN should read it: the bottom, or its copy when in place.
  const float* Input(const BlobVec& bottom, const BlobVec& top);

  bool eps_supported_ = false;
  cudnn::TensorDescriptor x_desc_;
  cudnn::TensorDescriptor stats_desc_;  // 1 x C x 1 x 1, derived by cuDNN
  std::vector<int> shape_;              // the shape x_desc_ holds
  Blob ones_, zeros_;                   // C: cuDNN's scale and bias
  Blob variance_;                       // C: use_global_stats' variance
  // C each: outputs cuDNN requires and the layer discards (its own running
  // averages in forward, the scale and bias gradients in backward).
  Blob scratch_a_, scratch_b_;
  Blob x_copy_;   // in place: the input
  Blob dy_copy_;  // in place: the top diff
};

}  // namespace cnn

#endif  // CNN_WITH_CUDNN
