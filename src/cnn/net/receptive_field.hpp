// The receptive field of a blob on the net's input, per spatial axis: how
// many input pixels one of its values sees (size), how far apart in input
// pixels two neighbouring values' fields are (jump, the product of strides)
// and where the centre of its first value's field lies (start, in input
// pixel coordinates, pixel i centred at i; negative when padding comes
// first). Windowed layers (convolution, pooling, deconvolution, within-
// channel LRN), crops and element-wise layers follow the usual recurrences;
// a blob that sees the whole input (fully connected, global pooling, losses)
// or that the rules cannot follow is marked so instead of guessed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cnn/core/blob.hpp"

namespace cnn {

class Net;

struct AxisField {
  double size = 1;
  double jump = 1;
  double start = 0;
};

struct ReceptiveField {
  enum Kind {
    NONE,     // not derived from a spatial input (labels, parameters)
    KNOWN,    // `axes` holds one entry per spatial axis
    WHOLE,    // every value depends on the whole input
    UNKNOWN,  // a layer the rules do not cover, or inputs that disagree
  };
  Kind kind = NONE;
  std::vector<AxisField> axes;

  // The field of an input blob with `spatial_axes` spatial axes: one pixel.
  static ReceptiveField Input(int spatial_axes);
  static ReceptiveField Of(Kind kind) {
    ReceptiveField f;
    f.kind = kind;
    return f;
  }
  // "11x11 / 4x4 / 5x5" style text of one quantity, "whole", "?" or "-".
  std::string SizeText() const;
  std::string JumpText() const;
  std::string StartText() const;
};

// One axis of a sliding window (a dilated kernel taken every `stride`).
struct AxisWindow {
  int kernel = 1;
  int stride = 1;
  int pad = 0;
  int dilation = 1;
};

// The recurrences, one entry of `windows` per spatial axis of `in`.
// Convolution-like: size += (extent - 1) * jump, jump *= stride,
// start += ((extent - 1) / 2 - pad) * jump, extent = dilation * (kernel - 1) + 1.
ReceptiveField ThroughWindow(const ReceptiveField& in, const std::vector<AxisWindow>& windows);
// Transposed (deconvolution): each output sees the inputs of a window
// stepped 1/stride apart: jump /= stride, size += (extent - 1) / stride * jump_in,
// start += (pad - (extent - 1) / 2) / stride * jump_in.
ReceptiveField ThroughTransposedWindow(const ReceptiveField& in, const std::vector<AxisWindow>& windows);
// A crop starting `offsets` (per spatial axis, from the first) pixels in.
ReceptiveField Shifted(const ReceptiveField& in, const std::vector<double>& offsets);
// The field of a value computed from several aligned inputs (Eltwise,
// Concat along channels): the smallest interval holding all of theirs.
// Inputs with NONE are ignored; different jumps or axis counts give UNKNOWN.
ReceptiveField Union(const std::vector<ReceptiveField>& inputs);

// The field of every blob of a built net (keyed by blob), propagated in
// layer order from the tops of the layers without bottoms and the net inputs.
std::map<const Blob*, ReceptiveField> NetReceptiveFields(const Net& net);

}  // namespace cnn
