#include "cnn/layers/dnnl/dnnl_batch_norm_layer.hpp"

#include <cstring>
#include <string>

#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"
#include "cnn/layers/dnnl/dnnl_layout.hpp"

namespace cnn {

using dnnl::memory;
using flags = dnnl::normalization_flags;

struct DnnlBatchNormLayer::Primitives {
  memory::desc data;   // N x C x (spatial as one axis) x 1, our layout
  memory::desc stats;  // C
  dnnl::batch_normalization_forward fwd;
  dnnl::batch_normalization_backward bwd;
};

DnnlBatchNormLayer::DnnlBatchNormLayer(const LayerParameter& param) : BatchNormLayer(param) {}
DnnlBatchNormLayer::~DnnlBatchNormLayer() = default;

void DnnlBatchNormLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  BatchNormLayer::Reshape(bottom, top);
  if (bottom[0]->shape() == shape_) return;
  shape_ = bottom[0]->shape();
  prims_.reset();
  uses_dnnl_ = bottom[0]->count() > 0;
  if (!uses_dnnl_) return;
  uses_dnnl_ = dnnl_util::Prepared(where(), "batch normalization for input " + bottom[0]->shape_string(),
                                   [&] { Prepare(shape_); });
}

void DnnlBatchNormLayer::Prepare(const std::vector<int>& shape) {
  using namespace dnnl_util;
  auto p = std::make_unique<Primitives>();
  // Every spatial layout of Caffe's BatchNorm is channels at axis 1 and
  // everything after it pooled: one 4-D view covers N x C, N x C x L, NCHW, ...
  const memory::dim n = shape[0], c = shape[1];
  memory::dim inner = 1;
  for (size_t i = 2; i < shape.size(); ++i) inner *= shape[i];
  p->data = Plain({n, c, inner, 1});
  p->stats = Plain({c});
  const float eps = eps_;
  // The statistics are always given (ours); only the backward tells batch
  // from global: it differentiates through them unless they are constants.
  const dnnl::prop_kind train = dnnl::prop_kind::forward_training;
  dnnl::batch_normalization_forward::desc fd(train, p->data, eps, flags::use_global_stats);
  dnnl::batch_normalization_forward::primitive_desc fpd(fd, Engine());
  p->fwd = dnnl::batch_normalization_forward(fpd);
  const flags bwd_flags = use_global_stats_ ? flags::use_global_stats : flags::none;
  dnnl::batch_normalization_forward::desc hint_d(train, p->data, eps, bwd_flags);
  dnnl::batch_normalization_forward::primitive_desc hint(hint_d, Engine());
  dnnl::batch_normalization_backward::desc bd(dnnl::prop_kind::backward_data, p->data, p->data, eps, bwd_flags);
  p->bwd = dnnl::batch_normalization_backward(dnnl::batch_normalization_backward::primitive_desc(bd, Engine(), hint));
  prims_ = std::move(p);
}

void DnnlBatchNormLayer::FusedForward_cpu(const BlobVec& bottom, const BlobVec& top) {
  SyncedMemory& in = *bottom[0]->data();
  std::shared_ptr<const DnnlLayout> layout = DnnlLayoutOf(in);
  const int lanes = norm::ChannelView::kBlockedLanes;
  // A last block with padding channels runs plain (the view has none).
  const bool blocked = layout && dnnl_util::KeepLayout() && dnnl_util::IsChannelBlocked16(layout->desc()) && channels_ % lanes == 0;
  if (!blocked) {
    fused_layout_.reset();
    fused_view_ = PlainView();
    return FusedForward(fused_view_, bottom[0]->cpu_data(), top[0]->mutable_cpu_data());
  }
  fused_layout_ = layout;
  fused_view_ = PlainView();
  fused_view_.lanes = lanes;
  // Read before the write: in place both are the same private buffer.
  const float* x = static_cast<const float*>(in.prv_data(*layout));
  FusedForward(fused_view_, x, static_cast<float*>(top[0]->data()->mutable_prv_data(layout)));
}

void DnnlBatchNormLayer::FusedBackward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                           const BlobVec& bottom) {
  SyncedMemory& dy_mem = *top[0]->diff();
  if (!fused_layout_) {
    return FusedBackward(fused_view_, top[0]->cpu_diff(), propagate_down[0] ? bottom[0]->mutable_cpu_diff() : nullptr);
  }
  // x_hat is in the forward pass's layout: the gradient follows it.
  const void* dy = dy_mem.prv_data(*fused_layout_);
  if (!dy) dy = dy_mem.prv_data_in(fused_layout_);
  float* dx = propagate_down[0] ? static_cast<float*>(bottom[0]->diff()->mutable_prv_data(fused_layout_)) : nullptr;
  FusedBackward(fused_view_, static_cast<const float*>(dy), dx);
}

void DnnlBatchNormLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (fused_pass()) return FusedForward_cpu(bottom, top);
  if (!uses_dnnl_) return BatchNormLayer::Forward_cpu(bottom, top);
  const float* x = bottom[0]->cpu_data();
  ComputeStatistics(x);
  if (!use_global_stats_ && bottom[0] == top[0]) {
    saved_x_.ReshapeLike(*bottom[0]);
    std::memcpy(saved_x_.mutable_cpu_data(), x, sizeof(float) * bottom[0]->count());
  }
  dnnl::engine& e = dnnl_util::Engine();
  const memory src(prims_->data, e, const_cast<float*>(x));
  const memory dst(prims_->data, e, top[0]->mutable_cpu_data());
  const memory mean(prims_->stats, e, mean_.mutable_cpu_data());
  const memory var(prims_->stats, e, var_.mutable_cpu_data());
  dnnl::stream& s = dnnl_util::Stream();
  prims_->fwd.execute(s, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}, {DNNL_ARG_MEAN, mean}, {DNNL_ARG_VARIANCE, var}});
  s.wait();
}

void DnnlBatchNormLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                      const BlobVec& bottom) {
  if (fused_pass()) return FusedBackward_cpu(top, propagate_down, bottom);
  if (!propagate_down[0]) return;
  if (!uses_dnnl_) return BatchNormLayer::Backward_cpu(top, propagate_down, bottom);
  // With global statistics the gradient never reads the input (any values
  // do); with the batch's, the input is the saved copy when run in place.
  const float* x = !use_global_stats_ && bottom[0] == top[0] ? saved_x_.cpu_data() : bottom[0]->cpu_data();
  dnnl::engine& e = dnnl_util::Engine();
  const memory src(prims_->data, e, const_cast<float*>(x));
  const memory dy(prims_->data, e, const_cast<float*>(top[0]->cpu_diff()));
  const memory dx(prims_->data, e, bottom[0]->mutable_cpu_diff());
  const memory mean(prims_->stats, e, mean_.mutable_cpu_data());
  const memory var(prims_->stats, e, var_.mutable_cpu_data());
  dnnl::stream& s = dnnl_util::Stream();
  prims_->bwd.execute(s, {{DNNL_ARG_SRC, src},
                          {DNNL_ARG_DIFF_DST, dy},
                          {DNNL_ARG_MEAN, mean},
                          {DNNL_ARG_VARIANCE, var},
                          {DNNL_ARG_DIFF_SRC, dx}});
  s.wait();
}

CNN_REGISTER_LAYER_ENGINE(BatchNorm, DNNL, DnnlBatchNormLayer);

}  // namespace cnn
