// `cnn visualize --model=NET --weights=W --layer=conv1 --out=filters.png`:
// a layer's learned filters as a grid; with `--input=image.png --blob=conv2`
// instead of --layer, the activation maps of one image in that blob. Both
// are drawn by tools/plot/cnn_filters.py with Debian's matplotlib (found like
// cnn_plot.py: share/cnn beside an installed binary, else the source tree of
// a built one, or $CNN_FILTERS_SCRIPT).
#include <gflags/gflags.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/did_you_mean.hpp"
#include "cnn/data/data_transformer.hpp"
#include "cnn/data/datum_io.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "commands.hpp"
#include "trained_net.hpp"
#include "run_program.hpp"

DEFINE_string(layer, "", "cnn visualize: the layer whose filters (first learned blob, O x C x H x W) to draw.");
DEFINE_string(input, "", "cnn visualize: an image whose activation maps in --blob to draw (instead of --layer).");
DEFINE_string(blob, "", "cnn visualize: the blob (N x C x H x W) whose channels to draw for --input.");
DEFINE_string(mean_value, "",
              "cnn visualize --input: per-channel means (one, or one per channel, comma-separated) subtracted "
              "from the image when the net's Input layer has no transform_param.");
DEFINE_double(scale, 1.0, "cnn visualize --input: factor applied after the mean when the net has no transform_param.");

namespace cnn {
namespace tool {
namespace {

// Removes the temporary data file however the command ends.
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) std::remove(path.c_str());
  }
};

// Draws `count` floats of shape "OxCxHxW" through the script; 0 when it wrote FLAGS_out.
int Draw(const float* values, size_t count, const std::string& shape, const std::string& title) {
  TempFile data;
  char path[] = "/tmp/cnn_filters_XXXXXX";
  const int fd = mkstemp(path);
  CNN_CHECK(fd >= 0, "cannot create a temporary file in /tmp");
  close(fd);
  data.path = path;
  {
    std::ofstream out(data.path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(values), static_cast<std::streamsize>(count * sizeof(float)));
    CNN_CHECK(out.good(), "cannot write the temporary file " << data.path);
  }
  const char* python = std::getenv("CNN_PYTHON");
  const std::vector<std::string> argv = {python && *python ? python : "/usr/bin/python3",
                                         FindToolScript("CNN_FILTERS_SCRIPT", "cnn_filters.py"), "--data", data.path, "--shape", shape, "--out",
                                         FLAGS_out, "--title", title};
  const int status = RunProgram(argv);
  CNN_CHECK(status != 127, "cannot run " << argv[0] << " for cnn visualize (is python3 installed?)");
  return status == 0 ? 0 : 1;  // the script has said what went wrong, on one line
}

// The preprocessing pycaffe's Classifier applies: the Input layer's own
// transform_param when the deploy net gives one, else --mean_value/--scale.
TransformationParameter InputTransform(const NetParameter& model) {
  const bool flags_given = !FLAGS_mean_value.empty() || FLAGS_scale != 1.0;
  for (const auto& lp : model.layer()) {
    if (lp.type() != "Input" || !lp.has_transform_param()) continue;
    CNN_CHECK(!flags_given, FLAGS_model << ": layer '" << lp.name()
                                        << "' has its own transform_param; drop --mean_value and --scale");
    return lp.transform_param();
  }
  TransformationParameter t;
  t.set_scale(static_cast<float>(FLAGS_scale));
  for (const auto& m : SplitList(FLAGS_mean_value)) {
    char* end = nullptr;
    const float v = std::strtof(m.c_str(), &end);
    CNN_CHECK(end != m.c_str() && *end == '\0', "--mean_value: '" << m << "' is not a number");
    t.add_mean_value(v);
  }
  return t;
}

int DrawActivations(NetParameter model) {
  CNN_CHECK(!FLAGS_blob.empty(), "cnn visualize --input needs --blob=NAME (e.g. conv2)");
  struct stat st;
  if (::stat(FLAGS_input.c_str(), &st) != 0) {
    const int err = errno;
    CNN_THROW("cannot open image " << FLAGS_input << ": " << std::strerror(err));
  }
  const TransformationParameter transform = InputTransform(model);
  // Every blob must survive the forward pass to be read afterwards.
  model.set_share_activations(false);
  const std::unique_ptr<Net> loaded =
      LoadTrainedNet(model, FLAGS_weights, "the maps would come from the filler's random values");
  Net& net = *loaded;
  std::vector<std::string> names;
  for (const auto& n : net.blob_names())
    if (n != "(automatic)") names.push_back(n);
  if (!net.has_blob(FLAGS_blob)) {
    CNN_THROW(FLAGS_model << " has no blob '" << FLAGS_blob << "'" << DidYouMean(FLAGS_blob, names));
  }
  CNN_CHECK(net.input_blobs().size() == 1,
            FLAGS_model << ": cnn visualize --input needs a deploy net with one Input blob, this one has "
                        << net.input_blobs().size());
  Blob& input = *net.input_blobs()[0];
  CNN_CHECK(input.num_axes() == 4 && (input.shape(1) == 1 || input.shape(1) == 3),
            FLAGS_model << ": its input has shape " << input.shape_string()
                        << "; cnn visualize --input needs N x 1 or N x 3 channels x H x W (grey or colour images)");
  const int channels = input.shape(1), height = input.shape(2), width = input.shape(3);
  Datum datum;
  // Resized to what the net takes (the crop, when the transform crops).
  const int crop = static_cast<int>(transform.crop_size());
  CNN_CHECK(ReadImageToRawDatum(FLAGS_input, 0, crop ? crop : height, crop ? crop : width, channels == 3, &datum),
            "cannot read image " << FLAGS_input << " (not an image OpenCV decodes)");
  input.Reshape({1, channels, height, width});
  net.Reshape();
  DataTransformer transformer(transform, TEST);
  try {
    transformer.Transform(datum, &input);
  } catch (const Error& e) {
    CNN_THROW("image " << FLAGS_input << " (resized to the net's input) " << e.what());
  }
  net.Forward();
  const Blob& maps = *net.blob_by_name(FLAGS_blob);
  CNN_CHECK(maps.num_axes() == 4, "blob '" << FLAGS_blob << "' has shape " << maps.shape_string()
                                           << "; cnn visualize draws maps of an N x C x H x W blob");
  const int c = maps.shape(1), h = maps.shape(2), w = maps.shape(3);
  // One grey tile per channel: the script's layout for one-channel filters.
  const std::string shape = std::to_string(c) + "x1x" + std::to_string(h) + "x" + std::to_string(w);
  const std::string title = FLAGS_blob + " of " + FLAGS_input + " (" + std::to_string(c) + " maps " +
                            std::to_string(h) + "x" + std::to_string(w) + ")";
  if (Draw(maps.cpu_data(), static_cast<size_t>(c) * h * w, shape, title) != 0) return 1;
  std::printf("wrote %s: %d maps of %s (%dx%d)\n", FLAGS_out.c_str(), c, FLAGS_blob.c_str(), h, w);
  return 0;
}

}  // namespace

int VisualizeCommand(const std::vector<std::string>& args) {
  ExpectNoArguments("visualize", args);
  CNN_CHECK(!FLAGS_model.empty(), "cnn visualize needs --model=NET.prototxt");
  CNN_CHECK(!FLAGS_weights.empty(), "cnn visualize needs --weights=W.caffemodel");
  CNN_CHECK(FLAGS_layer.empty() || FLAGS_input.empty(),
            "cnn visualize draws either filters (--layer) or activation maps (--input, --blob), not both");
  CNN_CHECK(!FLAGS_layer.empty() || !FLAGS_input.empty(),
            "cnn visualize needs --layer=NAME (a convolution, e.g. conv1) or --input=IMAGE --blob=NAME");
  CNN_CHECK(!FLAGS_out.empty(), "cnn visualize needs --out=filters.png (or .svg, .pdf)");
  NetParameter model = ReadNetParamsFromTextFile(FLAGS_model);
  model.mutable_state()->set_phase(TEST);
  if (!FLAGS_input.empty()) return DrawActivations(model);
  const std::unique_ptr<Net> loaded = LoadTrainedNet(model, FLAGS_weights, "");
  Net& net = *loaded;
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

  std::string shape;
  for (int d : w.shape()) shape += (shape.empty() ? "" : "x") + std::to_string(d);
  if (Draw(w.cpu_data(), static_cast<size_t>(w.count()), shape, FLAGS_layer + " (" + shape + ")") != 0) return 1;
  std::printf("wrote %s: %d filters of %s\n", FLAGS_out.c_str(), w.shape(0), FLAGS_layer.c_str());
  return 0;
}

}  // namespace tool
}  // namespace cnn
