#include "cnn/layers/data/input_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

void InputLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const InputParameter& p = layer_param_.input_param();
  const int num_top = static_cast<int>(top.size());
  const int num_shape = p.shape_size();
  CNN_CHECK(num_shape == 0 || num_shape == 1 || num_shape == num_top,
            where() << "give input_param.shape once, once per top (" << num_top << "), or not at all; got "
                    << num_shape);
  if (num_shape == 0) return;
  for (int i = 0; i < num_top; ++i) top[i]->Reshape(p.shape(num_shape == 1 ? 0 : i));
}

CNN_REGISTER_LAYER(Input, InputLayer);

}  // namespace cnn
