#include "cnn/layers/dnnl/dnnl_softmax_layer.hpp"

#include <string>

#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"

namespace cnn {

using dnnl::memory;

struct DnnlSoftmaxLayer::Primitives {
  memory::desc md;  // (outer, channels, inner), row-major: our array as it is
  dnnl::softmax_forward fwd;
  dnnl::softmax_backward bwd;
};

DnnlSoftmaxLayer::DnnlSoftmaxLayer(const LayerParameter& param) : SoftmaxLayer(param) {}
DnnlSoftmaxLayer::~DnnlSoftmaxLayer() = default;

void DnnlSoftmaxLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  SoftmaxLayer::Reshape(bottom, top);
  if (bottom[0]->shape() == shape_) return;
  shape_ = bottom[0]->shape();
  prims_.reset();
  // SoftmaxLayer::Reshape has checked the axis.
  const int axis = bottom[0]->CanonicalAxisIndex(layer_param_.softmax_param().axis());
  const int outer = bottom[0]->count(0, axis);
  const int channels = bottom[0]->shape(axis);
  const int inner = bottom[0]->count(axis + 1);
  uses_dnnl_ = bottom[0]->count() > 0;
  if (!uses_dnnl_) return;
  const std::string what = "softmax over " + std::to_string(channels) + " channels";
  uses_dnnl_ = dnnl_util::Prepared(where(), what, [&] { Prepare(outer, channels, inner); });
}

void DnnlSoftmaxLayer::Prepare(int outer, int channels, int inner) {
  using namespace dnnl_util;
  auto p = std::make_unique<Primitives>();
  p->md = Plain({outer, channels, inner});
  dnnl::softmax_forward::desc fd(dnnl::prop_kind::forward_training, p->md, 1);
  dnnl::softmax_forward::primitive_desc fpd(fd, Engine());
  p->fwd = dnnl::softmax_forward(fpd);
  dnnl::softmax_backward::desc bd(p->md, p->md, 1);
  p->bwd = dnnl::softmax_backward(dnnl::softmax_backward::primitive_desc(bd, Engine(), fpd));
  prims_ = std::move(p);
}

void DnnlSoftmaxLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (!uses_dnnl_) return SoftmaxLayer::Forward_cpu(bottom, top);
  dnnl_util::ExecutePlain(prims_->fwd, prims_->md,
                          {{DNNL_ARG_SRC, bottom[0]->cpu_data()}, {DNNL_ARG_DST, top[0]->mutable_cpu_data()}});
}

void DnnlSoftmaxLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                    const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  if (!uses_dnnl_) return SoftmaxLayer::Backward_cpu(top, propagate_down, bottom);
  dnnl_util::ExecutePlain(prims_->bwd, prims_->md,
                          {{DNNL_ARG_DST, top[0]->cpu_data()},
                           {DNNL_ARG_DIFF_DST, top[0]->cpu_diff()},
                           {DNNL_ARG_DIFF_SRC, bottom[0]->mutable_cpu_diff()}});
}

CNN_REGISTER_LAYER_ENGINE(Softmax, DNNL, DnnlSoftmaxLayer);

}  // namespace cnn
