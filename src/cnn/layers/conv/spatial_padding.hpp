// Spatial padding by a PaddingMode (cnn.proto): Pad copies a blob into a
// larger one whose trailing axes carry a border of zeros, mirrored, repeated
// or wrapped values; PadAdjoint is its transpose, which adds every border
// element's value back onto the source element it was copied from (for
// ZEROS, a crop). Convolution and Pooling run their pad-0 code on Pad(x);
// Deconvolution, the adjoint of Convolution, applies PadAdjoint to its
// output.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/core/layer.hpp"
#include "cnn/layers/conv/spatial_padding_index.hpp"

namespace cnn {

// y (padded) = Pad(x); dx = PadAdjoint(dy), overwriting dx. The GPU versions
// run on device arrays and give the CPU's results bit for bit (one thread per
// output element, each computing what the CPU loop computes for it).
void Pad(const PadGeometry& g, const float* x, float* y);
void PadAdjoint(const PadGeometry& g, const float* dy, float* dx);
#ifdef CNN_WITH_CUDA
void PadGpu(const PadGeometry& g, const float* x, float* y);
void PadAdjointGpu(const PadGeometry& g, const float* dy, float* dx);
void ToSourceIndicesGpu(const PadGeometry& plane, float* index, long long n);
#endif

// Element counts of the source and of the padded blob.
long long SourceCount(const PadGeometry& g);
long long PaddedCount(const PadGeometry& g);

// A layer's padding: the mode and per-axis border widths from its parameter,
// and the geometry for the current source shape.
class SpatialPadding {
 public:
  // `pad` holds one border width per padded axis, used before and after.
  void Configure(PaddingMode mode, const std::vector<int>& pad);
  // A mode other than ZEROS with some border: the layer runs through a padded
  // buffer. ZEROS layers keep their own zero-padding code.
  bool active() const;
  PaddingMode mode() const { return mode_; }
  const std::vector<int>& pad() const { return pad_; }

  // Sets the geometry for a source blob of `shape` whose padded axes start at
  // `first_axis`. Throws, naming `where` (the layer), the mode, pad and
  // sizes, when the mode cannot fill the border (PyTorch's rules: REFLECT
  // needs pad < size, CIRCULAR pad <= size, REPLICATE size >= 1). `source`
  // says what the source is in the message ("input", "output").
  void Reshape(const std::vector<int>& shape, int first_axis, const std::string& where, const char* source);
  const std::vector<int>& padded_shape() const { return padded_shape_; }
  const PadGeometry& geometry() const { return geometry_; }

  // Pad / PadAdjoint with this geometry, on host or device arrays.
  void Pad(const float* x, float* y, bool gpu) const;
  void Adjoint(const float* dy, float* dx, bool gpu) const;
  // Rewrites n flat indices into one padded plane (the trailing axes), held
  // as floats as MAX pooling's argmax top holds them, as the indices of the
  // source elements they copy.
  void ToSourceIndices(float* index, long long n, bool gpu) const;

 private:
  PaddingMode mode_ = ZEROS;
  std::vector<int> pad_;
  PadGeometry geometry_;
  std::vector<int> padded_shape_;
};

// One padded buffer per blob of a layer's bottoms (Convolution) or tops
// (Deconvolution), so the layer's pad-0 code runs on the buffers. On the
// bottom side the buffers hold Pad(bottom) and their diffs fold back into
// the bottoms' diffs; on the top side the buffers are what the pad-0 code
// writes, folded into the tops, and their diffs are Pad(top diff). A layer
// function hooks in by calling itself on buffers() when Wraps() its blobs.
class PaddedBlobs {
 public:
  SpatialPadding& padding() { return padding_; }
  const SpatialPadding& padding() const { return padding_; }
  // True when the padding is active and `blobs` are not the buffers already.
  bool Wraps(const BlobVec& blobs) const;
  const BlobVec& buffers() const { return buffers_; }

  // Bottom side: `sources` are the inputs (all of one shape), checked and
  // padded in shape into one buffer each; returns buffers().
  const BlobVec& ReshapeFromSources(const BlobVec& sources, int first_axis, const std::string& where);
  // buffers' data = Pad(sources' data); returns buffers().
  const BlobVec& PadData(const BlobVec& sources, bool gpu);
  // sources' diff = PadAdjoint(buffers' diff), where `which` is set.
  void FoldDiff(const BlobVec& sources, const std::vector<bool>& which, bool gpu) const;

  // Top side: the buffers have been shaped (full size); `targets` get the
  // shape with the border removed, checked for the mode. Returns buffers()
  // sized to `targets` before the pad-0 code shapes them.
  const BlobVec& BuffersFor(const BlobVec& targets);
  void ReshapeTargets(const BlobVec& targets, int first_axis, const std::string& where);
  // targets' data = PadAdjoint(buffers' data).
  void FoldData(const BlobVec& targets, bool gpu) const;
  // buffers' diff = Pad(targets' diff); returns buffers().
  const BlobVec& PadDiff(const BlobVec& targets, bool gpu);

 private:
  void Resize(size_t n);
  // to's data (or diff) = Pad (or PadAdjoint) of from's data (or diff).
  void Transfer(const Blob& from, Blob* to, bool diff, bool adjoint, bool gpu) const;

  SpatialPadding padding_;
  std::vector<std::unique_ptr<Blob>> owned_;
  BlobVec buffers_;
};

}  // namespace cnn
