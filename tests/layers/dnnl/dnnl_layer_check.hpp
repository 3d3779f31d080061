// What the per-layer oneDNN tests share: building one layer with a chosen
// engine on Gaussian bottoms, whether it runs oneDNN, and DNNL against CAFFE
// on the same inputs over two forward + backward passes.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace dnnl_check {

using Engine = LayerRegistry::Engine;

inline LayerParameter LayerOf(const std::string& type, const std::string& params, int bottoms = 1) {
  std::string text = "name: 'l' type: '" + type + "' top: 'y' ";
  for (int i = 0; i < bottoms; ++i) text += "bottom: 'x" + std::to_string(i) + "' ";
  return test::ParseLayer(text + params);
}

inline LayerParameter WithEngine(LayerParameter p, Engine e) {
  EXPECT_TRUE(LayerRegistry::SetEngine(&p, e)) << p.type();
  return p;
}

struct Built {
  std::unique_ptr<cnn::Layer> layer;
  std::vector<std::unique_ptr<Blob>> blobs;
  BlobVec bottom, top;
};

// in_place: top 0 is bottom 0.
inline Built Build(const LayerParameter& p, const std::vector<std::vector<int>>& bottoms, bool in_place = false) {
  Built b;
  Context::set_random_seed(1701);
  b.layer = LayerRegistry::Create(p);
  for (const auto& s : bottoms) {
    b.blobs.push_back(std::make_unique<Blob>(s));
    test::FillGaussian(b.blobs.back().get());
    b.bottom.push_back(b.blobs.back().get());
  }
  if (in_place) {
    b.top.push_back(b.bottom[0]);
  } else {
    b.blobs.push_back(std::make_unique<Blob>());
    b.top.push_back(b.blobs.back().get());
  }
  b.layer->SetUp(b.bottom, b.top);
  return b;
}

template <typename T>
bool UsesDnnl(const LayerParameter& p, const std::vector<std::vector<int>>& shapes, bool in_place = false) {
  Built b = Build(WithEngine(p, Engine::DNNL), shapes, in_place);
  T* layer = dynamic_cast<T*>(b.layer.get());
  EXPECT_NE(layer, nullptr) << p.type() << " with engine DNNL is not the oneDNN class";
  return layer && layer->uses_dnnl();
}

// Forward and backward twice (parameter diffs add up over calls); returns
// the top, the bottom diffs and the parameter diffs. down: which bottoms get
// a gradient (empty: all).
inline std::vector<std::vector<float>> Passes(Built& b, std::vector<bool> down = {}) {
  if (down.empty()) down.assign(b.bottom.size(), true);
  std::vector<std::vector<float>> out;
  for (int pass = 0; pass < 2; ++pass) {
    // In place the forward overwrites the input: give it back each pass.
    if (b.top[0] == b.bottom[0]) {
      Context::set_random_seed(1702);
      test::FillGaussian(b.bottom[0]);
    }
    b.layer->Forward(b.bottom, b.top);
    float* d = b.top[0]->mutable_cpu_diff();
    for (int i = 0; i < b.top[0]->count(); ++i) d[i] = 0.01f * static_cast<float>(i % 13) - 0.05f;
    b.layer->Backward(b.top, down, b.bottom);
  }
  out.push_back(test::DataOf(*b.top[0]));
  for (size_t i = 0; i < b.bottom.size(); ++i) {
    if (down[i]) out.push_back(test::DiffOf(*b.bottom[i]));
  }
  for (const auto& p : b.layer->blobs()) out.push_back(test::DiffOf(*p));
  return out;
}

template <typename T>
void ExpectEnginesAgree(const LayerParameter& p, const std::vector<std::vector<int>>& shapes, float tolerance,
                        bool in_place = false, std::vector<bool> down = {}) {
  Built caffe = Build(WithEngine(p, Engine::CAFFE), shapes, in_place);
  Built dnnl = Build(WithEngine(p, Engine::DNNL), shapes, in_place);
  EXPECT_TRUE(dynamic_cast<T&>(*dnnl.layer).uses_dnnl()) << "the DNNL layer ran our own kernels";
  const auto a = Passes(caffe, down), b = Passes(dnnl, down);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) test::ExpectClose(a[i], b[i], tolerance, "result " + std::to_string(i));
}

}  // namespace dnnl_check
}  // namespace cnn
