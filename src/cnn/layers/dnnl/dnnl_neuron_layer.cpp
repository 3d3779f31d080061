#include "cnn/layers/dnnl/dnnl_neuron_layer.hpp"

#include <string>

#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"

namespace cnn {

using dnnl::memory;

template <typename Base>
struct DnnlNeuronLayer<Base>::Primitives {
  memory::desc md;  // the blob as one flat array: the formula is element-wise
  dnnl::eltwise_forward fwd;
  dnnl::eltwise_backward bwd;
};

template <typename Base>
DnnlNeuronLayer<Base>::DnnlNeuronLayer(const LayerParameter& param) : Base(param) {}
template <typename Base>
DnnlNeuronLayer<Base>::~DnnlNeuronLayer() = default;

template <>
bool DnnlNeuronLayer<ELULayer>::Algorithm(dnnl::algorithm* alg, float* alpha) const {
  *alg = dnnl::algorithm::eltwise_elu_use_dst_for_bwd;
  *alpha = op_.alpha;
  return op_.alpha >= 0.f;
}
template <>
bool DnnlNeuronLayer<SigmoidLayer>::Algorithm(dnnl::algorithm* alg, float* alpha) const {
  *alg = dnnl::algorithm::eltwise_logistic_use_dst_for_bwd;
  *alpha = 0.f;
  return true;
}
template <>
bool DnnlNeuronLayer<TanHLayer>::Algorithm(dnnl::algorithm* alg, float* alpha) const {
  *alg = dnnl::algorithm::eltwise_tanh_use_dst_for_bwd;
  *alpha = 0.f;
  return true;
}

template <typename Base>
void DnnlNeuronLayer<Base>::Reshape(const BlobVec& bottom, const BlobVec& top) {
  Base::Reshape(bottom, top);
  const int n = bottom[0]->count();
  // The same size keeps the primitives, or oneDNN's refusal.
  if (bottom[0]->shape() == shape_) return;
  shape_ = bottom[0]->shape();
  prims_.reset();
  dnnl::algorithm alg;
  float alpha = 0.f;
  uses_dnnl_ = n > 0 && Algorithm(&alg, &alpha);
  if (!uses_dnnl_) return;
  const std::string what = std::string(this->type()) + " for " + std::to_string(n) + " values";
  uses_dnnl_ = dnnl_util::Prepared(this->where(), what, [&] { Prepare(n, alg, alpha); });
}

template <typename Base>
void DnnlNeuronLayer<Base>::Prepare(int count, dnnl::algorithm alg, float alpha) {
  using namespace dnnl_util;
  auto p = std::make_unique<Primitives>();
  p->md = Plain({count});
  dnnl::eltwise_forward::desc fd(dnnl::prop_kind::forward_training, alg, p->md, alpha);
  dnnl::eltwise_forward::primitive_desc fpd(fd, Engine());
  p->fwd = dnnl::eltwise_forward(fpd);
  dnnl::eltwise_backward::desc bd(alg, p->md, p->md, alpha);
  p->bwd = dnnl::eltwise_backward(dnnl::eltwise_backward::primitive_desc(bd, Engine(), fpd));
  prims_ = std::move(p);
}

template <typename Base>
void DnnlNeuronLayer<Base>::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (!uses_dnnl_) return Base::Forward_cpu(bottom, top);
  dnnl_util::ExecutePlain(prims_->fwd, prims_->md,
                          {{DNNL_ARG_SRC, bottom[0]->cpu_data()}, {DNNL_ARG_DST, top[0]->mutable_cpu_data()}});
}

template <typename Base>
void DnnlNeuronLayer<Base>::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                         const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  if (!uses_dnnl_) return Base::Backward_cpu(top, propagate_down, bottom);
  dnnl_util::ExecutePlain(prims_->bwd, prims_->md,
                          {{DNNL_ARG_DST, top[0]->cpu_data()},
                           {DNNL_ARG_DIFF_DST, top[0]->cpu_diff()},
                           {DNNL_ARG_DIFF_SRC, bottom[0]->mutable_cpu_diff()}});
}

template class DnnlNeuronLayer<ELULayer>;
template class DnnlNeuronLayer<SigmoidLayer>;
template class DnnlNeuronLayer<TanHLayer>;

CNN_REGISTER_LAYER_ENGINE(ELU, DNNL, DnnlELULayer);
CNN_REGISTER_LAYER_ENGINE(Sigmoid, DNNL, DnnlSigmoidLayer);
CNN_REGISTER_LAYER_ENGINE(TanH, DNNL, DnnlTanHLayer);

}  // namespace cnn
