// SPP (spatial pyramid pooling): pools a 4-D input at pyramid_height levels,
// level l cutting each plane into 2^l x 2^l bins, and concatenates the
// flattened results: N x (C * sum of 4^l). With pyramid_height 1 the top is
// the single level's pooling output itself, N x C x 1 x 1 (Caffe does not
// flatten it). Built as Caffe builds it, from a Split, one Pooling and one
// Flatten per level, and a Concat; the pieces run on the current device, so
// the GPU path is theirs.
//
// Level l of an H x W input pools with kernel ceil(H / 2^l) (and the same
// for W), stride = kernel and pad = (kernel * 2^l - H + 1) / 2, through the
// Pooling layer's own output-size rule. spp_param.pool is MAX (default), AVE
// or STOCHASTIC (which Pooling refuses wherever a level needs padding).
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/layer.hpp"

namespace cnn {

class SPPLayer : public Layer {
 public:
  explicit SPPLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "SPP"; }
  int ExactNumBottomBlobs() const override { return 1; }
  int ExactNumTopBlobs() const override { return 1; }

  // The pooling window Caffe gives pyramid level `level` of a height x width
  // input (exposed for tests).
  static PoolingParameter LevelPooling(int level, int height, int width, SPPParameter::PoolMethod pool);

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override { ForwardLevels(bottom, top); }
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {
    BackwardLevels(top, propagate_down, bottom);
  }
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

 private:
  // Each internal layer runs on the device the context is in.
  void ForwardLevels(const BlobVec& bottom, const BlobVec& top);
  void BackwardLevels(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom);
  // Creates and sets up the internal layers for the bottom's current shape.
  void Build(const BlobVec& bottom, const BlobVec& top);
  // Runs fn, adding this layer's name and the level to an error it raises.
  template <typename Fn>
  void AtLevel(int level, Fn fn);

  int pyramid_height_ = 0;
  std::vector<int> built_for_;  // the bottom shape the internal layers were set up for

  std::unique_ptr<Layer> split_;
  std::vector<std::unique_ptr<Layer>> pooling_, flatten_;
  std::unique_ptr<Layer> concat_;
  // Blobs between them: split -> level input, pooling -> pooled, flatten -> flat.
  std::vector<std::unique_ptr<Blob>> level_in_, pooled_, flat_;
  BlobVec level_in_vec_, flat_vec_;
};

}  // namespace cnn
