// Would computing an inception block's sibling 1x1 convolutions as one pay?
// GoogLeNet's 1x1, 3x3_reduce and 5x5_reduce layers read the same input
// (through a Split); each runs forward, weight gradient and data gradient on
// its own, and the Split then sums the three data gradients. One convolution
// with the outputs concatenated reads the input once and forms the summed
// data gradient itself, but its outputs and their gradients must be copied
// out of and into the concatenated buffer (oneDNN submemory reorders).
// Prints both per shape, at batch 10 in nChw16c, as oneDNN's kernels run
// them in `cnn time` (README: GoogLeNet's small layers below 0.8 of sgemm).
//
//   bash scripts/bench/sibling_conv_bench.sh     # THREADS=2 by default
#include <dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

// One CPU engine and stream for the whole program.
const dnnl::engine kEngine(dnnl::engine::kind::cpu, 0);
dnnl::stream kStream(kEngine);

// Small, varied, never denormal: a convolution of uninitialised memory can
// run at a fraction of its speed.
void Fill(memory& m) {
  float* f = static_cast<float*>(m.get_data_handle());
  const size_t n = m.get_desc().get_size() / sizeof(float);
  for (size_t i = 0; i < n; ++i) f[i] = 0.01f * static_cast<float>((i * 7919) % 13) - 0.05f;
}

// One 1x1 convolution's three training passes, arguments allocated once.
struct Conv1x1 {
  dnnl::convolution_forward forward;
  dnnl::convolution_backward_weights weight_gradient;
  dnnl::convolution_backward_data data_gradient;
  memory src, weights, bias, dst, diff_dst, diff_src, diff_weights, diff_bias;

  Conv1x1(int batch, int in, int out, int size) {
    const memory::desc src_md({batch, in, size, size}, dt::f32, tag::nChw16c);
    const memory::desc dst_md({batch, out, size, size}, dt::f32, tag::nChw16c);
    const memory::desc weights_md({out, in, 1, 1}, dt::f32, tag::any);
    const memory::desc bias_md({out}, dt::f32, tag::x);
    const memory::dims one = {1, 1}, zero = {0, 0};
    const dnnl::convolution_forward::primitive_desc f(
        {dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, src_md, weights_md, bias_md, dst_md,
         one, zero, zero, zero},
        kEngine);
    const dnnl::convolution_backward_weights::primitive_desc w(
        {dnnl::algorithm::convolution_direct, src_md, weights_md, bias_md, dst_md, one, zero, zero, zero}, kEngine, f);
    const dnnl::convolution_backward_data::primitive_desc d(
        {dnnl::algorithm::convolution_direct, src_md, weights_md, dst_md, one, zero, zero, zero}, kEngine, f);
    forward = dnnl::convolution_forward(f);
    weight_gradient = dnnl::convolution_backward_weights(w);
    data_gradient = dnnl::convolution_backward_data(d);
    src = memory(src_md, kEngine);
    weights = memory(f.weights_desc(), kEngine);
    bias = memory(bias_md, kEngine);
    dst = memory(dst_md, kEngine);
    diff_dst = memory(dst_md, kEngine);
    diff_src = memory(src_md, kEngine);
    diff_weights = memory(w.diff_weights_desc(), kEngine);
    diff_bias = memory(bias_md, kEngine);
    for (memory* m : {&src, &weights, &bias, &dst, &diff_dst, &diff_src, &diff_weights, &diff_bias}) Fill(*m);
  }

  void Step() {
    forward.execute(kStream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_BIAS, bias},
                               {DNNL_ARG_DST, dst}});
    weight_gradient.execute(kStream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, diff_dst},
                                       {DNNL_ARG_DIFF_WEIGHTS, diff_weights}, {DNNL_ARG_DIFF_BIAS, diff_bias}});
    data_gradient.execute(kStream, {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_WEIGHTS, weights},
                                     {DNNL_ARG_DIFF_SRC, diff_src}});
  }
};

double Milliseconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void Compare(const char* block, int batch, int in, int size, const std::vector<int>& outs, int repeats) {
  std::vector<std::unique_ptr<Conv1x1>> siblings;
  int total = 0;
  for (int out : outs) {
    siblings.push_back(std::make_unique<Conv1x1>(batch, in, out, size));
    total += out;
  }
  Conv1x1 joined(batch, in, total, size);
  const size_t input = static_cast<size_t>(batch) * in * size * size;
  std::vector<float> split_sum(input);
  std::vector<double> apart, together;
  for (int r = 0; r <= repeats; ++r) {  // the first round warms up
    const auto t0 = std::chrono::steady_clock::now();
    for (auto& c : siblings) c->Step();
    kStream.wait();
    // The Split's backward: the data gradients summed (same layout throughout).
    std::fill(split_sum.begin(), split_sum.end(), 0.f);
    for (auto& c : siblings) {
      const float* g = static_cast<const float*>(c->diff_src.get_data_handle());
      for (size_t i = 0; i < input; ++i) split_sum[i] += g[i];
    }
    const auto t1 = std::chrono::steady_clock::now();
    joined.Step();
    // Each sibling's output out of the joined one, its gradient into it.
    int offset = 0;
    for (size_t k = 0; k < siblings.size(); ++k) {
      const memory::desc part = joined.dst.get_desc().submemory_desc({batch, outs[k], size, size}, {0, offset, 0, 0});
      memory out_part(part, kEngine, joined.dst.get_data_handle());
      memory grad_part(part, kEngine, joined.diff_dst.get_data_handle());
      dnnl::reorder(out_part, siblings[k]->dst).execute(kStream, out_part, siblings[k]->dst);
      dnnl::reorder(siblings[k]->diff_dst, grad_part).execute(kStream, siblings[k]->diff_dst, grad_part);
      offset += outs[k];
    }
    kStream.wait();
    const auto t2 = std::chrono::steady_clock::now();
    if (r == 0) continue;
    apart.push_back(Milliseconds(t0, t1));
    together.push_back(Milliseconds(t1, t2));
  }
  // Forward, weight gradient and data gradient: 3 x 2 x multiply-adds.
  const double flop = 6.0 * batch * size * size * static_cast<double>(in) * total;
  const double a = Median(apart), t = Median(together);
  std::printf("%-14s %4d -> %3d+%3d+%3d at %2dx%-2d  apart %7.3f ms %4.0f GFLOP/s   joined %7.3f ms %4.0f GFLOP/s  %.2fx\n",
              block, in, outs[0], outs[1], outs[2], size, size, a, flop / a / 1e6, t, flop / t / 1e6, a / t);
}

}  // namespace

int main(int argc, char** argv) {
  const int batch = argc > 1 ? std::atoi(argv[1]) : 10;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 15;
  struct Block {
    const char* name;
    int in, size, out1x1, out3x3_reduce, out5x5_reduce;
  };
  // BVLC GoogLeNet's inception blocks (deploy.prototxt).
  const Block blocks[] = {{"inception_3a", 192, 28, 64, 96, 16},  {"inception_3b", 256, 28, 128, 128, 32},
                          {"inception_4a", 480, 14, 192, 96, 16}, {"inception_4b", 512, 14, 160, 112, 24},
                          {"inception_4c", 512, 14, 128, 128, 24}, {"inception_4d", 512, 14, 112, 144, 32},
                          {"inception_4e", 528, 14, 256, 160, 32}, {"inception_5a", 832, 7, 256, 160, 32},
                          {"inception_5b", 832, 7, 384, 192, 48}};
  std::printf("batch %d, median of %d rounds; apart: three convolutions + the Split's sum; joined: one convolution + "
              "the copies\n",
              batch, repeats);
  for (const Block& b : blocks) {
    Compare(b.name, batch, b.in, b.size, {b.out1x1, b.out3x3_reduce, b.out5x5_reduce}, repeats);
  }
}
