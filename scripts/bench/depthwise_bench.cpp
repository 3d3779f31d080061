// Depthwise convolution on the CPU: the direct loops (depthwise_conv.*)
// against the grouped im2col + gemm path of the same ConvolutionLayer
// (engine: CAFFE both), and oneDNN's convolution (engine: DNNL, what DEFAULT
// picks in a build with it), side by side in one process, on MobileNet-v1's
// depthwise shapes (batch 10). Built and run by depthwise_bench.sh. Prints,
// per shape, the fastest forward and forward+backward milliseconds of each
// path and the ratios gemm / direct and oneDNN / direct.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/text_format.h>

#include "cnn/core/blob.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"
#include "cnn/layers/conv/convolution_layer.hpp"

namespace {

struct Shape {
  int channels, size, stride;
};

double Ms(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double Min(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

double CpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

struct Timing {
  double forward, both, cpu;
};

enum class Path { kGemm, kDirect, kDnnl };

Timing Run(const Shape& s, int batch, int repeats, Path path) {
  cnn::LayerParameter p;
  const bool direct = path == Path::kDirect;
  const std::string engine = path == Path::kDnnl ? "DNNL" : "CAFFE";
  const std::string text = "name: 'dw' type: 'Convolution' convolution_param { engine: " + engine +
                           " num_output: " +
                           std::to_string(s.channels) + " group: " + std::to_string(s.channels) +
                           " kernel_size: 3 pad: 1 stride: " + std::to_string(s.stride) +
                           " weight_filler { type: 'gaussian' std: 0.1 } }";
  if (!google::protobuf::TextFormat::ParseFromString(text, &p)) std::abort();
  auto layer = cnn::LayerRegistry::Create(p);
  auto* conv = dynamic_cast<cnn::ConvolutionLayer*>(layer.get());
  conv->set_allow_depthwise(path != Path::kGemm);
  cnn::Blob bottom(batch, s.channels, s.size, s.size), top;
  cnn::rng_gaussian(bottom.count(), 0.f, 1.f, bottom.mutable_cpu_data());
  layer->SetUp({&bottom}, {&top});
  if (path != Path::kDnnl && conv->uses_depthwise() != direct) std::abort();
  cnn::rng_gaussian(top.count(), 0.f, 1.f, top.mutable_cpu_diff());
  std::vector<double> fwd, both;
  double cpu = 0;
  for (int r = 0; r <= repeats; ++r) {  // r == 0 warms up
    const double c0 = CpuSeconds();
    const auto t0 = std::chrono::steady_clock::now();
    layer->Forward({&bottom}, {&top});
    const auto t1 = std::chrono::steady_clock::now();
    layer->Backward({&top}, {true}, {&bottom});
    const auto t2 = std::chrono::steady_clock::now();
    if (r == 0) continue;
    cpu += CpuSeconds() - c0;
    fwd.push_back(Ms(t0, t1));
    both.push_back(Ms(t0, t2));
  }
  return {Min(fwd), Min(both), cpu};
}

}  // namespace

int main(int argc, char** argv) {
  const int batch = argc > 1 ? std::atoi(argv[1]) : 10;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  if (batch <= 0 || repeats <= 0) {
    std::fprintf(stderr, "usage: depthwise_bench [BATCH>0] [REPEATS>0] [CHANNELSxSIZE]\n");
    return 1;
  }
  cnn::Context::set_random_seed(1701);
  // MobileNet-v1's 3x3 depthwise layers (input channels x size, stride).
  const std::vector<Shape> shapes = {{32, 112, 1}, {64, 112, 2}, {128, 56, 1}, {128, 56, 2},
                                     {256, 28, 1}, {256, 28, 2}, {512, 14, 1}, {512, 14, 2}, {1024, 7, 1}};
  std::printf("batch %d, fastest of %d; wall ms: forward | forward+backward | CPU-time ratio gemm/direct\n", batch,
              repeats);
  std::printf("%-12s %8s %8s %8s %6s %6s | %8s %8s %8s %6s %6s | %5s\n", "shape", "gemm", "direct", "onednn",
              "g/d", "o/d", "gemm", "direct", "onednn", "g/d", "o/d", "cpu");
  const bool dnnl = cnn::LayerRegistry::HasEngine("Convolution", cnn::LayerRegistry::Engine::DNNL);
  Timing total[3] = {};
  double cpu[3] = {};
  const auto line = [](const char* name, const Timing& g, const Timing& d, const Timing& o, double cpu_ratio) {
    std::printf("%-12s %8.2f %8.2f %8.2f %5.1fx %5.1fx | %8.2f %8.2f %8.2f %5.1fx %5.1fx | %4.1fx\n", name, g.forward,
                d.forward, o.forward, g.forward / d.forward, o.forward / d.forward, g.both, d.both, o.both,
                g.both / d.both, o.both / d.both, cpu_ratio);
  };
  const std::string only = argc > 3 ? argv[3] : "";  // e.g. "1024x7": that shape alone (for a profiler)
  for (const Shape& s : shapes) {
    if (!only.empty() && only != std::to_string(s.channels) + "x" + std::to_string(s.size)) continue;
    // Alternated so that drifting machine load hits all paths alike.
    const Timing none = {std::nan(""), std::nan(""), std::nan("")};  // a build without oneDNN
    const Timing t[3] = {Run(s, batch, repeats, Path::kGemm), Run(s, batch, repeats, Path::kDirect),
                         dnnl ? Run(s, batch, repeats, Path::kDnnl) : none};
    char name[32];
    std::snprintf(name, sizeof(name), "%dx%d s%d", s.channels, s.size, s.stride);
    line(name, t[0], t[1], t[2], t[0].cpu / t[1].cpu);
    for (int k = 0; k < 3; ++k) {
      total[k].forward += t[k].forward;
      total[k].both += t[k].both;
      cpu[k] += t[k].cpu;
    }
  }
  line("all", total[0], total[1], total[2], cpu[0] / cpu[1]);
  return 0;
}
