#include "cnn/layers/shape/parameter_layer.hpp"

namespace cnn {

// The top aliases the parameter's data and diff on every device.
void ParameterLayer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {}

void ParameterLayer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                  const BlobVec& bottom) {}

}  // namespace cnn
