#include "cnn/layers/dnnl/dnnl_fused_relu.hpp"

#include <string>

namespace cnn {

int DnnlFusedReLU::Take(const std::vector<Layer*>& next, bool in_place) {
  relu_ = nullptr;
  if (in_place || next.empty() || std::string(next[0]->type()) != "ReLU") return 0;
  relu_ = next[0];
  return 1;
}

dnnl::primitive_attr DnnlFusedReLU::Attr() const {
  dnnl::post_ops ops;
  // oneDNN's relu with alpha is x > 0 ? x : alpha * x, Caffe's
  // max(x, 0) + negative_slope * min(x, 0) for the same float x.
  ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, relu_->layer_param().relu_param().negative_slope(), 0.f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return attr;
}

void DnnlFusedReLU::Forward(const BlobVec& top) const { relu_->Forward(top, top); }

void DnnlFusedReLU::Backward(const BlobVec& top) const { relu_->Backward(top, {true}, top); }

}  // namespace cnn
