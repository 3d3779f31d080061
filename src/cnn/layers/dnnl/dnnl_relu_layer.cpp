#include "cnn/layers/dnnl/dnnl_relu_layer.hpp"

#include <glog/logging.h>

#include <string>

#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"

namespace cnn {

using dnnl::memory;

struct DnnlReLULayer::Primitives {
  memory::desc md;  // the blob as one flat array: the formula is element-wise
  dnnl::eltwise_forward fwd;
  dnnl::eltwise_backward bwd;
};

DnnlReLULayer::DnnlReLULayer(const LayerParameter& param) : ReLULayer(param) {}
DnnlReLULayer::~DnnlReLULayer() = default;

void DnnlReLULayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  ReLULayer::Reshape(bottom, top);
  const int n = bottom[0]->count();
  // The same size keeps the primitives, or oneDNN's refusal.
  if (bottom[0]->shape() == shape_) return;
  shape_ = bottom[0]->shape();
  prims_.reset();
  uses_dnnl_ = n > 0;
  if (!uses_dnnl_) return;
  uses_dnnl_ = dnnl_util::Prepared(where(), "ReLU for " + std::to_string(n) + " values", [&] { Prepare(n); });
}

void DnnlReLULayer::Prepare(int count) {
  using namespace dnnl_util;
  auto p = std::make_unique<Primitives>();
  p->md = Plain({count});
  // The backward reads the bottom's data, as ours does: the input, or in
  // place the output (whose signs are the input's for a slope >= 0).
  const dnnl::algorithm relu = dnnl::algorithm::eltwise_relu;
  dnnl::eltwise_forward::desc fd(dnnl::prop_kind::forward_training, relu, p->md, op_.negative_slope);
  dnnl::eltwise_forward::primitive_desc fpd(fd, Engine());
  p->fwd = dnnl::eltwise_forward(fpd);
  dnnl::eltwise_backward::desc bd(relu, p->md, p->md, op_.negative_slope);
  p->bwd = dnnl::eltwise_backward(dnnl::eltwise_backward::primitive_desc(bd, Engine(), fpd));
  prims_ = std::move(p);
}

void DnnlReLULayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (!uses_dnnl_) return ReLULayer::Forward_cpu(bottom, top);
  dnnl::engine& e = dnnl_util::Engine();
  const memory x(prims_->md, e, const_cast<float*>(bottom[0]->cpu_data()));
  const memory y(prims_->md, e, top[0]->mutable_cpu_data());
  dnnl::stream& s = dnnl_util::Stream();
  prims_->fwd.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}});
  s.wait();
}

void DnnlReLULayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                 const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  if (!uses_dnnl_) return ReLULayer::Backward_cpu(top, propagate_down, bottom);
  dnnl::engine& e = dnnl_util::Engine();
  const memory x(prims_->md, e, const_cast<float*>(bottom[0]->cpu_data()));
  const memory dy(prims_->md, e, const_cast<float*>(top[0]->cpu_diff()));
  const memory dx(prims_->md, e, bottom[0]->mutable_cpu_diff());
  dnnl::stream& s = dnnl_util::Stream();
  prims_->bwd.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}});
  s.wait();
}

CNN_REGISTER_LAYER_ENGINE(ReLU, DNNL, DnnlReLULayer);

}  // namespace cnn
