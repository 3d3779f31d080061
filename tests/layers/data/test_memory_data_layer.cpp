#include "cnn/layers/data/memory_data_layer.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "support/data_layer_check.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

#ifdef CNN_WITH_OPENCV
#include <opencv2/core.hpp>
#endif

namespace cnn {
namespace {

using test::DataOf;
using test::ErrorOf;

std::string LayerText(int batch, int c, int h, int w, const std::string& extra = "") {
  return "name: 'mem' type: 'MemoryData' top: 'data' top: 'label' memory_data_param { batch_size: " +
         std::to_string(batch) + " channels: " + std::to_string(c) + " height: " + std::to_string(h) +
         " width: " + std::to_string(w) + " } " + extra;
}

struct Memory {
  std::unique_ptr<Layer> layer;
  MemoryDataLayer* memory = nullptr;
  test::DataTops tops;
  explicit Memory(const std::string& text) : layer(test::MakeLayer(text)) {
    memory = dynamic_cast<MemoryDataLayer*>(layer.get());
    EXPECT_NE(memory, nullptr);
    layer->SetUp({}, tops.vec());
  }
};

// n examples of `size` floats: example i holds i * 100 + j; label i + 0.5.
void Fill(int n, int size, std::vector<float>* data, std::vector<float>* labels) {
  data->clear();
  labels->clear();
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < size; ++j) data->push_back(static_cast<float>(i * 100 + j));
    labels->push_back(i + 0.5f);
  }
}

std::vector<float> Examples(const std::vector<int>& ids, int size) {
  std::vector<float> out;
  for (int i : ids)
    for (int j = 0; j < size; ++j) out.push_back(static_cast<float>(i * 100 + j));
  return out;
}

TEST(MemoryDataLayer, ShapesTheTopsFromItsParameters) {
  Memory m(LayerText(3, 2, 4, 5));
  EXPECT_STREQ(m.layer->type(), "MemoryData");
  EXPECT_EQ(m.tops.data.shape(), (std::vector<int>{3, 2, 4, 5}));
  EXPECT_EQ(m.tops.label.shape(), (std::vector<int>{3}));
  EXPECT_EQ(m.memory->batch_size(), 3);
  EXPECT_EQ(m.memory->num_examples(), 0);
}

TEST(MemoryDataLayer, BatchesCycleThroughTheArray) {
  Memory m(LayerText(2, 1, 2, 3));
  std::vector<float> data, labels;
  Fill(6, 6, &data, &labels);
  m.memory->Reset(data.data(), labels.data(), 6);
  // 0 1 | 2 3 | 4 5 | 0 1 | 2 3
  for (int batch = 0; batch < 5; ++batch) {
    m.layer->Forward({}, m.tops.vec());
    const int first = (batch * 2) % 6;
    EXPECT_EQ(DataOf(m.tops.data), Examples({first, first + 1}, 6)) << batch;
    EXPECT_EQ(DataOf(m.tops.label), (std::vector<float>{first + 0.5f, first + 1.5f})) << batch;
  }
  EXPECT_EQ(m.memory->position(), 4);
  // A new Reset starts from its first example.
  std::vector<float> data2, labels2;
  Fill(2, 6, &data2, &labels2);
  for (float& v : data2) v = -v;
  m.memory->Reset(data2.data(), labels2.data(), 2);
  m.layer->Forward({}, m.tops.vec());
  EXPECT_EQ(DataOf(m.tops.data), data2);
  EXPECT_EQ(DataOf(m.tops.label), labels2);
}

TEST(MemoryDataLayer, ResetArraysAreNotTransformed) {
  // As in Caffe: transform_param applies to AddDatumVector only.
  Memory m(LayerText(1, 1, 1, 2, "transform_param { scale: 10 mean_value: 1 }"));
  std::vector<float> data = {3, 4}, labels = {7};
  m.memory->Reset(data.data(), labels.data(), 1);
  m.layer->Forward({}, m.tops.vec());
  EXPECT_EQ(DataOf(m.tops.data), data);
}

TEST(MemoryDataLayer, AddDatumVectorTransformsIntoItsOwnStorage) {
  Memory m(LayerText(2, 1, 2, 2, "phase: TEST transform_param { crop_size: 2 mean_value: 1 scale: 0.5 }"));
  std::vector<Datum> datums;
  for (int i = 0; i < 4; ++i) {
    Datum d;
    d.set_channels(1);
    d.set_height(3);
    d.set_width(3);
    std::string bytes(9, '\0');
    for (int j = 0; j < 9; ++j) bytes[j] = static_cast<char>(i * 10 + j);
    d.set_data(bytes);
    d.set_label(i);
    datums.push_back(d);
  }
  m.memory->AddDatumVector(datums);
  datums.clear();  // the layer keeps its own copy
  for (int batch = 0; batch < 3; ++batch) {
    m.layer->Forward({}, m.tops.vec());
    std::vector<float> expected, labels;
    for (int k = 0; k < 2; ++k) {
      const int i = (batch * 2 + k) % 4;
      // TEST crops the centre: offset (0, 0) of a 3x3 to 2x2 is (1/2, 1/2) = (0, 0).
      for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 2; ++x) expected.push_back((i * 10 + y * 3 + x - 1.f) * 0.5f);
      labels.push_back(static_cast<float>(i));
    }
    EXPECT_EQ(DataOf(m.tops.data), expected) << batch;
    EXPECT_EQ(DataOf(m.tops.label), labels) << batch;
  }
}

#ifdef CNN_WITH_OPENCV
TEST(MemoryDataLayer, AddMatVectorTransformsOpenCvImages) {
  Memory m(LayerText(2, 3, 1, 2, "transform_param { scale: 2 }"));
  // Pixel (0, x) of image i: B = i + x, G = 10 + i + x, R = 20 + i + x; CHW after the transform, doubled.
  std::vector<cv::Mat> images;
  for (int i = 0; i < 2; ++i) {
    cv::Mat image(1, 2, CV_8UC3);
    for (int x = 0; x < 2; ++x) image.at<cv::Vec3b>(0, x) = cv::Vec3b(i + x, 10 + i + x, 20 + i + x);
    images.push_back(image);
  }
  m.memory->AddMatVector(images, {4, 5});
  m.layer->Forward({}, m.tops.vec());
  EXPECT_EQ(DataOf(m.tops.data), (std::vector<float>{0, 2, 20, 22, 40, 42, 2, 4, 22, 24, 42, 44}));
  EXPECT_EQ(DataOf(m.tops.label), (std::vector<float>{4, 5}));
  EXPECT_EQ(ErrorOf([&] { m.memory->AddMatVector(images, {1}); }),
            "layer 'mem' (MemoryData): AddMatVector with 2 images but 1 labels");
}
#endif

TEST(MemoryDataLayer, SetBatchSize) {
  Memory m(LayerText(2, 1, 1, 1));
  std::vector<float> data, labels;
  Fill(6, 1, &data, &labels);
  m.memory->Reset(data.data(), labels.data(), 6);
  m.memory->set_batch_size(3);
  m.layer->Forward({}, m.tops.vec());
  EXPECT_EQ(DataOf(m.tops.data), (std::vector<float>{0, 100, 200}));
  EXPECT_EQ(ErrorOf([&] { m.memory->set_batch_size(4); }),
            "layer 'mem' (MemoryData): set_batch_size(4): the 6 examples given are not a multiple of it");
}

TEST(MemoryDataLayer, BadInput) {
  test::DataTops tops;
  EXPECT_EQ(ErrorOf([&] { test::MakeLayer(LayerText(2, 0, 2, 2))->SetUp({}, tops.vec()); }),
            "layer 'mem' (MemoryData): memory_data_param needs batch_size, channels, height and width, all "
            "positive (got 2, 0, 2, 2)");
  Memory m(LayerText(4, 1, 1, 2));
  EXPECT_EQ(ErrorOf([&] { m.layer->Forward({}, m.tops.vec()); }),
            "layer 'mem' (MemoryData): Forward before any data: call Reset or AddDatumVector first");
  std::vector<float> data(12), labels(6);
  EXPECT_EQ(ErrorOf([&] { m.memory->Reset(data.data(), labels.data(), 6); }),
            "layer 'mem' (MemoryData): Reset with 6 examples: expected a positive multiple of batch_size 4");
  EXPECT_EQ(ErrorOf([&] { m.memory->Reset(nullptr, labels.data(), 4); }),
            "layer 'mem' (MemoryData): Reset needs a data and a label array (got a null one)");
  EXPECT_EQ(ErrorOf([&] { m.memory->AddDatumVector({}); }),
            "layer 'mem' (MemoryData): AddDatumVector with 0 records: expected a positive multiple of batch_size 4");
  Datum big;
  big.set_channels(1);
  big.set_height(2);
  big.set_width(2);
  big.set_data(std::string(4, '\0'));
  EXPECT_EQ(ErrorOf([&] { m.memory->AddDatumVector({big, big, big, big}); }),
            "layer 'mem' (MemoryData): record 0 of AddDatumVector gives 1x2x2 after the transform, expected 1x1x2");
}

TEST(MemoryDataLayerGpu, MatchesCpu) {
  SKIP_WITHOUT_GPU();
  std::vector<float> data, labels;
  Fill(6, 12, &data, &labels);
  const auto read = [&](bool gpu) {
    std::unique_ptr<test::ScopedGpuMode> mode;
    if (gpu) mode = std::make_unique<test::ScopedGpuMode>();
    Memory m(LayerText(3, 3, 2, 2));
    m.memory->Reset(data.data(), labels.data(), 6);
    auto out = test::ReadBatches(*m.layer, m.tops, 5);
    return out;
  };
  EXPECT_EQ(read(true), read(false));
}

}  // namespace
}  // namespace cnn
