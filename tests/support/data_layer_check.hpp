// Helpers for the tests of the prefetching data layers (Data, ImageData):
// reading batches, and the resume check every such layer must pass.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/blob.hpp"
#include "cnn/core/layer.hpp"
#include "cnn/core/stateful.hpp"

namespace cnn {
namespace test {

struct DataTops {
  Blob data, label;
  BlobVec vec() { return {&data, &label}; }
};

// The layer built from prototxt text by the registry.
std::unique_ptr<Layer> MakeLayer(const std::string& text);
Stateful& StateOf(Layer& layer);

// Data and labels of `count` batches, in turn.
std::vector<std::vector<float>> ReadBatches(Layer& layer, DataTops& tops, int count);

// Reads 3 batches, saves, reads 2 more (A). A new layer that read a batch
// and was then restored, one restored before SetUp, and the first layer
// restored each read A again, whatever the net's seed. Also checks that the
// state counts the records delivered (3 batches).
void CheckResume(const std::string& layer_text);

}  // namespace test
}  // namespace cnn
