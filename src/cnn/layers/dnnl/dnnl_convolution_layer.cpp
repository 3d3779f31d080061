#include "cnn/layers/dnnl/dnnl_convolution_layer.hpp"

#include <glog/logging.h>

#include <optional>
#include <unordered_map>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"
#include "cnn/layers/dnnl/dnnl_param_diffs.hpp"
#include "cnn/layers/dnnl/dnnl_layout.hpp"
#include "cnn/layers/dnnl/dnnl_workspace.hpp"

namespace cnn {

using dnnl::memory;

struct DnnlConvolutionLayer::Primitives {
  memory::dims src, weights, bias, dst, strides, dilates, pad_l, pad_r;
  bool channels_last = false;  // activations in nhwc (ChannelsLastPays)
  memory::desc Activation(const memory::dims& dims) const {
    return channels_last ? dnnl_util::ChannelsLast(dims) : dnnl_util::Any(dims);
  }
  dnnl::convolution_forward::primitive_desc fwd_pd;
  dnnl::convolution_forward fwd;
  // The same with the taken layers' post-ops, on fwd's layouts; built on the
  // first fused pass (absent where oneDNN refused them: they run alone).
  std::optional<dnnl::convolution_forward> fwd_fused;
  bool fwd_fused_tried = false;
  DnnlArg src_arg, weights_arg, dst_arg;
  // Backward, built on the first backward pass.
  std::optional<dnnl::convolution_backward_data> bwd_data;
  DnnlArg bd_diff_dst, bd_weights, bd_diff_src;
  std::optional<dnnl::convolution_backward_weights> bwd_weights;
  DnnlArg bw_src, bw_diff_dst;
  DnnlParamDiffs bw_diffs;
};

DnnlConvolutionLayer::DnnlConvolutionLayer(const LayerParameter& param)
    : ConvolutionLayer(param) {}
DnnlConvolutionLayer::~DnnlConvolutionLayer() = default;

bool DnnlConvolutionLayer::Supported() const {
  return !padded_.padding().active() && geom_.axes >= 1 && geom_.axes <= 3 && !force_nd_ && num_ > 0 &&
         geom_.channels > 0;
}

bool DnnlConvolutionLayer::ChannelsLastPays() const {
  // oneDNN's blocked layouts (nChw16c on AVX-512) round both channel counts
  // up to blocks of 16 and compute on the padding too: LeNet's conv2 (20 ->
  // 50 channels) does 0.49 of its blocked work on real channels. Its
  // channels-last (brgconv) kernels need no padding; they ran conv2's three
  // passes in 2.6 ms instead of 3.9, and 24 -> 64 channels in 0.77x
  // (measured, 2-core AVX-512 Xeon); with channel counts in whole blocks the
  // two were even. Only padded inputs count: an unpadded one arrives blocked
  // from the layer before, and reordering it cost more than the padded
  // output saved (GoogLeNet's 512 -> 24 channel 1x1 layers). Below 8 input
  // channels the blocked forward reads our plain input directly (its
  // first-layer kernel), which was faster (LeNet's conv1 in nhwc: 1.5x).
  const auto padded = [](int c) { return (c + 15) / 16 * 16; };
  const int in = geom_.channels, out = num_output_;
  const double used = static_cast<double>(in) / padded(in) * out / padded(out);
  return group_ == 1 && in >= 8 && in < padded(in) && used < 0.875;
}

void DnnlConvolutionLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  ConvolutionLayer::Reshape(bottom, top);
  // The same input shape keeps the primitives, or oneDNN's refusal.
  if (bottom[0]->shape() == shape_) return;
  shape_ = bottom[0]->shape();
  prims_.reset();
  uses_dnnl_ = Supported();
}

DnnlConvolutionLayer::Primitives& DnnlConvolutionLayer::Prepare() {
  if (prims_) return *prims_;
  auto p = std::make_unique<Primitives>();
  p->src = {num_, geom_.channels};
  p->dst = {num_, num_output_};
  p->weights = {num_output_ / group_, geom_.channels / group_};
  if (group_ > 1) p->weights.insert(p->weights.begin(), group_);
  for (int a = 0; a < geom_.axes; ++a) {
    p->src.push_back(geom_.in[a]);
    p->dst.push_back(geom_.out(a));
    p->weights.push_back(geom_.kernel[a]);
    p->strides.push_back(geom_.stride[a]);
    p->dilates.push_back(geom_.dilation[a] - 1);  // oneDNN counts the gaps
    p->pad_l.push_back(geom_.pad[a]);
    // Our output size is floor((in + 2 pad - extent) / stride) + 1, which
    // oneDNN's rule gives with the same pad on the right.
    p->pad_r.push_back(geom_.pad[a]);
  }
  p->bias = {num_output_};
  using namespace dnnl_util;
  const memory::desc bias_md = bias_term_ ? Plain(p->bias) : memory::desc();
  // Layouts of oneDNN's choosing (blocked, nChw16c on AVX-512), reordered
  // from and to ours around each call: CIFAR-10 quick ran 2-3.5x faster
  // forward + backward than with our plain layouts imposed (measured, a
  // loaded 2-core machine), whose primitives are gemm-based.
  p->channels_last = ChannelsLastPays();
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                    p->Activation(p->src), Any(p->weights), bias_md, p->Activation(p->dst),
                                    p->strides, p->dilates, p->pad_l, p->pad_r);
  p->fwd_pd = dnnl::convolution_forward::primitive_desc(d, Engine());
  p->fwd = dnnl::convolution_forward(p->fwd_pd);
  p->src_arg.ResetBorrowed(Plain(p->src), p->fwd_pd.src_desc());
  p->weights_arg.ResetBorrowed(Plain(p->weights), p->fwd_pd.weights_desc());
  p->dst_arg.ResetBorrowed(Plain(p->dst), p->fwd_pd.dst_desc());
  prims_ = std::move(p);
  return *prims_;
}

int DnnlConvolutionLayer::Fuse(const std::vector<FusionCandidate>& next, const FusionContext& context) {
  return post_.Take(next, context, num_output_);
}

const dnnl::convolution_forward& DnnlConvolutionLayer::ForwardPrimitive() {
  Primitives& p = *prims_;
  if (!post_.on()) return p.fwd;
  if (!p.fwd_fused_tried) {
    p.fwd_fused_tried = true;
    // A folded BatchNorm needs a bias, and the weights' reorder to scale.
    if (post_.folds_affine() && !p.weights_arg.reorders()) return p.fwd;
    // The unfused primitive's layouts, so that every argument (and the
    // layout kept in the top) is the same either way.
    const bool bias = bias_term_ || post_.folds_affine();
    const dnnl::memory::desc bias_md = bias ? dnnl_util::Plain(p.bias) : memory::desc();
    dnnl_util::Prepared(where(), std::string("convolution with ") + post_.what(), [&] {
      dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                        p.fwd_pd.src_desc(), p.fwd_pd.weights_desc(), bias_md, p.fwd_pd.dst_desc(),
                                        p.strides, p.dilates, p.pad_l, p.pad_r);
      dnnl::convolution_forward::primitive_desc pd(d, post_.Attr(p.fwd_pd.dst_desc()), dnnl_util::Engine());
      // oneDNN's reference kernel takes any post-op, at a fraction of the
      // speed: the layers alone are faster then.
      if (dnnl_util::IsReference(pd)) return;
      p.fwd_fused.emplace(pd);
    });
  }
  return p.fwd_fused ? *p.fwd_fused : p.fwd;
}

void DnnlConvolutionLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (uses_dnnl_ && !prims_) {
    uses_dnnl_ = dnnl_util::Prepared(where(), "convolution for this geometry", [&] { Prepare(); });
  }
  ran_post_ops_ = false;
  if (!uses_dnnl_) {
    ConvolutionLayer::Forward_cpu(bottom, top);
    if (post_.on()) post_.Forward();
    return;
  }
  const dnnl::convolution_forward& fwd = ForwardPrimitive();
  Primitives& p = *prims_;
  const bool fused = post_.on() && p.fwd_fused;
  ran_post_ops_ = fused;
  LendFromWorkspace({&p.weights_arg}, {&p.src_arg, &p.dst_arg, fused ? post_.sum_arg() : nullptr});
  std::unordered_map<int, memory> args;
  const float* bias = bias_term_ ? blobs_[1]->cpu_data() : nullptr;
  if (bias) args[DNNL_ARG_BIAS] = memory(dnnl_util::Plain(p.bias), dnnl_util::Engine(), const_cast<float*>(bias));
  if (fused) post_.Prepare(bias, &args);
  // The outputs first: a top too large for memory is then named as the blob
  // it is. Not with kept layouts, where the tops live in their private
  // buffers and a plain one would be memory no pass uses (LeNet's training:
  // 4 MiB).
  auto output = [&](size_t i) -> Blob& { return fused ? post_.Output(*top[i]) : *top[i]; };
  if (!dnnl_util::KeepLayout()) {
    for (size_t i = 0; i < top.size(); ++i) output(i).mutable_cpu_data();
  }
  dnnl::stream& s = dnnl_util::Stream();
  // The weights of each output channel times the folded BatchNorm's factor
  // (mask: dim 0, and dim 1 of grouped weights, index the output channels).
  args[DNNL_ARG_WEIGHTS] = fused && post_.folds_affine()
                               ? p.weights_arg.ReadScaled(blobs_[0]->cpu_data(), post_.weight_factors(),
                                                          group_ > 1 ? 3 : 1)
                               : p.weights_arg.Read(blobs_[0]->cpu_data());
  for (size_t i = 0; i < bottom.size(); ++i) {
    Blob& out = output(i);
    SyncedMemory& y = *out.data();
    args[DNNL_ARG_SRC] = p.src_arg.Read(*bottom[i]->data());
    args[DNNL_ARG_DST] = NamingBlob(out, "data", [&]() -> const memory& { return p.dst_arg.Target(y); });
    fwd.execute(s, args);
    p.dst_arg.Store(y);
  }
  s.wait();
  if (post_.on() && !fused) post_.Forward();
}

void DnnlConvolutionLayer::PrepareBackward(bool data, bool weights) {
  Primitives& p = *prims_;
  using namespace dnnl_util;
  if (data && !p.bwd_data) {
    dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, p.Activation(p.src),
                                            Any(p.weights), p.Activation(p.dst), p.strides, p.dilates, p.pad_l,
                                            p.pad_r);
    dnnl::convolution_backward_data::primitive_desc pd(d, Engine(), p.fwd_pd);
    p.bwd_data.emplace(pd);
    p.bd_diff_dst.ResetBorrowed(Plain(p.dst), pd.diff_dst_desc());
    p.bd_weights.ResetBorrowed(Plain(p.weights), pd.weights_desc());
    p.bd_diff_src.ResetBorrowed(Plain(p.src), pd.diff_src_desc());
  }
  if (weights && !p.bwd_weights) {
    const memory::desc bias_md = bias_term_ ? Plain(p.bias) : memory::desc();
    dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, p.Activation(p.src),
                                               Any(p.weights), bias_md, p.Activation(p.dst), p.strides, p.dilates,
                                               p.pad_l, p.pad_r);
    dnnl::convolution_backward_weights::primitive_desc pd(d, Engine(), p.fwd_pd);
    p.bwd_weights.emplace(pd);
    p.bw_src.ResetBorrowed(Plain(p.src), pd.src_desc());
    p.bw_diff_dst.ResetBorrowed(Plain(p.dst), pd.diff_dst_desc());
    p.bw_diffs.Reset(Plain(p.weights), pd.diff_weights_desc(), bias_term_ ? num_output_ : 0, true);
  }
}

void DnnlConvolutionLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                        const BlobVec& bottom) {
  if (post_.on()) post_.Backward();
  if (!uses_dnnl_ || !prims_) return ConvolutionLayer::Backward_cpu(top, propagate_down, bottom);
  const bool weight_grad = param_propagate_down(0);
  const bool bias_grad = bias_term_ && param_propagate_down(1);
  bool data_grad = false;
  for (size_t i = 0; i < bottom.size(); ++i) data_grad = data_grad || propagate_down[i];
  if (!dnnl_util::Prepared(where(), "backward convolution for this geometry",
                           [&] { PrepareBackward(data_grad, weight_grad || bias_grad); })) {
    uses_dnnl_ = false;
    return ConvolutionLayer::Backward_cpu(top, propagate_down, bottom);
  }
  Primitives& p = *prims_;
  LendFromWorkspace({&p.bd_weights, p.bw_diffs.weights_arg()},
                    {&p.bd_diff_dst, &p.bd_diff_src, &p.bw_src, &p.bw_diff_dst});
  dnnl::stream& s = dnnl_util::Stream();
  for (size_t i = 0; i < top.size(); ++i) {
    SyncedMemory& dy = *top[i]->diff();
    if (weight_grad || bias_grad) {
      std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, p.bw_src.Read(*bottom[i]->data())},
                                              {DNNL_ARG_DIFF_DST, p.bw_diff_dst.Read(dy)}};
      p.bw_diffs.AddTargets(&args);
      p.bwd_weights->execute(s, args);
      s.wait();
      p.bw_diffs.AddInto(weight_grad ? blobs_[0]->mutable_cpu_diff() : nullptr,
                         bias_grad ? blobs_[1]->mutable_cpu_diff() : nullptr);
    }
    if (propagate_down[i]) {
      SyncedMemory& dx = *bottom[i]->diff();
      p.bwd_data->execute(s, {{DNNL_ARG_DIFF_DST, p.bd_diff_dst.Read(dy)},
                              {DNNL_ARG_WEIGHTS, p.bd_weights.Read(blobs_[0]->cpu_data())},
                              {DNNL_ARG_DIFF_SRC, p.bd_diff_src.Target(dx)}});
      p.bd_diff_src.Store(dx);
    }
  }
  s.wait();
}

CNN_REGISTER_LAYER_ENGINE(Convolution, DNNL, DnnlConvolutionLayer);

}  // namespace cnn
