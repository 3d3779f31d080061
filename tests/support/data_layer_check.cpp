#include "support/data_layer_check.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace test {

std::unique_ptr<Layer> MakeLayer(const std::string& text) { return LayerRegistry::Create(ParseLayer(text)); }

Stateful& StateOf(Layer& layer) {
  auto* stateful = dynamic_cast<Stateful*>(&layer);
  EXPECT_NE(stateful, nullptr);
  return *stateful;
}

std::vector<std::vector<float>> ReadBatches(Layer& layer, DataTops& tops, int count) {
  std::vector<std::vector<float>> out;
  for (int i = 0; i < count; ++i) {
    layer.Forward({}, tops.vec());
    out.push_back(DataOf(tops.data));
    out.push_back(DataOf(tops.label));
  }
  return out;
}

void CheckResume(const std::string& text) {
  Context::set_random_seed(1);
  auto layer = MakeLayer(text);
  DataTops tops;
  layer->SetUp({}, tops.vec());
  ReadBatches(*layer, tops, 3);
  // Let the prefetch thread run ahead of Forward before saving.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::string state = StateOf(*layer).SaveState();
  EXPECT_EQ(StateOf(*layer).RecordsDelivered(state), 3 * StateOf(*layer).RecordsPerForward());
  const auto a = ReadBatches(*layer, tops, 2);

  Context::set_random_seed(999);  // another seed: the restored state must win
  auto resumed = MakeLayer(text);
  DataTops tops2;
  resumed->SetUp({}, tops2.vec());
  ReadBatches(*resumed, tops2, 1);  // reading before restoring must not matter either
  StateOf(*resumed).RestoreState(state);
  EXPECT_EQ(ReadBatches(*resumed, tops2, 2), a);

  Context::set_random_seed(998);
  auto early = MakeLayer(text);
  StateOf(*early).RestoreState(state);
  DataTops tops3;
  early->SetUp({}, tops3.vec());
  EXPECT_EQ(ReadBatches(*early, tops3, 2), a);

  // Restoring rewinds the original layer too.
  StateOf(*layer).RestoreState(state);
  EXPECT_EQ(ReadBatches(*layer, tops, 2), a);
}

}  // namespace test
}  // namespace cnn
