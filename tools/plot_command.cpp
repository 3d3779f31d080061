// `cnn plot LOG... --out=curves.png`: train and test curves of cnn's JSON
// logs, cnn's glog logs and BVLC Caffe's logs, drawn by tools/plot/cnn_plot.py
// with Debian's matplotlib. The script sits in share/cnn beside an
// installed binary, or in the source tree of a built one.
#include <gflags/gflags.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "commands.hpp"
#include "run_program.hpp"

DEFINE_string(metrics, "", "cnn plot: the metrics to draw, separated by commas (e.g. loss,accuracy); empty draws all.");
DEFINE_string(x, "iteration", "cnn plot: the horizontal axis, iteration or seconds.");

#ifndef CNN_TOOL_SOURCE_DIR
#define CNN_TOOL_SOURCE_DIR ""
#endif

namespace cnn {
namespace tool {
namespace {

bool Readable(const std::string& path) { return !path.empty() && access(path.c_str(), R_OK) == 0; }

std::string FindPlotScript() {
  const char* env = std::getenv("CNN_PLOT_SCRIPT");
  if (env != nullptr && *env != '\0') {
    CNN_CHECK(Readable(env), "CNN_PLOT_SCRIPT names '" << env << "', which cannot be read");
    return env;
  }
  const std::string dir = ExecutableDir();
  const std::vector<std::string> candidates = {dir + "/../share/cnn/cnn_plot.py",
                                               std::string(CNN_TOOL_SOURCE_DIR) + "/tools/plot/cnn_plot.py"};
  for (const auto& c : candidates) {
    if (Readable(c)) return c;
  }
  CNN_THROW("cannot find cnn_plot.py (looked in " << candidates[0] << " and " << candidates[1]
                                                  << "); set CNN_PLOT_SCRIPT to its path");
}

}  // namespace

int PlotCommand(const std::vector<std::string>& args) {
  CNN_CHECK(!args.empty(), "cnn plot needs one or more log files: cnn plot LOG... --out=curves.png");
  CNN_CHECK(!FLAGS_out.empty(), "cnn plot needs --out=FILE.png (or .svg, .pdf)");
  CNN_CHECK(FLAGS_x == "iteration" || FLAGS_x == "seconds", "--x must be iteration or seconds, got '" << FLAGS_x << "'");
  for (const auto& log : args) CNN_CHECK(Readable(log), "cannot read the log '" << log << "'");
  const char* python = std::getenv("CNN_PYTHON");
  std::vector<std::string> argv = {python && *python ? python : "/usr/bin/python3", FindPlotScript(),
                                   "--out", FLAGS_out, "--x", FLAGS_x, "--metrics", FLAGS_metrics, "--"};
  argv.insert(argv.end(), args.begin(), args.end());
  const int status = RunProgram(argv);
  CNN_CHECK(status != 127, "cannot run " << argv[0] << " for cnn plot (is python3 installed?)");
  // The script has said what went wrong, on one line.
  return status == 0 ? 0 : 1;
}

}  // namespace tool
}  // namespace cnn
