#include "cnn/core/layer_registry.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "cnn/core/common.hpp"
#include "cnn/core/did_you_mean.hpp"

namespace cnn {
namespace {

std::map<std::string, LayerRegistry::Creator>& registry() {
  static std::map<std::string, LayerRegistry::Creator> r;  // constructed on first use, before any registrar runs
  return r;
}

std::map<std::string, LayerRegistry::Creator>& cudnn_registry() {
  static std::map<std::string, LayerRegistry::Creator> r;
  return r;
}

}  // namespace

void LayerRegistry::Add(const std::string& type, Creator creator) {
  auto& r = registry();
  if (r.count(type)) {
    // Two layers claiming one type is a build mistake, not a user error.
    std::fprintf(stderr, "layer type '%s' registered twice\n", type.c_str());
    std::abort();
  }
  r[type] = std::move(creator);
}

void LayerRegistry::AddEngine(const std::string& type, Engine engine, Creator creator) {
  if (engine == Engine::CAFFE) {
    Add(type, std::move(creator));
    return;
  }
  auto& r = cudnn_registry();
  if (r.count(type)) {
    std::fprintf(stderr, "cuDNN layer type '%s' registered twice\n", type.c_str());
    std::abort();
  }
  r[type] = std::move(creator);
}

bool LayerRegistry::Has(const std::string& type) { return registry().count(type) > 0; }
bool LayerRegistry::HasCudnn(const std::string& type) { return cudnn_registry().count(type) > 0; }

namespace {

// The one list of types whose parameter message has an `engine` field: the
// type and the LayerParameter field holding that message.
const char* EngineMessageField(const std::string& type) {
  static const std::map<std::string, const char*> fields = {
      {"Convolution", "convolution_param"}, {"Deconvolution", "convolution_param"},
      {"Pooling", "pooling_param"},         {"LRN", "lrn_param"},
      {"Softmax", "softmax_param"},         {"ReLU", "relu_param"},
      {"Sigmoid", "sigmoid_param"},         {"TanH", "tanh_param"},
      {"BatchNorm", "batch_norm_param"},  // our own field (Caffe's BatchNorm has no engine)
  };
  auto it = fields.find(type);
  return it == fields.end() ? nullptr : it->second;
}

// The `engine` field of that message, found by reflection so each message's
// own enum type needs no cast here.
const google::protobuf::FieldDescriptor* EngineField(const LayerParameter& p,
                                                     const google::protobuf::FieldDescriptor** message_field) {
  const char* name = EngineMessageField(p.type());
  if (!name) return nullptr;
  *message_field = LayerParameter::descriptor()->FindFieldByName(name);
  return (*message_field)->message_type()->FindFieldByName("engine");
}

}  // namespace

LayerRegistry::Engine LayerRegistry::RequestedEngine(const LayerParameter& p) {
  const google::protobuf::FieldDescriptor* message_field = nullptr;
  const google::protobuf::FieldDescriptor* engine = EngineField(p, &message_field);
  if (!engine) return Engine::DEFAULT;
  const google::protobuf::Message& m = p.GetReflection()->GetMessage(p, message_field);
  return static_cast<Engine>(m.GetReflection()->GetEnumValue(m, engine));
}

bool LayerRegistry::SetEngine(LayerParameter* p, Engine e) {
  const google::protobuf::FieldDescriptor* message_field = nullptr;
  const google::protobuf::FieldDescriptor* engine = EngineField(*p, &message_field);
  if (!engine) return false;
  google::protobuf::Message* m = p->GetReflection()->MutableMessage(p, message_field);
  m->GetReflection()->SetEnumValue(m, engine, static_cast<int>(e));
  return true;
}

std::vector<LayerRegistry::Engine> LayerRegistry::Engines(const std::string& type) {
  std::vector<Engine> engines;
  if (Has(type)) engines.push_back(Engine::CAFFE);
  if (HasCudnn(type)) engines.push_back(Engine::CUDNN);
  return engines;
}

std::vector<std::string> LayerRegistry::Types() {
  std::vector<std::string> types;
  for (const auto& kv : registry()) types.push_back(kv.first);
  return types;
}

std::unique_ptr<Layer> LayerRegistry::Create(const LayerParameter& param) {
  auto it = registry().find(param.type());
  if (it == registry().end()) {
    CNN_CHECK(param.type() != "Python",
              "layer '" << param.name() << "' (Python): Python layers need a build with Python (CNN_WITH_PYTHON: "
                           "python3-dev, pybind11-dev, python3-numpy, python3-protobuf); this one has none");
    std::string known;
    for (const auto& t : Types()) known += (known.empty() ? "" : ", ") + t;
    CNN_THROW("layer '" << param.name() << "': unknown type '" << param.type() << "'"
                        << DidYouMean(param.type(), Types()) << "; known types: " << known);
  }
  const Engine engine = RequestedEngine(param);
  auto cudnn = cudnn_registry().find(param.type());
  const bool has_cudnn = cudnn != cudnn_registry().end();
  CNN_CHECK(engine != Engine::CUDNN || has_cudnn,
            "layer '" << param.name() << "' (" << param.type()
                      << "): engine: CUDNN requested, but this build has no cuDNN implementation of it;"
                         " use engine: CAFFE, or rebuild with -DCNN_WITH_CUDNN=ON");
  if (has_cudnn && engine != Engine::CAFFE) {
    // The cuDNN layer derives from our own and runs its CPU code in CPU mode,
    // so choosing it by default costs a CPU run nothing.
    return cudnn->second(param);
  }
  return it->second(param);
}

}  // namespace cnn
