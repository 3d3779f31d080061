#include "cnn/layers/recurrent/rnn_layer.hpp"

#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/recurrent/unrolled_net_builder.hpp"

namespace cnn {

void RNNLayer::FillUnrolledNet(NetParameter* net) const {
  using unrolled::Add;
  using unrolled::AddInnerProduct;
  const RecurrentParameter& rp = layer_param_.recurrent_param();
  const int hidden = num_output();

  LayerParameter* state = Add(net, "Input", "state_input", {}, {"h_0"});
  BlobShape* state_shape = state->mutable_input_param()->add_shape();
  const std::vector<std::vector<int>> state_shapes = RecurrentInputShapes();
  for (int d : state_shapes[0]) state_shape->add_dim(d);
  LayerParameter* cont_slice = Add(net, "Slice", "cont_slice", {"cont"}, {});
  cont_slice->mutable_slice_param()->set_axis(0);

  AddInnerProduct(net, "x_transform", "x", "W_xh_x", hidden, 2, rp, "W_xh", "b_h")->add_propagate_down(true);
  if (static_input()) {
    AddInnerProduct(net, "W_xh_x_static", "x_static", "W_xh_x_static_preshape", hidden, 1, rp, "W_xh_static")
        ->add_propagate_down(true);
    BlobShape* shape = Add(net, "Reshape", "W_xh_x_static_reshape", {"W_xh_x_static_preshape"}, {"W_xh_x_static"})
                           ->mutable_reshape_param()
                           ->mutable_shape();
    shape->add_dim(1);
    shape->add_dim(-1);
    shape->add_dim(hidden);
  }
  LayerParameter* x_slice = Add(net, "Slice", "W_xh_x_slice", {"W_xh_x"}, {});
  x_slice->mutable_slice_param()->set_axis(0);

  LayerParameter concat;
  concat.set_name("o_concat");
  concat.set_type("Concat");
  concat.add_top("o");
  concat.mutable_concat_param()->set_axis(0);

  for (int t = 1; t <= T_; ++t) {
    const std::string ts = std::to_string(t), tm1s = std::to_string(t - 1);
    cont_slice->add_top("cont_" + ts);
    x_slice->add_top("W_xh_x_" + ts);
    unrolled::AddContScale(net, "h_conted_" + tm1s, "h_" + tm1s, "cont_" + ts, "h_conted_" + tm1s);
    AddInnerProduct(net, "W_hh_h_" + tm1s, "h_conted_" + tm1s, "W_hh_h_" + tm1s, hidden, 2, rp, "W_hh");
    LayerParameter* sum =
        Add(net, "Eltwise", "h_input_sum_" + ts, {"W_hh_h_" + tm1s, "W_xh_x_" + ts}, {"h_neuron_input_" + ts});
    if (static_input()) sum->add_bottom("W_xh_x_static");
    sum->mutable_eltwise_param()->set_operation(EltwiseParameter::SUM);
    Add(net, "TanH", "h_neuron_" + ts, {"h_neuron_input_" + ts}, {"h_" + ts});
    AddInnerProduct(net, "W_ho_h_" + ts, "h_" + ts, "W_ho_h_" + ts, hidden, 2, rp, "W_ho", "b_o");
    Add(net, "TanH", "o_neuron_" + ts, {"W_ho_h_" + ts}, {"o_" + ts});
    concat.add_bottom("o_" + ts);
  }
  *net->add_layer() = concat;
}

CNN_REGISTER_LAYER(RNN, RNNLayer);

}  // namespace cnn
