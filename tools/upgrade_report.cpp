#include "upgrade_report.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cnn/core/common.hpp"
#include "cnn/io/upgrade_net.hpp"
#include "cnn/io/upgrade_v0_net.hpp"

namespace cnn {
namespace tool {

std::vector<std::string> UpgradeNetReporting(const std::string& source, NetParameter* param) {
  std::vector<std::string> changes;
  if (IsV0Net(*param)) {
    int padding = 0;
    for (const V1LayerParameter& layer : param->layers()) padding += layer.layer().type() == "padding";
    const int v0_layers = param->layers_size();
    UpgradeV0Net(source, param);
    changes.push_back("converted " + std::to_string(v0_layers) + " V0 layers to V1" +
                      (padding > 0 ? " (" + std::to_string(padding) + " padding layer(s) folded into the pad of the "
                                                                        "layers they fed)"
                                   : ""));
  }
  const int v1_layers = param->layers_size();
  if (UpgradeV1DataTransformation(param)) {
    changes.push_back("moved the V1 data layers' scale/mean_file/crop_size/mirror into transform_param");
  }
  if (UpgradeV1Layers(source, param)) {
    changes.push_back("converted " + std::to_string(v1_layers) + " V1 `layers` (enum types) to `layer` (string types)");
  }
  const int inputs = param->input_size();
  const bool input_shapes = param->input_shape_size() > 0 || param->input_dim_size() > 0;
  if (UpgradeNetInput(source, param)) {
    changes.push_back(input_shapes
                          ? "replaced the legacy input/input_dim/input_shape fields (" + std::to_string(inputs) +
                                " input(s)) with an Input layer"
                          : "dropped the legacy input names, which had no shapes");
  }
  if (UpgradeBatchNormParams(param)) {
    changes.push_back("set lr_mult 0 and decay_mult 0 on the BatchNorm statistics' param entries");
  }
  return changes;
}

std::vector<std::string> UpgradeSolverReporting(const std::string& source, SolverParameter* param) {
  std::vector<std::string> changes;
  auto net = [&](const std::string& field, NetParameter* p) {
    for (const auto& c : UpgradeNetReporting(source + " (" + field + ")", p)) changes.push_back(field + ": " + c);
  };
  if (param->has_net_param()) net("net_param", param->mutable_net_param());
  if (param->has_train_net_param()) net("train_net_param", param->mutable_train_net_param());
  for (int i = 0; i < param->test_net_param_size(); ++i) {
    net("test_net_param " + std::to_string(i), param->mutable_test_net_param(i));
  }
  const bool had_enum = param->has_solver_type();
  const std::string old_enum = had_enum ? SolverParameter::SolverType_Name(param->solver_type()) : "";
  // The inline nets are current by now, so this converts solver_type only.
  UpgradeSolverAsNeeded(source, param);
  if (had_enum) changes.push_back("replaced solver_type: " + old_enum + " with type: \"" + param->type() + "\"");
  return changes;
}

void PrintUpgradeReport(const std::string& in, const std::string& out, const std::vector<std::string>& changes) {
  if (changes.empty()) {
    std::cout << in << " is already in the current format; wrote it unchanged to " << out << std::endl;
    return;
  }
  std::cout << "Upgraded " << in << ":" << std::endl;
  for (const auto& c : changes) std::cout << "  " << c << std::endl;
  std::cout << "Wrote " << out << std::endl;
}

void CopyFileUnchanged(const std::string& in, const std::string& out) {
  std::error_code ec;
  if (std::filesystem::equivalent(in, out, ec)) return;
  std::ifstream from(in, std::ios::binary);
  CNN_CHECK(from, "cannot read " << in << ": " << std::strerror(errno));
  const std::string bytes((std::istreambuf_iterator<char>(from)), std::istreambuf_iterator<char>());
  const std::string tmp = out + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream to(tmp, std::ios::binary | std::ios::trunc);
    CNN_CHECK(to, "cannot write " << out << ": " << std::strerror(errno));
    to.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    to.flush();
    if (!to) {
      const int err = errno;
      std::remove(tmp.c_str());
      CNN_THROW("cannot write " << out << ": " << std::strerror(err));
    }
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    CNN_THROW("cannot write " << out << ": " << std::strerror(err));
  }
}

}  // namespace tool
}  // namespace cnn
