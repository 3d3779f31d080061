// ImageData: lists of small PNG files written here with OpenCV; pixels,
// labels, order, shuffling, skipping and resume checked exactly.
#include "cnn/layers/data/image_data_layer.hpp"

#include <glog/logging.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/stateful.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "support/data_layer_check.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

#ifdef CNN_WITH_OPENCV
#include <opencv2/imgcodecs.hpp>

namespace cnn {
namespace {

using test::DataOf;
using test::ErrorOf;

// Image i, h x w, c channels: value (i * 40 + k * 7 + y * w + x) % 256 in
// channel k (OpenCV's order, which is the Datum's: B, G, R).
int Value(int i, int k, int y, int x, int w) { return (i * 40 + k * 7 + y * w + x) % 256; }

cv::Mat MakeImage(int i, int h, int w, int c) {
  cv::Mat image(h, w, c == 3 ? CV_8UC3 : CV_8UC1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < c; ++k) image.data[(y * w + x) * c + k] = static_cast<uchar>(Value(i, k, y, x, w));
  return image;
}

// What the layer must deliver for image i: CHW floats; a grey image read in
// colour repeats its one channel three times.
std::vector<float> Expected(int i, int h, int w, int stored_channels, int channels) {
  std::vector<float> out;
  for (int k = 0; k < channels; ++k)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) out.push_back(static_cast<float>(Value(i, stored_channels == 1 ? 0 : k, y, x, w)));
  return out;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// A folder with images/img<i>.png (i < n, h x w, c channels) and list.txt
// naming them "img<i>.png <label0 + i>" (relative to images/).
struct ImageFolder {
  std::string dir, root, list;
  ImageFolder(int n, int h, int w, int c, int label0 = 10) {
    dir = test::MakeTempDir();
    root = dir + "/images/";
    std::string mkdir = "mkdir -p '" + root + "'", output;
    EXPECT_EQ(test::RunCommand(mkdir, &output), 0) << output;
    std::ostringstream lines;
    for (int i = 0; i < n; ++i) {
      EXPECT_TRUE(cv::imwrite(root + Name(i), MakeImage(i, h, w, c)));
      lines << Name(i) << ' ' << label0 + i << '\n';
    }
    list = dir + "/list.txt";
    WriteFile(list, lines.str());
  }
  static std::string Name(int i) { return "img" + std::to_string(i) + ".png"; }
};

std::string LayerText(const std::string& list, const std::string& root, int batch, const std::string& extra = "",
                      const std::string& top_extra = "") {
  return "name: 'images' type: 'ImageData' top: 'data' top: 'label' image_data_param { source: '" + list +
         "' root_folder: '" + root + "' batch_size: " + std::to_string(batch) + " " + extra + " } " + top_extra;
}

using Tops = test::DataTops;
using test::CheckResume;
using test::StateOf;
std::unique_ptr<Layer> Make(const std::string& text) { return test::MakeLayer(text); }
std::vector<std::vector<float>> Read(Layer& layer, Tops& tops, int count) {
  return test::ReadBatches(layer, tops, count);
}

// The data batch `images` (in that order) must give.
std::vector<float> Batch(const std::vector<int>& images, int h, int w, int stored, int channels) {
  std::vector<float> out;
  for (int i : images) {
    const std::vector<float> one = Expected(i, h, w, stored, channels);
    out.insert(out.end(), one.begin(), one.end());
  }
  return out;
}

TEST(ImageDataLayer, ColourImagesInListOrderWrappingAround) {
  ImageFolder folder(3, 2, 3, 3);
  auto layer = Make(LayerText(folder.list, folder.root, 2));
  EXPECT_STREQ(layer->type(), "ImageData");
  Tops tops;
  layer->SetUp({}, tops.vec());
  EXPECT_EQ(tops.data.shape(), (std::vector<int>{2, 3, 2, 3}));
  EXPECT_EQ(tops.label.shape(), (std::vector<int>{2}));
  // 0 1 | 2 0 | 1 2
  const std::vector<std::vector<int>> batches = {{0, 1}, {2, 0}, {1, 2}};
  for (const auto& images : batches) {
    layer->Forward({}, tops.vec());
    EXPECT_EQ(DataOf(tops.data), Batch(images, 2, 3, 3, 3));
    EXPECT_EQ(DataOf(tops.label), (std::vector<float>{10.f + images[0], 10.f + images[1]}));
  }
}

TEST(ImageDataLayer, GreyAndColourReading) {
  ImageFolder grey(2, 3, 2, 1);
  Tops tops;
  auto as_grey = Make(LayerText(grey.list, grey.root, 2, "is_color: false"));
  as_grey->SetUp({}, tops.vec());
  EXPECT_EQ(tops.data.shape(), (std::vector<int>{2, 1, 3, 2}));
  as_grey->Forward({}, tops.vec());
  EXPECT_EQ(DataOf(tops.data), Batch({0, 1}, 3, 2, 1, 1));
  // is_color (the default) makes three equal channels of a grey file.
  auto as_colour = Make(LayerText(grey.list, grey.root, 1));
  as_colour->SetUp({}, tops.vec());
  EXPECT_EQ(tops.data.shape(), (std::vector<int>{1, 3, 3, 2}));
  as_colour->Forward({}, tops.vec());
  EXPECT_EQ(DataOf(tops.data), Batch({0}, 3, 2, 1, 3));
}

TEST(ImageDataLayer, ResizesToNewHeightAndWidth) {
  // Halving a 4x4 grey image bilinearly averages each 2x2 block: pixel
  // (y, x) = 40 (y/2) + 20 (x/2) + 2 (x%2) + 4 (y%2) has block means
  // 40 by + 20 bx + 3.
  const std::string dir = test::MakeTempDir();
  cv::Mat image(4, 4, CV_8UC1);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) image.at<uchar>(y, x) = static_cast<uchar>(40 * (y / 2) + 20 * (x / 2) + 2 * (x % 2) + 4 * (y % 2));
  ASSERT_TRUE(cv::imwrite(dir + "/a.png", image));
  WriteFile(dir + "/list.txt", "a.png 3\n");
  auto layer = Make(LayerText(dir + "/list.txt", dir + "/", 1, "is_color: false new_height: 2 new_width: 2"));
  Tops tops;
  layer->SetUp({}, tops.vec());
  EXPECT_EQ(tops.data.shape(), (std::vector<int>{1, 1, 2, 2}));
  layer->Forward({}, tops.vec());
  EXPECT_EQ(DataOf(tops.data), (std::vector<float>{3.f, 23.f, 43.f, 63.f}));
  EXPECT_EQ(DataOf(tops.label), (std::vector<float>{3.f}));
  // Not a square: 2 rows of 4 columns.
  auto wide = Make(LayerText(dir + "/list.txt", dir + "/", 1, "new_height: 2 new_width: 4"));
  wide->SetUp({}, tops.vec());
  EXPECT_EQ(tops.data.shape(), (std::vector<int>{1, 3, 2, 4}));
}

TEST(ImageDataLayer, RootFolderIsAPrefixAndTransformParamApplies) {
  ImageFolder folder(2, 4, 4, 1);
  // Without the root the relative paths name nothing.
  auto rootless = Make(LayerText(folder.list, "", 1, "is_color: false"));
  Tops tops;
  EXPECT_NE(ErrorOf([&] { rootless->SetUp({}, tops.vec()); }).find("can be read"), std::string::npos);
  // The root may also carry part of the file name.
  auto layer = Make(LayerText(folder.list, folder.root, 1, "is_color: false",
                              "phase: TEST transform_param { crop_size: 2 mean_value: 5 scale: 0.5 }"));
  layer->SetUp({}, tops.vec());
  EXPECT_EQ(tops.data.shape(), (std::vector<int>{1, 1, 2, 2}));
  layer->Forward({}, tops.vec());
  // Image 0, centre 2x2 of the 4x4: y, x in {1, 2}; (value - 5) * 0.5.
  std::vector<float> expected;
  for (int y = 1; y <= 2; ++y)
    for (int x = 1; x <= 2; ++x) expected.push_back((Value(0, 0, y, x, 4) - 5) * 0.5f);
  EXPECT_EQ(DataOf(tops.data), expected);
}

TEST(ImageDataLayer, RandSkipSkipsFromTheNetGenerator) {
  ImageFolder folder(6, 2, 2, 1, 0);
  Context::set_random_seed(17);
  const int skip = static_cast<int>(std::mt19937(17)() % 4);
  auto layer = Make(LayerText(folder.list, folder.root, 1, "is_color: false rand_skip: 4"));
  Tops tops;
  layer->SetUp({}, tops.vec());
  layer->Forward({}, tops.vec());
  EXPECT_EQ(DataOf(tops.label), (std::vector<float>{static_cast<float>(skip)}));
  EXPECT_EQ(DataOf(tops.data), Batch({skip}, 2, 2, 1, 1));
}

// Labels of `epochs` batches of a whole list each.
std::vector<std::vector<float>> Epochs(const std::string& text, uint64_t seed, int epochs) {
  Context::set_random_seed(seed);
  auto layer = Make(text);
  Tops tops;
  layer->SetUp({}, tops.vec());
  std::vector<std::vector<float>> out;
  for (int e = 0; e < epochs; ++e) {
    layer->Forward({}, tops.vec());
    out.push_back(DataOf(tops.label));
  }
  return out;
}

TEST(ImageDataLayer, ShuffleDrawsAnotherOrderEveryEpochRepeatablyUnderTheSeed) {
  const int n = 8;
  ImageFolder folder(n, 2, 2, 1, 0);
  const std::string text = LayerText(folder.list, folder.root, n, "is_color: false shuffle: true");
  const auto a = Epochs(text, 3, 4);
  std::vector<float> in_order(n);
  for (int i = 0; i < n; ++i) in_order[i] = static_cast<float>(i);
  for (const auto& epoch : a) {
    std::vector<float> sorted = epoch;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, in_order);  // every image once per epoch
  }
  // 8! orders: with a fixed seed these are four different ones, none the list's.
  for (int e = 0; e < 4; ++e) {
    EXPECT_NE(a[e], in_order) << e;
    for (int f = e + 1; f < 4; ++f) EXPECT_NE(a[e], a[f]) << e << " " << f;
  }
  EXPECT_EQ(Epochs(text, 3, 4), a);
  EXPECT_NE(Epochs(text, 4, 4), a);
  // Without shuffle: the list's order every time.
  const auto plain = Epochs(LayerText(folder.list, folder.root, n, "is_color: false"), 3, 2);
  EXPECT_EQ(plain, (std::vector<std::vector<float>>{in_order, in_order}));
}

TEST(ImageDataLayer, ResumesExactlyMidEpochWithShuffleCropAndMirror) {
  // 3 batches of 2 from 5 lines: the state is one line into the second,
  // reshuffled, pass.
  ImageFolder folder(5, 5, 6, 3);
  CheckResume(LayerText(folder.list, folder.root, 2, "shuffle: true",
                        "phase: TRAIN transform_param { crop_size: 3 mirror: true }"));
  CheckResume(LayerText(folder.list, folder.root, 2, "", "data_param { prefetch: 1 }"));
}

TEST(ImageDataLayer, RejectsAForeignState) {
  ImageFolder folder(2, 2, 2, 1);
  auto layer = Make(LayerText(folder.list, folder.root, 1));
  Tops tops;
  layer->SetUp({}, tops.vec());
  EXPECT_EQ(ErrorOf([&] { StateOf(*layer).RestoreState("cnn.DataLayer.v1 3 4"); }),
            "layer 'images' (ImageData): the saved state does not belong to an ImageData layer");
  EXPECT_NE(ErrorOf([&] { StateOf(*layer).RestoreState("cnn.ImageDataLayer.v1 3 x"); }).find("damaged"),
            std::string::npos);
  layer->Forward({}, tops.vec());
  EXPECT_EQ(DataOf(tops.label), (std::vector<float>{10.f}));
}

// Collects the warnings logged while it lives.
class WarningLog : public google::LogSink {
 public:
  WarningLog() { google::AddLogSink(this); }
  ~WarningLog() override { google::RemoveLogSink(this); }
  void send(google::LogSeverity severity, const char*, const char*, int, const struct ::tm*, const char* message,
            size_t length) override {
    if (severity != google::GLOG_WARNING) return;
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.emplace_back(message, length);
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

TEST(ImageDataLayer, UnreadableFilesAreWarnedAboutOnceAndSkipped) {
  ImageFolder folder(4, 2, 2, 1, 0);
  WriteFile(folder.root + "garbage.png", "not a PNG at all");
  // Lines: img0, missing, img1, garbage, img2, img3.
  WriteFile(folder.list, "img0.png 0\nmissing.png 7\nimg1.png 1\ngarbage.png 8\nimg2.png 2\nimg3.png 3\n");
  WarningLog log;
  {
    auto layer = Make(LayerText(folder.list, folder.root, 3, "is_color: false"));
    Tops tops;
    layer->SetUp({}, tops.vec());
    // 0 1 2 | 3 0 1 | 2 3 0: the bad lines give nothing, in every epoch.
    const std::vector<std::vector<int>> batches = {{0, 1, 2}, {3, 0, 1}, {2, 3, 0}};
    for (const auto& images : batches) {
      layer->Forward({}, tops.vec());
      EXPECT_EQ(DataOf(tops.data), Batch(images, 2, 2, 1, 1));
      EXPECT_EQ(DataOf(tops.label), (std::vector<float>{float(images[0]), float(images[1]), float(images[2])}));
    }
  }
  const std::string prefix = "layer 'images' (ImageData): image '" + folder.root;
  const std::vector<std::string> expected = {
      prefix + "missing.png' (line 2 of '" + folder.list + "') cannot be read as an image; skipped",
      prefix + "garbage.png' (line 4 of '" + folder.list + "') cannot be read as an image; skipped"};
  std::vector<std::string> ours;
  for (const std::string& line : log.lines())
    if (line.find("(ImageData)") != std::string::npos) ours.push_back(line);
  EXPECT_EQ(ours, expected);
}

// Sets CNN_IMAGE_DECODE_THREADS while it lives (layers read it at SetUp).
class DecodeThreads {
 public:
  explicit DecodeThreads(const char* n) { setenv("CNN_IMAGE_DECODE_THREADS", n, 1); }
  ~DecodeThreads() { unsetenv("CNN_IMAGE_DECODE_THREADS"); }
};

// Batches and states of `count` Forwards under `threads` decode threads.
std::vector<std::vector<float>> RunWith(const std::string& text, const char* threads, int count) {
  DecodeThreads set(threads);
  Context::set_random_seed(11);
  auto layer = Make(text);
  Tops tops;
  layer->SetUp({}, tops.vec());
  std::vector<std::vector<float>> out;
  for (int i = 0; i < count; ++i) {
    layer->Forward({}, tops.vec());
    out.push_back(DataOf(tops.data));
    out.push_back(DataOf(tops.label));
    const std::string state = StateOf(*layer).SaveState();
    out.emplace_back(state.begin(), state.end());
  }
  return out;
}

TEST(ImageDataLayer, TheDecodeThreadCountChangesNothing) {
  ImageFolder folder(7, 6, 7, 3, 0);
  WriteFile(folder.root + "garbage.png", "not a PNG at all");
  // Two unreadable lines among seven images, batches of 4 over several shuffled passes.
  WriteFile(folder.list, "img0.png 0\nmissing.png 7\nimg1.png 1\nimg2.png 2\ngarbage.png 8\nimg3.png 3\n"
                         "img4.png 4\nimg5.png 5\nimg6.png 6\n");
  const std::string text =
      LayerText(folder.list, folder.root, 4, "shuffle: true",
                "phase: TRAIN transform_param { crop_size: 4 mirror: true vertical_flip: true shift_pixels: 1 }");
  const auto one = RunWith(text, "1", 9);
  EXPECT_EQ(RunWith(text, "3", 9), one);
  EXPECT_EQ(RunWith(text, "16", 9), one);
  // Resizing runs on the decode threads too.
  const std::string resized = LayerText(folder.list, folder.root, 3, "new_height: 5 new_width: 9");
  EXPECT_EQ(RunWith(resized, "4", 5), RunWith(resized, "1", 5));
}

TEST(ImageDataLayer, ABadDecodeThreadCountIsAnError) {
  ImageFolder folder(1, 2, 2, 1);
  for (const char* bad : {"0", "two", "", "300"}) {
    DecodeThreads set(bad);
    Tops tops;
    EXPECT_EQ(ErrorOf([&] { Make(LayerText(folder.list, folder.root, 1))->SetUp({}, tops.vec()); }),
              std::string("layer 'images' (ImageData): CNN_IMAGE_DECODE_THREADS must be a whole number in [1, 256], "
                          "got '") + bad + "'");
  }
}

TEST(ImageDataLayer, AListWithNoReadableImageIsAnErrorNamingIt) {
  const std::string dir = test::MakeTempDir();
  WriteFile(dir + "/list.txt", "a.png 0\nb.png 1\n");
  auto layer = Make(LayerText(dir + "/list.txt", dir + "/", 2));
  Tops tops;
  EXPECT_EQ(ErrorOf([&] { layer->SetUp({}, tops.vec()); }),
            "layer 'images' (ImageData): none of the 2 images the list '" + dir +
                "/list.txt' names can be read (root_folder '" + dir + "/')");
}

TEST(ImageDataLayer, BadListsAndParameters) {
  ImageFolder folder(1, 2, 2, 1);
  Tops tops;
  const auto error = [&](const std::string& text) { return ErrorOf([&] { Make(text)->SetUp({}, tops.vec()); }); };
  EXPECT_EQ(error(LayerText(folder.list, folder.root, 0)),
            "layer 'images' (ImageData): image_data_param.batch_size must be positive");
  EXPECT_EQ(error("name: 'images' type: 'ImageData' top: 'data' top: 'label' image_data_param { batch_size: 1 }"),
            "layer 'images' (ImageData): image_data_param.source (the image list) is not set");
  EXPECT_EQ(error(LayerText(folder.list, folder.root, 1, "new_height: 4")),
            "layer 'images' (ImageData): image_data_param.new_height and new_width are given together or not at "
            "all (got 4 and 0)");
  const std::string missing = folder.dir + "/no_list.txt";
  EXPECT_EQ(error(LayerText(missing, folder.root, 1)).rfind(
                "layer 'images' (ImageData): cannot open the image list '" + missing + "'", 0),
            0u);
  WriteFile(folder.dir + "/bad.txt", "img0.png zero\n");
  EXPECT_NE(error(LayerText(folder.dir + "/bad.txt", folder.root, 1)).find("bad.txt:1: the label 'zero'"),
            std::string::npos);
  WriteFile(folder.dir + "/empty.txt", "\n");
  EXPECT_EQ(error(LayerText(folder.dir + "/empty.txt", folder.root, 1)),
            "layer 'images' (ImageData): the image list '" + folder.dir + "/empty.txt' names no images");
  // Exactly two tops, as in Caffe.
  Blob only;
  EXPECT_THROW(Make(LayerText(folder.list, folder.root, 1))->SetUp({}, {&only}), Error);
}

TEST(ImageDataLayer, AnImageOfAnotherSizeIsAnErrorInForward) {
  const std::string dir = test::MakeTempDir();
  ASSERT_TRUE(cv::imwrite(dir + "/a.png", MakeImage(0, 2, 2, 1)));
  ASSERT_TRUE(cv::imwrite(dir + "/b.png", MakeImage(1, 3, 2, 1)));
  WriteFile(dir + "/list.txt", "a.png 0\nb.png 1\n");
  auto layer = Make(LayerText(dir + "/list.txt", dir + "/", 2, "is_color: false"));
  Tops tops;
  layer->SetUp({}, tops.vec());
  const std::string expected = "layer 'images' (ImageData): image '" + dir + "/b.png' (line 2 of '" + dir +
                               "/list.txt') has 1x3x2, expected 1x2x2";
  EXPECT_EQ(ErrorOf([&] { layer->Forward({}, tops.vec()); }), expected);
  EXPECT_EQ(ErrorOf([&] { layer->Forward({}, tops.vec()); }), expected);
}

// A straight run of 8 iterations and one of 3, snapshot, resumed to 8 write
// the same caffemodel bytes; 3 batches of 2 from 5 shuffled, mirrored images
// stop mid-epoch.
TEST(ImageDataLayer, ResumedTrainingIsByteIdenticalToAStraightRun) {
  ImageFolder folder(5, 4, 4, 3, 0);
  const std::string net =
      "layer { name: 'images' type: 'ImageData' top: 'data' top: 'label' image_data_param { source: '" +
      folder.list + "' root_folder: '" + folder.root +
      "' batch_size: 2 shuffle: true } transform_param { mirror: true crop_size: 3 scale: 0.01 } } "
      "layer { name: 'ip' type: 'InnerProduct' bottom: 'data' top: 'ip' inner_product_param { num_output: 5 "
      "weight_filler { type: 'gaussian' std: 0.1 } } } "
      "layer { name: 'loss' type: 'SoftmaxWithLoss' bottom: 'ip' bottom: 'label' top: 'loss' }";
  SolverParameter base;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(net, base.mutable_net_param()));
  base.set_type("SGD");
  base.set_base_lr(0.1f);
  base.set_momentum(0.9f);
  base.set_lr_policy("fixed");
  base.set_random_seed(5);
  base.set_snapshot(0);
  const auto run = [&](int max_iter, const std::string& prefix, const std::string& resume) {
    SolverParameter p = base;
    p.set_max_iter(max_iter);
    p.set_snapshot_prefix(folder.dir + "/" + prefix);
    auto solver = SolverRegistry::Create(p);
    if (resume.empty()) {
      solver->Solve();
    } else {
      solver->Solve(resume);
    }
  };
  run(8, "straight", "");
  run(3, "first", "");
  run(8, "resumed", folder.dir + "/first_iter_3.solverstate");
  const auto bytes = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << path;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  };
  const std::string a = bytes(folder.dir + "/straight_iter_8.caffemodel");
  EXPECT_FALSE(a.empty());
  EXPECT_TRUE(a == bytes(folder.dir + "/resumed_iter_8.caffemodel")) << "resumed weights differ";
  EXPECT_NE(a, bytes(folder.dir + "/first_iter_3.caffemodel"));
}

// ---- GPU ------------------------------------------------------------------

TEST(ImageDataLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  ImageFolder folder(5, 5, 6, 3);
  const std::string text =
      LayerText(folder.list, folder.root, 2, "shuffle: true", "phase: TRAIN transform_param { crop_size: 3 mirror: true }");
  const auto read = [&](bool gpu) {
    std::unique_ptr<test::ScopedGpuMode> mode;
    if (gpu) mode = std::make_unique<test::ScopedGpuMode>();
    Context::set_random_seed(7);
    auto layer = Make(text);
    Tops tops;
    layer->SetUp({}, tops.vec());
    auto out = Read(*layer, tops, 7);
    // The batches reached the device; Read's host copy then leaves them SYNCED.
    if (gpu) EXPECT_EQ(tops.data.data()->head(), SyncedMemory::Head::SYNCED);
    return out;
  };
  EXPECT_EQ(read(true), read(false));
}

}  // namespace
}  // namespace cnn

#endif  // CNN_WITH_OPENCV
