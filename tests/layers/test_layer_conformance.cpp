// The same checks for every registered layer type, driven by one table:
//   CpuGradient   analytic gradients against central differences on the CPU,
//                 with every CPU engine the type has (CAFFE, and DNNL where built)
//   CpuEnginesMatch each other CPU engine (DNNL) against CAFFE on the same
//                 inputs and weights: tops, bottom diffs and parameter diffs
//   GpuMatchesCpu the GPU pass against the CPU pass, with every engine the type
//                 has (CAFFE, and CUDNN where built), then the GPU gradient check
//   InPlace       top == bottom gives what a separate top gives (CPU and GPU),
//                 with every CPU engine
//   Reshape       after Reshape to the second shapes, Forward and Backward give
//                 what a layer set up on those shapes directly gives, with
//                 every CPU engine
// and RegistryCoverage: every type in LayerRegistry::Types() has an entry here
// or a reasoned exemption, so no layer lands untested. Each layer's own test
// file keeps its known-answer tests and its parameter and error cases; this
// table holds the checks that are the same for all.
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cnn/core/blob.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "support/gpu_check.hpp"
#include "support/test_support.hpp"

namespace cnn {
namespace {

using Shapes = std::vector<std::vector<int>>;
using Fill = std::function<void(int bottom, Blob* blob)>;

struct Case {
  std::string type;
  std::string params;  // parameter text after name/type/bottom/top, e.g. "relu_param { negative_slope: 0.1 }"
  Shapes shapes;       // bottom shapes
  Shapes reshaped;     // second bottom shapes for the Reshape check; empty: see no_reshape
  std::string label = "";       // tells entries of one type apart in test names (letters, digits)
  int tops = 1;
  std::vector<int> grad_bottoms = {};  // bottoms that get a gradient; empty = all
  Fill fill = nullptr;                 // fills the bottoms; default Gaussian(0, 1)
  float kink = 0.f, kink_range = -1.f;  // gradient check: skip points near a kink
  float gpu_tolerance = 1e-4f;  // also DNNL against CAFFE on the CPU (another summation order)
  bool in_place = false;  // the type may run with top 0 == bottom 0
  bool backward = true;   // false for types without a gradient (data, metrics)
  bool random = false;    // forward draws random numbers: the GPU draws others, compare shapes only
  std::string no_reshape = "";  // why there is no Reshape check (required when reshaped is empty)
};

// Bottom 0 Gaussian, bottom 1 integer class labels in [0, classes).
Fill Labels(int classes) {
  return [classes](int bottom, Blob* b) {
    if (bottom == 0) return test::FillGaussian(b);
    float* d = b->mutable_cpu_data();
    for (int i = 0; i < b->count(); ++i) d[i] = static_cast<float>((i * 7 + 3) % classes);
  };
}

// Bottom 0 Gaussian scores, bottom 1 targets in [0, 1] (SigmoidCrossEntropyLoss).
void SigmoidTargets(int bottom, Blob* b) {
  if (bottom == 0) return test::FillGaussian(b);
  test::FillUniform(b, 0.f, 1.f);
}

// Bottom 0 probabilities in [0.2, 1] (MultinomialLogisticLoss takes them as
// they are), bottom 1 labels in [0, classes).
Fill Probabilities(int classes) {
  return [classes](int bottom, Blob* b) {
    if (bottom == 0) return test::FillUniform(b, 0.2f, 1.f);
    Labels(classes)(bottom, b);
  };
}

// Bottom 0 scores at least 0.11 from HingeLoss's kinks at -1 and +1, bottom 1
// labels in [0, classes).
Fill HingeScores(int classes) {
  return [classes](int bottom, Blob* b) {
    if (bottom == 1) return Labels(classes)(bottom, b);
    float* d = b->mutable_cpu_data();
    for (int i = 0; i < b->count(); ++i) d[i] = 0.37f * static_cast<float>((i * 7) % 11) - 1.85f;
  };
}

// Bottoms 0 and 1 Gaussian (the pair), bottom 2 similarity labels 0/1.
void Pairs(int bottom, Blob* b) {
  if (bottom < 2) return test::FillGaussian(b);
  for (int i = 0; i < b->count(); ++i) b->mutable_cpu_data()[i] = static_cast<float>(i % 2);
}

// Values at least 0.1 apart (a shuffled ramp): no two of a max-pooling window
// swap order within the gradient check's step.
void Distinct(int, Blob* b) {
  float* d = b->mutable_cpu_data();
  for (int i = 0; i < b->count(); ++i) d[i] = 0.1f * static_cast<float>((i * 37) % b->count()) - 1.f;
}

// Gaussian, then any value within 0.05 of a kink moved 0.1 off it: for
// layers with more than one kink (Clip's two bounds).
Fill AwayFrom(std::vector<float> kinks) {
  return [kinks](int, Blob* b) {
    test::FillGaussian(b);
    float* d = b->mutable_cpu_data();
    for (int i = 0; i < b->count(); ++i) {
      for (float k : kinks) {
        if (std::fabs(d[i] - k) < 0.05f) d[i] = k + (d[i] < k ? -0.1f : 0.1f);
      }
    }
  };
}

// Uniform in [lo, hi]: inputs inside a layer's domain (Log's positive
// argument, a non-integer Power's positive base).
Fill Uniform(float lo, float hi) {
  return [lo, hi](int, Blob* b) { test::FillUniform(b, lo, hi); };
}

// Integer indices in [0, n) in every bottom (Embed).
Fill Indices(int n) {
  return [n](int, Blob* b) {
    for (int i = 0; i < b->count(); ++i) b->mutable_cpu_data()[i] = static_cast<float>((i * 5 + 2) % n);
  };
}

// Bottom `cont` (T x N, or 1 x N for LSTMUnit): 0 at t = 0 and for stream 1
// at t = 2 (a reset mid-sequence), 1 elsewhere; the other bottoms Gaussian.
Fill Sequences(int cont) {
  return [cont](int bottom, Blob* b) {
    if (bottom != cont) return test::FillGaussian(b);
    const int n = b->shape(1);
    for (int i = 0; i < b->count(); ++i) {
      const int t = i / n, s = i % n;
      b->mutable_cpu_data()[i] = (t == 0 && b->shape(0) > 1) || (t == 2 && s == 1) || (b->shape(0) == 1 && s == 0) ? 0.f : 1.f;
    }
  };
}

const char kFillers[] = " weight_filler { type: 'gaussian' std: 0.5 } bias_filler { type: 'gaussian' std: 0.5 } ";

// ---- The table ----------------------------------------------------------
// To add a layer type: append one entry (fields in declaration order; leave
// out those whose default fits):
//   {.type = "ELU", .params = "elu_param { alpha: 0.5 }",
//    .shapes = {{2, 3, 4, 5}}, .reshaped = {{3, 2, 5, 4}}, .kink = 0.f, .kink_range = 0.01f,
//    .in_place = true},
// A type with several interesting settings may have several entries (give
// each a .label). A type these checks cannot run on goes into kExempt with
// the reason and the test that covers it instead.
const std::vector<Case> kCases = {
    // conv/
    {.type = "Convolution",
     .params = std::string("convolution_param { num_output: 3 kernel_size: 3 pad: 1 stride: 1") + kFillers + "}",
     .shapes = {{2, 2, 5, 5}}, .reshaped = {{1, 2, 4, 6}}, .gpu_tolerance = 1e-3f},
    {.type = "Im2col", .params = "convolution_param { kernel_size: 3 stride: 2 pad: 1 }",
     .shapes = {{2, 2, 5, 4}}, .reshaped = {{1, 3, 4, 6}}},
    {.type = "Convolution",
     .params = std::string("convolution_param { num_output: 3 kernel_size: 3 pad: 2 dilation: 2") + kFillers + "}",
     .shapes = {{2, 2, 5, 5}}, .reshaped = {{1, 2, 4, 6}}, .label = "Dilated", .gpu_tolerance = 1e-3f},
    {.type = "Convolution",
     .params = std::string("convolution_param { num_output: 3 group: 3 kernel_size: 3 pad: 1 stride: 2") + kFillers +
               "}",
     .shapes = {{2, 3, 5, 5}}, .reshaped = {{1, 3, 4, 6}}, .label = "Depthwise", .gpu_tolerance = 1e-3f},
    {.type = "Deconvolution",
     .params = std::string("convolution_param { num_output: 3 kernel_size: 3 stride: 2 pad: 1") + kFillers + "}",
     .shapes = {{2, 2, 4, 3}}, .reshaped = {{1, 2, 3, 5}}, .gpu_tolerance = 1e-3f},
    {.type = "Deconvolution",
     .params = std::string("convolution_param { num_output: 4 group: 2 kernel_size: 4 stride: 2 pad: 1 dilation: 2") +
               kFillers + "}",
     .shapes = {{2, 2, 3, 3}}, .reshaped = {{1, 2, 4, 2}}, .label = "GroupedDilated", .gpu_tolerance = 1e-3f},
    {.type = "Convolution",
     .params = std::string("convolution_param { num_output: 4 group: 2 kernel_size: 3 stride: 2 pad: 1 dilation: 2") +
               kFillers + "}",
     .shapes = {{2, 2, 9}}, .reshaped = {{1, 2, 12}}, .label = "Conv1d", .gpu_tolerance = 1e-3f},
    {.type = "Convolution",
     .params = std::string("convolution_param { num_output: 3 kernel_size: 2 kernel_size: 3 kernel_size: 2 stride: 1 "
                           "stride: 2 stride: 1 pad: 1 pad: 1 pad: 0") +
               kFillers + "}",
     .shapes = {{2, 2, 3, 4, 3}}, .reshaped = {{1, 2, 2, 5, 4}}, .label = "Conv3d", .gpu_tolerance = 1e-3f},
    {.type = "Deconvolution",
     .params = std::string("convolution_param { num_output: 2 kernel_size: 2 kernel_size: 3 kernel_size: 2 stride: 2 "
                           "stride: 1 stride: 2 pad: 0 pad: 1 pad: 0") +
               kFillers + "}",
     .shapes = {{2, 2, 2, 3, 2}}, .reshaped = {{1, 2, 3, 2, 2}}, .label = "Deconv3d", .gpu_tolerance = 1e-3f},
    {.type = "Im2col", .params = "convolution_param { kernel_size: 2 stride: 2 stride: 1 stride: 1 pad: 1 }",
     .shapes = {{2, 2, 3, 3, 2}}, .reshaped = {{1, 1, 4, 2, 3}}, .label = "Im2col3d"},
    {.type = "Convolution",
     .params = std::string("convolution_param { num_output: 3 kernel_size: 3 pad: 2 stride: 2 padding_mode: REFLECT") +
               kFillers + "}",
     .shapes = {{2, 2, 5, 5}}, .reshaped = {{1, 2, 4, 6}}, .label = "Reflect", .gpu_tolerance = 1e-3f},
    {.type = "Convolution",
     .params = std::string("convolution_param { num_output: 2 group: 2 kernel_size: 3 pad_h: 1 pad_w: 3"
                           " padding_mode: CIRCULAR") + kFillers + "}",
     .shapes = {{2, 2, 4, 3}}, .reshaped = {{1, 2, 3, 5}}, .label = "Circular", .gpu_tolerance = 1e-3f},
    {.type = "Convolution",
     .params = std::string("convolution_param { num_output: 3 kernel_size: 1 pad: 2 padding_mode: REPLICATE") +
               kFillers + "}",
     .shapes = {{2, 2, 3, 4}}, .reshaped = {{1, 2, 5, 2}}, .label = "Replicate1x1", .gpu_tolerance = 1e-3f},
    {.type = "Deconvolution",
     .params = std::string("convolution_param { num_output: 3 kernel_size: 3 stride: 2 pad: 1 padding_mode: REFLECT") +
               kFillers + "}",
     .shapes = {{2, 2, 4, 3}}, .reshaped = {{1, 2, 3, 5}}, .label = "Reflect", .gpu_tolerance = 1e-3f},
    {.type = "Deconvolution",
     .params = std::string("convolution_param { num_output: 4 group: 2 kernel_size: 4 stride: 2 pad: 2"
                           " padding_mode: CIRCULAR") + kFillers + "}",
     .shapes = {{2, 2, 3, 3}}, .reshaped = {{1, 2, 4, 2}}, .label = "Circular", .gpu_tolerance = 1e-3f},
    {.type = "Convolution",
     .params = std::string("convolution_param { num_output: 2 kernel_size: 2 kernel_size: 3 kernel_size: 2 pad: 1 "
                           "pad: 2 pad: 1 stride: 1 stride: 2 stride: 1 padding_mode: REFLECT") +
               kFillers + "}",
     .shapes = {{2, 2, 3, 4, 3}}, .reshaped = {{1, 2, 2, 5, 4}}, .label = "Reflect3d", .gpu_tolerance = 1e-3f},
    {.type = "Deconvolution",
     .params = std::string("convolution_param { num_output: 2 kernel_size: 3 stride: 2 pad: 2 padding_mode: REPLICATE") +
               kFillers + "}",
     .shapes = {{2, 3, 4}}, .reshaped = {{1, 3, 6}}, .label = "Replicate1d", .gpu_tolerance = 1e-3f},
    // pool/
    {.type = "Pooling", .params = "pooling_param { pool: MAX kernel_size: 2 stride: 2 }",
     .shapes = {{2, 2, 4, 4}}, .reshaped = {{1, 2, 6, 2}}, .label = "Max", .fill = Distinct},
    {.type = "Pooling", .params = "pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 1 }",
     .shapes = {{2, 2, 5, 5}}, .reshaped = {{1, 2, 4, 6}}, .label = "Ave"},
    {.type = "Pooling", .params = "pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 padding_mode: REFLECT }",
     .shapes = {{2, 2, 5, 5}}, .reshaped = {{1, 2, 4, 6}}, .label = "MaxReflect", .fill = Distinct},
    {.type = "Pooling", .params = "pooling_param { pool: AVE kernel_size: 3 stride: 2 pad: 3 padding_mode: CIRCULAR }",
     .shapes = {{2, 2, 5, 5}}, .reshaped = {{1, 2, 4, 6}}, .label = "AveCircular"},
    {.type = "Pooling",
     .params = "pooling_param { pool: MAX kernel_size: 2 stride: 1 pad_h: 2 pad_w: 1 padding_mode: REPLICATE }",
     .shapes = {{2, 2, 4, 5}}, .reshaped = {{1, 2, 3, 6}}, .label = "MaxReplicate", .fill = Distinct},
    // Ceil-mode windows that overhang the input (MAX runs our kernel on
    // either engine; AVE without pad runs DNNL, which is given extra
    // padding on the bottom/right and divides by the input under the window).
    {.type = "Pooling", .params = "pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 }",
     .shapes = {{2, 2, 6, 7}}, .reshaped = {{1, 2, 5, 4}}, .label = "MaxCeil", .fill = Distinct},
    {.type = "Pooling", .params = "pooling_param { pool: AVE kernel_size: 3 stride: 2 }",
     .shapes = {{2, 2, 6, 7}}, .reshaped = {{1, 2, 5, 4}}, .label = "AveCeil"},
    {.type = "SPP", .params = "spp_param { pyramid_height: 2 pool: MAX }", .shapes = {{2, 2, 4, 5}},
     .reshaped = {{1, 2, 6, 4}}, .label = "Max", .fill = Distinct},
    {.type = "SPP", .params = "spp_param { pyramid_height: 3 pool: AVE }", .shapes = {{2, 2, 8, 9}},
     .reshaped = {{1, 1, 8, 8}}, .label = "Ave"},
    // norm/
    {.type = "LRN", .params = "lrn_param { local_size: 3 alpha: 0.5 beta: 0.75 }",
     .shapes = {{2, 5, 3, 3}}, .reshaped = {{1, 4, 2, 5}}},
    {.type = "LRN", .params = "lrn_param { local_size: 3 alpha: 0.5 beta: 0.75 norm_region: WITHIN_CHANNEL }",
     .shapes = {{2, 3, 4, 5}}, .reshaped = {{1, 2, 3, 3}}, .label = "Within"},
    {.type = "LRN", .params = "lrn_param { local_size: 5 alpha: 0.2 beta: 0.6 k: 2 }", .shapes = {{2, 7, 2, 3}},
     .reshaped = {{1, 4, 3, 2}}, .label = "K2"},
    {.type = "BatchNorm", .params = "", .shapes = {{3, 3, 2, 2}}, .reshaped = {{4, 3, 5}}, .in_place = true},
    {.type = "BatchNorm", .params = "batch_norm_param { use_global_stats: true }", .shapes = {{3, 3, 2, 2}},
     .reshaped = {{4, 3}}, .label = "GlobalStats", .in_place = true},
    {.type = "MVN", .params = "", .shapes = {{2, 3, 4, 5}}, .reshaped = {{3, 2, 5, 4}}, .in_place = true},
    {.type = "MVN", .params = "mvn_param { across_channels: true normalize_variance: false }",
     .shapes = {{2, 3, 4, 5}}, .reshaped = {{3, 2, 5}}, .label = "AcrossMeanOnly", .in_place = true},
    {.type = "LayerNorm", .params = "", .shapes = {{2, 3, 4}}, .reshaped = {{5, 3, 4}}, .in_place = true},
    {.type = "InstanceNorm", .params = "instance_norm_param { affine: true }", .shapes = {{2, 3, 4, 5}},
     .reshaped = {{3, 3, 5, 4}}, .in_place = true},
    {.type = "GroupNorm", .params = "group_norm_param { num_groups: 2 }", .shapes = {{2, 4, 3, 3}},
     .reshaped = {{3, 4, 2, 5}}, .in_place = true},
    // neuron/
    {.type = "ReLU", .params = "", .shapes = {{2, 3, 4, 5}}, .reshaped = {{3, 2, 5, 4}}, .kink = 0.f,
     .kink_range = 0.02f, .in_place = true},
    {.type = "ReLU", .params = "relu_param { negative_slope: 0.1 }", .shapes = {{2, 3, 4, 5}},
     .reshaped = {{7, 11}}, .label = "Leaky", .kink = 0.f, .kink_range = 0.02f, .in_place = true},
    {.type = "Sigmoid", .params = "", .shapes = {{2, 3, 4, 5}}, .reshaped = {{3, 2, 5, 4}}, .in_place = true},
    {.type = "TanH", .params = "", .shapes = {{2, 3, 4, 5}}, .reshaped = {{3, 2, 5, 4}}, .in_place = true},
    {.type = "Dropout", .params = "dropout_param { dropout_ratio: 0.3 }", .shapes = {{2, 3, 4, 5}},
     .reshaped = {{3, 2, 5, 4}}, .in_place = true, .random = true},
    {.type = "ELU", .params = "elu_param { alpha: 0.5 }", .shapes = {{2, 3, 4, 5}}, .reshaped = {{3, 2, 5, 4}},
     .kink = 0.f, .kink_range = 0.02f, .in_place = true},
    {.type = "ELU", .params = "elu_param { alpha: -0.7 }", .shapes = {{2, 3, 4}}, .reshaped = {{5, 3}},
     .label = "NegativeAlpha", .kink = 0.f, .kink_range = 0.02f, .in_place = true},
    {.type = "Swish", .params = "swish_param { beta: 1.5 }", .shapes = {{2, 3, 4, 5}}, .reshaped = {{3, 2, 5, 4}},
     .in_place = true},
    {.type = "Clip", .params = "clip_param { min: -0.5 max: 0.8 }", .shapes = {{2, 3, 4, 5}},
     .reshaped = {{3, 2, 5, 4}}, .fill = AwayFrom({-0.5f, 0.8f}), .in_place = true},
    {.type = "AbsVal", .params = "", .shapes = {{2, 3, 4, 5}}, .reshaped = {{3, 2, 5, 4}}, .kink = 0.f,
     .kink_range = 0.02f, .in_place = true},
    {.type = "Power", .params = "power_param { power: 3 scale: 0.5 shift: 0.2 }", .shapes = {{2, 3, 4}},
     .reshaped = {{5, 3}}, .label = "Cube", .in_place = true},
    {.type = "Power", .params = "power_param { power: 2 scale: -1.5 shift: 0.5 }", .shapes = {{2, 3, 4}},
     .reshaped = {{5, 3}}, .label = "Square", .in_place = true},
    {.type = "Power", .params = "power_param { power: -0.5 scale: 2 shift: 0.5 }", .shapes = {{2, 3, 4}},
     .reshaped = {{5, 3}}, .label = "InvSqrt", .fill = Uniform(0.5f, 2.f), .in_place = true},
    {.type = "Exp", .params = "exp_param { base: 2 scale: 0.5 shift: 1 }", .shapes = {{2, 3, 4, 5}},
     .reshaped = {{3, 2, 5, 4}}, .in_place = true},
    {.type = "Exp", .params = "", .shapes = {{2, 3, 4}}, .reshaped = {{5, 3}}, .label = "E", .in_place = true},
    {.type = "Log", .params = "log_param { base: 10 scale: 2 shift: 1 }", .shapes = {{2, 3, 4, 5}},
     .reshaped = {{3, 2, 5, 4}}, .fill = Uniform(0.1f, 3.f), .in_place = true},
    {.type = "Log", .params = "", .shapes = {{2, 3, 4}}, .reshaped = {{5, 3}}, .label = "E",
     .fill = Uniform(0.3f, 3.f), .in_place = true},
    {.type = "BNLL", .params = "", .shapes = {{2, 3, 4, 5}}, .reshaped = {{3, 2, 5, 4}}, .in_place = true},
    {.type = "Threshold", .params = "threshold_param { threshold: 0.3 }", .shapes = {{2, 3, 4, 5}},
     .reshaped = {{3, 2, 5, 4}}, .in_place = true, .backward = false},
    {.type = "PReLU", .params = "prelu_param { filler { type: 'uniform' min: -0.5 max: 0.8 } }",
     .shapes = {{2, 3, 4, 5}}, .reshaped = {{3, 3, 2, 4}}, .kink = 0.f, .kink_range = 0.02f, .in_place = true},
    {.type = "PReLU", .params = "prelu_param { channel_shared: true }", .shapes = {{2, 3, 4}},
     .reshaped = {{3, 5}}, .label = "Shared", .kink = 0.f, .kink_range = 0.02f, .in_place = true},
    // loss/
    {.type = "SoftmaxWithLoss", .params = "", .shapes = {{4, 5}, {4}}, .reshaped = {{3, 5, 2}, {3, 2}},
     .grad_bottoms = {0}, .fill = Labels(5)},
    {.type = "EuclideanLoss", .params = "", .shapes = {{4, 3}, {4, 3}}, .reshaped = {{2, 5}, {2, 5}}},
    {.type = "Accuracy", .params = "accuracy_param { top_k: 2 }", .shapes = {{6, 4}, {6}},
     .reshaped = {{5, 4}, {5}}, .fill = Labels(4), .backward = false},
    {.type = "SigmoidCrossEntropyLoss", .params = "loss_param { normalization: VALID }", .shapes = {{4, 5}, {4, 5}},
     .reshaped = {{3, 2, 2}, {3, 2, 2}}, .grad_bottoms = {0}, .fill = SigmoidTargets},
    {.type = "MultinomialLogisticLoss", .params = "", .shapes = {{4, 5}, {4}}, .reshaped = {{3, 6, 1, 1}, {3}},
     .grad_bottoms = {0}, .fill = Probabilities(5)},
    {.type = "InfogainLoss", .params = "", .shapes = {{4, 5}, {4}, {5, 5}}, .reshaped = {{3, 5, 2}, {3, 2}, {5, 5}},
     .grad_bottoms = {0}, .fill = Labels(5)},
    {.type = "HingeLoss", .params = "", .shapes = {{4, 5}, {4}}, .reshaped = {{3, 6}, {3}}, .label = "L1",
     .grad_bottoms = {0}, .fill = HingeScores(5)},
    {.type = "HingeLoss", .params = "hinge_loss_param { norm: L2 }", .shapes = {{4, 5}, {4}}, .reshaped = {{3, 6}, {3}},
     .label = "L2", .grad_bottoms = {0}, .fill = HingeScores(5)},
    {.type = "ContrastiveLoss", .params = "contrastive_loss_param { margin: 3 }", .shapes = {{4, 3}, {4, 3}, {4}},
     .reshaped = {{3, 2, 1, 1}, {3, 2, 1, 1}, {3}}, .grad_bottoms = {0, 1}, .fill = Pairs},
    {.type = "ContrastiveLoss", .params = "contrastive_loss_param { margin: 3 legacy_version: true }",
     .shapes = {{4, 3}, {4, 3}, {4}}, .reshaped = {{3, 2, 1, 1}, {3, 2, 1, 1}, {3}}, .label = "Legacy",
     .grad_bottoms = {0, 1}, .fill = Pairs},
    // shape/
    {.type = "Concat", .params = "concat_param { axis: 1 }", .shapes = {{2, 3, 2}, {2, 1, 2}},
     .reshaped = {{1, 2, 3}, {1, 4, 3}}},
    {.type = "Concat", .params = "concat_param { axis: -1 }", .shapes = {{2, 3, 2}, {2, 3, 1}, {2, 3, 3}},
     .reshaped = {{1, 2, 3}, {1, 2, 1}, {1, 2, 2}}, .label = "Last"},
    {.type = "Concat", .params = "concat_param { concat_dim: 0 }", .shapes = {{2, 3}, {1, 3}},
     .reshaped = {{1, 2, 2}, {3, 2, 2}}, .label = "Dim0"},
    {.type = "Split", .params = "", .shapes = {{2, 3, 4}}, .reshaped = {{3, 5}}, .tops = 2},
    {.type = "Flatten", .params = "", .shapes = {{2, 3, 2, 2}}, .reshaped = {{3, 2, 1, 4}}},
    {.type = "Reshape", .params = "reshape_param { shape { dim: 0 dim: -1 } }", .shapes = {{2, 3, 4}},
     .reshaped = {{3, 2, 2}}},
    {.type = "Slice", .params = "slice_param { axis: 1 slice_point: 1 }", .shapes = {{2, 3, 4}},
     .reshaped = {{3, 2, 5}}, .tops = 2},
    {.type = "Crop", .params = "crop_param { axis: 1 offset: 1 }", .shapes = {{2, 3, 4, 5}, {1, 2, 2, 3}},
     .reshaped = {{2, 4, 3, 4}, {1, 1, 2, 2}}},
    {.type = "Silence", .params = "", .shapes = {{2, 3}, {4}}, .reshaped = {{3, 2}, {5}}, .tops = 0},
    {.type = "Tile", .params = "tile_param { axis: 1 tiles: 3 }", .shapes = {{2, 3, 2}}, .reshaped = {{3, 2, 4}}},
    // bottom 1: item indices below 3
    {.type = "BatchReindex", .params = "", .shapes = {{4, 3}, {5}}, .reshaped = {{3, 2, 2}, {4}},
     .grad_bottoms = {0}, .fill = Labels(3)},
    // bottom 1: a 0/1 selector
    {.type = "Filter", .params = "", .shapes = {{4, 3}, {4}}, .reshaped = {{6, 2, 2}, {6}}, .grad_bottoms = {0},
     .fill = Labels(2)},
    {.type = "Parameter", .params = "parameter_param { shape { dim: 2 dim: 3 } }", .shapes = {}, .reshaped = {},
     .no_reshape = "no bottoms: its top shape comes from parameter_param"},
    // math/
    {.type = "InnerProduct", .params = std::string("inner_product_param { num_output: 3") + kFillers + "}",
     .shapes = {{2, 3, 2, 2}}, .reshaped = {{4, 3, 2, 2}}},
    {.type = "InnerProduct",
     .params = std::string("inner_product_param { num_output: 4 transpose: true axis: 2") + kFillers + "}",
     .shapes = {{2, 3, 5}}, .reshaped = {{1, 2, 5}}, .label = "TransposeAxis2"},
    {.type = "Eltwise", .params = "eltwise_param { operation: PROD }", .shapes = {{2, 3, 4}, {2, 3, 4}},
     .reshaped = {{5, 2}, {5, 2}}, .label = "Prod"},
    {.type = "Eltwise", .params = "eltwise_param { operation: SUM coeff: 0.5 coeff: -2 }",
     .shapes = {{2, 3, 4}, {2, 3, 4}}, .reshaped = {{5, 2}, {5, 2}}, .label = "Sum"},
    {.type = "Eltwise", .params = "", .shapes = {{2, 3, 4}, {2, 3, 4}, {2, 3, 4}},
     .reshaped = {{5, 2}, {5, 2}, {5, 2}}, .label = "Sum3"},
    {.type = "Reduction", .params = "reduction_param { operation: SUMSQ axis: 1 coeff: 0.5 }",
     .shapes = {{2, 3, 4}}, .reshaped = {{3, 5}}, .label = "Sumsq"},
    {.type = "Reduction", .params = "reduction_param { operation: ASUM axis: 0 }", .shapes = {{2, 3, 4}},
     .reshaped = {{3, 5}}, .label = "Asum", .kink = 0.f, .kink_range = 0.02f},
    {.type = "ArgMax", .params = "argmax_param { top_k: 2 }", .shapes = {{3, 5}}, .reshaped = {{2, 4, 2}},
     .fill = Distinct, .backward = false},
    {.type = "ArgMax", .params = "argmax_param { axis: 1 out_max_val: true }", .shapes = {{3, 4, 2}},
     .reshaped = {{2, 5, 3}}, .label = "Axis", .backward = false},
    {.type = "Softmax", .params = "", .shapes = {{2, 5, 2, 3}}, .reshaped = {{3, 4}}},
    {.type = "Softmax", .params = "softmax_param { axis: -1 }", .shapes = {{2, 3, 4}}, .reshaped = {{3, 5}},
     .label = "Last", .in_place = true},
    {.type = "Scale",
     .params = "scale_param { bias_term: true filler { type: 'gaussian' } bias_filler { type: 'gaussian' } }",
     .shapes = {{2, 3, 4}}, .reshaped = {{4, 3, 2}}, .in_place = true},
    {.type = "Scale", .params = "", .shapes = {{2, 3, 4}, {3}}, .reshaped = {{4, 3, 2}, {3}}, .label = "Bottom",
     .in_place = true},
    {.type = "Bias", .params = "bias_param { filler { type: 'gaussian' } }", .shapes = {{2, 3, 4}},
     .reshaped = {{4, 3, 2}}, .in_place = true},
    {.type = "Bias", .params = "", .shapes = {{2, 3, 4}, {3, 4}}, .reshaped = {{5, 3, 4}, {3, 4}}, .label = "Bottom",
     .in_place = true},
    {.type = "Embed", .params = std::string("embed_param { num_output: 3 input_dim: 5") + kFillers + "}",
     .shapes = {{2, 3}}, .reshaped = {{4}}, .fill = Indices(5)},
    // recurrent/
    {.type = "LSTMUnit", .params = "", .shapes = {{1, 2, 3}, {1, 2, 12}, {1, 2}},
     .reshaped = {{1, 3, 2}, {1, 3, 8}, {1, 3}}, .tops = 2, .grad_bottoms = {0, 1}, .fill = Sequences(2)},
    {.type = "LSTM", .params = std::string("recurrent_param { num_output: 2") + kFillers + "}",
     .shapes = {{4, 2, 3}, {4, 2}}, .reshaped = {{3, 3, 3}, {3, 3}}, .fill = Sequences(1), .gpu_tolerance = 1e-3f},
    {.type = "LSTM", .params = std::string("recurrent_param { num_output: 2") + kFillers + "}",
     .shapes = {{3, 2, 3}, {3, 2}, {2, 2}}, .reshaped = {{4, 3, 3}, {4, 3}, {3, 2}}, .label = "Static",
     .fill = Sequences(1), .gpu_tolerance = 1e-3f},
    {.type = "RNN", .params = std::string("recurrent_param { num_output: 3") + kFillers + "}",
     .shapes = {{4, 2, 3}, {4, 2}}, .reshaped = {{3, 3, 3}, {3, 3}}, .fill = Sequences(1), .gpu_tolerance = 1e-3f},
    // data/
    {.type = "Input", .params = "input_param { shape { dim: 2 dim: 3 } }", .shapes = {}, .reshaped = {},
     .backward = false, .no_reshape = "no bottoms: its top shapes come from input_param"},
    {.type = "DummyData", .params = "dummy_data_param { shape { dim: 2 dim: 3 } data_filler { type: 'constant' value: 1.5 } }",
     .shapes = {}, .reshaped = {}, .backward = false,
     .no_reshape = "no bottoms: its top shapes come from dummy_data_param"},
};

// Types the table cannot run, each with the reason and where it is checked.
struct Exemption {
  std::string type, reason;
};
const std::vector<Exemption> kExempt = {
    {"Data", "reads a database through a prefetching thread; tests/layers/data/test_data_layer.cpp checks it "
             "on LMDB and LevelDB, CPU and GPU"},
    {"ImageData", "decodes the image files a list names through a prefetching thread; "
                  "tests/layers/data/test_image_data_layer.cpp checks it on PNG files it writes, CPU and GPU"},
#ifdef CNN_WITH_HDF5
    {"HDF5Data", "reads the HDF5 files a list names; tests/layers/data/test_hdf5_data_layer.cpp checks it on files "
                 "h5py and our writer make, shuffle and resume included, CPU and GPU"},
    {"HDF5Output", "has no tops, only a file; tests/layers/data/test_hdf5_output_layer.cpp reads back what it "
                   "writes (with h5py too)"},
#endif
    {"MemoryData", "serves arrays handed to it by Reset (C++ or Python) before a Forward, which the table cannot "
                   "do; tests/layers/data/test_memory_data_layer.cpp checks it, CPU and GPU"},
    {"WindowData", "warps windows of the images a windows file names through a prefetching thread; "
                   "tests/layers/data/test_window_data_layer.cpp checks it on PNG files it writes, CPU and GPU"},
};

// ---- The checks ---------------------------------------------------------

LayerParameter ParamOf(const Case& c) {
  std::string text = "name: 'l' type: '" + c.type + "' ";
  for (size_t i = 0; i < c.shapes.size(); ++i) text += "bottom: 'b" + std::to_string(i) + "' ";
  for (int i = 0; i < c.tops; ++i) text += "top: 't" + std::to_string(i) + "' ";
  return test::ParseLayer(text + c.params);
}

// A layer with its own bottoms and tops (top 0 is bottom 0 in place).
struct Instance {
  std::unique_ptr<Layer> layer;
  std::vector<std::unique_ptr<Blob>> store;
  BlobVec bottom, top;

  Instance(const Case& c, const LayerParameter& param, const Shapes& shapes, bool in_place) {
    Context::set_random_seed(1701);
    layer = LayerRegistry::Create(param);
    for (const auto& s : shapes) bottom.push_back(New(s));
    Refill(c);
    for (int i = 0; i < c.tops; ++i) top.push_back(in_place && i == 0 ? bottom[0] : New({}));
    Context::set_random_seed(1701);  // the same weights whatever the fill drew
    layer->SetUp(bottom, top);
  }
  Blob* New(const std::vector<int>& shape) {
    store.push_back(std::make_unique<Blob>(shape));
    return store.back().get();
  }
  void Refill(const Case& c) {
    Context::set_random_seed(1702);
    for (size_t i = 0; i < bottom.size(); ++i) {
      if (c.fill) {
        c.fill(static_cast<int>(i), bottom[i]);
      } else {
        test::FillGaussian(bottom[i]);
      }
    }
  }
  std::vector<bool> Down(const Case& c) const {
    std::vector<bool> down(bottom.size(), c.grad_bottoms.empty());
    for (int b : c.grad_bottoms) down[b] = true;
    for (size_t i = 0; i < bottom.size(); ++i) down[i] = down[i] && layer->AllowForceBackward(static_cast<int>(i));
    return down;
  }
  // Forward, then Backward from top diffs 0.1 * (1 + i % 7) (a loss top keeps
  // the loss weight Forward relies on). Returns the tops' values and the
  // bottoms' diffs.
  std::vector<std::vector<float>> Run(const Case& c) {
    std::vector<std::vector<float>> out;
    Context::set_random_seed(1703);
    layer->Forward(bottom, top);
    for (Blob* t : top) out.push_back(test::DataOf(*t));
    if (!c.backward) return out;
    for (int t = 0; t < c.tops; ++t) {
      if (layer->loss(t) != 0.f) continue;
      float* d = top[t]->mutable_cpu_diff();
      for (int i = 0; i < top[t]->count(); ++i) d[i] = 0.1f * static_cast<float>(1 + i % 7);
    }
    layer->Backward(top, Down(c), bottom);
    for (Blob* b : bottom) out.emplace_back(b->cpu_diff(), b->cpu_diff() + b->count());
    return out;
  }
};

std::string NameOf(const Case& c) { return c.type + c.label; }
// gtest names a failing entry by this rather than by its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << NameOf(c); }

class LayerConformance : public ::testing::TestWithParam<Case> {};

// The engines whose own kernels run on the CPU: CAFFE, and DNNL where built
// (cuDNN's CPU pass is CAFFE's code).
std::vector<LayerRegistry::Engine> CpuEngines(const std::string& type) {
  std::vector<LayerRegistry::Engine> engines;
  for (LayerRegistry::Engine e : LayerRegistry::Engines(type)) {
    if (e != LayerRegistry::Engine::CUDNN) engines.push_back(e);
  }
  return engines;
}

LayerParameter ParamOf(const Case& c, LayerRegistry::Engine engine) {
  LayerParameter param = ParamOf(c);
  // Types without an engine field have CAFFE only.
  LayerRegistry::SetEngine(&param, engine);
  return param;
}

TEST_P(LayerConformance, CpuGradient) {
  const Case& c = GetParam();
  if (!c.backward) GTEST_SKIP() << c.type << " has no backward pass";
  for (LayerRegistry::Engine engine : CpuEngines(c.type)) {
    SCOPED_TRACE(std::string("engine: ") + LayerRegistry::EngineName(engine));
    Instance in(c, ParamOf(c, engine), c.shapes, false);
    test::GradientCheckOptions opt;
    opt.kink = c.kink;
    opt.kink_range = c.kink_range;
    opt.bottoms = c.grad_bottoms;
    test::CheckGradient(*in.layer, in.bottom, in.top, opt);
  }
}

// The same inputs and weights (both instances draw them from one seed)
// through CAFFE and through each other CPU engine.
TEST_P(LayerConformance, CpuEnginesMatch) {
  const Case& c = GetParam();
  const std::vector<LayerRegistry::Engine> engines = CpuEngines(c.type);
  if (engines.size() < 2) GTEST_SKIP() << c.type << " has one CPU engine";
  Instance caffe(c, ParamOf(c, LayerRegistry::Engine::CAFFE), c.shapes, false);
  const auto expected = caffe.Run(c);
  for (LayerRegistry::Engine engine : engines) {
    if (engine == LayerRegistry::Engine::CAFFE) continue;
    SCOPED_TRACE(std::string("engine: ") + LayerRegistry::EngineName(engine));
    Instance other(c, ParamOf(c, engine), c.shapes, false);
    const auto got = other.Run(c);
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      const std::string what = i < static_cast<size_t>(c.tops) ? "top " + std::to_string(i)
                                                                : "bottom diff " + std::to_string(i - c.tops);
      test::ExpectClose(expected[i], got[i], c.gpu_tolerance, what);
    }
    ASSERT_EQ(caffe.layer->blobs().size(), other.layer->blobs().size());
    for (size_t p = 0; p < caffe.layer->blobs().size(); ++p) {
      const Blob& a = *caffe.layer->blobs()[p];
      const Blob& b = *other.layer->blobs()[p];
      EXPECT_EQ(test::DataOf(a), test::DataOf(b)) << "param " << p << " values";
      if (!c.backward) continue;
      test::ExpectClose(test::DiffOf(a), test::DiffOf(b), c.gpu_tolerance, "param " + std::to_string(p) + " diff");
    }
  }
}

TEST_P(LayerConformance, GpuMatchesCpu) {
  SKIP_WITHOUT_GPU();
  const Case& c = GetParam();
  test::GpuCompareOptions opt;
  opt.tolerance = c.gpu_tolerance;
  opt.fill = c.fill;
  opt.backward = c.backward;
  opt.compare_values = !c.random;
  if (!c.shapes.empty()) opt.propagate_down = Instance(c, ParamOf(c), c.shapes, false).Down(c);
  test::ExpectGpuMatchesCpu(ParamOf(c), c.shapes, opt);
  if (!c.backward) return;
  for (LayerRegistry::Engine engine : LayerRegistry::Engines(c.type)) {
    // The DNNL class runs CAFFE's GPU code: checked with CAFFE.
    if (engine == LayerRegistry::Engine::DNNL) continue;
    LayerParameter param = ParamOf(c);
    if (!LayerRegistry::SetEngine(&param, engine) && engine != LayerRegistry::Engine::CAFFE) continue;
    SCOPED_TRACE(engine == LayerRegistry::Engine::CUDNN ? "GPU gradient, engine: CUDNN" : "GPU gradient");
    test::ScopedGpuMode gpu;
    Instance in(c, param, c.shapes, false);
    test::GradientCheckOptions g;
    g.kink = c.kink;
    g.kink_range = c.kink_range;
    g.bottoms = c.grad_bottoms;
    test::CheckGradient(*in.layer, in.bottom, in.top, g);
  }
}

TEST_P(LayerConformance, InPlace) {
  const Case& c = GetParam();
  if (!c.in_place) GTEST_SKIP() << c.type << " does not run in place";
  for (LayerRegistry::Engine engine : CpuEngines(c.type)) {
    SCOPED_TRACE(std::string("engine: ") + LayerRegistry::EngineName(engine));
    const LayerParameter p = ParamOf(c, engine);
    Instance separate(c, p, c.shapes, false), in_place(c, p, c.shapes, true);
    const auto a = separate.Run(c), b = in_place.Run(c);
    // Separate: top 0, bottom 0's diff; in place both live in the one blob.
    EXPECT_EQ(a[0], b[0]) << "top";
    if (c.backward) EXPECT_EQ(a[c.tops], b[c.tops]) << "bottom diff";
  }
  const LayerParameter param = ParamOf(c);
  if (!test::HasGpu()) return;
  test::GpuCompareOptions opt;
  opt.tolerance = c.gpu_tolerance;
  opt.fill = c.fill;
  opt.compare_values = !c.random;
  opt.in_place = true;
  opt.backward = c.backward;  // Threshold has no gradient (found under the CUDA emulator)
  test::ExpectGpuMatchesCpu(param, c.shapes, opt);
}

TEST_P(LayerConformance, Reshape) {
  const Case& c = GetParam();
  if (c.reshaped.empty()) {
    ASSERT_FALSE(c.no_reshape.empty()) << "an entry without .reshaped must say why in .no_reshape";
    GTEST_SKIP() << c.no_reshape;
  }
  for (LayerRegistry::Engine engine : CpuEngines(c.type)) {
    SCOPED_TRACE(std::string("engine: ") + LayerRegistry::EngineName(engine));
    const LayerParameter param = ParamOf(c, engine);
    Instance reshaped(c, param, c.shapes, false);
    reshaped.Run(c);
    for (size_t i = 0; i < c.reshaped.size(); ++i) reshaped.bottom[i]->Reshape(c.reshaped[i]);
    reshaped.Refill(c);
    reshaped.layer->Reshape(reshaped.bottom, reshaped.top);
    Instance fresh(c, param, c.reshaped, false);
    const auto a = reshaped.Run(c), b = fresh.Run(c);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_EQ(a[i], b[i]) << (i < static_cast<size_t>(c.tops) ? "top " : "bottom diff ") << i;
    for (int t = 0; t < c.tops; ++t) EXPECT_EQ(reshaped.top[t]->shape(), fresh.top[t]->shape()) << "top " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, LayerConformance, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return NameOf(info.param); });

TEST(LayerConformanceTable, EveryRegisteredTypeHasAnEntry) {
  std::set<std::string> covered;
  for (const Case& c : kCases) covered.insert(c.type);
  for (const Exemption& e : kExempt) {
    EXPECT_FALSE(e.reason.empty()) << e.type;
    covered.insert(e.type);
  }
  std::string missing;
  for (const std::string& t : LayerRegistry::Types()) {
    if (!covered.count(t)) missing += (missing.empty() ? "" : ", ") + t;
  }
  EXPECT_TRUE(missing.empty()) << "registered layer types without an entry in kCases (or kExempt, with a reason) "
                                  "in tests/layers/test_layer_conformance.cpp: "
                               << missing;
}

TEST(LayerConformanceTable, EveryEntryIsARegisteredType) {
  for (const Case& c : kCases) EXPECT_TRUE(LayerRegistry::Has(c.type)) << c.type;
  for (const Exemption& e : kExempt) EXPECT_TRUE(LayerRegistry::Has(e.type)) << e.type;
}

}  // namespace
}  // namespace cnn
