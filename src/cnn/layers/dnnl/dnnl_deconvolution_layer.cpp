#include "cnn/layers/dnnl/dnnl_deconvolution_layer.hpp"

#include <optional>
#include <unordered_map>

#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"
#include "cnn/layers/dnnl/dnnl_param_diffs.hpp"

namespace cnn {

using dnnl::memory;

struct DnnlDeconvolutionLayer::Primitives {
  memory::dims src, weights, bias, dst, strides, dilates, pad_l, pad_r;
  memory::desc ours_weights;  // our (in, out / group, k...) array as oneDNN's (g, out, in, k...)
  dnnl::deconvolution_forward::primitive_desc fwd_pd;
  dnnl::deconvolution_forward fwd;
  DnnlArg src_arg, weights_arg, dst_arg;
  std::optional<dnnl::deconvolution_backward_data> bwd_data;
  DnnlArg bd_diff_dst, bd_weights, bd_diff_src;
  std::optional<dnnl::deconvolution_backward_weights> bwd_weights;
  DnnlArg bw_src, bw_diff_dst;
  DnnlParamDiffs bw_diffs;
};

DnnlDeconvolutionLayer::DnnlDeconvolutionLayer(const LayerParameter& param) : DeconvolutionLayer(param) {}
DnnlDeconvolutionLayer::~DnnlDeconvolutionLayer() = default;

bool DnnlDeconvolutionLayer::Supported() const {
  return !padded_.padding().active() && geom_.axes >= 1 && geom_.axes <= 3 && !force_nd_ && num_ > 0 &&
         in_channels_ > 0;
}

void DnnlDeconvolutionLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  DeconvolutionLayer::Reshape(bottom, top);
  if (bottom[0]->shape() == shape_) return;
  shape_ = bottom[0]->shape();
  prims_.reset();
  uses_dnnl_ = Supported() && dnnl_util::Prepared(where(), "deconvolution for this geometry", [&] { Prepare(); });
}

void DnnlDeconvolutionLayer::Prepare() {
  auto p = std::make_unique<Primitives>();
  const memory::dim g = group_, in_g = in_channels_ / group_, out_g = num_output_ / group_;
  p->src = {num_, in_channels_};
  p->dst = {num_, num_output_};
  p->weights = {g, out_g, in_g};
  memory::dim kernel = 1;
  for (int a = 0; a < geom_.axes; ++a) {
    p->src.push_back(in_[a]);
    p->dst.push_back(geom_.in[a]);  // geom_ is the transposed convolution: its input is our top
    p->weights.push_back(geom_.kernel[a]);
    kernel *= geom_.kernel[a];
    p->strides.push_back(geom_.stride[a]);
    p->dilates.push_back(geom_.dilation[a] - 1);  // oneDNN counts the gaps
    p->pad_l.push_back(geom_.pad[a]);
    p->pad_r.push_back(geom_.pad[a]);  // the top is stride (in - 1) + extent - 2 pad, as oneDNN's rule gives
  }
  // Our weights in memory: (g, in_g, out_g, k...) row-major.
  memory::dims strides(p->weights.size(), 1);
  for (int a = static_cast<int>(p->weights.size()) - 2; a >= 3; --a) strides[a] = strides[a + 1] * p->weights[a + 1];
  strides[1] = kernel;                  // out
  strides[2] = out_g * kernel;          // in
  strides[0] = in_g * out_g * kernel;   // group
  p->ours_weights = memory::desc(p->weights, memory::data_type::f32, strides);
  p->bias = {num_output_};
  using namespace dnnl_util;
  const memory::desc bias_md = bias_term_ ? Plain(p->bias) : memory::desc();
  dnnl::deconvolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::deconvolution_direct,
                                      Any(p->src), Any(p->weights), bias_md, Any(p->dst), p->strides, p->dilates,
                                      p->pad_l, p->pad_r);
  p->fwd_pd = dnnl::deconvolution_forward::primitive_desc(d, Engine());
  p->fwd = dnnl::deconvolution_forward(p->fwd_pd);
  p->src_arg.Reset(Plain(p->src), p->fwd_pd.src_desc());
  p->weights_arg.Reset(p->ours_weights, p->fwd_pd.weights_desc());
  p->dst_arg.Reset(Plain(p->dst), p->fwd_pd.dst_desc());
  prims_ = std::move(p);
}

void DnnlDeconvolutionLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (!uses_dnnl_) return DeconvolutionLayer::Forward_cpu(bottom, top);
  Primitives& p = *prims_;
  dnnl::stream& s = dnnl_util::Stream();
  const memory& weights = p.weights_arg.Read(blobs_[0]->cpu_data());
  memory bias;
  if (bias_term_) {
    bias = memory(dnnl_util::Plain(p.bias), dnnl_util::Engine(), const_cast<float*>(blobs_[1]->cpu_data()));
  }
  for (size_t i = 0; i < bottom.size(); ++i) {
    float* y = top[i]->mutable_cpu_data();
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, p.src_arg.Read(bottom[i]->cpu_data())},
                                            {DNNL_ARG_WEIGHTS, weights},
                                            {DNNL_ARG_DST, p.dst_arg.Target(y)}};
    if (bias_term_) args[DNNL_ARG_BIAS] = bias;
    p.fwd.execute(s, args);
    p.dst_arg.Store(y);
  }
  s.wait();
}

void DnnlDeconvolutionLayer::PrepareBackward(bool data, bool weights) {
  Primitives& p = *prims_;
  using namespace dnnl_util;
  if (data && !p.bwd_data) {
    dnnl::deconvolution_backward_data::desc d(dnnl::algorithm::deconvolution_direct, Any(p.src), Any(p.weights),
                                              Any(p.dst), p.strides, p.dilates, p.pad_l, p.pad_r);
    dnnl::deconvolution_backward_data::primitive_desc pd(d, Engine(), p.fwd_pd);
    p.bwd_data.emplace(pd);
    p.bd_diff_dst.Reset(Plain(p.dst), pd.diff_dst_desc());
    p.bd_weights.Reset(p.ours_weights, pd.weights_desc());
    p.bd_diff_src.Reset(Plain(p.src), pd.diff_src_desc());
  }
  if (weights && !p.bwd_weights) {
    const memory::desc bias_md = bias_term_ ? Plain(p.bias) : memory::desc();
    dnnl::deconvolution_backward_weights::desc d(dnnl::algorithm::deconvolution_direct, Any(p.src),
                                                 Any(p.weights), bias_md, Any(p.dst), p.strides, p.dilates,
                                                 p.pad_l, p.pad_r);
    dnnl::deconvolution_backward_weights::primitive_desc pd(d, Engine(), p.fwd_pd);
    p.bwd_weights.emplace(pd);
    p.bw_src.Reset(Plain(p.src), pd.src_desc());
    p.bw_diff_dst.Reset(Plain(p.dst), pd.diff_dst_desc());
    p.bw_diffs.Reset(p.ours_weights, pd.diff_weights_desc(), bias_term_ ? num_output_ : 0, false);
  }
}

void DnnlDeconvolutionLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                          const BlobVec& bottom) {
  if (!uses_dnnl_) return DeconvolutionLayer::Backward_cpu(top, propagate_down, bottom);
  const bool weight_grad = param_propagate_down(0);
  const bool bias_grad = bias_term_ && param_propagate_down(1);
  bool data_grad = false;
  for (size_t i = 0; i < bottom.size(); ++i) data_grad = data_grad || propagate_down[i];
  if (!dnnl_util::Prepared(where(), "backward deconvolution for this geometry",
                           [&] { PrepareBackward(data_grad, weight_grad || bias_grad); })) {
    uses_dnnl_ = false;
    return DeconvolutionLayer::Backward_cpu(top, propagate_down, bottom);
  }
  Primitives& p = *prims_;
  dnnl::stream& s = dnnl_util::Stream();
  for (size_t i = 0; i < top.size(); ++i) {
    const float* dy = top[i]->cpu_diff();
    if (weight_grad || bias_grad) {
      std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, p.bw_src.Read(bottom[i]->cpu_data())},
                                              {DNNL_ARG_DIFF_DST, p.bw_diff_dst.Read(dy)}};
      p.bw_diffs.AddTargets(&args);
      p.bwd_weights->execute(s, args);
      s.wait();
      p.bw_diffs.AddInto(weight_grad ? blobs_[0]->mutable_cpu_diff() : nullptr,
                         bias_grad ? blobs_[1]->mutable_cpu_diff() : nullptr);
    }
    if (propagate_down[i]) {
      float* dx = bottom[i]->mutable_cpu_diff();
      p.bwd_data->execute(s, {{DNNL_ARG_DIFF_DST, p.bd_diff_dst.Read(dy)},
                              {DNNL_ARG_WEIGHTS, p.bd_weights.Read(blobs_[0]->cpu_data())},
                              {DNNL_ARG_DIFF_SRC, p.bd_diff_src.Target(dx)}});
      p.bd_diff_src.Store(dx);
    }
  }
  s.wait();
}

CNN_REGISTER_LAYER_ENGINE(Deconvolution, DNNL, DnnlDeconvolutionLayer);

}  // namespace cnn
