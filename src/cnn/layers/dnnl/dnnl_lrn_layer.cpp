#include "cnn/layers/dnnl/dnnl_lrn_layer.hpp"

#include <string>
#include <unordered_map>

#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"
#include "cnn/layers/dnnl/dnnl_workspace.hpp"

namespace cnn {

using dnnl::memory;

struct DnnlLRNLayer::Primitives {
  memory::desc md;  // the primitives' layout: nChw16c where the channels allow, else ours
  DnnlArg src, dst, diff_dst, diff_src;
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
  const memory::dims dims(shape.begin(), shape.end());
  // oneDNN's JIT LRN kernels read blocked channels; on our plain layout it
  // ran a reference kernel whose backward took 25x ours (GoogLeNet's norm1
  // and norm2, measured). With kept layouts the arrays stay blocked on the
  // blobs' private side, as the convolutions around GoogLeNet's LRNs keep
  // theirs (their eight reorders took 3.5% of its step); without, they are
  // reordered around each call.
  const bool blocked = dims.size() == 4 && dims[1] % 16 == 0;
  p->md = blocked ? memory::desc(dims, memory::data_type::f32, memory::format_tag::nChw16c) : Plain(dims);
  // Copies that are not kept live for one call: borrowed from the thread's workspace.
  for (DnnlArg* a : {&p->src, &p->dst, &p->diff_dst, &p->diff_src}) a->ResetBorrowed(Plain(dims), p->md);
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
  Primitives& p = *prims_;
  SyncedMemory& y = *top[0]->data();
  LendFromWorkspace({}, {&p.src, &p.dst});
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, p.src.Read(*bottom[0]->data())},
                                          {DNNL_ARG_DST, p.dst.Target(y)}};
  if (p.workspace) args.emplace(DNNL_ARG_WORKSPACE, p.workspace);
  dnnl::stream& s = dnnl_util::Stream();
  p.fwd.execute(s, args);
  p.dst.Store(y);
  s.wait();
}

void DnnlLRNLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  if (!uses_dnnl_) return LRNLayer::Backward_cpu(top, propagate_down, bottom);
  Primitives& p = *prims_;
  SyncedMemory& dx = *bottom[0]->diff();
  LendFromWorkspace({}, {&p.src, &p.diff_dst, &p.diff_src});
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, p.src.Read(*bottom[0]->data())},
                                          {DNNL_ARG_DIFF_DST, p.diff_dst.Read(*top[0]->diff())},
                                          {DNNL_ARG_DIFF_SRC, p.diff_src.Target(dx)}};
  if (p.workspace) args.emplace(DNNL_ARG_WORKSPACE, p.workspace);
  dnnl::stream& s = dnnl_util::Stream();
  p.bwd.execute(s, args);
  p.diff_src.Store(dx);
  s.wait();
}

CNN_REGISTER_LAYER_ENGINE(LRN, DNNL, DnnlLRNLayer);

}  // namespace cnn
