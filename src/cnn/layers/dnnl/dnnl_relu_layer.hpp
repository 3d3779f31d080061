// ReLULayer on oneDNN's CPU eltwise primitives (relu with the layer's slope;
// the backward reads the bottom's data as ours does, so in place works the
// same). Our own CPU code runs for an empty blob. GPU passes are our layer's.
// A bottom in a kept oneDNN layout (dnnl_layout.hpp) is rectified in that
// layout, and so is a top gradient in one.
#pragma once

#include <memory>
#include <vector>

#include <dnnl.hpp>

#include "cnn/layers/neuron/relu_layer.hpp"

namespace cnn {

class DnnlLayout;

class DnnlReLULayer : public ReLULayer {
 public:
  explicit DnnlReLULayer(const LayerParameter& param);
  ~DnnlReLULayer() override;

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;
  bool uses_dnnl() const { return uses_dnnl_; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  struct Primitives;
  std::unique_ptr<Primitives> Prepare(const dnnl::memory::desc& md) const;
  const Primitives* Kept(const std::shared_ptr<const DnnlLayout>& layout);

  bool uses_dnnl_ = false;
  std::vector<int> shape_;  // the input shape uses_dnnl_ was decided for
  std::unique_ptr<Primitives> prims_;  // on our layout, built with the size
  std::unique_ptr<Primitives> kept_;   // on the last kept layout seen
};

}  // namespace cnn
