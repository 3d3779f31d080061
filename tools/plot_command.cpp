// `cnn plot LOG... --out=curves.png`: train and test curves of cnn's JSON
// logs, cnn's glog logs and BVLC Caffe's logs, drawn by tools/plot/cnn_plot.py
// with Debian's matplotlib. The script sits in share/cnn beside an
// installed binary, or in the source tree of a built one.
#include <gflags/gflags.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "commands.hpp"
#include "run_program.hpp"

DEFINE_string(metrics, "", "cnn plot: the metrics to draw, separated by commas (e.g. loss,accuracy); empty draws all.");
DEFINE_string(x, "iteration", "cnn plot: the horizontal axis, iteration or seconds.");

namespace cnn {
namespace tool {

int PlotCommand(const std::vector<std::string>& args) {
  CNN_CHECK(!args.empty(), "cnn plot needs one or more log files: cnn plot LOG... --out=curves.png");
  CNN_CHECK(!FLAGS_out.empty(), "cnn plot needs --out=FILE.png (or .svg, .pdf)");
  CNN_CHECK(FLAGS_x == "iteration" || FLAGS_x == "seconds", "--x must be iteration or seconds, got '" << FLAGS_x << "'");
  for (const auto& log : args) CNN_CHECK(Readable(log), "cannot read the log '" << log << "'");
  const char* python = std::getenv("CNN_PYTHON");
  std::vector<std::string> argv = {python && *python ? python : "/usr/bin/python3",
                                   FindToolScript("CNN_PLOT_SCRIPT", "cnn_plot.py"),
                                   "--out", FLAGS_out, "--x", FLAGS_x, "--metrics", FLAGS_metrics, "--"};
  argv.insert(argv.end(), args.begin(), args.end());
  const int status = RunProgram(argv);
  CNN_CHECK(status != 127, "cannot run " << argv[0] << " for cnn plot (is python3 installed?)");
  // The script has said what went wrong, on one line.
  return status == 0 ? 0 : 1;
}

}  // namespace tool
}  // namespace cnn
