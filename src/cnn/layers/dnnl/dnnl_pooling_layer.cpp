#include "cnn/layers/dnnl/dnnl_pooling_layer.hpp"

#include <glog/logging.h>

#include <algorithm>
#include <unordered_map>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/blocked_max_pool.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"
#include "cnn/layers/dnnl/dnnl_layout.hpp"
#include "cnn/layers/dnnl/dnnl_workspace.hpp"

namespace cnn {
namespace {

// The padding after the input that makes oneDNN's output size (floor of
// (in + pad + after - kernel) / stride, plus one) equal `out`. Where the
// windows stay inside the symmetric padding that is `pad` itself; a
// ceil-mode window that overhangs it needs more.
int PadAfter(int in, int kernel, int pad, int stride, int out) {
  return std::max(pad, (out - 1) * stride + kernel - in - pad);
}

}  // namespace

using dnnl::memory;

struct DnnlPoolingLayer::Primitives {
  memory::dims src, dst, strides, kernel, pad_l, pad_r;
  memory::desc src_md;  // the input layout these were built for
  dnnl::algorithm algorithm;
  dnnl::pooling_forward::primitive_desc fwd_pd;
  dnnl::pooling_forward fwd;
  DnnlArg src_arg, dst_arg;
  dnnl::pooling_backward bwd;
  DnnlArg diff_dst_arg, diff_src_arg;
};

DnnlPoolingLayer::DnnlPoolingLayer(const LayerParameter& param) : PoolingLayer(param) {}
DnnlPoolingLayer::~DnnlPoolingLayer() = default;

bool DnnlPoolingLayer::Supported() const {
  if (padded_.padding().active() || planes_ == 0 || height_ == 0 || width_ == 0) return false;
  // MAX stays ours: oneDNN starts a window from the lowest finite float and
  // skips NaN, so a window of -inf gave -FLT_MAX and a NaN vanished
  // (measured), where ours propagates both; and it routes ties elsewhere.
  if (method_ != PoolingParameter::AVE) return false;
  const bool padded = pad_h_ > 0 || pad_w_ > 0;
  const bool overhangs = pad_bottom_ > pad_h_ || pad_right_ > pad_w_;
  return !(padded && overhangs);
}

void DnnlPoolingLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  PoolingLayer::Reshape(bottom, top);
  num_ = bottom[0]->shape(0);
  channels_ = bottom[0]->shape(1);
  pad_bottom_ = PadAfter(height_, kernel_h_, pad_h_, stride_h_, pooled_h_);
  pad_right_ = PadAfter(width_, kernel_w_, pad_w_, stride_w_, pooled_w_);
  // The same input shape keeps the primitives, or oneDNN's refusal
  // (global_pooling's window follows the input, so the shape is the key).
  if (bottom[0]->shape() == shape_) return;
  shape_ = bottom[0]->shape();
  prims_.reset();
  uses_dnnl_ = Supported();
}

void DnnlPoolingLayer::Prepare(const DnnlLayout* kept) {
  using namespace dnnl_util;
  auto p = std::make_unique<Primitives>();
  p->src = {num_, channels_, height_, width_};
  p->dst = {num_, channels_, pooled_h_, pooled_w_};
  p->strides = {stride_h_, stride_w_};
  p->kernel = {kernel_h_, kernel_w_};
  p->pad_l = {pad_h_, pad_w_};
  p->pad_r = {pad_bottom_, pad_right_};
  // See Supported: with padding every window lies inside it (the divisor is
  // the kernel's area); without, the divisor counts the input under the window.
  const bool padded = pad_h_ > 0 || pad_w_ > 0;
  p->algorithm =
      padded ? dnnl::algorithm::pooling_avg_include_padding : dnnl::algorithm::pooling_avg_exclude_padding;
  // The source keeps our layout: pooling reads each input once, so a reorder
  // into a blocked one would cost as much as the pooling itself. A source
  // already in a kept blocked layout is pooled in it, into the layout
  // oneDNN picks for that (the same blocking).
  p->src_md = kept ? kept->desc() : Plain(p->src);
  const memory::desc dst_md = kept ? Any(p->dst) : Plain(p->dst);
  dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_training, p->algorithm, p->src_md, dst_md, p->strides,
                                p->kernel, p->pad_l, p->pad_r);
  p->fwd_pd = dnnl::pooling_forward::primitive_desc(d, Engine());
  p->fwd = dnnl::pooling_forward(p->fwd_pd);
  p->src_arg.ResetBorrowed(Plain(p->src), p->fwd_pd.src_desc());
  p->dst_arg.ResetBorrowed(Plain(p->dst), p->fwd_pd.dst_desc());
  // Built with the forward, so that a refusal comes before either pass runs.
  // The gradient takes the source's layout, not one oneDNN picks: from a 1x1
  // output (global pooling) it derived acdB16b, which only its reference
  // kernel reads (fmnist_resnet's pool5 backward: 11 ms instead of 0.1).
  dnnl::pooling_backward::desc bd(p->algorithm, p->src_md, p->fwd_pd.dst_desc(), p->strides, p->kernel, p->pad_l,
                                  p->pad_r);
  dnnl::pooling_backward::primitive_desc bpd(bd, Engine(), p->fwd_pd);
  p->bwd = dnnl::pooling_backward(bpd);
  p->diff_dst_arg.ResetBorrowed(Plain(p->dst), bpd.diff_dst_desc());
  p->diff_src_arg.ResetBorrowed(Plain(p->src), bpd.diff_src_desc());
  prims_ = std::move(p);
}

ChannelBlocks DnnlPoolingLayer::Blocks() const {
  return dnnl_util::IsChannelsLast(max_in_->desc()) ? ChannelsLastBlocks(num_, channels_)
                                                     : BlocksOf16(num_, channels_);
}

bool DnnlPoolingLayer::ForwardBlockedMax(const BlobVec& bottom, const BlobVec& top) {
  if (method_ != PoolingParameter::MAX || top.size() != 1 || padded_.padding().active() || !dnnl_util::KeepLayout() ||
      num_ == 0 || channels_ == 0) {
    return false;
  }
  SyncedMemory& in = *bottom[0]->data();
  std::shared_ptr<const DnnlLayout> kept = DnnlLayoutOf(in);
  const memory::dims src{num_, channels_, height_, width_};
  if (!kept || kept->desc().dims() != src) return false;
  const bool channels_last = dnnl_util::IsChannelsLast(kept->desc());
  if (!channels_last && !dnnl_util::IsChannelBlocked16(kept->desc())) return false;
  // The output in the input's kind of layout.
  const memory::dims dst{num_, channels_, pooled_h_, pooled_w_};
  const memory::desc out = channels_last ? dnnl_util::ChannelsLast(dst)
                                         : memory::desc(dst, memory::data_type::f32, memory::format_tag::nChw16c);
  if (!max_out_ || max_out_->desc() != out) max_out_ = std::make_shared<DnnlLayout>(dnnl_util::Plain(dst), out);
  max_in_ = kept;
  // The maxima's positions in our layer's own index_, which the blocked
  // order fills instead of the plain one (a second array would double what
  // MAX pooling holds: GoogLeNet's 13 pools, 55 MiB at batch 10).
  index_.resize(max_out_->bytes() / sizeof(float));
  const PoolWindows w{height_, width_, pooled_h_, pooled_w_, kernel_h_, kernel_w_,
                      stride_h_, stride_w_, pad_h_, pad_w_};
  const float* x = static_cast<const float*>(in.prv_data(*kept));
  float* y = static_cast<float*>(top[0]->data()->mutable_prv_data(max_out_));
  BlockedMaxPoolForward(w, Blocks(), x, y, index_.data());
  return true;
}

void DnnlPoolingLayer::BackwardBlockedMax(const BlobVec& top, const BlobVec& bottom) {
  SyncedMemory& dy_mem = *top[0]->diff();
  const void* dy = dy_mem.prv_data(*max_out_);
  if (!dy) dy = dy_mem.prv_data_in(max_out_);
  float* dx = static_cast<float*>(bottom[0]->diff()->mutable_prv_data(max_in_));
  const PoolWindows w{height_, width_, pooled_h_, pooled_w_, kernel_h_, kernel_w_,
                      stride_h_, stride_w_, pad_h_, pad_w_};
  BlockedMaxPoolBackward(w, Blocks(), static_cast<const float*>(dy), index_.data(), dx);
}

void DnnlPoolingLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  blocked_max_ran_ = ForwardBlockedMax(bottom, top);
  if (blocked_max_ran_) return;
  std::shared_ptr<const DnnlLayout> kept = dnnl_util::KeepLayout() ? DnnlLayoutOf(*bottom[0]->data()) : nullptr;
  const memory::dims src{num_, channels_, height_, width_};
  if (kept && kept->desc().dims() != src) kept.reset();
  // Primitives are kept per input layout: rebuilt when it changes.
  if (uses_dnnl_ && prims_ && prims_->src_md != (kept ? kept->desc() : dnnl_util::Plain(src))) prims_.reset();
  if (uses_dnnl_ && !prims_) {
    uses_dnnl_ = dnnl_util::Prepared(where(), "pooling for this geometry", [&] { Prepare(kept.get()); });
  }
  if (!uses_dnnl_) return PoolingLayer::Forward_cpu(bottom, top);
  Primitives& p = *prims_;
  dnnl::stream& s = dnnl_util::Stream();
  SyncedMemory& y = *top[0]->data();
  LendFromWorkspace({}, {&p.src_arg, &p.dst_arg});
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, p.src_arg.Read(*bottom[0]->data())},
                                          {DNNL_ARG_DST, p.dst_arg.Target(y)}};
  p.fwd.execute(s, args);
  p.dst_arg.Store(y);
  s.wait();
}

void DnnlPoolingLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                    const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  if (blocked_max_ran_) return BackwardBlockedMax(top, bottom);
  if (!uses_dnnl_ || !prims_) return PoolingLayer::Backward_cpu(top, propagate_down, bottom);
  Primitives& p = *prims_;
  dnnl::stream& s = dnnl_util::Stream();
  SyncedMemory& dx = *bottom[0]->diff();
  LendFromWorkspace({}, {&p.diff_dst_arg, &p.diff_src_arg});
  std::unordered_map<int, memory> args = {{DNNL_ARG_DIFF_DST, p.diff_dst_arg.Read(*top[0]->diff())},
                                          {DNNL_ARG_DIFF_SRC, p.diff_src_arg.Target(dx)}};
  p.bwd.execute(s, args);
  p.diff_src_arg.Store(dx);
  s.wait();
}

CNN_REGISTER_LAYER_ENGINE(Pooling, DNNL, DnnlPoolingLayer);

}  // namespace cnn
