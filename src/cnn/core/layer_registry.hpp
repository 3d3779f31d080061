// Maps a layer's `type` string to a factory. Each layer's .cpp registers
// itself with CNN_REGISTER_LAYER, so the net builder needs no list of layers.
// A type may also have a cuDNN or a oneDNN implementation, registered under
// the same type with CNN_REGISTER_LAYER_ENGINE; the layer's `engine` field
// picks one. DEFAULT means cuDNN in GPU mode and oneDNN in CPU mode, each
// where the type has it in this build; CAFFE forces our own kernels. Every
// engine's class derives from our own layer, so it runs the other device's
// passes with our code.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/layer.hpp"

namespace cnn {

class LayerRegistry {
 public:
  using Creator = std::function<std::unique_ptr<Layer>(const LayerParameter&)>;

  // Which implementation of a type to build. The values are those of the
  // `engine` enum every parameter message with one declares (Caffe's DEFAULT
  // 0, CAFFE 1, CUDNN 2; our DNNL 10000), so they convert both ways by value.
  enum class Engine { DEFAULT = 0, CAFFE = 1, CUDNN = 2, DNNL = 10000 };

  static void Add(const std::string& type, Creator creator);
  static void AddEngine(const std::string& type, Engine engine, Creator creator);
  // Throws Error naming the layer and listing the known types when the type
  // is unknown, or when it asks for an engine this build lacks for it.
  static std::unique_ptr<Layer> Create(const LayerParameter& param);
  static bool Has(const std::string& type);
  // Whether `type` has a cuDNN implementation in this build.
  static bool HasCudnn(const std::string& type);
  // Whether `type` has an implementation on `engine` (not DEFAULT) in this build.
  static bool HasEngine(const std::string& type, Engine engine);
  // The `engine` field of the layer's own parameter message (its
  // convolution_param for a Convolution, ...); DEFAULT for types without one.
  static Engine RequestedEngine(const LayerParameter& param);
  // The engine Create builds `param` with, in the current Context mode, after
  // the override below.
  static Engine ChosenEngine(const LayerParameter& param);
  // Sets that field; false (and `param` unchanged) for types without one, or
  // whose message has no such value (InnerProduct has no CUDNN).
  static bool SetEngine(LayerParameter* param, Engine engine);
  // The engines `type` can be built with in this build: CAFFE, then DNNL and
  // CUDNN where it has them.
  static std::vector<Engine> Engines(const std::string& type);
  // "DEFAULT", "CAFFE", "CUDNN", "DNNL"; ParseEngine is its inverse and
  // returns false for any other name.
  static const char* EngineName(Engine engine);
  static bool ParseEngine(const std::string& name, Engine* engine);
  // Process-wide override (the tools' --engine flag): every layer with an
  // engine field is built as if it asked for `engine`, except that DNNL
  // only replaces the request of types with a oneDNN implementation. Cleared
  // by ClearEngineOverride.
  static void OverrideEngine(Engine engine);
  static void ClearEngineOverride();
  // Whether `param` gets its engine from DEFAULT's rule: neither its own
  // field nor the override names one. An engine class may then keep a shape
  // the library runs slower to our own code; a named engine always runs.
  static bool ChosenByDefault(const LayerParameter& param);
  static std::vector<std::string> Types();
};

struct LayerRegistrar {
  LayerRegistrar(const std::string& type, LayerRegistry::Creator creator) {
    LayerRegistry::Add(type, std::move(creator));
  }
  LayerRegistrar(const std::string& type, LayerRegistry::Engine engine, LayerRegistry::Creator creator) {
    LayerRegistry::AddEngine(type, engine, std::move(creator));
  }
};

}  // namespace cnn

// CNN_REGISTER_LAYER(Convolution, ConvolutionLayer) registers type "Convolution".
#define CNN_REGISTER_LAYER(type_name, Class)                                                 \
  static ::cnn::LayerRegistrar cnn_layer_registrar_##type_name(                             \
      #type_name, [](const ::cnn::LayerParameter& p) -> std::unique_ptr<::cnn::Layer> { \
        return std::make_unique<Class>(p);                                                   \
      })

// CNN_REGISTER_LAYER_ENGINE(Convolution, CUDNN, CudnnConvolutionLayer); DNNL likewise.
#define CNN_REGISTER_LAYER_ENGINE(type_name, engine, Class)                                  \
  static ::cnn::LayerRegistrar cnn_layer_registrar_##type_name##_##engine(                  \
      #type_name, ::cnn::LayerRegistry::Engine::engine,                                     \
      [](const ::cnn::LayerParameter& p) -> std::unique_ptr<::cnn::Layer> {                 \
        return std::make_unique<Class>(p);                                                   \
      })
