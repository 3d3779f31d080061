// `cnn upgrade_net_proto_binary IN OUT`: trained weights (.caffemodel) saved
// by an older Caffe (V1 `layers`) rewritten in the current binary format;
// the learned blobs move across untouched.
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/io/proto_io.hpp"
#include "commands.hpp"
#include "upgrade_report.hpp"

namespace cnn {
namespace tool {

int UpgradeNetProtoBinaryCommand(const std::vector<std::string>& args) {
  CNN_CHECK(args.size() == 2, "cnn upgrade_net_proto_binary takes IN.caffemodel OUT.caffemodel, got "
                                  << args.size() << " argument(s)");
  NetParameter param;
  ReadProtoFromBinaryFile(args[0], &param);
  const auto changes = UpgradeNetReporting(args[0], &param);
  CNN_CHECK(param.layer_size() > 0, args[0] << ": holds no layers (is it a net's weights?)");
  if (changes.empty()) {
    CopyFileUnchanged(args[0], args[1]);
  } else {
    WriteProtoToBinaryFile(param, args[1]);
  }
  PrintUpgradeReport(args[0], args[1], changes);
  return 0;
}

}  // namespace tool
}  // namespace cnn
