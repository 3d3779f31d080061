#include "cnn/layers/recurrent/lstm_layer.hpp"

#include "cnn/core/layer_registry.hpp"
#include "cnn/layers/recurrent/unrolled_net_builder.hpp"

namespace cnn {

void LSTMLayer::FillUnrolledNet(NetParameter* net) const {
  using unrolled::Add;
  using unrolled::AddInnerProduct;
  const RecurrentParameter& rp = layer_param_.recurrent_param();
  const int gates = 4 * num_output();
  const std::vector<std::vector<int>> state_shapes = RecurrentInputShapes();

  // Caffe lists c_0 before h_0 here; the blob order does not depend on it.
  LayerParameter* state = Add(net, "Input", "state_input", {}, {"c_0", "h_0"});
  for (int s : {1, 0}) {
    BlobShape* shape = state->mutable_input_param()->add_shape();
    for (int d : state_shapes[s]) shape->add_dim(d);
  }
  LayerParameter* cont_slice = Add(net, "Slice", "cont_slice", {"cont"}, {});
  cont_slice->mutable_slice_param()->set_axis(0);

  // All steps' input contributions in one product: W_xc_x = W_xc x + b_c.
  AddInnerProduct(net, "x_transform", "x", "W_xc_x", gates, 2, rp, "W_xc", "b_c")->add_propagate_down(true);
  if (static_input()) {
    AddInnerProduct(net, "W_xc_x_static", "x_static", "W_xc_x_static_preshape", gates, 1, rp, "W_xc_static")
        ->add_propagate_down(true);
    BlobShape* shape = Add(net, "Reshape", "W_xc_x_static_reshape", {"W_xc_x_static_preshape"}, {"W_xc_x_static"})
                           ->mutable_reshape_param()
                           ->mutable_shape();
    shape->add_dim(1);
    shape->add_dim(-1);
    shape->add_dim(gates);
  }
  LayerParameter* x_slice = Add(net, "Slice", "W_xc_x_slice", {"W_xc_x"}, {});
  x_slice->mutable_slice_param()->set_axis(0);

  LayerParameter concat;
  concat.set_name("h_concat");
  concat.set_type("Concat");
  concat.add_top("h");
  concat.mutable_concat_param()->set_axis(0);

  for (int t = 1; t <= T_; ++t) {
    const std::string ts = std::to_string(t), tm1s = std::to_string(t - 1);
    cont_slice->add_top("cont_" + ts);
    x_slice->add_top("W_xc_x_" + ts);
    unrolled::AddContScale(net, "h_conted_" + tm1s, "h_" + tm1s, "cont_" + ts, "h_conted_" + tm1s);
    AddInnerProduct(net, "transform_" + ts, "h_conted_" + tm1s, "W_hc_h_" + tm1s, gates, 2, rp, "W_hc");
    LayerParameter* sum = Add(net, "Eltwise", "gate_input_" + ts, {"W_hc_h_" + tm1s, "W_xc_x_" + ts}, {"gate_input_" + ts});
    if (static_input()) sum->add_bottom("W_xc_x_static");
    sum->mutable_eltwise_param()->set_operation(EltwiseParameter::SUM);
    Add(net, "LSTMUnit", "unit_" + ts, {"c_" + tm1s, "gate_input_" + ts, "cont_" + ts}, {"c_" + ts, "h_" + ts});
    concat.add_bottom("h_" + ts);
  }
  Add(net, "Split", "c_T_copy", {"c_" + std::to_string(T_)}, {"c_T"});
  *net->add_layer() = concat;
}

CNN_REGISTER_LAYER(LSTM, LSTMLayer);

}  // namespace cnn
