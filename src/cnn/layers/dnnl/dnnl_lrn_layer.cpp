#include "cnn/layers/dnnl/dnnl_lrn_layer.hpp"

#include <string>
#include <unordered_map>

#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"

namespace cnn {

using dnnl::memory;

struct DnnlLRNLayer::Primitives {
  memory::desc md;  // the blob as it is (nchw)
  dnnl::lrn_forward fwd;
  dnnl::lrn_backward bwd;
  memory workspace;  // what the forward leaves the backward, where it wants any
};

DnnlLRNLayer::DnnlLRNLayer(const LayerParameter& param) : LRNLayer(param) {}
DnnlLRNLayer::~DnnlLRNLayer() = default;

void DnnlLRNLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  LRNLayer::Reshape(bottom, top);
  const bool in_place = top[0] == bottom[0];
  if (bottom[0]->shape() == shape_ && in_place == in_place_) return;
  shape_ = bottom[0]->shape();
  in_place_ = in_place;
  prims_.reset();
  uses_dnnl_ = bottom[0]->count() > 0 && !in_place;
  if (!uses_dnnl_) return;
  const std::string what = "LRN for shape " + bottom[0]->shape_string();
  uses_dnnl_ = dnnl_util::Prepared(where(), what, [&] { Prepare(bottom[0]->shape()); });
}

void DnnlLRNLayer::Prepare(const std::vector<int>& shape) {
  using namespace dnnl_util;
  auto p = std::make_unique<Primitives>();
  p->md = Plain(memory::dims(shape.begin(), shape.end()));
  const LRNParameter& lp = layer_param_.lrn_param();
  const bool across = lp.norm_region() == LRNParameter::ACROSS_CHANNELS;
  const dnnl::algorithm alg = across ? dnnl::algorithm::lrn_across_channels : dnnl::algorithm::lrn_within_channel;
  const float k = across ? lp.k() : 1.f;
  const memory::dim n = lp.local_size();
  dnnl::lrn_forward::desc fd(dnnl::prop_kind::forward_training, alg, p->md, n, lp.alpha(), lp.beta(), k);
  dnnl::lrn_forward::primitive_desc fpd(fd, Engine());
  p->fwd = dnnl::lrn_forward(fpd);
  dnnl::lrn_backward::desc bd(alg, p->md, p->md, n, lp.alpha(), lp.beta(), k);
  p->bwd = dnnl::lrn_backward(dnnl::lrn_backward::primitive_desc(bd, Engine(), fpd));
  if (fpd.workspace_desc().get_size() > 0) p->workspace = memory(fpd.workspace_desc(), Engine());
  prims_ = std::move(p);
}

void DnnlLRNLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (!uses_dnnl_) return LRNLayer::Forward_cpu(bottom, top);
  dnnl::engine& e = dnnl_util::Engine();
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, memory(prims_->md, e, const_cast<float*>(bottom[0]->cpu_data()))},
      {DNNL_ARG_DST, memory(prims_->md, e, top[0]->mutable_cpu_data())}};
  if (prims_->workspace) args.emplace(DNNL_ARG_WORKSPACE, prims_->workspace);
  dnnl::stream& s = dnnl_util::Stream();
  prims_->fwd.execute(s, args);
  s.wait();
}

void DnnlLRNLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  if (!uses_dnnl_) return LRNLayer::Backward_cpu(top, propagate_down, bottom);
  dnnl::engine& e = dnnl_util::Engine();
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, memory(prims_->md, e, const_cast<float*>(bottom[0]->cpu_data()))},
      {DNNL_ARG_DIFF_DST, memory(prims_->md, e, const_cast<float*>(top[0]->cpu_diff()))},
      {DNNL_ARG_DIFF_SRC, memory(prims_->md, e, bottom[0]->mutable_cpu_diff())}};
  if (prims_->workspace) args.emplace(DNNL_ARG_WORKSPACE, prims_->workspace);
  dnnl::stream& s = dnnl_util::Stream();
  prims_->bwd.execute(s, args);
  s.wait();
}

CNN_REGISTER_LAYER_ENGINE(LRN, DNNL, DnnlLRNLayer);

}  // namespace cnn
