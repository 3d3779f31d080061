// `cnn upgrade_solver_proto_text IN OUT`: a solver file with the deprecated
// `solver_type` enum (and any net given inline in an old format) rewritten
// in the current text format.
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/io/proto_io.hpp"
#include "commands.hpp"
#include "upgrade_report.hpp"

namespace cnn {
namespace tool {

int UpgradeSolverProtoTextCommand(const std::vector<std::string>& args) {
  CNN_CHECK(args.size() == 2, "cnn upgrade_solver_proto_text takes IN.prototxt OUT.prototxt, got "
                                  << args.size() << " argument(s)");
  SolverParameter param;
  ReadProtoFromTextFile(args[0], &param);
  // Every usable solver names its net one way or another; an empty or
  // unrelated file (which can parse as an empty solver) does not.
  CNN_CHECK(param.has_net() || param.has_net_param() || param.has_train_net() || param.has_train_net_param(),
            args[0] << ": names no net (net, net_param, train_net or train_net_param): is it a solver file?");
  const auto changes = UpgradeSolverReporting(args[0], &param);
  if (changes.empty()) {
    CopyFileUnchanged(args[0], args[1]);
  } else {
    WriteProtoToTextFile(param, args[1]);
  }
  PrintUpgradeReport(args[0], args[1], changes);
  return 0;
}

}  // namespace tool
}  // namespace cnn
