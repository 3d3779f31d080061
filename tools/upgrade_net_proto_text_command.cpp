// `cnn upgrade_net_proto_text IN OUT`: a net definition written for an older
// Caffe (V1 `layers`, legacy `input` fields, ...) rewritten once in the
// current text format, so it no longer needs upgrading at every load.
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/io/proto_io.hpp"
#include "commands.hpp"
#include "upgrade_report.hpp"

namespace cnn {
namespace tool {

int UpgradeNetProtoTextCommand(const std::vector<std::string>& args) {
  CNN_CHECK(args.size() == 2, "cnn upgrade_net_proto_text takes IN.prototxt OUT.prototxt, got " << args.size()
                                                                                              << " argument(s)");
  NetParameter param;
  ReadProtoFromTextFile(args[0], &param);
  const auto changes = UpgradeNetReporting(args[0], &param);
  // An empty file parses as an empty net: surely not what was meant.
  CNN_CHECK(param.layer_size() > 0, args[0] << ": defines no layers (is it empty, or not a net definition?)");
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
