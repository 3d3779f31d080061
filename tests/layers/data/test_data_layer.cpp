#include "cnn/layers/data/data_layer.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/stateful.hpp"
#include "cnn/data/datum_io.hpp"
#include "cnn/data/db.hpp"
#include "support/data_layer_check.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

#ifdef CNN_WITH_OPENCV
#include <opencv2/imgcodecs.hpp>
#endif

namespace cnn {
namespace {

using test::DataOf;

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08d", i);
  return buf;
}

// Record i: c x h x w bytes (i * 16 + j) % 256, label 100 + i.
Datum MakeDatum(int i, int c, int h, int w) {
  Datum d;
  d.set_channels(c);
  d.set_height(h);
  d.set_width(w);
  std::string bytes(c * h * w, '\0');
  for (size_t j = 0; j < bytes.size(); ++j) bytes[j] = static_cast<char>((i * 16 + j) % 256);
  d.set_data(bytes);
  d.set_label(100 + i);
  return d;
}

std::vector<float> Pixels(int i, int count) {
  std::vector<float> v(count);
  for (int j = 0; j < count; ++j) v[j] = static_cast<float>((i * 16 + j) % 256);
  return v;
}

// Writes values under keys 00000000, 00000001, ...
void WriteDB(const std::string& backend, const std::string& path, const std::vector<std::string>& values) {
  auto db = OpenDB(backend, path, DB::NEW);
  auto txn = db->NewTransaction();
  for (size_t i = 0; i < values.size(); ++i) txn->Put(Key(static_cast<int>(i)), values[i]);
  txn->Commit();
}

std::string MakeDB(const std::string& backend, int n, int c = 1, int h = 2, int w = 3) {
  std::vector<std::string> values;
  for (int i = 0; i < n; ++i) values.push_back(MakeDatum(i, c, h, w).SerializeAsString());
  const std::string path = test::MakeTempDir() + "/db";
  WriteDB(backend, path, values);
  return path;
}

// A Data layer named 'mnist' (TRAIN phase, Caffe's default); data_extra goes inside data_param.
std::string LayerText(const std::string& path, const std::string& backend, int batch, const std::string& extra = "",
                      bool label = true, const std::string& data_extra = "") {
  return "name: 'mnist' type: 'Data' top: 'data' " + std::string(label ? "top: 'label' " : "") +
         "data_param { source: '" + path + "' backend: " + (backend == "lmdb" ? "LMDB" : "LEVELDB") +
         " batch_size: " + std::to_string(batch) + " " + data_extra + " } " + extra;
}

using Tops = test::DataTops;
using test::CheckResume;
using test::ErrorOf;
using test::StateOf;
std::unique_ptr<Layer> Make(const std::string& text) { return test::MakeLayer(text); }
std::vector<std::vector<float>> Read(Layer& layer, Tops& tops, int count) {
  return test::ReadBatches(layer, tops, count);
}

class DataLayerTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::string backend() const { return GetParam(); }
};

TEST_P(DataLayerTest, DeliversRecordsInKeyOrderAndWrapsAround) {
  const std::string path = MakeDB(backend(), 5);
  for (int prefetch : {1, 4}) {
    auto layer = Make(LayerText(path, backend(), 2, "", true, "prefetch: " + std::to_string(prefetch)));
    EXPECT_STREQ(layer->type(), "Data");
    Tops tops;
    layer->SetUp({}, tops.vec());
    EXPECT_EQ(tops.data.shape(), (std::vector<int>{2, 1, 2, 3}));
    EXPECT_EQ(tops.label.shape(), (std::vector<int>{2}));
    // 7 batches of 2 from 5 records: 0 1 | 2 3 | 4 0 | 1 2 | 3 4 | 0 1 | 2 3
    for (int batch = 0; batch < 7; ++batch) {
      layer->Forward({}, tops.vec());
      ASSERT_EQ(tops.data.shape(), (std::vector<int>{2, 1, 2, 3}));
      std::vector<float> expected_data, expected_label;
      for (int item = 0; item < 2; ++item) {
        const int record = (batch * 2 + item) % 5;
        const std::vector<float> pixels = Pixels(record, 6);
        expected_data.insert(expected_data.end(), pixels.begin(), pixels.end());
        expected_label.push_back(100.f + record);
      }
      EXPECT_EQ(DataOf(tops.data), expected_data) << "prefetch " << prefetch << " batch " << batch;
      EXPECT_EQ(DataOf(tops.label), expected_label) << "prefetch " << prefetch << " batch " << batch;
    }
  }
}

TEST_P(DataLayerTest, DataTopAlone) {
  const std::string path = MakeDB(backend(), 3);
  auto layer = Make(LayerText(path, backend(), 3, "", false));
  Blob data;
  layer->SetUp({}, {&data});
  layer->Forward({}, {&data});
  std::vector<float> expected;
  for (int i = 0; i < 3; ++i) {
    const std::vector<float> p = Pixels(i, 6);
    expected.insert(expected.end(), p.begin(), p.end());
  }
  EXPECT_EQ(DataOf(data), expected);
}

TEST_P(DataLayerTest, AppliesTheTransformation) {
  const std::string path = MakeDB(backend(), 2, 1, 4, 4);
  auto layer = Make(LayerText(path, backend(), 1, "phase: TEST transform_param { crop_size: 2 mean_value: 5 scale: 0.5 }"));
  Tops tops;
  layer->SetUp({}, tops.vec());
  EXPECT_EQ(tops.data.shape(), (std::vector<int>{1, 1, 2, 2}));
  layer->Forward({}, tops.vec());
  // Record 0 holds 0..15: the centre is 5 6 9 10.
  EXPECT_EQ(DataOf(tops.data), (std::vector<float>{0.f, 0.5f, 2.f, 2.5f}));
  layer->Forward({}, tops.vec());
  EXPECT_EQ(DataOf(tops.data), (std::vector<float>{8.f, 8.5f, 10.f, 10.5f}));
  EXPECT_EQ(DataOf(tops.label), (std::vector<float>{101.f}));
}

TEST_P(DataLayerTest, ResumesExactlyFromASavedState) {
  // 3 batches of 2 from 5 records have already wrapped around.
  const std::string path = MakeDB(backend(), 5);
  CheckResume(LayerText(path, backend(), 2));
  CheckResume(LayerText(path, backend(), 2, "", true, "prefetch: 1"));
}

// The offset a state records includes the records rand_skip passed over;
// they were counted as delivered, so the solver refused to resume such a
// run once the skip exceeded a batch ("a damaged state").
TEST_P(DataLayerTest, RecordsSkippedAtSetupAreNotCountedAsDelivered) {
  const std::string path = MakeDB(backend(), 40);
  Context::set_random_seed(1);
  auto layer = Make(LayerText(path, backend(), 2, "", true, "rand_skip: 30"));
  Tops tops;
  layer->SetUp({}, tops.vec());
  const float first = Read(*layer, tops, 3)[1][0];  // the first batch's first label
  const std::string state = StateOf(*layer).SaveState();
  const uint64_t skipped = static_cast<uint64_t>(first) - 100;  // labels are 100 + record index
  EXPECT_GT(skipped, 0u) << "the seed drew no skip: the case tests nothing";
  EXPECT_EQ(StateOf(*layer).RecordsDelivered(state), 6u);
  CheckResume(LayerText(path, backend(), 2, "", true, "rand_skip: 30"));
}

TEST_P(DataLayerTest, ResumesExactlyWithRandomCropAndMirror) {
  const std::string path = MakeDB(backend(), 7, 2, 5, 6);
  CheckResume(LayerText(path, backend(), 3, "phase: TRAIN transform_param { crop_size: 3 mirror: true }"));
}

TEST_P(DataLayerTest, ResumeAfterManyEpochs) {
  const std::string path = MakeDB(backend(), 3);
  const std::string text = LayerText(path, backend(), 2, "phase: TRAIN transform_param { mirror: true }");
  auto layer = Make(text);
  Tops tops;
  layer->SetUp({}, tops.vec());
  Read(*layer, tops, 1000);
  const std::string state = StateOf(*layer).SaveState();
  const auto a = Read(*layer, tops, 3);
  auto resumed = Make(text);
  Tops tops2;
  resumed->SetUp({}, tops2.vec());
  StateOf(*resumed).RestoreState(state);
  EXPECT_EQ(Read(*resumed, tops2, 3), a);
}

TEST_P(DataLayerTest, RestoreBeforeSetUp) {
  const std::string path = MakeDB(backend(), 5);
  const std::string text = LayerText(path, backend(), 2);
  auto layer = Make(text);
  Tops tops;
  layer->SetUp({}, tops.vec());
  Read(*layer, tops, 2);
  const std::string state = StateOf(*layer).SaveState();
  const auto a = Read(*layer, tops, 2);
  auto resumed = Make(text);
  StateOf(*resumed).RestoreState(state);
  Tops tops2;
  resumed->SetUp({}, tops2.vec());
  EXPECT_EQ(Read(*resumed, tops2, 2), a);
}

TEST_P(DataLayerTest, RejectsAForeignState) {
  const std::string path = MakeDB(backend(), 2);
  auto layer = Make(LayerText(path, backend(), 1));
  Tops tops;
  layer->SetUp({}, tops.vec());
  EXPECT_EQ(ErrorOf([&] { StateOf(*layer).RestoreState("iteration 5"); }),
            "layer 'mnist' (Data): the saved state does not belong to a Data layer");
  EXPECT_NE(ErrorOf([&] { StateOf(*layer).RestoreState("cnn.DataLayer.v1 12 x"); }).find("damaged"),
            std::string::npos);
  // Still usable afterwards.
  layer->Forward({}, tops.vec());
  EXPECT_EQ(DataOf(tops.label), (std::vector<float>{100.f}));
}

TEST_P(DataLayerTest, RandSkipSkipsFromTheNetGenerator) {
  const std::string path = MakeDB(backend(), 10);
  Context::set_random_seed(17);
  const int skip = static_cast<int>(std::mt19937(17)() % 6);
  auto layer = Make(LayerText(path, backend(), 1, "", true, "rand_skip: 6"));
  Tops tops;
  layer->SetUp({}, tops.vec());
  layer->Forward({}, tops.vec());
  EXPECT_EQ(DataOf(tops.label), (std::vector<float>{100.f + skip}));
}

TEST_P(DataLayerTest, CorruptRecordIsAnErrorInForward) {
  std::vector<std::string> values;
  for (int i = 0; i < 6; ++i) values.push_back(MakeDatum(i, 1, 2, 2).SerializeAsString());
  values[3] = "garbage";
  const std::string path = test::MakeTempDir() + "/db";
  WriteDB(backend(), path, values);
  auto layer = Make(LayerText(path, backend(), 2));
  Tops tops;
  layer->SetUp({}, tops.vec());
  layer->Forward({}, tops.vec());  // records 0 and 1 are fine
  const std::string expected =
      "layer 'mnist' (Data): record 3 (key 00000003) of '" + path + "' is not a Datum";
  EXPECT_EQ(ErrorOf([&] { layer->Forward({}, tops.vec()); }), expected);
  // The reader has stopped; every later Forward says so again instead of hanging.
  EXPECT_EQ(ErrorOf([&] { layer->Forward({}, tops.vec()); }), expected);
}

TEST_P(DataLayerTest, RecordOfAnotherSizeIsAnError) {
  std::vector<std::string> values = {MakeDatum(0, 1, 28, 28).SerializeAsString(),
                                     MakeDatum(1, 1, 28, 28).SerializeAsString(),
                                     MakeDatum(2, 1, 32, 32).SerializeAsString()};
  const std::string path = test::MakeTempDir() + "/db";
  WriteDB(backend(), path, values);
  auto layer = Make(LayerText(path, backend(), 3));
  Tops tops;
  layer->SetUp({}, tops.vec());
  EXPECT_EQ(ErrorOf([&] { layer->Forward({}, tops.vec()); }),
            "layer 'mnist' (Data): record 2 (key 00000002) of '" + path + "' has 1x32x32, expected 1x28x28");
}

TEST_P(DataLayerTest, DatumWithTooFewBytesIsAnError) {
  Datum bad = MakeDatum(1, 1, 2, 2);
  bad.mutable_data()->resize(3);
  const std::string path = test::MakeTempDir() + "/db";
  WriteDB(backend(), path, {MakeDatum(0, 1, 2, 2).SerializeAsString(), bad.SerializeAsString()});
  auto layer = Make(LayerText(path, backend(), 2));
  Tops tops;
  layer->SetUp({}, tops.vec());
  EXPECT_EQ(ErrorOf([&] { layer->Forward({}, tops.vec()); }),
            "layer 'mnist' (Data): record 1 (key 00000001) of '" + path +
                "' has 1x2x2 but holds 3 bytes of data (expected 4)");
}

TEST_P(DataLayerTest, CorruptFirstRecordFailsSetUp) {
  const std::string path = test::MakeTempDir() + "/db";
  WriteDB(backend(), path, {"garbage"});
  auto layer = Make(LayerText(path, backend(), 2));
  Tops tops;
  EXPECT_EQ(ErrorOf([&] { layer->SetUp({}, tops.vec()); }),
            "layer 'mnist' (Data): record 0 (key 00000000) of '" + path + "' is not a Datum");
}

TEST_P(DataLayerTest, EachBatchTakesTheShapeOfItsFirstRecord) {
  // Caffe's rule, which lets batch_size 1 read images of different sizes.
  const std::string path = test::MakeTempDir() + "/db";
  WriteDB(backend(), path, {MakeDatum(0, 1, 2, 2).SerializeAsString(), MakeDatum(1, 3, 4, 5).SerializeAsString()});
  auto layer = Make(LayerText(path, backend(), 1));
  Tops tops;
  layer->SetUp({}, tops.vec());
  layer->Forward({}, tops.vec());
  EXPECT_EQ(tops.data.shape(), (std::vector<int>{1, 1, 2, 2}));
  layer->Forward({}, tops.vec());
  EXPECT_EQ(tops.data.shape(), (std::vector<int>{1, 3, 4, 5}));
  EXPECT_EQ(DataOf(tops.data), Pixels(1, 60));
}

TEST_P(DataLayerTest, CropLetsRecordSizesDiffer) {
  const std::string path = test::MakeTempDir() + "/db";
  WriteDB(backend(), path, {MakeDatum(0, 1, 4, 4).SerializeAsString(), MakeDatum(1, 1, 3, 3).SerializeAsString()});
  auto layer = Make(LayerText(path, backend(), 2, "phase: TEST transform_param { crop_size: 3 }"));
  Tops tops;
  layer->SetUp({}, tops.vec());
  layer->Forward({}, tops.vec());
  EXPECT_EQ(tops.data.shape(), (std::vector<int>{2, 1, 3, 3}));
  const std::vector<float> data = DataOf(tops.data);
  // The centre 3x3 of record 0 (offset 0, 0) and all of record 1.
  EXPECT_EQ(std::vector<float>(data.begin(), data.begin() + 9), (std::vector<float>{0, 1, 2, 4, 5, 6, 8, 9, 10}));
  EXPECT_EQ(std::vector<float>(data.begin() + 9, data.end()), Pixels(1, 9));
}

TEST_P(DataLayerTest, MissingDatabaseNamesThePath) {
  const std::string path = test::MakeTempDir() + "/missing_db";
  auto layer = Make(LayerText(path, backend(), 2));
  Tops tops;
  const std::string message = ErrorOf([&] { layer->SetUp({}, tops.vec()); });
  const std::string name = backend() == "lmdb" ? "LMDB" : "LevelDB";
  EXPECT_EQ(message, "layer 'mnist' (Data): cannot open " + name + " '" + path + "': No such file or directory");
}

TEST_P(DataLayerTest, EmptyDatabase) {
  const std::string path = test::MakeTempDir() + "/db";
  WriteDB(backend(), path, {});
  auto layer = Make(LayerText(path, backend(), 2));
  Tops tops;
  EXPECT_EQ(ErrorOf([&] { layer->SetUp({}, tops.vec()); }),
            "layer 'mnist' (Data): database '" + path + "' holds no records");
}

TEST_P(DataLayerTest, TwoLayersReadOneDatabase) {
  // A train and a test net on the same database, both open at once.
  const std::string path = MakeDB(backend(), 4);
  auto a = Make(LayerText(path, backend(), 2));
  auto b = Make(LayerText(path, backend(), 4));
  Tops ta, tb;
  a->SetUp({}, ta.vec());
  b->SetUp({}, tb.vec());
  a->Forward({}, ta.vec());
  b->Forward({}, tb.vec());
  EXPECT_EQ(DataOf(ta.label), (std::vector<float>{100.f, 101.f}));
  EXPECT_EQ(DataOf(tb.label), (std::vector<float>{100.f, 101.f, 102.f, 103.f}));
}

INSTANTIATE_TEST_SUITE_P(Backends, DataLayerTest, ::testing::Values("lmdb", "leveldb"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(DataLayer, BadParameters) {
  const std::string path = MakeDB("lmdb", 2);
  Tops tops;
  auto zero = Make(LayerText(path, "lmdb", 0));
  EXPECT_EQ(ErrorOf([&] { zero->SetUp({}, tops.vec()); }),
            "layer 'mnist' (Data): data_param.batch_size must be positive");
  auto no_source = Make("name: 'mnist' type: 'Data' top: 'data' data_param { batch_size: 1 }");
  EXPECT_EQ(ErrorOf([&] { no_source->SetUp({}, tops.vec()); }),
            "layer 'mnist' (Data): data_param.source (the database path) is not set");
  auto three_tops = Make(LayerText(path, "lmdb", 1) + " top: 'extra'");
  Blob extra;
  EXPECT_THROW(three_tops->SetUp({}, {&tops.data, &tops.label, &extra}), Error);
}

TEST(DataLayer, DestructorReturnsPromptlyWithAFullQueue) {
  const std::string path = MakeDB("lmdb", 5);
  auto layer = Make(LayerText(path, "lmdb", 2, "", true, "prefetch: 4"));
  Tops tops;
  layer->SetUp({}, tops.vec());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the reader fills all 4 batches and waits
  const auto start = std::chrono::steady_clock::now();
  layer.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(DataLayer, DestructorStopsABatchHalfWay) {
  // One batch of 2.4 million 192 KB records is about 470 GB to read and
  // parse, minutes of work: the reader is certainly mid-batch when the layer
  // is destroyed right after setup. Stopping there takes milliseconds; the
  // bound below is thousands of times that, so load cannot make it flaky,
  // while a destructor that waited for the batch would blow through it.
  const std::string path = MakeDB("lmdb", 3, 3, 256, 256);
  const std::string text =
      LayerText(path, "lmdb", 2400000, "phase: TEST transform_param { crop_size: 1 }", false, "prefetch: 1");
  Blob data;
  auto layer = Make(text);
  layer->SetUp({}, {&data});
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the reader get going
  const auto start = std::chrono::steady_clock::now();
  layer.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

// ---- GPU ------------------------------------------------------------------
// In GPU mode the reader uploads each batch on its own stream and Forward
// copies it on the device: the tops must hold exactly what CPU mode gives.

// `count` batches read by a layer set up and run in CPU mode, or in GPU mode.
std::vector<std::vector<float>> ReadOn(bool gpu, const std::string& text, int count, bool label = true) {
  std::unique_ptr<test::ScopedGpuMode> mode;
  if (gpu) mode = std::make_unique<test::ScopedGpuMode>();
  Context::set_random_seed(7);
  auto layer = Make(text);
  Tops tops;
  const BlobVec top = label ? tops.vec() : BlobVec{&tops.data};
  layer->SetUp({}, top);
  std::vector<std::vector<float>> out;
  for (int i = 0; i < count; ++i) {
    layer->Forward({}, top);
    if (gpu) {
      // Written on the device, not on the host.
      EXPECT_EQ(tops.data.data()->head(), SyncedMemory::Head::AT_GPU);
    }
    out.push_back(DataOf(tops.data));
    if (label) out.push_back(DataOf(tops.label));
  }
  return out;
}

TEST(DataLayerGpu, MatchesCpuTwoBatches) {
  SKIP_WITHOUT_GPU();
  const std::string path = MakeDB("lmdb", 5, 2, 5, 6);
  const std::string text = LayerText(path, "lmdb", 2, "phase: TRAIN transform_param { crop_size: 3 mirror: true }");
  const auto cpu = ReadOn(false, text, 2);
  ASSERT_EQ(cpu.size(), 4u);
  EXPECT_EQ(ReadOn(true, text, 2), cpu);
}

TEST(DataLayerGpu, MatchesCpuOverManyBatchesAndPrefetchDepths) {
  SKIP_WITHOUT_GPU();
  // More batches than buffers: every buffer is refilled while Forward's
  // copies of earlier batches may still be queued.
  const std::string path = MakeDB("lmdb", 5);
  for (int prefetch : {1, 2, 4}) {
    SCOPED_TRACE(prefetch);
    const std::string text = LayerText(path, "lmdb", 2, "", true, "prefetch: " + std::to_string(prefetch));
    EXPECT_EQ(ReadOn(true, text, 9), ReadOn(false, text, 9));
  }
  const std::string no_label = LayerText(path, "lmdb", 3, "", false);
  EXPECT_EQ(ReadOn(true, no_label, 4, false), ReadOn(false, no_label, 4, false));
}

TEST(DataLayerGpu, BatchShapesFollowTheirFirstRecord) {
  SKIP_WITHOUT_GPU();
  // Device buffers grow when a later batch is larger.
  const std::string path = test::MakeTempDir() + "/db";
  WriteDB("lmdb", path, {MakeDatum(0, 1, 2, 2).SerializeAsString(), MakeDatum(1, 3, 4, 5).SerializeAsString()});
  const std::string text = LayerText(path, "lmdb", 1);
  EXPECT_EQ(ReadOn(true, text, 5), ReadOn(false, text, 5));
}

TEST(DataLayerGpu, SetUpOnCpuForwardOnGpu) {
  SKIP_WITHOUT_GPU();
  const std::string path = MakeDB("lmdb", 5);
  const std::string text = LayerText(path, "lmdb", 2);
  Context::set_random_seed(7);
  auto layer = Make(text);
  Tops tops;
  layer->SetUp({}, tops.vec());
  test::ScopedGpuMode gpu;
  std::vector<std::vector<float>> out;
  for (int i = 0; i < 4; ++i) {
    layer->Forward({}, tops.vec());
    out.push_back(DataOf(tops.data));
    out.push_back(DataOf(tops.label));
  }
  EXPECT_EQ(out, ReadOn(false, text, 4));
}

TEST(DataLayerGpu, ResumesExactlyFromASavedState) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  const std::string path = MakeDB("lmdb", 7, 2, 5, 6);
  CheckResume(LayerText(path, "lmdb", 3, "phase: TRAIN transform_param { crop_size: 3 mirror: true }"));
  CheckResume(LayerText(path, "lmdb", 2, "", true, "prefetch: 1"));
}

TEST(DataLayerGpu, CorruptRecordIsAnErrorInForward) {
  SKIP_WITHOUT_GPU();
  test::ScopedGpuMode gpu;
  std::vector<std::string> values;
  for (int i = 0; i < 6; ++i) values.push_back(MakeDatum(i, 1, 2, 2).SerializeAsString());
  values[3] = "garbage";
  const std::string path = test::MakeTempDir() + "/db";
  WriteDB("lmdb", path, values);
  auto layer = Make(LayerText(path, "lmdb", 2));
  Tops tops;
  layer->SetUp({}, tops.vec());
  layer->Forward({}, tops.vec());
  EXPECT_EQ(DataOf(tops.label), (std::vector<float>{100.f, 101.f}));
  const std::string expected = "layer 'mnist' (Data): record 3 (key 00000003) of '" + path + "' is not a Datum";
  EXPECT_EQ(ErrorOf([&] { layer->Forward({}, tops.vec()); }), expected);
  EXPECT_EQ(ErrorOf([&] { layer->Forward({}, tops.vec()); }), expected);
}

#ifdef CNN_WITH_OPENCV
TEST(DataLayer, EncodedRecordsDecodeToTheRawPixels) {
  std::vector<std::string> raw_values, png_values;
  for (int i = 0; i < 3; ++i) {
    cv::Mat image(4, 5, CV_8UC3);
    for (int j = 0; j < 4 * 5 * 3; ++j) image.data[j] = static_cast<uchar>(i * 50 + j);
    Datum raw;
    CVMatToDatum(image, &raw);
    raw.set_label(i);
    raw_values.push_back(raw.SerializeAsString());
    std::vector<uchar> png;
    ASSERT_TRUE(cv::imencode(".png", image, png));
    Datum encoded;
    encoded.set_data(std::string(png.begin(), png.end()));
    encoded.set_encoded(true);
    encoded.set_label(i);
    png_values.push_back(encoded.SerializeAsString());
  }
  const std::string raw_path = test::MakeTempDir() + "/raw";
  const std::string png_path = test::MakeTempDir() + "/png";
  WriteDB("lmdb", raw_path, raw_values);
  WriteDB("lmdb", png_path, png_values);
  const std::string extra = "phase: TRAIN transform_param { crop_size: 3 mirror: true }";
  Context::set_random_seed(4);
  auto raw = Make(LayerText(raw_path, "lmdb", 2, extra));
  Tops raw_tops;
  raw->SetUp({}, raw_tops.vec());
  Context::set_random_seed(4);
  auto png = Make(LayerText(png_path, "lmdb", 2, extra));
  Tops png_tops;
  png->SetUp({}, png_tops.vec());
  EXPECT_EQ(png_tops.data.shape(), (std::vector<int>{2, 3, 3, 3}));
  EXPECT_EQ(Read(*raw, raw_tops, 4), Read(*png, png_tops, 4));
}
#endif

}  // namespace
}  // namespace cnn
