// Depthwise convolution on the CPU: the direct loops (depthwise_conv.*)
// against the grouped im2col + gemm path of the same ConvolutionLayer, side
// by side in one process, on MobileNet-v1's depthwise shapes (batch 10).
// Built and run by depthwise_bench.sh. Prints, per shape, the median
// forward and forward+backward milliseconds of each path and their ratio.
#include <algorithm>
#include <chrono>
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

Timing Run(const Shape& s, int batch, int repeats, bool direct) {
  cnn::LayerParameter p;
  const std::string text = "name: 'dw' type: 'Convolution' convolution_param { num_output: " +
                           std::to_string(s.channels) + " group: " + std::to_string(s.channels) +
                           " kernel_size: 3 pad: 1 stride: " + std::to_string(s.stride) +
                           " weight_filler { type: 'gaussian' std: 0.1 } }";
  if (!google::protobuf::TextFormat::ParseFromString(text, &p)) std::abort();
  auto layer = cnn::LayerRegistry::Create(p);
  auto* conv = dynamic_cast<cnn::ConvolutionLayer*>(layer.get());
  conv->set_allow_depthwise(direct);
  cnn::Blob bottom(batch, s.channels, s.size, s.size), top;
  cnn::rng_gaussian(bottom.count(), 0.f, 1.f, bottom.mutable_cpu_data());
  layer->SetUp({&bottom}, {&top});
  if (conv->uses_depthwise() != direct) std::abort();
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
    std::fprintf(stderr, "usage: depthwise_bench [BATCH>0] [REPEATS>0]\n");
    return 1;
  }
  cnn::Context::set_random_seed(1701);
  // MobileNet-v1's 3x3 depthwise layers (input channels x size, stride).
  const std::vector<Shape> shapes = {{32, 112, 1}, {64, 112, 2}, {128, 56, 1}, {128, 56, 2},
                                     {256, 28, 1}, {256, 28, 2}, {512, 14, 1}, {512, 14, 2}, {1024, 7, 1}};
  std::printf("batch %d, fastest of %d; wall ms: forward | forward+backward | CPU-time ratio\n", batch, repeats);
  std::printf("%-16s %10s %10s %7s | %10s %10s %7s | %7s\n", "shape", "gemm", "direct", "ratio", "gemm", "direct",
              "ratio", "cpu");
  double gemm_total = 0, direct_total = 0, gemm_fwd = 0, direct_fwd = 0, gemm_cpu = 0, direct_cpu = 0;
  for (const Shape& s : shapes) {
    // Alternated so that drifting machine load hits both paths alike.
    const Timing g = Run(s, batch, repeats, false);
    const Timing d = Run(s, batch, repeats, true);
    char name[32];
    std::snprintf(name, sizeof(name), "%dx%d s%d", s.channels, s.size, s.stride);
    std::printf("%-16s %10.2f %10.2f %6.1fx | %10.2f %10.2f %6.1fx | %6.1fx\n", name, g.forward, d.forward,
                g.forward / d.forward, g.both, d.both, g.both / d.both, g.cpu / d.cpu);
    gemm_cpu += g.cpu;
    direct_cpu += d.cpu;
    gemm_total += g.both;
    direct_total += d.both;
    gemm_fwd += g.forward;
    direct_fwd += d.forward;
  }
  std::printf("%-16s %10.2f %10.2f %6.1fx | %10.2f %10.2f %6.1fx | %6.1fx\n", "all", gemm_fwd, direct_fwd,
              gemm_fwd / direct_fwd, gemm_total, direct_total, gemm_total / direct_total, gemm_cpu / direct_cpu);
  return 0;
}
