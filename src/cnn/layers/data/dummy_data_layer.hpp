// DummyData: tops filled by fillers, for tests and for nets that need a
// placeholder input. Constant tops are filled once at SetUp; random ones are
// redrawn on every Forward, as in Caffe.
#pragma once

#include <memory>
#include <vector>

#include "cnn/core/filler.hpp"
#include "cnn/core/layer.hpp"

namespace cnn {

class DummyDataLayer : public Layer {
 public:
  explicit DummyDataLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  // Shapes are fixed by the parameters at SetUp.
  void Reshape(const BlobVec& bottom, const BlobVec& top) override {}

  const char* type() const override { return "DummyData"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int MinTopBlobs() const override { return 1; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {}
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {}
#endif

 private:
  // One filler shared by all tops, or one per top.
  std::vector<std::unique_ptr<Filler>> fillers_;
  // What each filler was built from: the GPU forward draws gaussian and
  // uniform fills itself and needs their parameters.
  std::vector<FillerParameter> filler_params_;
  std::vector<bool> refill_;
};

}  // namespace cnn
