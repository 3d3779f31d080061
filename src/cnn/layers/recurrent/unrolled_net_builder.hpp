// Small helpers for writing the unrolled nets of RNN and LSTM as
// LayerParameters (what a prototxt would say, built in code).
#pragma once

#include <initializer_list>
#include <string>

#include "cnn/cnn.pb.h"

namespace cnn {
namespace unrolled {

// Appends a layer of `type` named `name` with these bottoms and tops.
inline LayerParameter* Add(NetParameter* net, const std::string& type, const std::string& name,
                           std::initializer_list<std::string> bottoms, std::initializer_list<std::string> tops) {
  LayerParameter* lp = net->add_layer();
  lp->set_type(type);
  lp->set_name(name);
  for (const std::string& b : bottoms) lp->add_bottom(b);
  for (const std::string& t : tops) lp->add_top(t);
  return lp;
}

// An InnerProduct over the axes from `axis` on, its weight (and bias)
// shared across the net by the names given.
inline LayerParameter* AddInnerProduct(NetParameter* net, const std::string& name, const std::string& bottom,
                                       const std::string& top, int num_output, int axis,
                                       const RecurrentParameter& rp, const std::string& weight,
                                       const std::string& bias = "") {
  LayerParameter* lp = Add(net, "InnerProduct", name, {bottom}, {top});
  InnerProductParameter* ip = lp->mutable_inner_product_param();
  ip->set_num_output(num_output);
  ip->set_axis(axis);
  ip->set_bias_term(!bias.empty());
  *ip->mutable_weight_filler() = rp.weight_filler();
  lp->add_param()->set_name(weight);
  if (!bias.empty()) {
    *ip->mutable_bias_filler() = rp.bias_filler();
    lp->add_param()->set_name(bias);
  }
  return lp;
}

// h_conted = cont_t * h: a Scale over the first two axes (1 x N).
inline void AddContScale(NetParameter* net, const std::string& name, const std::string& h, const std::string& cont,
                         const std::string& top) {
  Add(net, "Scale", name, {h, cont}, {top})->mutable_scale_param()->set_axis(0);
}

}  // namespace unrolled
}  // namespace cnn
