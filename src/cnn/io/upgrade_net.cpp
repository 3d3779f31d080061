#include "cnn/io/upgrade_net.hpp"

#include <glog/logging.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/io/proto_io.hpp"

namespace cnn {

std::string V1LayerTypeName(V1LayerParameter::LayerType type) {
  switch (type) {
    case V1LayerParameter::NONE: return "";
    case V1LayerParameter::ABSVAL: return "AbsVal";
    case V1LayerParameter::ACCURACY: return "Accuracy";
    case V1LayerParameter::ARGMAX: return "ArgMax";
    case V1LayerParameter::BNLL: return "BNLL";
    case V1LayerParameter::CONCAT: return "Concat";
    case V1LayerParameter::CONTRASTIVE_LOSS: return "ContrastiveLoss";
    case V1LayerParameter::CONVOLUTION: return "Convolution";
    case V1LayerParameter::DATA: return "Data";
    case V1LayerParameter::DECONVOLUTION: return "Deconvolution";
    case V1LayerParameter::DROPOUT: return "Dropout";
    case V1LayerParameter::DUMMY_DATA: return "DummyData";
    case V1LayerParameter::EUCLIDEAN_LOSS: return "EuclideanLoss";
    case V1LayerParameter::ELTWISE: return "Eltwise";
    case V1LayerParameter::EXP: return "Exp";
    case V1LayerParameter::FLATTEN: return "Flatten";
    case V1LayerParameter::HDF5_DATA: return "HDF5Data";
    case V1LayerParameter::HDF5_OUTPUT: return "HDF5Output";
    case V1LayerParameter::HINGE_LOSS: return "HingeLoss";
    case V1LayerParameter::IM2COL: return "Im2col";
    case V1LayerParameter::IMAGE_DATA: return "ImageData";
    case V1LayerParameter::INFOGAIN_LOSS: return "InfogainLoss";
    case V1LayerParameter::INNER_PRODUCT: return "InnerProduct";
    case V1LayerParameter::LRN: return "LRN";
    case V1LayerParameter::MEMORY_DATA: return "MemoryData";
    case V1LayerParameter::MULTINOMIAL_LOGISTIC_LOSS: return "MultinomialLogisticLoss";
    case V1LayerParameter::MVN: return "MVN";
    case V1LayerParameter::POOLING: return "Pooling";
    case V1LayerParameter::POWER: return "Power";
    case V1LayerParameter::RELU: return "ReLU";
    case V1LayerParameter::SIGMOID: return "Sigmoid";
    case V1LayerParameter::SIGMOID_CROSS_ENTROPY_LOSS: return "SigmoidCrossEntropyLoss";
    case V1LayerParameter::SILENCE: return "Silence";
    case V1LayerParameter::SOFTMAX: return "Softmax";
    case V1LayerParameter::SOFTMAX_LOSS: return "SoftmaxWithLoss";
    case V1LayerParameter::SPLIT: return "Split";
    case V1LayerParameter::SLICE: return "Slice";
    case V1LayerParameter::TANH: return "TanH";
    case V1LayerParameter::WINDOW_DATA: return "WindowData";
    case V1LayerParameter::THRESHOLD: return "Threshold";
  }
  return "";
}

void RejectV0Net(const std::string& source, const NetParameter& param) {
  for (const V1LayerParameter& layer : param.layers()) {
    CNN_CHECK(!layer.has_layer(), source << ": uses Caffe's V0 net format, which is not supported when loading; "
                                         << "convert it once with `cnn upgrade_net_proto_text IN OUT` "
                                         << "(`cnn upgrade_net_proto_binary` for weights)");
  }
}

namespace {

// Moves the four preprocessing fields of a V1 data layer's own parameter
// message into its transform_param; `P` is DataParameter, ImageDataParameter
// or WindowDataParameter, which all carry them.
template <typename P>
bool MoveTransformFields(P* from, V1LayerParameter* layer) {
  bool changed = false;
  if (from->has_scale()) {
    layer->mutable_transform_param()->set_scale(from->scale());
    from->clear_scale();
    changed = true;
  }
  if (from->has_mean_file()) {
    layer->mutable_transform_param()->set_mean_file(from->mean_file());
    from->clear_mean_file();
    changed = true;
  }
  if (from->has_crop_size()) {
    layer->mutable_transform_param()->set_crop_size(from->crop_size());
    from->clear_crop_size();
    changed = true;
  }
  if (from->has_mirror()) {
    layer->mutable_transform_param()->set_mirror(from->mirror());
    from->clear_mirror();
    changed = true;
  }
  return changed;
}

ParamSpec* ParamAt(LayerParameter* layer, int i) {
  while (layer->param_size() <= i) layer->add_param();
  return layer->mutable_param(i);
}

// Every singular message field of V1LayerParameter (all *_param) has a field
// of the same name and message type in LayerParameter, so reflection copies
// them all and a schema mismatch cannot slip through unnoticed.
void CopyTypeParams(const std::string& source, const V1LayerParameter& v1, LayerParameter* out) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* from = v1.GetReflection();
  const google::protobuf::Reflection* to = out->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  from->ListFields(v1, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->is_repeated() || f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const FieldDescriptor* g = out->GetDescriptor()->FindFieldByName(f->name());
    CNN_CHECK(g && !g->is_repeated() && g->message_type() == f->message_type(),
              source << ": V1 layer '" << v1.name() << "' sets " << f->name()
                     << ", which has no counterpart in the current layer format");
    to->MutableMessage(out, g)->CopyFrom(from->GetMessage(v1, f));
  }
}

void UpgradeV1Layer(const std::string& source, V1LayerParameter* v1, LayerParameter* out) {
  const std::string type = V1LayerTypeName(v1->type());
  CNN_CHECK(!type.empty(), source << ": V1 layer '" << v1->name() << "' has no layer type");
  out->set_name(v1->name());
  out->set_type(type);
  *out->mutable_bottom() = v1->bottom();
  *out->mutable_top() = v1->top();
  *out->mutable_include() = v1->include();
  *out->mutable_exclude() = v1->exclude();
  *out->mutable_loss_weight() = v1->loss_weight();
  // Weights can be hundreds of megabytes: hand them over instead of copying.
  out->mutable_blobs()->Swap(v1->mutable_blobs());
  for (int i = 0; i < v1->param_size(); ++i) ParamAt(out, i)->set_name(v1->param(i));
  for (int i = 0; i < v1->blob_share_mode_size(); ++i) {
    ParamAt(out, i)->set_share_mode(v1->blob_share_mode(i) == V1LayerParameter::PERMISSIVE ? ParamSpec::PERMISSIVE
                                                                                         : ParamSpec::STRICT);
  }
  for (int i = 0; i < v1->blobs_lr_size(); ++i) ParamAt(out, i)->set_lr_mult(v1->blobs_lr(i));
  for (int i = 0; i < v1->weight_decay_size(); ++i) ParamAt(out, i)->set_decay_mult(v1->weight_decay(i));
  CopyTypeParams(source, *v1, out);
}

}  // namespace

bool UpgradeV1DataTransformation(NetParameter* param) {
  bool changed = false;
  for (V1LayerParameter& layer : *param->mutable_layers()) {
    if (layer.type() == V1LayerParameter::DATA && layer.has_data_param()) {
      changed |= MoveTransformFields(layer.mutable_data_param(), &layer);
    } else if (layer.type() == V1LayerParameter::IMAGE_DATA && layer.has_image_data_param()) {
      changed |= MoveTransformFields(layer.mutable_image_data_param(), &layer);
    } else if (layer.type() == V1LayerParameter::WINDOW_DATA && layer.has_window_data_param()) {
      changed |= MoveTransformFields(layer.mutable_window_data_param(), &layer);
    }
  }
  return changed;
}

bool UpgradeV1Layers(const std::string& source, NetParameter* param) {
  if (param->layers_size() == 0) return false;
  CNN_CHECK(param->layer_size() == 0, source << ": mixes the current `layer` list with Caffe's deprecated V1 "
                                             << "`layers` list; use only `layer`");
  RejectV0Net(source, *param);
  for (V1LayerParameter& v1 : *param->mutable_layers()) UpgradeV1Layer(source, &v1, param->add_layer());
  param->clear_layers();
  return true;
}

bool UpgradeNetInput(const std::string& source, NetParameter* param) {
  if (param->input_size() == 0 && param->input_shape_size() == 0 && param->input_dim_size() == 0) return false;
  const int n = param->input_size();
  const bool has_shape = param->input_shape_size() > 0;
  const bool has_dim = param->input_dim_size() > 0;
  CNN_CHECK(!(has_shape && has_dim),
            source << ": gives both input_shape and input_dim for the net inputs; use one (or an Input layer)");
  CNN_CHECK(!has_shape || param->input_shape_size() == n,
            source << ": " << n << " net inputs but " << param->input_shape_size() << " input_shape entries");
  CNN_CHECK(!has_dim || param->input_dim_size() == 4 * n,
            source << ": " << n << " net inputs need " << 4 * n << " input_dim values (N, C, H, W each), got "
                   << param->input_dim_size());
  // Inputs without any shape appear in old weight files, which have no use
  // for them: dropping the names is the whole upgrade there.
  if (has_shape || has_dim) {
    LayerParameter* input = param->add_layer();
    input->set_name("input");
    input->set_type("Input");
    for (int i = 0; i < n; ++i) {
      input->add_top(param->input(i));
      BlobShape* shape = input->mutable_input_param()->add_shape();
      if (has_shape) {
        *shape = param->input_shape(i);
      } else {
        for (int d = 4 * i; d < 4 * i + 4; ++d) shape->add_dim(param->input_dim(d));
      }
    }
    // Later layers read the inputs, so the new layer goes first.
    for (int i = param->layer_size() - 1; i > 0; --i) param->mutable_layer()->SwapElements(i, i - 1);
  }
  param->clear_input();
  param->clear_input_shape();
  param->clear_input_dim();
  return true;
}

bool UpgradeBatchNormParams(NetParameter* param) {
  bool changed = false;
  for (LayerParameter& layer : *param->mutable_layer()) {
    if (layer.type() != "BatchNorm" || layer.param_size() != 3) continue;
    for (ParamSpec& spec : *layer.mutable_param()) {
      spec.set_lr_mult(0.f);
      spec.set_decay_mult(0.f);
    }
    changed = true;
  }
  return changed;
}

bool UpgradeNetAsNeeded(const std::string& source, NetParameter* param) {
  RejectV0Net(source, *param);
  bool changed = false;
  if (UpgradeV1DataTransformation(param)) {
    LOG(INFO) << source << ": moved deprecated data-layer preprocessing fields to transform_param";
    changed = true;
  }
  if (UpgradeV1Layers(source, param)) {
    LOG(INFO) << source << ": upgraded from Caffe's deprecated V1 `layers` format";
    changed = true;
  }
  if (UpgradeNetInput(source, param)) {
    LOG(INFO) << source << ": replaced the deprecated net `input` fields with an Input layer";
    changed = true;
  }
  if (UpgradeBatchNormParams(param)) {
    LOG(INFO) << source << ": BatchNorm statistics get lr_mult 0 and decay_mult 0";
    changed = true;
  }
  return changed;
}

bool UpgradeSolverAsNeeded(const std::string& source, SolverParameter* param) {
  bool changed = false;
  if (param->has_solver_type()) {
    CNN_CHECK(!param->has_type(), source << ": sets both the deprecated solver_type and type; remove solver_type");
    const char* type = "SGD";
    switch (param->solver_type()) {
      case SolverParameter::SGD: type = "SGD"; break;
      case SolverParameter::NESTEROV: type = "Nesterov"; break;
      case SolverParameter::ADAGRAD: type = "AdaGrad"; break;
      case SolverParameter::RMSPROP: type = "RMSProp"; break;
      case SolverParameter::ADADELTA: type = "AdaDelta"; break;
      case SolverParameter::ADAM: type = "Adam"; break;
    }
    param->set_type(type);
    param->clear_solver_type();
    changed = true;
  }
  if (param->has_net_param()) changed |= UpgradeNetAsNeeded(source + " (net_param)", param->mutable_net_param());
  if (param->has_train_net_param()) {
    changed |= UpgradeNetAsNeeded(source + " (train_net_param)", param->mutable_train_net_param());
  }
  for (int i = 0; i < param->test_net_param_size(); ++i) {
    changed |= UpgradeNetAsNeeded(source + " (test_net_param " + std::to_string(i) + ")",
                                  param->mutable_test_net_param(i));
  }
  return changed;
}

}  // namespace cnn
