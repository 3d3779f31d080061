#include "cnn/layers/dnnl/dnnl_relu_layer.hpp"

#include <glog/logging.h>

#include <string>

#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"
#include "cnn/layers/dnnl/dnnl_layout.hpp"

namespace cnn {

using dnnl::memory;

struct DnnlReLULayer::Primitives {
  memory::desc md;  // the layout both passes run in (eltwise works on any)
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
  kept_.reset();
  uses_dnnl_ = n > 0;
  if (!uses_dnnl_) return;
  uses_dnnl_ = dnnl_util::Prepared(where(), "ReLU for " + std::to_string(n) + " values",
                                   [&] { prims_ = Prepare(dnnl_util::Plain({n})); });
}

std::unique_ptr<DnnlReLULayer::Primitives> DnnlReLULayer::Prepare(const memory::desc& md) const {
  using namespace dnnl_util;
  auto p = std::make_unique<Primitives>();
  p->md = md;
  // The backward reads the bottom's data, as ours does: the input, or in
  // place the output (whose signs are the input's for a slope >= 0).
  const dnnl::algorithm relu = dnnl::algorithm::eltwise_relu;
  dnnl::eltwise_forward::desc fd(dnnl::prop_kind::forward_training, relu, p->md, op_.negative_slope);
  dnnl::eltwise_forward::primitive_desc fpd(fd, Engine());
  p->fwd = dnnl::eltwise_forward(fpd);
  dnnl::eltwise_backward::desc bd(relu, p->md, p->md, op_.negative_slope);
  p->bwd = dnnl::eltwise_backward(dnnl::eltwise_backward::primitive_desc(bd, Engine(), fpd));
  return p;
}

// The primitives for a kept layout, built once per layout: the element-wise
// formula needs no reorder, so the output keeps the input's layout.
const DnnlReLULayer::Primitives* DnnlReLULayer::Kept(const std::shared_ptr<const DnnlLayout>& layout) {
  if (!layout || !dnnl_util::KeepLayout()) return nullptr;
  if (!kept_ || kept_->md != layout->desc()) {
    std::unique_ptr<Primitives> p;
    if (!dnnl_util::Prepared(where(), "ReLU in this layout", [&] { p = Prepare(layout->desc()); })) return nullptr;
    kept_ = std::move(p);
  }
  return kept_.get();
}

void DnnlReLULayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (!uses_dnnl_) return ReLULayer::Forward_cpu(bottom, top);
  dnnl::engine& e = dnnl_util::Engine();
  dnnl::stream& s = dnnl_util::Stream();
  SyncedMemory& in = *bottom[0]->data();
  std::shared_ptr<const DnnlLayout> layout = DnnlLayoutOf(in);
  if (const Primitives* k = Kept(layout)) {
    // Read before the write: in place both are the same private buffer.
    const memory x(k->md, e, const_cast<void*>(in.prv_data(*layout)));
    const memory y(k->md, e, top[0]->data()->mutable_prv_data(layout));
    k->fwd.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}});
    s.wait();
    return;
  }
  const memory x(prims_->md, e, const_cast<float*>(bottom[0]->cpu_data()));
  const memory y(prims_->md, e, top[0]->mutable_cpu_data());
  prims_->fwd.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}});
  s.wait();
}

void DnnlReLULayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                 const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  if (!uses_dnnl_) return ReLULayer::Backward_cpu(top, propagate_down, bottom);
  dnnl::engine& e = dnnl_util::Engine();
  dnnl::stream& s = dnnl_util::Stream();
  SyncedMemory& top_diff = *top[0]->diff();
  // The gradient's layout leads: the data follow it (one reorder at most,
  // where they are plain), and the bottom's gradient stays in it.
  std::shared_ptr<const DnnlLayout> layout = DnnlLayoutOf(top_diff);
  if (const Primitives* k = Kept(layout)) {
    const memory x(k->md, e, const_cast<void*>(bottom[0]->data()->prv_data_in(layout)));
    const memory dy(k->md, e, const_cast<void*>(top_diff.prv_data(*layout)));
    const memory dx(k->md, e, bottom[0]->diff()->mutable_prv_data(layout));
    k->bwd.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}});
    s.wait();
    return;
  }
  const memory x(prims_->md, e, const_cast<float*>(bottom[0]->cpu_data()));
  const memory dy(prims_->md, e, const_cast<float*>(top[0]->cpu_diff()));
  const memory dx(prims_->md, e, bottom[0]->mutable_cpu_diff());
  prims_->bwd.execute(s, {{DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}});
  s.wait();
}

CNN_REGISTER_LAYER_ENGINE(ReLU, DNNL, DnnlReLULayer);

}  // namespace cnn
