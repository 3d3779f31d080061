#include "cnn/layers/dnnl/dnnl_concat_layer.hpp"

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"
#include "cnn/layers/dnnl/dnnl_layout.hpp"

namespace cnn {

using dnnl::memory;

struct DnnlConcatLayer::Primitives {
  std::vector<memory::desc> parts;   // bottom i as (outer, size_i, inner)
  std::vector<memory::desc> windows;  // its place in the top
  memory::desc whole;                // the top as (outer, sum of sizes, inner)
  dnnl::concat fwd;
  std::vector<dnnl::reorder> bwd;  // window i of the top's diff into bottom i's
};

// The same in nChw16c (and its 1-D/3-D forms), built on the first blocked pass.
struct DnnlConcatLayer::Blocked {
  std::vector<std::shared_ptr<const DnnlLayout>> parts;
  std::shared_ptr<const DnnlLayout> whole;
  dnnl::concat fwd;
  std::vector<dnnl::reorder> bwd;
};

DnnlConcatLayer::DnnlConcatLayer(const LayerParameter& param) : ConcatLayer(param) {}
DnnlConcatLayer::~DnnlConcatLayer() = default;

void DnnlConcatLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  ConcatLayer::Reshape(bottom, top);
  std::vector<std::vector<int>> shapes;
  for (const Blob* b : bottom) shapes.push_back(b->shape());
  if (shapes == shapes_) return;
  shapes_ = shapes;
  prims_.reset();
  blocked_.reset();
  uses_dnnl_ = bottom.size() > 1 && top[0]->count() > 0;
  if (!uses_dnnl_) return;
  // The axis ConcatLayer::Reshape has checked: the sizes differ only there.
  const ConcatParameter& p = layer_param_.concat_param();
  const int axis = p.has_concat_dim() ? static_cast<int>(p.concat_dim()) : bottom[0]->CanonicalAxisIndex(p.axis());
  std::vector<int> sizes;
  for (const Blob* b : bottom) sizes.push_back(b->shape(axis));
  const int rank = bottom[0]->num_axes();
  blockable_ = axis == 1 && rank >= 3 && rank <= 5;
  for (int c : sizes) blockable_ = blockable_ && c % 16 == 0;
  const int outer = bottom[0]->count(0, axis);
  const int inner = bottom[0]->count(axis + 1);
  const std::string what = "concat of " + std::to_string(bottom.size()) + " arrays on axis " + std::to_string(axis);
  uses_dnnl_ = dnnl_util::Prepared(where(), what, [&] { Prepare(outer, sizes, inner); });
}

void DnnlConcatLayer::Prepare(int outer, const std::vector<int>& sizes, int inner) {
  using namespace dnnl_util;
  auto p = std::make_unique<Primitives>();
  int total = 0;
  for (int s : sizes) total += s;
  p->whole = Plain({outer, total, inner});
  int offset = 0;
  for (int s : sizes) {
    p->parts.push_back(Plain({outer, s, inner}));
    p->windows.push_back(p->whole.submemory_desc({outer, s, inner}, {0, offset, 0}));
    offset += s;
  }
  p->fwd = dnnl::concat(dnnl::concat::primitive_desc(p->whole, 1, p->parts, Engine()));
  for (size_t i = 0; i < sizes.size(); ++i) {
    p->bwd.emplace_back(dnnl::reorder::primitive_desc(Engine(), p->windows[i], Engine(), p->parts[i]));
  }
  prims_ = std::move(p);
}

bool DnnlConcatLayer::BlockedPays(const BlobVec& bottom) {
  if (!blockable_ || !dnnl_util::KeepLayout()) return false;
  // Bottoms in another private layout need one conversion either way.
  int blocked = 0, plain = 0;
  for (const Blob* b : bottom) {
    const std::shared_ptr<const DnnlLayout> layout = DnnlLayoutOf(*b->data());
    if (!layout) ++plain;
    else if (dnnl_util::IsChannelBlocked16(layout->desc())) ++blocked;
  }
  if (blocked <= plain) return false;
  if (!blocked_) {
    const bool built = dnnl_util::Prepared(where(), "blocked concat", [&] { PrepareBlocked(); });
    if (!built) blockable_ = false;
    return built;
  }
  return true;
}

void DnnlConcatLayer::PrepareBlocked() {
  using namespace dnnl_util;
  auto b = std::make_unique<Blocked>();
  std::vector<memory::desc> parts;
  memory::dims whole(shapes_[0].begin(), shapes_[0].end());
  whole[1] = 0;
  for (const std::vector<int>& shape : shapes_) {
    const memory::dims dims(shape.begin(), shape.end());
    parts.push_back(ChannelBlocked16(dims));
    b->parts.push_back(std::make_shared<DnnlLayout>(Plain(dims), parts.back()));
    whole[1] += dims[1];
  }
  const memory::desc whole_md = ChannelBlocked16(whole);
  b->whole = std::make_shared<DnnlLayout>(Plain(whole), whole_md);
  b->fwd = dnnl::concat(dnnl::concat::primitive_desc(whole_md, 1, parts, Engine()));
  memory::dims offset(whole.size(), 0);
  for (const memory::desc& part : parts) {
    const memory::desc window = whole_md.submemory_desc(part.dims(), offset);
    b->bwd.emplace_back(dnnl::reorder::primitive_desc(Engine(), window, Engine(), part));
    offset[1] += part.dims()[1];
  }
  blocked_ = std::move(b);
}

void DnnlConcatLayer::ForwardBlocked(const BlobVec& bottom, const BlobVec& top) {
  dnnl::engine& e = dnnl_util::Engine();
  std::unordered_map<int, memory> args;
  for (size_t i = 0; i < bottom.size(); ++i) {
    SyncedMemory& x = *bottom[i]->data();
    const std::shared_ptr<const DnnlLayout>& layout = blocked_->parts[i];
    const void* p = x.prv_data(*layout);
    if (!p) p = x.prv_data_in(layout);
    args.emplace(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), memory(layout->desc(), e, const_cast<void*>(p)));
  }
  args.emplace(DNNL_ARG_DST, memory(blocked_->whole->desc(), e, top[0]->data()->mutable_prv_data(blocked_->whole)));
  dnnl::stream& s = dnnl_util::Stream();
  blocked_->fwd.execute(s, args);
  s.wait();
}

void DnnlConcatLayer::BackwardBlocked(const BlobVec& top, const std::vector<bool>& propagate_down,
                                      const BlobVec& bottom) {
  dnnl::engine& e = dnnl_util::Engine();
  SyncedMemory& dy_mem = *top[0]->diff();
  const void* dy = dy_mem.prv_data(*blocked_->whole);
  if (!dy) dy = dy_mem.prv_data_in(blocked_->whole);
  const memory whole(blocked_->whole->desc(), e, const_cast<void*>(dy));
  dnnl::stream& s = dnnl_util::Stream();
  for (size_t i = 0; i < bottom.size(); ++i) {
    if (!propagate_down[i]) continue;
    const std::shared_ptr<const DnnlLayout>& layout = blocked_->parts[i];
    const memory dx(layout->desc(), e, bottom[i]->diff()->mutable_prv_data(layout));
    blocked_->bwd[i].execute(s, {{DNNL_ARG_FROM, whole}, {DNNL_ARG_TO, dx}});
  }
  s.wait();
}

void DnnlConcatLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (!uses_dnnl_) return ConcatLayer::Forward_cpu(bottom, top);
  blocked_ran_ = BlockedPays(bottom);
  if (blocked_ran_) return ForwardBlocked(bottom, top);
  dnnl::engine& e = dnnl_util::Engine();
  std::unordered_map<int, memory> args;
  for (size_t i = 0; i < bottom.size(); ++i) {
    args.emplace(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i),
                 memory(prims_->parts[i], e, const_cast<float*>(bottom[i]->cpu_data())));
  }
  args.emplace(DNNL_ARG_DST, memory(prims_->whole, e, top[0]->mutable_cpu_data()));
  dnnl::stream& s = dnnl_util::Stream();
  prims_->fwd.execute(s, args);
  s.wait();
}

void DnnlConcatLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                   const BlobVec& bottom) {
  if (!uses_dnnl_) return ConcatLayer::Backward_cpu(top, propagate_down, bottom);
  if (blocked_ran_) return BackwardBlocked(top, propagate_down, bottom);
  dnnl::engine& e = dnnl_util::Engine();
  float* dy = const_cast<float*>(top[0]->cpu_diff());
  dnnl::stream& s = dnnl_util::Stream();
  for (size_t i = 0; i < bottom.size(); ++i) {
    if (!propagate_down[i]) continue;
    const memory window(prims_->windows[i], e, dy);
    const memory dx(prims_->parts[i], e, bottom[i]->mutable_cpu_diff());
    prims_->bwd[i].execute(s, {{DNNL_ARG_FROM, window}, {DNNL_ARG_TO, dx}});
  }
  s.wait();
}

CNN_REGISTER_LAYER_ENGINE(Concat, DNNL, DnnlConcatLayer);

}  // namespace cnn
