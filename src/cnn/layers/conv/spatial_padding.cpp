#include "cnn/layers/conv/spatial_padding.hpp"

#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/core/parallel.hpp"

namespace cnn {

static_assert(static_cast<int>(PadMode::kZeros) == ZEROS && static_cast<int>(PadMode::kReflect) == REFLECT &&
                  static_cast<int>(PadMode::kReplicate) == REPLICATE &&
                  static_cast<int>(PadMode::kCircular) == CIRCULAR,
              "PadMode mirrors the proto's PaddingMode");

long long SourceCount(const PadGeometry& g) {
  long long n = g.outer;
  for (int a = 0; a < g.axes; ++a) n *= g.size[a];
  return n;
}

long long PaddedCount(const PadGeometry& g) {
  long long n = g.outer;
  for (int a = 0; a < g.axes; ++a) n *= PaddedExtent(g, a);
  return n;
}

void Pad(const PadGeometry& g, const float* x, float* y) {
  const long long n = PaddedCount(g);
#pragma omp parallel for schedule(static) if (ParallelLoopPays(n))
  for (long long i = 0; i < n; ++i) {
    const long long s = PadSourceOffset(g, i);
    y[i] = s < 0 ? 0.f : x[s];
  }
}

void PadAdjoint(const PadGeometry& g, const float* dy, float* dx) {
  const long long n = SourceCount(g);
#pragma omp parallel for schedule(static) if (ParallelLoopPays(n))
  for (long long j = 0; j < n; ++j) dx[j] = PadAdjointAt(g, dy, j);
}

void SpatialPadding::Configure(PaddingMode mode, const std::vector<int>& pad) {
  mode_ = mode;
  pad_ = pad;
}

bool SpatialPadding::active() const {
  if (mode_ == ZEROS) return false;
  for (int p : pad_) {
    if (p > 0) return true;
  }
  return false;
}

void SpatialPadding::Reshape(const std::vector<int>& shape, int first_axis, const std::string& where,
                             const char* source) {
  const int axes = static_cast<int>(shape.size()) - first_axis;
  CNN_CHECK(axes == static_cast<int>(pad_.size()) && axes <= kMaxPadAxes,
            where << "padding_mode " << PaddingMode_Name(mode_) << " pads " << pad_.size() << " spatial axes (at most "
                  << kMaxPadAxes << "), but the " << source << " has " << axes);
  PadGeometry g;
  g.mode = static_cast<PadMode>(mode_);
  g.axes = axes;
  g.outer = 1;
  for (int a = 0; a < first_axis; ++a) g.outer *= shape[a];
  padded_shape_ = shape;
  for (int a = 0; a < axes; ++a) {
    const int n = shape[first_axis + a], p = pad_[a];
    const bool fits = p == 0 || (mode_ == REFLECT && p < n) || (mode_ == REPLICATE && n >= 1) ||
                      (mode_ == CIRCULAR && p <= n) || mode_ == ZEROS;
    if (!fits) {
      std::ostringstream shape_text;
      for (size_t k = 0; k < shape.size(); ++k) shape_text << (k ? "x" : "") << shape[k];
      const char* rule = mode_ == REFLECT ? "pad < size" : mode_ == CIRCULAR ? "pad <= size" : "size >= 1";
      CNN_THROW(where << "padding_mode " << PaddingMode_Name(mode_) << " needs " << rule
                      << " on every padded axis, got pad " << p << " for axis " << first_axis + a << " of size " << n
                      << " (" << source << " shape " << shape_text.str() << ")");
    }
    g.size[a] = n;
    g.before[a] = g.after[a] = p;
    padded_shape_[first_axis + a] = n + 2 * p;
  }
  geometry_ = g;
}

void SpatialPadding::Pad(const float* x, float* y, bool gpu) const {
  if (PaddedCount(geometry_) == 0) return;
#ifdef CNN_WITH_CUDA
  if (gpu) return PadGpu(geometry_, x, y);
#endif
  CNN_CHECK(!gpu, "SpatialPadding: GPU padding in a build without CUDA");
  cnn::Pad(geometry_, x, y);
}

void SpatialPadding::Adjoint(const float* dy, float* dx, bool gpu) const {
  if (SourceCount(geometry_) == 0) return;
#ifdef CNN_WITH_CUDA
  if (gpu) return PadAdjointGpu(geometry_, dy, dx);
#endif
  CNN_CHECK(!gpu, "SpatialPadding: GPU padding in a build without CUDA");
  PadAdjoint(geometry_, dy, dx);
}

void SpatialPadding::ToSourceIndices(float* index, long long n, bool gpu) const {
  if (n == 0) return;
  PadGeometry plane = geometry_;
  plane.outer = 1;
#ifdef CNN_WITH_CUDA
  if (gpu) return ToSourceIndicesGpu(plane, index, n);
#endif
  CNN_CHECK(!gpu, "SpatialPadding: GPU padding in a build without CUDA");
  for (long long i = 0; i < n; ++i) {
    index[i] = static_cast<float>(PadSourceOffset(plane, static_cast<long long>(index[i])));
  }
}

bool PaddedBlobs::Wraps(const BlobVec& blobs) const {
  return padding_.active() && !blobs.empty() && (buffers_.empty() || blobs[0] != buffers_[0]);
}

void PaddedBlobs::Resize(size_t n) {
  while (owned_.size() < n) owned_.push_back(std::make_unique<Blob>());
  buffers_.clear();
  for (size_t i = 0; i < n; ++i) buffers_.push_back(owned_[i].get());
}

const BlobVec& PaddedBlobs::ReshapeFromSources(const BlobVec& sources, int first_axis, const std::string& where) {
  for (size_t i = 1; i < sources.size(); ++i) {
    CNN_CHECK(sources[i]->shape() == sources[0]->shape(),
              where << "bottom " << i << " has shape " << sources[i]->shape_string() << " but bottom 0 has "
                    << sources[0]->shape_string() << "; all inputs must match");
  }
  padding_.Reshape(sources[0]->shape(), first_axis, where, "input");
  Resize(sources.size());
  for (Blob* b : buffers_) b->Reshape(padding_.padded_shape());
  return buffers_;
}

void PaddedBlobs::Transfer(const Blob& from, Blob* to, bool diff, bool adjoint, bool gpu) const {
  const float* x = diff ? (gpu ? from.gpu_diff() : from.cpu_diff()) : (gpu ? from.gpu_data() : from.cpu_data());
  float* y = diff ? (gpu ? to->mutable_gpu_diff() : to->mutable_cpu_diff())
                  : (gpu ? to->mutable_gpu_data() : to->mutable_cpu_data());
  if (adjoint) {
    padding_.Adjoint(x, y, gpu);
  } else {
    padding_.Pad(x, y, gpu);
  }
}

const BlobVec& PaddedBlobs::PadData(const BlobVec& sources, bool gpu) {
  for (size_t i = 0; i < sources.size(); ++i) Transfer(*sources[i], buffers_[i], false, false, gpu);
  return buffers_;
}

void PaddedBlobs::FoldDiff(const BlobVec& sources, const std::vector<bool>& which, bool gpu) const {
  for (size_t i = 0; i < sources.size(); ++i) {
    if (which[i]) Transfer(*buffers_[i], sources[i], true, true, gpu);
  }
}

const BlobVec& PaddedBlobs::BuffersFor(const BlobVec& targets) {
  Resize(targets.size());
  return buffers_;
}

void PaddedBlobs::ReshapeTargets(const BlobVec& targets, int first_axis, const std::string& where) {
  const std::vector<int>& full = buffers_[0]->shape();
  std::vector<int> shape = full;
  const std::vector<int>& pad = padding_.pad();
  for (size_t a = 0; a < pad.size() && first_axis + a < full.size(); ++a) {
    shape[first_axis + a] -= 2 * pad[a];
    CNN_CHECK(shape[first_axis + a] > 0, where << "output size " << shape[first_axis + a] << " along axis "
                                               << first_axis + a << " is not positive: the pad-0 output's "
                                               << full[first_axis + a] << " less pad " << pad[a] << " on both sides");
  }
  padding_.Reshape(shape, first_axis, where, "output");
  for (Blob* t : targets) t->Reshape(shape);
}

void PaddedBlobs::FoldData(const BlobVec& targets, bool gpu) const {
  for (size_t i = 0; i < targets.size(); ++i) Transfer(*buffers_[i], targets[i], false, true, gpu);
}

const BlobVec& PaddedBlobs::PadDiff(const BlobVec& targets, bool gpu) {
  for (size_t i = 0; i < targets.size(); ++i) Transfer(*targets[i], buffers_[i], true, false, gpu);
  return buffers_;
}

}  // namespace cnn
