#include "cnn/layers/dnnl/dnnl_eltwise_layer.hpp"

#include <cstring>
#include <string>
#include <unordered_map>

#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"
#include "cnn/layers/dnnl/dnnl_layout.hpp"

namespace cnn {

using dnnl::memory;

struct DnnlEltwiseLayer::Primitives {
  memory::desc md;  // every bottom and the top as one flat array
  dnnl::sum sum;
};

DnnlEltwiseLayer::DnnlEltwiseLayer(const LayerParameter& param) : EltwiseLayer(param) {}
DnnlEltwiseLayer::~DnnlEltwiseLayer() = default;

void DnnlEltwiseLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  EltwiseLayer::Reshape(bottom, top);
  if (bottom[0]->shape() == shape_) return;
  shape_ = bottom[0]->shape();
  prims_.reset();
  kept_.reset();
  const int n = bottom[0]->count();
  uses_dnnl_ = n > 0 && layer_param_.eltwise_param().operation() == EltwiseParameter::SUM;
  if (!uses_dnnl_) return;
  const int k = static_cast<int>(bottom.size());
  const std::string what = "sum of " + std::to_string(k) + " arrays of " + std::to_string(n) + " values";
  uses_dnnl_ = dnnl_util::Prepared(where(), what, [&] { prims_ = Prepare(dnnl_util::Plain({n}), k); });
}

std::unique_ptr<DnnlEltwiseLayer::Primitives> DnnlEltwiseLayer::Prepare(const memory::desc& md, int bottoms) const {
  using namespace dnnl_util;
  auto p = std::make_unique<Primitives>();
  p->md = md;
  // EltwiseLayer::LayerSetUp has checked one coeff per bottom, or none.
  const EltwiseParameter& ep = layer_param_.eltwise_param();
  std::vector<float> scales(bottoms, 1.f);
  for (int i = 0; i < ep.coeff_size(); ++i) scales[i] = ep.coeff(i);
  const std::vector<memory::desc> srcs(bottoms, p->md);
  p->sum = dnnl::sum(dnnl::sum::primitive_desc(p->md, scales, srcs, Engine()));
  return p;
}

namespace {

// The kept layout every one of `blobs` has in `side` (data or diff), or null.
template <typename Side>
std::shared_ptr<const DnnlLayout> CommonLayout(const BlobVec& blobs, Side side) {
  if (!dnnl_util::KeepLayout()) return nullptr;
  std::shared_ptr<const DnnlLayout> layout = DnnlLayoutOf(*side(blobs[0]));
  for (size_t i = 1; layout && i < blobs.size(); ++i) {
    const std::shared_ptr<const DnnlLayout> other = DnnlLayoutOf(*side(blobs[i]));
    if (!other || !layout->Same(*other)) layout.reset();
  }
  return layout;
}

}  // namespace

void DnnlEltwiseLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  // Fused with the ReLU after it, our pass runs (eltwise_layer.hpp).
  if (!uses_dnnl_ || fused_pass()) return EltwiseLayer::Forward_cpu(bottom, top);
  dnnl::engine& e = dnnl_util::Engine();
  std::unordered_map<int, memory> args;
  const std::shared_ptr<const DnnlLayout> layout = CommonLayout(bottom, [](Blob* b) { return b->data(); });
  if (layout) {
    if (!kept_ || kept_->md != layout->desc()) {
      kept_.reset();
      dnnl_util::Prepared(where(), "sum in this layout",
                          [&] { kept_ = Prepare(layout->desc(), static_cast<int>(bottom.size())); });
    }
  }
  if (layout && kept_) {
    for (size_t i = 0; i < bottom.size(); ++i) {
      const void* x = bottom[i]->data()->prv_data(*layout);
      args.emplace(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), memory(kept_->md, e, const_cast<void*>(x)));
    }
    args.emplace(DNNL_ARG_DST, memory(kept_->md, e, top[0]->data()->mutable_prv_data(layout)));
    dnnl::stream& s = dnnl_util::Stream();
    kept_->sum.execute(s, args);
    s.wait();
    return;
  }
  for (size_t i = 0; i < bottom.size(); ++i) {
    args.emplace(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i),
                 memory(prims_->md, e, const_cast<float*>(bottom[i]->cpu_data())));
  }
  args.emplace(DNNL_ARG_DST, memory(prims_->md, e, top[0]->mutable_cpu_data()));
  dnnl::stream& s = dnnl_util::Stream();
  prims_->sum.execute(s, args);
  s.wait();
}

void DnnlEltwiseLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                    const BlobVec& bottom) {
  if (fused_pass()) return EltwiseLayer::Backward_cpu(top, propagate_down, bottom);
  std::shared_ptr<const DnnlLayout> layout = uses_dnnl_ ? DnnlLayoutOf(*top[0]->diff()) : nullptr;
  if (!layout || !dnnl_util::KeepLayout()) return EltwiseLayer::Backward_cpu(top, propagate_down, bottom);
  // SUM: dx_i = coeff_i * dy, element by element in any layout (the
  // padding of a blocked one included, which stays 0).
  const float* dy = static_cast<const float*>(top[0]->diff()->prv_data(*layout));
  const size_t n = layout->bytes() / sizeof(float);
  const EltwiseParameter& ep = layer_param_.eltwise_param();
  for (size_t i = 0; i < bottom.size(); ++i) {
    if (!propagate_down[i]) continue;
    const float c = static_cast<int>(i) < ep.coeff_size() ? ep.coeff(static_cast<int>(i)) : 1.f;
    float* dx = static_cast<float*>(bottom[i]->diff()->mutable_prv_data(layout));
    if (c == 1.f) {
      std::memcpy(dx, dy, n * sizeof(float));
    } else {
      for (size_t j = 0; j < n; ++j) dx[j] = c * dy[j];
    }
  }
}

CNN_REGISTER_LAYER_ENGINE(Eltwise, DNNL, DnnlEltwiseLayer);

}  // namespace cnn
