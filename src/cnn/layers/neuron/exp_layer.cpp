#include "cnn/layers/neuron/exp_layer.hpp"

#include <math.h>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void ExpLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const ExpParameter& p = layer_param_.exp_param();
  const float base = p.base();
  CNN_CHECK(base == -1.f || base > 0.f,
            where() << "exp_param.base must be positive, or -1 for e; got " << base);
  // float arithmetic throughout, as Caffe's Dtype: the same constants.
  const float log_base = base == -1.f ? 1.f : logf(base);
  op_.inner_scale = log_base * p.scale();
  op_.outer_scale = p.shift() == 0.f ? 1.f : (base == -1.f ? expf(p.shift()) : powf(base, p.shift()));
}

CNN_REGISTER_LAYER(Exp, ExpLayer);

}  // namespace cnn
