#include "cnn/layers/dnnl/dnnl_inner_product_layer.hpp"

#include <string>

#include <glog/logging.h>

#include <optional>
#include <unordered_map>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"
#include "cnn/layers/dnnl/dnnl_param_diffs.hpp"
#include "cnn/layers/dnnl/dnnl_workspace.hpp"

namespace cnn {

using dnnl::memory;

struct DnnlInnerProductLayer::Primitives {
  memory::dims src, weights, bias, dst;
  memory::desc weights_ours;  // (N, K) viewed through our storage order
  dnnl::inner_product_forward::primitive_desc fwd_pd;
  dnnl::inner_product_forward fwd;
  // The same with the fused ReLU's post-op, built on the first fused pass
  // (absent where oneDNN refused it: the ReLU runs alone).
  std::optional<dnnl::inner_product_forward> fwd_fused;
  bool fwd_fused_tried = false;
  DnnlArg src_arg, weights_arg, dst_arg;
  std::optional<dnnl::inner_product_backward_data> bwd_data;
  DnnlArg bd_diff_dst, bd_weights, bd_diff_src;
  std::optional<dnnl::inner_product_backward_weights> bwd_weights;
  DnnlArg bw_src, bw_diff_dst;
  DnnlParamDiffs bw_diffs;
};

DnnlInnerProductLayer::DnnlInnerProductLayer(const LayerParameter& param)
    : InnerProductLayer(param), by_default_(LayerRegistry::ChosenByDefault(param)) {}
DnnlInnerProductLayer::~DnnlInnerProductLayer() = default;

void DnnlInnerProductLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  InnerProductLayer::Reshape(bottom, top);
  // The same input shape keeps the primitives, or oneDNN's refusal.
  if (bottom[0]->shape() == shape_) return;
  shape_ = bottom[0]->shape();
  prims_.reset();
  uses_dnnl_ = batch_ > 0 && !(by_default_ && SmallForDnnl());
}

bool DnnlInnerProductLayer::SmallForDnnl() const {
  // Each oneDNN inner product pass cost about 0.1 ms whatever its size,
  // where OpenBLAS's sgemm on a small product takes a few microseconds:
  // LeNet's ip2 (64 x 500 -> 10) ran forward + backward in 0.36-0.45 ms on
  // oneDNN and 0.09-0.11 on ours, 100 x 64 -> 10 in 0.17 against 0.02-0.04,
  // 32 x 1024 -> 128 (4.2 M multiply-adds) in 0.65-0.77 against 0.56-0.72;
  // from 64 x 500 -> 256 (8.2 M) on oneDNN won (0.75-0.79 against 0.98-1.0;
  // 2-core AVX-512 Xeon, OpenBLAS 0.3.21, oneDNN 2.6.3, cnn time).
  return static_cast<double>(batch_) * num_output_ * input_size_ < kSmallMultiplyAdds;
}

void DnnlInnerProductLayer::Prepare() {
  auto p = std::make_unique<Primitives>();
  using namespace dnnl_util;
  // The input as a matrix: every axis from `axis` on is one row of K.
  p->src = {batch_, input_size_};
  p->dst = {batch_, num_output_};
  p->weights = {num_output_, input_size_};
  p->bias = {num_output_};
  // Transposed weights are stored K x N: the same (N, K) matrix with
  // swapped strides.
  p->weights_ours = transpose_ ? memory::desc(p->weights, memory::data_type::f32, memory::dims{1, num_output_})
                               : Plain(p->weights);
  const memory::desc bias_md = bias_term_ ? Plain(p->bias) : memory::desc();
  // Our own weight layout, not one of oneDNN's choosing: with format_tag::any
  // it picked blocked weights (AB16b64a) whose backward-weights kernel ran
  // LeNet's ip1 4-5x and ip2 20x slower than the plain layout's (measured).
  dnnl::inner_product_forward::desc d(dnnl::prop_kind::forward_training, Plain(p->src), p->weights_ours, bias_md,
                                      Plain(p->dst));
  p->fwd_pd = dnnl::inner_product_forward::primitive_desc(d, Engine());
  p->fwd = dnnl::inner_product_forward(p->fwd_pd);
  p->src_arg.ResetBorrowed(Plain(p->src), p->fwd_pd.src_desc());
  p->weights_arg.ResetBorrowed(p->weights_ours, p->fwd_pd.weights_desc());
  p->dst_arg.ResetBorrowed(Plain(p->dst), p->fwd_pd.dst_desc());
  prims_ = std::move(p);
}

void DnnlInnerProductLayer::PrepareBackward(bool data, bool weights) {
  Primitives& p = *prims_;
  using namespace dnnl_util;
  if (data && !p.bwd_data) {
    dnnl::inner_product_backward_data::desc d(Plain(p.src), p.weights_ours, Plain(p.dst));
    dnnl::inner_product_backward_data::primitive_desc pd(d, Engine(), p.fwd_pd);
    p.bwd_data.emplace(pd);
    p.bd_diff_dst.ResetBorrowed(Plain(p.dst), pd.diff_dst_desc());
    p.bd_weights.ResetBorrowed(p.weights_ours, pd.weights_desc());
    p.bd_diff_src.ResetBorrowed(Plain(p.src), pd.diff_src_desc());
  }
  if (weights && !p.bwd_weights) {
    const memory::desc bias_md = bias_term_ ? Plain(p.bias) : memory::desc();
    dnnl::inner_product_backward_weights::desc d(Plain(p.src), p.weights_ours, bias_md, Plain(p.dst));
    dnnl::inner_product_backward_weights::primitive_desc pd(d, Engine(), p.fwd_pd);
    p.bwd_weights.emplace(pd);
    p.bw_src.ResetBorrowed(Plain(p.src), pd.src_desc());
    p.bw_diff_dst.ResetBorrowed(Plain(p.dst), pd.diff_dst_desc());
    p.bw_diffs.Reset(p.weights_ours, pd.diff_weights_desc(), bias_term_ ? num_output_ : 0, true);
  }
}

int DnnlInnerProductLayer::Fuse(const std::vector<FusionCandidate>& next, const FusionContext& context) {
  // A ReLU only: the weights stay in our layout, read in place, so there is
  // no reorder to fold a BatchNorm into (DnnlArg::ReadScaled).
  return post_.Take(next, context, 0);
}

const dnnl::inner_product_forward& DnnlInnerProductLayer::ForwardPrimitive() {
  Primitives& p = *prims_;
  if (!post_.on()) return p.fwd;
  if (!p.fwd_fused_tried) {
    p.fwd_fused_tried = true;
    using namespace dnnl_util;
    const memory::desc bias_md = bias_term_ ? Plain(p.bias) : memory::desc();
    Prepared(where(), std::string("inner product with ") + post_.what(), [&] {
      dnnl::inner_product_forward::desc d(dnnl::prop_kind::forward_training, Plain(p.src), p.weights_ours, bias_md,
                                          Plain(p.dst));
      dnnl::inner_product_forward::primitive_desc pd(d, post_.Attr(Plain(p.dst)), Engine());
      if (IsReference(pd)) return;  // the layers alone are faster
      p.fwd_fused.emplace(pd);
    });
  }
  return p.fwd_fused ? *p.fwd_fused : p.fwd;
}

void DnnlInnerProductLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (uses_dnnl_ && !prims_) {
    uses_dnnl_ = dnnl_util::Prepared(where(), "inner product for this shape", [&] { Prepare(); });
  }
  if (!uses_dnnl_) {
    InnerProductLayer::Forward_cpu(bottom, top);
    if (post_.on()) post_.Forward();
    return;
  }
  const dnnl::inner_product_forward& fwd = ForwardPrimitive();
  Primitives& p = *prims_;
  const bool fused = post_.on() && p.fwd_fused;
  dnnl::stream& s = dnnl_util::Stream();
  LendFromWorkspace({&p.weights_arg}, {&p.src_arg, &p.dst_arg, fused ? post_.sum_arg() : nullptr});
  std::unordered_map<int, memory> args;
  if (fused) post_.Prepare(nullptr, &args);  // (a ReLU needs nothing)
  SyncedMemory& y = *(fused ? post_.Output(*top[0]) : *top[0]).data();
  args[DNNL_ARG_SRC] = p.src_arg.Read(*bottom[0]->data());
  args[DNNL_ARG_WEIGHTS] = p.weights_arg.Read(blobs_[0]->cpu_data());
  args[DNNL_ARG_DST] = p.dst_arg.Target(y);
  if (bias_term_) {
    args[DNNL_ARG_BIAS] =
        memory(dnnl_util::Plain(p.bias), dnnl_util::Engine(), const_cast<float*>(blobs_[1]->cpu_data()));
  }
  fwd.execute(s, args);
  p.dst_arg.Store(y);
  s.wait();
  if (post_.on() && !fused) post_.Forward();
}

void DnnlInnerProductLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                         const BlobVec& bottom) {
  if (post_.on()) post_.Backward();
  if (!uses_dnnl_ || !prims_) return InnerProductLayer::Backward_cpu(top, propagate_down, bottom);
  const bool weight_grad = param_propagate_down(0);
  const bool bias_grad = bias_term_ && param_propagate_down(1);
  if (!dnnl_util::Prepared(where(), "backward inner product for this shape",
                           [&] { PrepareBackward(propagate_down[0], weight_grad || bias_grad); })) {
    uses_dnnl_ = false;
    return InnerProductLayer::Backward_cpu(top, propagate_down, bottom);
  }
  Primitives& p = *prims_;
  LendFromWorkspace({&p.bd_weights, p.bw_diffs.weights_arg()},
                    {&p.bd_diff_dst, &p.bd_diff_src, &p.bw_src, &p.bw_diff_dst});
  dnnl::stream& s = dnnl_util::Stream();
  SyncedMemory& dy = *top[0]->diff();
  if (weight_grad || bias_grad) {
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, p.bw_src.Read(*bottom[0]->data())},
                                            {DNNL_ARG_DIFF_DST, p.bw_diff_dst.Read(dy)}};
    p.bw_diffs.AddTargets(&args);
    p.bwd_weights->execute(s, args);
    s.wait();
    p.bw_diffs.AddInto(weight_grad ? blobs_[0]->mutable_cpu_diff() : nullptr,
                       bias_grad ? blobs_[1]->mutable_cpu_diff() : nullptr);
  }
  if (propagate_down[0]) {
    SyncedMemory& dx = *bottom[0]->diff();
    p.bwd_data->execute(s, {{DNNL_ARG_DIFF_DST, p.bd_diff_dst.Read(dy)},
                            {DNNL_ARG_WEIGHTS, p.bd_weights.Read(blobs_[0]->cpu_data())},
                            {DNNL_ARG_DIFF_SRC, p.bd_diff_src.Target(dx)}});
    p.bd_diff_src.Store(dx);
  }
  s.wait();
}

CNN_REGISTER_LAYER_ENGINE(InnerProduct, DNNL, DnnlInnerProductLayer);

}  // namespace cnn
