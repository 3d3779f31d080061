// `cnn visualize --model=NET --weights=W --layer=conv1 --out=filters.png`:
// a layer's learned filters as a grid, drawn by tools/plot/cnn_filters.py
// with Debian's matplotlib (found like cnn_plot.py: share/cnn beside an
// installed binary, else the source tree of a built one, or
// $CNN_FILTERS_SCRIPT).
#include <gflags/gflags.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/did_you_mean.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "commands.hpp"
#include "run_program.hpp"

DEFINE_string(layer, "", "cnn visualize: the layer whose filters (first learned blob, O x C x H x W) to draw.");

#ifndef CNN_TOOL_SOURCE_DIR
#define CNN_TOOL_SOURCE_DIR ""
#endif

namespace cnn {
namespace tool {
namespace {

bool Readable(const std::string& path) { return !path.empty() && access(path.c_str(), R_OK) == 0; }

std::string FindFiltersScript() {
  const char* env = std::getenv("CNN_FILTERS_SCRIPT");
  if (env != nullptr && *env != '\0') {
    CNN_CHECK(Readable(env), "CNN_FILTERS_SCRIPT names '" << env << "', which cannot be read");
    return env;
  }
  const std::vector<std::string> candidates = {ExecutableDir() + "/../share/cnn/cnn_filters.py",
                                               std::string(CNN_TOOL_SOURCE_DIR) + "/tools/plot/cnn_filters.py"};
  for (const auto& c : candidates)
    if (Readable(c)) return c;
  CNN_THROW("cannot find cnn_filters.py (looked in " << candidates[0] << " and " << candidates[1]
                                                     << "); set CNN_FILTERS_SCRIPT to its path");
}

// Removes the temporary weights file however the command ends.
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) std::remove(path.c_str());
  }
};

}  // namespace

int VisualizeCommand(const std::vector<std::string>& args) {
  ExpectNoArguments("visualize", args);
  CNN_CHECK(!FLAGS_model.empty(), "cnn visualize needs --model=NET.prototxt");
  CNN_CHECK(!FLAGS_weights.empty(), "cnn visualize needs --weights=W.caffemodel");
  CNN_CHECK(!FLAGS_layer.empty(), "cnn visualize needs --layer=NAME (a convolution, e.g. conv1)");
  CNN_CHECK(!FLAGS_out.empty(), "cnn visualize needs --out=filters.png (or .svg, .pdf)");
  NetParameter model = ReadNetParamsFromTextFile(FLAGS_model);
  model.mutable_state()->set_phase(TEST);
  Net net(model);
  try {
    net.CopyTrainedLayersFromFile(FLAGS_weights);
  } catch (const Error& e) {
    CNN_THROW(FLAGS_weights << ": " << e.what());
  }
  if (!net.has_layer(FLAGS_layer)) {
    CNN_THROW(FLAGS_model << " has no layer '" << FLAGS_layer << "'" << DidYouMean(FLAGS_layer, net.layer_names()));
  }
  const Layer& layer = *net.layer_by_name(FLAGS_layer);
  CNN_CHECK(!layer.blobs().empty(), "layer '" << FLAGS_layer << "' (" << layer.type() << ") has no learned filters");
  const Blob& w = *layer.blobs()[0];
  CNN_CHECK(w.num_axes() == 4, "layer '" << FLAGS_layer << "' (" << layer.type() << "): its weights have shape "
                                         << w.shape_string() << "; cnn visualize draws 2-D filters (O x C x H x W)");
  for (const auto& m : net.LayersWithoutTrainedWeights())
    CNN_CHECK(m != FLAGS_layer, FLAGS_weights << " has no weights for layer '" << FLAGS_layer
                                              << "'; its filters would be the filler's random values");

  TempFile data;
  char path[] = "/tmp/cnn_filters_XXXXXX";
  const int fd = mkstemp(path);
  CNN_CHECK(fd >= 0, "cannot create a temporary file in /tmp");
  close(fd);
  data.path = path;
  {
    std::ofstream out(data.path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(w.cpu_data()), static_cast<std::streamsize>(w.count()) * sizeof(float));
    CNN_CHECK(out.good(), "cannot write the temporary file " << data.path);
  }
  std::string shape;
  for (int d : w.shape()) shape += (shape.empty() ? "" : "x") + std::to_string(d);
  const char* python = std::getenv("CNN_PYTHON");
  const std::vector<std::string> argv = {python && *python ? python : "/usr/bin/python3", FindFiltersScript(),
                                         "--data", data.path, "--shape", shape, "--out", FLAGS_out,
                                         "--title", FLAGS_layer + " (" + shape + ")"};
  const int status = RunProgram(argv);
  CNN_CHECK(status != 127, "cannot run " << argv[0] << " for cnn visualize (is python3 installed?)");
  if (status != 0) return 1;  // the script has said what went wrong, on one line
  std::printf("wrote %s: %d filters of %s\n", FLAGS_out.c_str(), w.shape(0), FLAGS_layer.c_str());
  return 0;
}

}  // namespace tool
}  // namespace cnn
