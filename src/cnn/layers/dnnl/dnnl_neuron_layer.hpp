// ELU, Sigmoid and TanH on oneDNN's CPU eltwise primitives: one template
// over our layer class, which keeps its Setup/Reshape/checks and its GPU
// passes. The backward is oneDNN's *_use_dst_for_bwd form, which reads the
// top's data as our Sigmoid/TanH do; in place that is the one array left.
// Our own CPU code runs for an empty blob and where oneDNN's formula is not
// ours (ELU with alpha < 0: the top's sign no longer tells the branch).
#pragma once

#include <dnnl.hpp>

#include <memory>
#include <vector>

#include "cnn/layers/neuron/elu_layer.hpp"
#include "cnn/layers/neuron/sigmoid_layer.hpp"
#include "cnn/layers/neuron/tanh_layer.hpp"

namespace cnn {

template <typename Base>
class DnnlNeuronLayer : public Base {
 public:
  explicit DnnlNeuronLayer(const LayerParameter& param);
  ~DnnlNeuronLayer() override;

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;
  bool uses_dnnl() const { return uses_dnnl_; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  struct Primitives;
  // oneDNN's algorithm and alpha for this layer's op; false where none
  // computes what ours does.
  bool Algorithm(dnnl::algorithm* alg, float* alpha) const;
  void Prepare(int count, dnnl::algorithm alg, float alpha);

  bool uses_dnnl_ = false;
  std::vector<int> shape_;  // the input shape uses_dnnl_ was decided for
  std::unique_ptr<Primitives> prims_;
};

using DnnlELULayer = DnnlNeuronLayer<ELULayer>;
using DnnlSigmoidLayer = DnnlNeuronLayer<SigmoidLayer>;
using DnnlTanHLayer = DnnlNeuronLayer<TanHLayer>;

}  // namespace cnn
