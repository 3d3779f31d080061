#include "cnn/core/layer_registry.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/did_you_mean.hpp"

namespace cnn {
namespace {

using Engine = LayerRegistry::Engine;
using Registry = std::map<std::string, LayerRegistry::Creator>;

// One table per engine; CAFFE's holds every type. Constructed on first use,
// before any registrar runs.
Registry& registry(Engine engine) {
  static std::map<Engine, Registry> r;
  return r[engine];
}
Registry& registry() { return registry(Engine::CAFFE); }

// The --engine override; unset, each layer's own field decides.
std::optional<Engine>& engine_override() {
  static std::optional<Engine> e;
  return e;
}

}  // namespace

void LayerRegistry::AddEngine(const std::string& type, Engine engine, Creator creator) {
  auto& r = registry(engine);
  if (r.count(type)) {
    // Two layers claiming one type is a build mistake, not a user error.
    std::fprintf(stderr, "layer type '%s' registered twice for engine %s\n", type.c_str(), EngineName(engine));
    std::abort();
  }
  r[type] = std::move(creator);
}

void LayerRegistry::Add(const std::string& type, Creator creator) { AddEngine(type, Engine::CAFFE, std::move(creator)); }

bool LayerRegistry::Has(const std::string& type) { return registry().count(type) > 0; }
bool LayerRegistry::HasCudnn(const std::string& type) { return HasEngine(type, Engine::CUDNN); }
bool LayerRegistry::HasEngine(const std::string& type, Engine engine) {
  return engine != Engine::DEFAULT && registry(engine).count(type) > 0;
}

const char* LayerRegistry::EngineName(Engine engine) {
  switch (engine) {
    case Engine::DEFAULT: return "DEFAULT";
    case Engine::CAFFE: return "CAFFE";
    case Engine::CUDNN: return "CUDNN";
    case Engine::DNNL: return "DNNL";
  }
  return "?";
}

bool LayerRegistry::ParseEngine(const std::string& name, Engine* engine) {
  for (Engine e : {Engine::DEFAULT, Engine::CAFFE, Engine::CUDNN, Engine::DNNL}) {
    if (name == EngineName(e)) {
      *engine = e;
      return true;
    }
  }
  return false;
}

void LayerRegistry::OverrideEngine(Engine engine) { engine_override() = engine; }
void LayerRegistry::ClearEngineOverride() { engine_override().reset(); }

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
      {"InnerProduct", "inner_product_param"},  // our own field too
      {"ELU", "elu_param"},                     // and these three
      {"Concat", "concat_param"},
      {"Eltwise", "eltwise_param"},
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
  if (!engine->enum_type()->FindValueByNumber(static_cast<int>(e))) return false;
  google::protobuf::Message* m = p->GetReflection()->MutableMessage(p, message_field);
  m->GetReflection()->SetEnumValue(m, engine, static_cast<int>(e));
  return true;
}

std::vector<LayerRegistry::Engine> LayerRegistry::Engines(const std::string& type) {
  std::vector<Engine> engines;
  for (Engine e : {Engine::CAFFE, Engine::DNNL, Engine::CUDNN}) {
    if (HasEngine(type, e)) engines.push_back(e);
  }
  return engines;
}

std::vector<std::string> LayerRegistry::Types() {
  std::vector<std::string> types;
  for (const auto& kv : registry()) types.push_back(kv.first);
  return types;
}

// The one place an engine is chosen.
LayerRegistry::Engine LayerRegistry::ChosenEngine(const LayerParameter& param) {
  const std::string& type = param.type();
  Engine engine = RequestedEngine(param);
  const std::optional<Engine>& forced = engine_override();
  if (forced && EngineMessageField(type) && (*forced != Engine::DNNL || HasEngine(type, Engine::DNNL))) {
    engine = *forced;
  }
  if (engine != Engine::DEFAULT) return engine;
  // Each engine's class runs our own code on the other device, so the mode
  // at construction only decides which device gets the library's kernels;
  // a net built in one mode and run in the other stays correct.
  if (Context::mode() == Mode::GPU && HasEngine(type, Engine::CUDNN)) return Engine::CUDNN;
  if (HasEngine(type, Engine::DNNL)) return Engine::DNNL;
  if (HasEngine(type, Engine::CUDNN)) return Engine::CUDNN;
  return Engine::CAFFE;
}

bool LayerRegistry::ChosenByDefault(const LayerParameter& param) {
  const std::optional<Engine>& forced = engine_override();
  if (forced && *forced != Engine::DEFAULT && EngineMessageField(param.type())) return false;
  return RequestedEngine(param) == Engine::DEFAULT;
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
  const Engine engine = ChosenEngine(param);
  if (engine == Engine::CAFFE) return it->second(param);
  auto chosen = registry(engine).find(param.type());
  if (chosen == registry(engine).end()) {
    const char* rebuild = engine == Engine::CUDNN ? "-DCNN_WITH_CUDNN=ON" : "-DCNN_WITH_DNNL=ON (libdnnl-dev)";
    CNN_THROW("layer '" << param.name() << "' (" << param.type() << "): engine: " << EngineName(engine)
                        << " requested, but this build has no " << EngineName(engine)
                        << " implementation of it; use engine: CAFFE, or rebuild with " << rebuild
                        << " where the type has one");
  }
  return chosen->second(param);
}

}  // namespace cnn
