// Maps a layer's `type` string to a factory. Each layer's .cpp registers
// itself with CNN_REGISTER_LAYER, so the net builder needs no list of layers.
// A type may also have a cuDNN implementation, registered under the same
// type with CNN_REGISTER_LAYER_ENGINE; the layer's `engine` field picks one
// (DEFAULT means cuDNN where it is built in, CAFFE forces our own kernels).
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
  // `engine` enum every Caffe parameter message with one declares (DEFAULT 0,
  // CAFFE 1, CUDNN 2), so they convert both ways by value. DEFAULT means
  // cuDNN where the type has a cuDNN implementation in this build.
  enum class Engine { DEFAULT = 0, CAFFE = 1, CUDNN = 2 };

  static void Add(const std::string& type, Creator creator);
  static void AddEngine(const std::string& type, Engine engine, Creator creator);
  // Throws Error naming the layer and listing the known types when the type is unknown.
  static std::unique_ptr<Layer> Create(const LayerParameter& param);
  static bool Has(const std::string& type);
  // Whether `type` has a cuDNN implementation in this build.
  static bool HasCudnn(const std::string& type);
  // The `engine` field of the layer's own parameter message (its
  // convolution_param for a Convolution, ...); DEFAULT for types without one.
  static Engine RequestedEngine(const LayerParameter& param);
  // Sets that field; false (and `param` unchanged) for types without one.
  static bool SetEngine(LayerParameter* param, Engine engine);
  // The engines `type` can be built with in this build: CAFFE, then CUDNN
  // where it has a cuDNN implementation.
  static std::vector<Engine> Engines(const std::string& type);
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

// CNN_REGISTER_LAYER_ENGINE(Convolution, CUDNN, CudnnConvolutionLayer)
#define CNN_REGISTER_LAYER_ENGINE(type_name, engine, Class)                                  \
  static ::cnn::LayerRegistrar cnn_layer_registrar_##type_name##_##engine(                  \
      #type_name, ::cnn::LayerRegistry::Engine::engine,                                     \
      [](const ::cnn::LayerParameter& p) -> std::unique_ptr<::cnn::Layer> {                 \
        return std::make_unique<Class>(p);                                                   \
      })
