// `cnn time`: per-layer forward and backward timings, as `caffe time` reports
// them, on random inputs. The summary lines keep Caffe's wording so scripts
// that parse one parse the other.
#include <cblas.h>
#include <gflags/gflags.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"
#include "cnn/core/parallel.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "cnn/net/state_rules.hpp"
#include "commands.hpp"
#include "device.hpp"

DEFINE_int32(warmup, 1, "Untimed iterations run before the timed ones (first-touch allocation, caches).");
DEFINE_int32(batch, 0, "Batch size (first dimension) for every Input layer; 0 keeps the net's own.");
DEFINE_bool(forward_only, false,
            "Time the forward pass only (as a deployed net runs); with --phase=TEST the activations then share "
            "memory unless --share_activations=false.");

namespace cnn {
namespace tool {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

Phase ParsePhase(const std::string& name) {
  if (name.empty() || name == "TRAIN") return TRAIN;
  if (name == "TEST") return TEST;
  CNN_THROW("--phase must be TRAIN or TEST, got '" << name << "'");
}

// Decided before the net is built because force_backward must be set then.
bool HasLoss(const NetParameter& param) {
  const NetParameter filtered = FilterNet(param);
  for (const auto& lp : filtered.layer()) {
    for (float w : lp.loss_weight()) {
      if (w != 0.f) return true;
    }
    // An unknown type is left for the net to report, with its full message.
    if (lp.loss_weight_size() == 0 && LayerRegistry::Has(lp.type()) && LayerRegistry::Create(lp)->IsLossLayer())
      return true;
  }
  return false;
}

void OverrideBatch(NetParameter* param, int batch) {
  bool found = false;
  for (auto& lp : *param->mutable_layer()) {
    if (lp.type() != "Input") continue;
    for (auto& shape : *lp.mutable_input_param()->mutable_shape()) {
      if (shape.dim_size() > 0) {
        shape.set_dim(0, batch);
        found = true;
      }
    }
  }
  CNN_CHECK(found, "--batch=" << batch << " needs a net whose inputs come from Input layers");
}

// Labels must index a class that exists, so they are drawn below the channel
// count of whatever the label blob is compared with (the scores of a loss or
// accuracy layer, following Split copies).
int LabelRange(const Net& net, const Blob* label) {
  std::set<const Blob*> labels = {label};
  int range = 0;
  for (size_t i = 0; i < net.layers().size(); ++i) {
    const BlobVec& bottom = net.bottom_vecs()[i];
    const bool uses_label = std::any_of(bottom.begin(), bottom.end(), [&](Blob* b) { return labels.count(b); });
    if (!uses_label) continue;
    if (std::string(net.layers()[i]->type()) == "Split") {
      for (Blob* t : net.top_vecs()[i]) labels.insert(t);
      continue;
    }
    const Blob* scores = bottom[0];
    if (labels.count(scores) || scores->num_axes() < 2) continue;
    range = range == 0 ? scores->shape(1) : std::min(range, scores->shape(1));
  }
  return std::max(range, 1);
}

// An input that feeds an Embed layer holds row indices, which Gaussian values
// are not: such inputs get k % input_dim, following the layers that pass values
// on unchanged (Split, Reshape, Flatten). 0 when no Embed reads the input.
int IndexRange(const Net& net, const Blob* input) {
  std::set<const Blob*> same = {input};
  int range = 0;
  for (size_t i = 0; i < net.layers().size(); ++i) {
    const BlobVec& bottom = net.bottom_vecs()[i];
    if (bottom.empty() || !same.count(bottom[0])) continue;
    const std::string type = net.layers()[i]->type();
    if (type == "Split" || type == "Reshape" || type == "Flatten") {
      for (Blob* t : net.top_vecs()[i]) same.insert(t);
    } else if (type == "Embed") {
      const int dim = static_cast<int>(net.layers()[i]->layer_param().embed_param().input_dim());
      range = range == 0 ? dim : std::min(range, dim);
    }
  }
  return range;
}

void FillInputs(Net& net) {
  for (size_t i = 0; i < net.layers().size(); ++i) {
    const Layer& layer = *net.layers()[i];
    if (std::string(layer.type()) != "Input") continue;
    for (size_t j = 0; j < net.top_vecs()[i].size(); ++j) {
      Blob* top = net.top_vecs()[i][j];
      if (top->count() == 0) continue;
      float* data = top->mutable_cpu_data();
      if (layer.layer_param().top(static_cast<int>(j)) == "label") {
        const int range = LabelRange(net, top);
        for (int k = 0; k < top->count(); ++k) data[k] = static_cast<float>(k % range);
      } else if (const int range = IndexRange(net, top)) {
        for (int k = 0; k < top->count(); ++k) data[k] = static_cast<float>(k % range);
      } else {
        rng_gaussian(top->count(), 0.f, 1.f, data);
      }
    }
  }
}

int BatchSize(const Net& net) {
  for (size_t i = 0; i < net.layers().size(); ++i) {
    const auto& tops = net.top_vecs()[i];
    if (!tops.empty() && tops[0]->num_axes() > 0) return tops[0]->shape(0);
  }
  return 1;
}

std::string ShapeText(const BlobVec& tops) {
  if (tops.empty()) return "-";
  std::string s;
  for (int d : tops[0]->shape()) s += (s.empty() ? "" : "x") + std::to_string(d);
  if (s.empty()) s = "scalar";
  if (tops.size() > 1) s += " +" + std::to_string(tops.size() - 1);
  return s;
}

// Multiply-add work of the layers that run on sgemm (Convolution,
// InnerProduct), in FLOP: 2 per multiply-add of each top value over the
// weights it reads. Backward repeats it for the weight gradient and again
// for the input gradient when one is needed.
struct GemmWork {
  double forward = 0;
  double backward = 0;
};

GemmWork LayerGemmWork(const Net& net, int i, bool backward_run) {
  const Layer& layer = *net.layers()[i];
  const std::string type = layer.type();
  GemmWork w;
  if ((type != "Convolution" && type != "InnerProduct") || layer.blobs().empty()) return w;
  const Blob& weights = *layer.blobs()[0];
  const bool transposed = type == "InnerProduct" && layer.layer_param().inner_product_param().transpose();
  const int outputs = transposed ? weights.shape(-1) : weights.shape(0);
  double tops = 0;
  for (const Blob* top : net.top_vecs()[i]) tops += top->count();
  w.forward = 2.0 * tops * (static_cast<double>(weights.count()) / outputs);
  if (backward_run && net.layer_need_backward(i)) {
    const bool input_grad = !net.bottom_need_backward()[i].empty() && net.bottom_need_backward()[i][0];
    w.backward = w.forward * (input_grad ? 2 : 1);
  }
  return w;
}

void PrintTable(const Net& net, const std::vector<double>& fwd, const std::vector<double>& bwd, int iterations,
                bool backward_run) {
  const size_t n = net.layers().size();
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += fwd[i] + bwd[i];
  size_t name_w = 5, type_w = 4, shape_w = 9;
  for (size_t i = 0; i < n; ++i) {
    name_w = std::max(name_w, net.layer_names()[i].size());
    type_w = std::max(type_w, std::string(net.layers()[i]->type()).size());
    shape_w = std::max(shape_w, ShapeText(net.top_vecs()[i]).size());
  }
  std::printf("%-*s  %-*s  %-*s  %11s  %11s  %7s  %8s\n", static_cast<int>(name_w), "layer", static_cast<int>(type_w),
              "type", static_cast<int>(shape_w), "top shape", "forward ms", "backward ms", "% total", "GFLOP/s");
  bool any_fused = false;
  for (size_t i = 0; i < n; ++i) {
    char forward[32], backward[32] = "-";
    std::snprintf(forward, sizeof forward, "%.4f", fwd[i] / iterations);
    if (backward_run && net.layer_need_backward(static_cast<int>(i))) std::snprintf(backward, sizeof backward, "%.4f", bwd[i] / iterations);
    // A layer taken into the fused passes of a layer above it has no time of its own.
    const bool fused = net.FusedHead(static_cast<int>(i)) != static_cast<int>(i);
    if (fused) {
      std::snprintf(forward, sizeof forward, "fused*");
      if (std::strcmp(backward, "-") != 0) std::snprintf(backward, sizeof backward, "fused*");
      any_fused = true;
    }
    // The sgemm-bound layers' speed, both passes together (their work as
    // LayerGemmWork counts it), to set beside the machine's sgemm figure.
    char gflops[32] = "";
    const GemmWork w = LayerGemmWork(net, static_cast<int>(i), backward_run);
    const double ms = (fwd[i] + bwd[i]) / iterations;
    if (w.forward > 0 && ms > 0) std::snprintf(gflops, sizeof gflops, "%.1f", (w.forward + w.backward) / 1e6 / ms);
    std::printf("%-*s  %-*s  %-*s  %11s  %11s  %6.1f%%  %8s\n", static_cast<int>(name_w),
                net.layer_names()[i].c_str(), static_cast<int>(type_w), net.layers()[i]->type(),
                static_cast<int>(shape_w), ShapeText(net.top_vecs()[i]).c_str(), forward, backward,
                sum > 0 ? 100.0 * (fwd[i] + bwd[i]) / sum : 0.0, gflops);
  }
  if (any_fused) std::printf("* run inside the passes of the layer above it (fusion; CNN_FUSE=0 runs each alone)\n");
}

}  // namespace

int TimeCommand(const std::vector<std::string>& args) {
  ExpectNoArguments("time", args);
  CNN_CHECK(!FLAGS_model.empty(), "cnn time needs --model=NET.prototxt");
  CNN_CHECK(FLAGS_iterations >= 1, "--iterations must be at least 1, got " << FLAGS_iterations);
  CNN_CHECK(FLAGS_warmup >= 0, "--warmup must not be negative, got " << FLAGS_warmup);
  CNN_CHECK(FLAGS_batch >= 0, "--batch must not be negative, got " << FLAGS_batch);
  // TRAIN by default, as `caffe time`: the pass a training step runs.
  const Phase phase = ParsePhase(FLAGS_phase);
  const bool backward = !FLAGS_forward_only;
  ApplyThreadsFlag();
  const int gpu_id = GpuFromFlag();
  const bool gpu = gpu_id >= 0;
  if (gpu) SelectGpu(gpu_id);
  ApplyEngineFlag();

  NetParameter param = ReadNetParamsFromTextFile(FLAGS_model);
  param.mutable_state()->set_phase(phase);
  if (FLAGS_batch > 0) OverrideBatch(&param, FLAGS_batch);
  // Without a loss, a net's backward pass would stop at the first layer that
  // needs no gradient and understate a training step; forcing it runs every
  // layer's backward from seeded output gradients instead.
  const bool has_loss = HasLoss(param);
  if (!has_loss && backward) param.set_force_backward(true);
  // Only a forward-only run can let activations share memory: backward
  // reads them all again.
  if (!backward && phase == TEST && FLAGS_share_activations) param.set_share_activations(true);
  Net net(param);
  // What a training step runs: no gradient for the inputs (PyTorch's
  // timing computes none either).
  if (!has_loss && backward) net.SkipInputGradients();
  FillInputs(net);

  const int n = static_cast<int>(net.layers().size());
  const int iterations = FLAGS_iterations;
  const std::string device = gpu ? "GPU " + std::to_string(gpu_id)
                                 : "CPU (OpenBLAS, " + std::to_string(openblas_get_num_threads()) + " threads from " +
                                       ThreadCountSource() + ")";
  std::printf("net \"%s\" (%s): %d layers, phase %s, batch %d, %s\n", net.name().c_str(), FLAGS_model.c_str(), n,
              phase == TRAIN ? "TRAIN" : "TEST", BatchSize(net), device.c_str());
  if (!backward) {
    std::printf("forward pass only (--forward_only)\n");
  } else if (!has_loss) {
    std::printf("net has no loss: backward timed from the outputs through every layer (force_backward), "
                "without the inputs' gradients (as in a training step)\n");
  }
  if (net.activations_shared()) {
    const MemoryPlan& plan = net.memory_plan();
    std::printf("activations shared (--share_activations): %d storages in %d buffers, %.1f MiB instead of %.1f MiB\n",
                plan.storages_planned, plan.buffers, plan.bytes_after / 1048576.0, plan.bytes_before / 1048576.0);
  }
  std::printf("%d iterations after %d warm-up iteration(s)\n\n", iterations, FLAGS_warmup);
  std::fflush(stdout);

  std::vector<double> fwd(n, 0.0), bwd(n, 0.0);
  // One training-like step. With per_layer, the device is synchronised
  // after every layer so each layer's time is its own, and the times are
  // added to fwd/bwd; returns the step's wall time in ms.
  auto step = [&](bool per_layer, bool timed) {
    // Untimed per-step bookkeeping a training step also does.
    if (backward) net.ClearParamDiffs();
    if (backward && !has_loss) {
      for (Blob* out : net.output_blobs()) {
        cpu_set(out->count(), 1.f, out->mutable_cpu_diff());
        if (gpu) out->gpu_diff();  // move it now, not inside a timed layer
      }
    }
    SynchronizeDevice();
    const auto start = Clock::now();
    // A fused chain (fusing_layer.hpp) runs as one pass: its time is its head's.
    for (int i = 0; i < n; ++i) {
      const int last = net.FusedEnd(i);
      const auto t0 = Clock::now();
      net.ForwardFromTo(i, last);
      i = last;
      if (!per_layer) continue;
      SynchronizeDevice();
      if (timed) fwd[net.FusedHead(i)] += Ms(Clock::now() - t0);
    }
    for (int i = n - 1; i >= 0 && backward; --i) {
      const int head = net.FusedHead(i);
      const auto t0 = Clock::now();
      net.BackwardFromTo(i, head);
      i = head;
      if (!per_layer) continue;
      SynchronizeDevice();
      if (timed) bwd[head] += Ms(Clock::now() - t0);
    }
    SynchronizeDevice();
    return Ms(Clock::now() - start);
  };

  double total = 0.0;
  for (int it = -FLAGS_warmup; it < iterations; ++it) {
    const double ms = step(true, it >= 0);
    if (it >= 0) total += ms;
  }
  if (gpu) {
    // On the GPU the per-layer synchronisation serialises host and device,
    // which a real step does not: the whole-step figures come from steps
    // synchronised only at their end, as PyTorch's timing script does.
    total = 0.0;
    for (int it = 0; it < iterations; ++it) total += step(false, false);
  }

  PrintTable(net, fwd, bwd, iterations, backward);
  // How close the sgemm-bound layers run to the machine's sgemm speed.
  double gemm_flop = 0, gemm_ms = 0;
  for (int i = 0; i < n; ++i) {
    const GemmWork w = LayerGemmWork(net, i, backward);
    if (w.forward == 0) continue;
    gemm_flop += w.forward + w.backward;
    gemm_ms += (fwd[i] + bwd[i]) / iterations;
  }
  if (gemm_flop > 0 && gemm_ms > 0) {
    std::printf("\nConvolution + InnerProduct: %.3f GFLOP per iteration in %.3f ms: %.1f GFLOP/s\n", gemm_flop / 1e9,
                gemm_ms, gemm_flop / 1e6 / gemm_ms);
  }
  double fwd_sum = 0, bwd_sum = 0;
  for (int i = 0; i < n; ++i) {
    fwd_sum += fwd[i];
    bwd_sum += bwd[i];
  }
  const double per_iter = total / iterations;
  std::printf("\nAverage Forward pass: %.3f ms.\n", fwd_sum / iterations);
  std::printf("Average Backward pass: %.3f ms.\n", bwd_sum / iterations);
  std::printf("Average Forward-Backward: %.3f ms.\n", per_iter);
  std::printf("Images/s: %.1f\n", per_iter > 0 ? BatchSize(net) * 1000.0 / per_iter : 0.0);
  std::printf("Total time for %d iterations: %.1f ms.\n", iterations, total);
  if (gpu) std::printf("%s\n", GpuMemoryReport().c_str());
  PrintPeakMemory();
  return 0;
}

}  // namespace tool
}  // namespace cnn
