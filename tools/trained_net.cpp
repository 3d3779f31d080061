#include "trained_net.hpp"

#include <vector>

#include "cnn/core/common.hpp"

namespace cnn {
namespace tool {

std::unique_ptr<Net> LoadTrainedNet(const NetParameter& model, const std::string& weights,
                                    const std::string& why_complete) {
  auto net = std::make_unique<Net>(model);
  try {
    net->CopyTrainedLayersFromFile(weights);
  } catch (const Error& e) {
    CNN_THROW(weights << ": " << e.what());
  }
  if (!why_complete.empty()) {
    const std::vector<std::string> missing = net->LayersWithoutTrainedWeights();
    CNN_CHECK(missing.empty(), weights << " has no weights for layer '" << missing[0] << "'; " << why_complete);
  }
  return net;
}

}  // namespace tool
}  // namespace cnn
