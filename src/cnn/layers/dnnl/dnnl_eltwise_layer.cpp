#include "cnn/layers/dnnl/dnnl_eltwise_layer.hpp"

#include <string>
#include <unordered_map>

#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"

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
  const int n = bottom[0]->count();
  uses_dnnl_ = n > 0 && layer_param_.eltwise_param().operation() == EltwiseParameter::SUM;
  if (!uses_dnnl_) return;
  const int k = static_cast<int>(bottom.size());
  const std::string what = "sum of " + std::to_string(k) + " arrays of " + std::to_string(n) + " values";
  uses_dnnl_ = dnnl_util::Prepared(where(), what, [&] { Prepare(n, k); });
}

void DnnlEltwiseLayer::Prepare(int count, int bottoms) {
  using namespace dnnl_util;
  auto p = std::make_unique<Primitives>();
  p->md = Plain({count});
  // EltwiseLayer::LayerSetUp has checked one coeff per bottom, or none.
  const EltwiseParameter& ep = layer_param_.eltwise_param();
  std::vector<float> scales(bottoms, 1.f);
  for (int i = 0; i < ep.coeff_size(); ++i) scales[i] = ep.coeff(i);
  const std::vector<memory::desc> srcs(bottoms, p->md);
  p->sum = dnnl::sum(dnnl::sum::primitive_desc(p->md, scales, srcs, Engine()));
  prims_ = std::move(p);
}

void DnnlEltwiseLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  if (!uses_dnnl_) return EltwiseLayer::Forward_cpu(bottom, top);
  dnnl::engine& e = dnnl_util::Engine();
  std::unordered_map<int, memory> args;
  for (size_t i = 0; i < bottom.size(); ++i) {
    args.emplace(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i),
                 memory(prims_->md, e, const_cast<float*>(bottom[i]->cpu_data())));
  }
  args.emplace(DNNL_ARG_DST, memory(prims_->md, e, top[0]->mutable_cpu_data()));
  dnnl::stream& s = dnnl_util::Stream();
  prims_->sum.execute(s, args);
  s.wait();
}

CNN_REGISTER_LAYER_ENGINE(Eltwise, DNNL, DnnlEltwiseLayer);

}  // namespace cnn
