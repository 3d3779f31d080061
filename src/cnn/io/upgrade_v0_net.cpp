#include "cnn/io/upgrade_v0_net.hpp"

#include <map>
#include <utility>

#include "cnn/core/common.hpp"

namespace cnn {
namespace {

using V1 = V1LayerParameter;

// V0's type strings, as Caffe's first releases spelled them.
V1::LayerType V1TypeOf(const std::string& type) {
  static const std::map<std::string, V1::LayerType> kTypes = {
      {"accuracy", V1::ACCURACY},
      {"bnll", V1::BNLL},
      {"concat", V1::CONCAT},
      {"conv", V1::CONVOLUTION},
      {"data", V1::DATA},
      {"dropout", V1::DROPOUT},
      {"euclidean_loss", V1::EUCLIDEAN_LOSS},
      {"flatten", V1::FLATTEN},
      {"hdf5_data", V1::HDF5_DATA},
      {"hdf5_output", V1::HDF5_OUTPUT},
      {"im2col", V1::IM2COL},
      {"images", V1::IMAGE_DATA},
      {"infogain_loss", V1::INFOGAIN_LOSS},
      {"innerproduct", V1::INNER_PRODUCT},
      {"lrn", V1::LRN},
      {"multinomial_logistic_loss", V1::MULTINOMIAL_LOGISTIC_LOSS},
      {"pool", V1::POOLING},
      {"relu", V1::RELU},
      {"sigmoid", V1::SIGMOID},
      {"softmax", V1::SOFTMAX},
      {"softmax_loss", V1::SOFTMAX_LOSS},
      {"split", V1::SPLIT},
      {"tanh", V1::TANH},
      {"window_data", V1::WINDOW_DATA},
  };
  const auto it = kTypes.find(type);
  return it == kTypes.end() ? V1::NONE : it->second;
}

PoolingParameter::PoolMethod PoolMethodOf(V0LayerParameter::PoolMethod m) {
  switch (m) {
    case V0LayerParameter::MAX: return PoolingParameter::MAX;
    case V0LayerParameter::AVE: return PoolingParameter::AVE;
    case V0LayerParameter::STOCHASTIC: return PoolingParameter::STOCHASTIC;
  }
  return PoolingParameter::MAX;
}

// Fills `out` (its name, type and *_param messages) from a V0 layer. Every
// option set must land somewhere: one that the type does not take is an
// error rather than a value quietly lost.
class V0Converter {
 public:
  V0Converter(const std::string& source, const V0LayerParameter& v0, V1* out)
      : where_(source + ": V0 layer '" + v0.name() + "' (type \"" + v0.type() + "\")"), v0_(v0), out_(out) {}

  void Run() {
    const V1::LayerType type = V1TypeOf(v0_.type());
    CNN_CHECK(type != V1::NONE, where_ << " has a type Caffe's V0 format does not define");
    out_->set_name(v0_.name());
    out_->set_type(type);
    const bool conv = type == V1::CONVOLUTION, ip = type == V1::INNER_PRODUCT, pool = type == V1::POOLING;
    const bool data = type == V1::DATA, images = type == V1::IMAGE_DATA, window = type == V1::WINDOW_DATA;
    const bool hdf5 = type == V1::HDF5_DATA;

    if (v0_.has_num_output()) {
      if (conv) out_->mutable_convolution_param()->set_num_output(v0_.num_output());
      else if (ip) out_->mutable_inner_product_param()->set_num_output(v0_.num_output());
      else Refuse("num_output");
    }
    if (v0_.has_biasterm()) {
      if (conv) out_->mutable_convolution_param()->set_bias_term(v0_.biasterm());
      else if (ip) out_->mutable_inner_product_param()->set_bias_term(v0_.biasterm());
      else Refuse("biasterm");
    }
    if (v0_.has_weight_filler()) {
      if (conv) *out_->mutable_convolution_param()->mutable_weight_filler() = v0_.weight_filler();
      else if (ip) *out_->mutable_inner_product_param()->mutable_weight_filler() = v0_.weight_filler();
      else Refuse("weight_filler");
    }
    if (v0_.has_bias_filler()) {
      if (conv) *out_->mutable_convolution_param()->mutable_bias_filler() = v0_.bias_filler();
      else if (ip) *out_->mutable_inner_product_param()->mutable_bias_filler() = v0_.bias_filler();
      else Refuse("bias_filler");
    }
    if (v0_.has_pad()) SetPad(v0_.pad());
    if (v0_.has_kernelsize()) {
      if (conv) out_->mutable_convolution_param()->add_kernel_size(v0_.kernelsize());
      else if (pool) out_->mutable_pooling_param()->set_kernel_size(v0_.kernelsize());
      else Refuse("kernelsize");
    }
    if (v0_.has_group()) {
      if (conv) out_->mutable_convolution_param()->set_group(v0_.group());
      else Refuse("group");
    }
    if (v0_.has_stride()) {
      if (conv) out_->mutable_convolution_param()->add_stride(v0_.stride());
      else if (pool) out_->mutable_pooling_param()->set_stride(v0_.stride());
      else Refuse("stride");
    }
    if (v0_.has_pool()) {
      if (pool) out_->mutable_pooling_param()->set_pool(PoolMethodOf(v0_.pool()));
      else Refuse("pool");
    }
    if (v0_.has_dropout_ratio()) {
      if (type == V1::DROPOUT) out_->mutable_dropout_param()->set_dropout_ratio(v0_.dropout_ratio());
      else Refuse("dropout_ratio");
    }
    const bool lrn = type == V1::LRN;
    if (v0_.has_local_size()) lrn ? out_->mutable_lrn_param()->set_local_size(v0_.local_size()) : Refuse("local_size");
    if (v0_.has_alpha()) lrn ? out_->mutable_lrn_param()->set_alpha(v0_.alpha()) : Refuse("alpha");
    if (v0_.has_beta()) lrn ? out_->mutable_lrn_param()->set_beta(v0_.beta()) : Refuse("beta");
    if (v0_.has_k()) lrn ? out_->mutable_lrn_param()->set_k(v0_.k()) : Refuse("k");

    // The data layers' options go to their V1 messages; the preprocessing
    // ones then move to transform_param with the V1 step.
    if (v0_.has_source()) {
      if (data) out_->mutable_data_param()->set_source(v0_.source());
      else if (images) out_->mutable_image_data_param()->set_source(v0_.source());
      else if (window) out_->mutable_window_data_param()->set_source(v0_.source());
      else if (hdf5) out_->mutable_hdf5_data_param()->set_source(v0_.source());
      else Refuse("source");
    }
    if (v0_.has_batchsize()) {
      if (data) out_->mutable_data_param()->set_batch_size(v0_.batchsize());
      else if (images) out_->mutable_image_data_param()->set_batch_size(v0_.batchsize());
      else if (window) out_->mutable_window_data_param()->set_batch_size(v0_.batchsize());
      else if (hdf5) out_->mutable_hdf5_data_param()->set_batch_size(v0_.batchsize());
      else Refuse("batchsize");
    }
    if (v0_.has_scale()) {
      if (data) out_->mutable_data_param()->set_scale(v0_.scale());
      else if (images) out_->mutable_image_data_param()->set_scale(v0_.scale());
      else if (window) out_->mutable_window_data_param()->set_scale(v0_.scale());
      else Refuse("scale");
    }
    if (v0_.has_meanfile()) {
      if (data) out_->mutable_data_param()->set_mean_file(v0_.meanfile());
      else if (images) out_->mutable_image_data_param()->set_mean_file(v0_.meanfile());
      else if (window) out_->mutable_window_data_param()->set_mean_file(v0_.meanfile());
      else Refuse("meanfile");
    }
    if (v0_.has_cropsize()) {
      if (data) out_->mutable_data_param()->set_crop_size(v0_.cropsize());
      else if (images) out_->mutable_image_data_param()->set_crop_size(v0_.cropsize());
      else if (window) out_->mutable_window_data_param()->set_crop_size(v0_.cropsize());
      else Refuse("cropsize");
    }
    if (v0_.has_mirror()) {
      if (data) out_->mutable_data_param()->set_mirror(v0_.mirror());
      else if (images) out_->mutable_image_data_param()->set_mirror(v0_.mirror());
      else if (window) out_->mutable_window_data_param()->set_mirror(v0_.mirror());
      else Refuse("mirror");
    }
    if (v0_.has_rand_skip()) {
      if (data) out_->mutable_data_param()->set_rand_skip(v0_.rand_skip());
      else if (images) out_->mutable_image_data_param()->set_rand_skip(v0_.rand_skip());
      else Refuse("rand_skip");
    }
    if (v0_.has_shuffle_images()) images ? out_->mutable_image_data_param()->set_shuffle(v0_.shuffle_images())
                                         : Refuse("shuffle_images");
    if (v0_.has_new_height()) images ? out_->mutable_image_data_param()->set_new_height(v0_.new_height())
                                     : Refuse("new_height");
    if (v0_.has_new_width()) images ? out_->mutable_image_data_param()->set_new_width(v0_.new_width())
                                    : Refuse("new_width");
    if (v0_.has_new_num()) Refuse("new_num");
    if (v0_.has_new_channels()) Refuse("new_channels");
    if (v0_.has_det_fg_threshold()) window ? out_->mutable_window_data_param()->set_fg_threshold(v0_.det_fg_threshold())
                                           : Refuse("det_fg_threshold");
    if (v0_.has_det_bg_threshold()) window ? out_->mutable_window_data_param()->set_bg_threshold(v0_.det_bg_threshold())
                                           : Refuse("det_bg_threshold");
    if (v0_.has_det_fg_fraction()) window ? out_->mutable_window_data_param()->set_fg_fraction(v0_.det_fg_fraction())
                                          : Refuse("det_fg_fraction");
    if (v0_.has_det_context_pad()) window ? out_->mutable_window_data_param()->set_context_pad(v0_.det_context_pad())
                                          : Refuse("det_context_pad");
    if (v0_.has_det_crop_mode()) window ? out_->mutable_window_data_param()->set_crop_mode(v0_.det_crop_mode())
                                        : Refuse("det_crop_mode");
    if (v0_.has_concat_dim()) type == V1::CONCAT ? out_->mutable_concat_param()->set_concat_dim(v0_.concat_dim())
                                                 : Refuse("concat_dim");
    if (v0_.has_hdf5_output_param()) {
      if (type == V1::HDF5_OUTPUT) *out_->mutable_hdf5_output_param() = v0_.hdf5_output_param();
      else Refuse("hdf5_output_param");
    }
    *out_->mutable_blobs_lr() = v0_.blobs_lr();
    *out_->mutable_weight_decay() = v0_.weight_decay();
  }

  // The pad of a convolution or pooling, from its own option or from the
  // padding layer folded into it.
  void SetPad(uint32_t pad) {
    if (out_->type() == V1::CONVOLUTION) {
      out_->mutable_convolution_param()->clear_pad();
      out_->mutable_convolution_param()->add_pad(pad);
    } else if (out_->type() == V1::POOLING) {
      out_->mutable_pooling_param()->set_pad(pad);
    } else {
      Refuse("pad");
    }
  }

 private:
  void Refuse(const char* field) {
    CNN_THROW(where_ << " sets " << field << ", which that type does not take; remove it and upgrade again");
  }

  std::string where_;
  const V0LayerParameter& v0_;
  V1* out_;
};

}  // namespace

bool IsV0Net(const NetParameter& param) {
  for (const V1& layer : param.layers()) {
    if (layer.has_layer()) return true;
  }
  return false;
}

bool UpgradeV0Net(const std::string& source, NetParameter* param) {
  if (!IsV0Net(*param)) return false;
  CNN_CHECK(param->layer_size() == 0, source << ": mixes the current `layer` list with V0 `layers`");
  // A V0 padding layer's top, and what it stands for: its bottom, padded by pad.
  std::map<std::string, std::pair<std::string, uint32_t>> padded;
  google::protobuf::RepeatedPtrField<V1> upgraded;
  for (V1& entry : *param->mutable_layers()) {
    CNN_CHECK(entry.has_layer(), source << ": mixes V0 `layers { layer { ... } }` entries with V1 ones (layer '"
                                        << entry.name() << "')");
    const V0LayerParameter& v0 = entry.layer();
    if (v0.type() == "padding") {
      CNN_CHECK(entry.bottom_size() == 1 && entry.top_size() == 1,
                source << ": V0 padding layer '" << v0.name() << "' needs one bottom and one top, has "
                       << entry.bottom_size() << " and " << entry.top_size());
      padded[entry.top(0)] = {entry.bottom(0), v0.pad()};
      continue;
    }
    V1* out = upgraded.Add();
    V0Converter converter(source, v0, out);
    converter.Run();
    for (const std::string& bottom : entry.bottom()) {
      const auto it = padded.find(bottom);
      if (it == padded.end()) {
        out->add_bottom(bottom);
        continue;
      }
      // Padding layers existed because convolution and pooling could not pad
      // themselves; those are the only layers that can absorb one.
      CNN_CHECK(out->type() == V1::CONVOLUTION || out->type() == V1::POOLING,
                source << ": V0 layer '" << v0.name() << "' reads '" << bottom << "' from a padding layer; only "
                       << "conv and pool layers can take padding");
      CNN_CHECK(entry.bottom_size() == 1 && (!v0.has_pad() || v0.pad() == 0),
                source << ": V0 layer '" << v0.name() << "' has a padding layer in front and a pad of its own");
      out->add_bottom(it->second.first);
      converter.SetPad(it->second.second);
    }
    *out->mutable_top() = entry.top();
    out->mutable_blobs()->Swap(entry.mutable_layer()->mutable_blobs());
  }
  param->mutable_layers()->Swap(&upgraded);
  return true;
}

}  // namespace cnn
