#include "support/gpu_check.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>

#include "cnn/core/layer_registry.hpp"
#include "support/test_support.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/gpu/device_context.hpp"
#endif

namespace cnn {
namespace test {

bool HasGpu() { return Context::gpu_count() > 0; }

ScopedGpuMode::ScopedGpuMode() : previous_(Context::mode()) {
#ifdef CNN_WITH_CUDA
  gpu::SetDevice(0);
#endif
  Context::set_mode(Mode::GPU);
}

ScopedGpuMode::~ScopedGpuMode() { Context::set_mode(previous_); }

namespace {

// One side of the comparison: its own layer, bottoms and tops.
struct Run {
  std::unique_ptr<Layer> layer;
  std::vector<std::unique_ptr<Blob>> bottom_store, top_store;
  BlobVec bottom, top;
};

Run Prepare(const LayerParameter& param, const std::vector<std::vector<int>>& shapes,
            const GpuCompareOptions& opt) {
  Run r;
  Context::set_random_seed(opt.seed);
  r.layer = LayerRegistry::Create(param);
  for (size_t i = 0; i < shapes.size(); ++i) {
    r.bottom_store.push_back(std::make_unique<Blob>(shapes[i]));
    r.bottom.push_back(r.bottom_store.back().get());
  }
  // Inputs come from their own generator so both sides see the same values
  // whatever the layer's set-up drew.
  Context::set_random_seed(opt.seed + 1);
  for (size_t i = 0; i < shapes.size(); ++i) {
    if (opt.fill) {
      opt.fill(static_cast<int>(i), r.bottom[i]);
    } else {
      FillGaussian(r.bottom[i]);
    }
  }
  const int n_top = param.top_size();
  for (int i = 0; i < n_top; ++i) {
    if (opt.in_place && i == 0) {
      r.top.push_back(r.bottom[0]);
      continue;
    }
    r.top_store.push_back(std::make_unique<Blob>());
    r.top.push_back(r.top_store.back().get());
  }
  Context::set_random_seed(opt.seed);
  r.layer->SetUp(r.bottom, r.top);
  for (size_t i = 0; i < r.layer->blobs().size(); ++i) r.layer->set_param_propagate_down(static_cast<int>(i), true);
  return r;
}

void ForwardBackward(Run& r, const GpuCompareOptions& opt) {
  Context::set_random_seed(opt.seed + 2);
  r.layer->Forward(r.bottom, r.top);
  if (!opt.backward) return;
  // The same pseudo-random top gradients on both sides; a loss top keeps the
  // loss weight Forward relies on.
  // Cleared first: in place, the bottom's diff is the top's.
  for (Blob* b : r.bottom) std::fill_n(b->mutable_cpu_diff(), b->count(), 0.f);
  for (auto& p : r.layer->blobs()) std::fill_n(p->mutable_cpu_diff(), p->count(), 0.f);
  std::mt19937 gen(static_cast<unsigned>(opt.seed + 3));
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  for (size_t t = 0; t < r.top.size(); ++t) {
    if (r.layer->loss(static_cast<int>(t)) != 0.f) continue;
    float* d = r.top[t]->mutable_cpu_diff();
    for (int i = 0; i < r.top[t]->count(); ++i) d[i] = dist(gen);
  }
  std::vector<bool> down = opt.propagate_down;
  if (down.empty()) down.assign(r.bottom.size(), true);
  r.layer->Backward(r.top, down, r.bottom);
}

void ExpectNear(const Blob& cpu, const Blob& gpu, bool diff, const std::string& what, float tolerance) {
  ASSERT_EQ(cpu.shape(), gpu.shape()) << what;
  const float* a = diff ? cpu.cpu_diff() : cpu.cpu_data();
  const float* b = diff ? gpu.cpu_diff() : gpu.cpu_data();
  int failures = 0;
  for (int i = 0; i < cpu.count() && failures < 10; ++i) {
    const bool both_nan = std::isnan(a[i]) && std::isnan(b[i]);
    if (both_nan) continue;
    if (!(std::fabs(a[i] - b[i]) <= tolerance * std::max(1.f, std::fabs(a[i])))) {
      ++failures;
      ADD_FAILURE() << what << " element " << i << ": CPU " << a[i] << " vs GPU " << b[i];
    }
  }
}


void CompareOnce(const LayerParameter& param, const std::vector<std::vector<int>>& bottom_shapes,
                 const GpuCompareOptions& opt);

}  // namespace

void ExpectGpuMatchesCpu(const LayerParameter& param, const std::vector<std::vector<int>>& bottom_shapes,
                         const GpuCompareOptions& opt) {
  // A layer left on the DEFAULT engine is checked with each GPU engine it
  // has, so both our kernels and cuDNN's are held to the CPU.
  using Engine = LayerRegistry::Engine;
  const std::vector<Engine> engines = LayerRegistry::Engines(param.type());
  if (engines.size() < 2 || LayerRegistry::RequestedEngine(param) != Engine::DEFAULT) {
    CompareOnce(param, bottom_shapes, opt);
    return;
  }
  for (Engine engine : engines) {
    LayerParameter p = param;
    LayerRegistry::SetEngine(&p, engine);
    SCOPED_TRACE(std::string("engine: ") + LayerRegistry::EngineName(engine));
    CompareOnce(p, bottom_shapes, opt);
  }
}

namespace {

void CompareOnce(const LayerParameter& param, const std::vector<std::vector<int>>& bottom_shapes,
                 const GpuCompareOptions& opt) {
  const Mode previous = Context::mode();
  Context::set_mode(Mode::CPU);
  Run cpu = Prepare(param, bottom_shapes, opt);
  ForwardBackward(cpu, opt);
  Run gpu_run;
  {
    ScopedGpuMode gpu;
    gpu_run = Prepare(param, bottom_shapes, opt);
    ForwardBackward(gpu_run, opt);
  }
  Context::set_mode(previous);

  const std::string layer = std::string(cpu.layer->type()) + " '" + param.name() + "'";
  for (size_t t = 0; t < cpu.top.size(); ++t) {
    const std::string what = layer + " top " + std::to_string(t);
    if (!opt.compare_values) {
      EXPECT_EQ(cpu.top[t]->shape(), gpu_run.top[t]->shape()) << what;
      continue;
    }
    ExpectNear(*cpu.top[t], *gpu_run.top[t], false, what, opt.tolerance);
  }
  if (!opt.backward || !opt.compare_values) return;
  std::vector<bool> down = opt.propagate_down;
  if (down.empty()) down.assign(cpu.bottom.size(), true);
  for (size_t b = 0; b < cpu.bottom.size(); ++b) {
    if (!down[b]) continue;
    ExpectNear(*cpu.bottom[b], *gpu_run.bottom[b], true, layer + " bottom " + std::to_string(b) + " diff",
               opt.tolerance);
  }
  for (size_t p = 0; p < cpu.layer->blobs().size(); ++p) {
    ExpectNear(*cpu.layer->blobs()[p], *gpu_run.layer->blobs()[p], true,
               layer + " param " + std::to_string(p) + " diff", opt.tolerance);
  }
}

}  // namespace

void ExpectGpuMatchesCpuForEach(const std::string& head, const std::string& field,
                                const std::vector<std::string>& params,
                                const std::vector<std::vector<int>>& shapes) {
  for (const std::string& param : params) {
    for (const std::vector<int>& shape : shapes) {
      for (bool in_place : {false, true}) {
        SCOPED_TRACE(param + " " + ::testing::PrintToString(shape) + (in_place ? " in place" : ""));
        GpuCompareOptions options;
        options.in_place = in_place;
        const std::string text = head + " bottom: 'x' top: '" + (in_place ? "x" : "y") + "' " + field + " { " +
                                 param + " }";
        ExpectGpuMatchesCpu(WithRandomBlobs(ParseLayer(text), shape, 12), {shape}, options);
      }
    }
  }
}

}  // namespace test
}  // namespace cnn
