#include "cnn/core/layer_registry.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>

#include "cnn/core/common.hpp"

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

int LayerRegistry::RequestedEngine(const LayerParameter& p) {
  const std::string& t = p.type();
  if (t == "Convolution" || t == "Deconvolution") return p.convolution_param().engine();
  if (t == "Pooling") return p.pooling_param().engine();
  if (t == "LRN") return p.lrn_param().engine();
  if (t == "Softmax") return p.softmax_param().engine();
  if (t == "ReLU") return p.relu_param().engine();
  if (t == "Sigmoid") return p.sigmoid_param().engine();
  if (t == "TanH") return p.tanh_param().engine();
  return 0;
}

std::vector<std::string> LayerRegistry::Types() {
  std::vector<std::string> types;
  for (const auto& kv : registry()) types.push_back(kv.first);
  return types;
}

std::unique_ptr<Layer> LayerRegistry::Create(const LayerParameter& param) {
  auto it = registry().find(param.type());
  if (it == registry().end()) {
    std::string known;
    for (const auto& t : Types()) known += (known.empty() ? "" : ", ") + t;
    CNN_THROW("layer '" << param.name() << "': unknown type '" << param.type() << "'; known types: " << known);
  }
  const int engine = RequestedEngine(param);
  auto cudnn = cudnn_registry().find(param.type());
  const bool has_cudnn = cudnn != cudnn_registry().end();
  CNN_CHECK(engine != 2 || has_cudnn,
            "layer '" << param.name() << "' (" << param.type()
                      << "): engine: CUDNN requested, but this build has no cuDNN implementation of it;"
                         " use engine: CAFFE, or rebuild with -DCNN_WITH_CUDNN=ON");
  if (has_cudnn && engine != 1) {
    // The cuDNN layer derives from our own and runs its CPU code in CPU mode,
    // so choosing it by default costs a CPU run nothing.
    return cudnn->second(param);
  }
  return it->second(param);
}

}  // namespace cnn
