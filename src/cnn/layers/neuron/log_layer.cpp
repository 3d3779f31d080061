#include "cnn/layers/neuron/log_layer.hpp"

#include <math.h>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void LogLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const LogParameter& p = layer_param_.log_param();
  const float base = p.base();
  CNN_CHECK(base == -1.f || base > 0.f,
            where() << "log_param.base must be positive, or -1 for e; got " << base);
  // Caffe accepts base 1 and divides by ln(1) = 0: every output inf or NaN.
  CNN_CHECK(base != 1.f, where() << "log_param.base 1 has no logarithm (ln(1) = 0)");
  op_.scale = p.scale();
  op_.shift = p.shift();
  op_.base_scale = base == -1.f ? 1.f : 1.f / logf(base);
  op_.backward_scale = p.scale() * op_.base_scale;
}

CNN_REGISTER_LAYER(Log, LogLayer);

}  // namespace cnn
