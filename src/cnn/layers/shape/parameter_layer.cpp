#include "cnn/layers/shape/parameter_layer.hpp"

#include <memory>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void ParameterLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const ParameterParameter& p = layer_param_.parameter_param();
  // No shape (as in Caffe) is a scalar: a blob of no axes and one value.
  Blob wanted;
  wanted.Reshape(p.shape());
  if (blobs_.empty()) {
    blobs_.push_back(std::make_shared<Blob>(wanted.shape()));
  } else {
    CNN_CHECK(blobs_.size() == 1, where() << "given " << blobs_.size() << " parameter blobs, expected 1");
    CNN_CHECK(blobs_[0]->shape() == wanted.shape(), where() << "parameter blob has shape " << blobs_[0]->shape_string()
                                                            << " but parameter_param.shape is "
                                                            << wanted.shape_string());
  }
  param_propagate_down_.assign(1, true);
}

void ParameterLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  top[0]->Reshape(blobs_[0]->shape());
  top[0]->ShareData(*blobs_[0]);
  top[0]->ShareDiff(*blobs_[0]);
}

CNN_REGISTER_LAYER(Parameter, ParameterLayer);

}  // namespace cnn
