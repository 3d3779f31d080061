#include "cnn/core/blob.hpp"

#include <climits>
#include <cmath>
#include <cstring>

#include "cnn/core/common.hpp"
#include "cnn/core/math.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/gpu/math_gpu.hpp"
#endif

namespace cnn {

void Blob::Reshape(const std::vector<int>& shape) {
  CNN_CHECK(shape.size() <= static_cast<size_t>(kMaxAxes),
            "blob shape has " << shape.size() << " axes; at most " << kMaxAxes << " are supported");
  long long count = 1;
  for (int d : shape) {
    CNN_CHECK(d >= 0, "blob dimension " << d << " is negative");
    count *= d;
    CNN_CHECK(count <= INT_MAX, "blob of " << count << "+ elements exceeds the 2^31 element limit");
  }
  // A private layout describes the old shape: its values go plain, which
  // any shape reads alike.
  if (shape != shape_) {
    if (data_) data_->drop_prv();
    if (diff_) diff_->drop_prv();
  }
  shape_ = shape;
  count_ = static_cast<int>(count);
  if (static_cast<size_t>(count_) > capacity_) {
    capacity_ = count_;
    data_ = std::make_shared<SyncedMemory>(capacity_ * sizeof(float));
    diff_ = std::make_shared<SyncedMemory>(capacity_ * sizeof(float));
  } else if (!data_) {
    data_ = std::make_shared<SyncedMemory>(0);
    diff_ = std::make_shared<SyncedMemory>(0);
  }
}

void Blob::Reshape(const BlobShape& shape) {
  std::vector<int> dims;
  for (int i = 0; i < shape.dim_size(); ++i) {
    CNN_CHECK(shape.dim(i) >= 0 && shape.dim(i) <= INT_MAX, "blob dimension " << shape.dim(i) << " out of range");
    dims.push_back(static_cast<int>(shape.dim(i)));
  }
  Reshape(dims);
}

void Blob::Reshape(int num, int channels, int height, int width) {
  Reshape(std::vector<int>{num, channels, height, width});
}

int Blob::count(int start_axis, int end_axis) const {
  CNN_CHECK(start_axis >= 0 && start_axis <= end_axis && end_axis <= num_axes(),
            "count(" << start_axis << ", " << end_axis << ") out of range for shape " << shape_string());
  int c = 1;
  for (int i = start_axis; i < end_axis; ++i) c *= shape_[i];
  return c;
}

int Blob::CanonicalAxisIndex(int axis) const {
  CNN_CHECK(axis >= -num_axes() && axis < num_axes(),
            "axis " << axis << " out of range for a blob of shape " << shape_string());
  return axis < 0 ? axis + num_axes() : axis;
}

std::string Blob::shape_string() const {
  std::ostringstream s;
  for (int d : shape_) s << d << " ";
  s << "(" << count_ << ")";
  return s.str();
}

int Blob::LegacyShape(int index) const {
  CNN_CHECK(num_axes() <= 4, "4-D accessor used on a blob of shape " << shape_string());
  if (index >= num_axes() || index < -num_axes()) return 1;
  return shape(index);
}

int Blob::offset(int n, int c, int h, int w) const {
  return ((n * channels() + c) * height() + h) * width() + w;
}

int Blob::offset(const std::vector<int>& indices) const {
  int off = 0;
  for (int i = 0; i < num_axes(); ++i) {
    off *= shape_[i];
    if (static_cast<int>(indices.size()) > i) off += indices[i];
  }
  return off;
}

// Memory is allocated on first access; when it runs out, the message gains
// this blob's name on its way to the layer that asked.
template <typename Fn>
auto Blob::WithName(const char* part, Fn fn) const -> decltype(fn()) {
  try {
    return fn();
  } catch (const OutOfMemory& e) {
    throw OutOfMemory((name_.empty() ? std::string("a blob's ") : "blob '" + name_ + "' ") + part + ": " + e.what());
  }
}

const float* Blob::cpu_data() const {
  return WithName("data", [&] { return static_cast<const float*>(data_->cpu_data()); });
}
const float* Blob::cpu_diff() const {
  return WithName("diff", [&] { return static_cast<const float*>(diff_->cpu_data()); });
}
float* Blob::mutable_cpu_data() {
  return WithName("data", [&] { return static_cast<float*>(data_->mutable_cpu_data()); });
}
float* Blob::mutable_cpu_diff() {
  return WithName("diff", [&] { return static_cast<float*>(diff_->mutable_cpu_data()); });
}

const float* Blob::gpu_data() const {
  return WithName("data", [&] { return static_cast<const float*>(data_->gpu_data()); });
}
const float* Blob::gpu_diff() const {
  return WithName("diff", [&] { return static_cast<const float*>(diff_->gpu_data()); });
}
float* Blob::mutable_gpu_data() {
  return WithName("data", [&] { return static_cast<float*>(data_->mutable_gpu_data()); });
}
float* Blob::mutable_gpu_diff() {
  return WithName("diff", [&] { return static_cast<float*>(diff_->mutable_gpu_data()); });
}

#ifdef CNN_WITH_CUDA
namespace {

// Whether the freshest copy of `mem` is on the device, so math on it should
// run there instead of pulling it back to the host.
bool OnGpu(const SyncedMemory& mem) {
  return mem.head() == SyncedMemory::Head::AT_GPU || mem.head() == SyncedMemory::Head::SYNCED;
}

}  // namespace
#endif

void Blob::Update() {
  if (!count_) return;
#ifdef CNN_WITH_CUDA
  if (OnGpu(*data_)) {
    gpu_axpy(count_, -1.f, gpu_diff(), mutable_gpu_data());
    return;
  }
#endif
  cpu_axpy(count_, -1.f, cpu_diff(), mutable_cpu_data());
}

float Blob::asum_data() const {
  if (!count_) return 0.f;
#ifdef CNN_WITH_CUDA
  if (OnGpu(*data_)) return gpu_asum(count_, gpu_data());
#endif
  return cpu_asum(count_, cpu_data());
}

float Blob::asum_diff() const {
  if (!count_) return 0.f;
#ifdef CNN_WITH_CUDA
  if (OnGpu(*diff_)) return gpu_asum(count_, gpu_diff());
#endif
  return cpu_asum(count_, cpu_diff());
}

float Blob::sumsq_data() const {
  if (!count_) return 0.f;
#ifdef CNN_WITH_CUDA
  if (OnGpu(*data_)) return gpu_dot(count_, gpu_data(), gpu_data());
#endif
  return cpu_dot(count_, cpu_data(), cpu_data());
}

float Blob::sumsq_diff() const {
  if (!count_) return 0.f;
#ifdef CNN_WITH_CUDA
  if (OnGpu(*diff_)) return gpu_dot(count_, gpu_diff(), gpu_diff());
#endif
  return cpu_dot(count_, cpu_diff(), cpu_diff());
}

void Blob::scale_data(float factor) {
  if (!count_) return;
#ifdef CNN_WITH_CUDA
  if (OnGpu(*data_)) return gpu_scal(count_, factor, mutable_gpu_data());
#endif
  cpu_scal(count_, factor, mutable_cpu_data());
}

void Blob::scale_diff(float factor) {
  if (!count_) return;
#ifdef CNN_WITH_CUDA
  if (OnGpu(*diff_)) return gpu_scal(count_, factor, mutable_gpu_diff());
#endif
  cpu_scal(count_, factor, mutable_cpu_diff());
}

void Blob::ShareData(const Blob& other) {
  CNN_CHECK(count_ == other.count(), "ShareData: counts differ (" << shape_string() << " vs "
                                                                    << other.shape_string() << ")");
  data_ = other.data();
}

void Blob::ShareDiff(const Blob& other) {
  CNN_CHECK(count_ == other.count(), "ShareDiff: counts differ (" << shape_string() << " vs "
                                                                    << other.shape_string() << ")");
  diff_ = other.diff();
}

void Blob::SetDataMemory(std::shared_ptr<SyncedMemory> memory) {
  CNN_CHECK(memory && memory->size() >= static_cast<size_t>(count_) * sizeof(float),
            "SetDataMemory: " << (memory ? memory->size() : 0) << " bytes cannot hold " << shape_string());
  data_ = std::move(memory);
}

void Blob::CopyFrom(const Blob& source, bool copy_diff, bool reshape) {
  if (source.count() != count_ || source.shape() != shape_) {
    CNN_CHECK(reshape, "cannot copy a blob of shape " << source.shape_string() << " into one of shape "
                                                      << shape_string());
    ReshapeLike(source);
  }
  if (count_ == 0) return;
#ifdef CNN_WITH_CUDA
  // Copy on the device when the source is freshest there (weights shared
  // between a GPU train net and its test net, say).
  if (OnGpu(copy_diff ? *source.diff() : *source.data())) {
    if (copy_diff) {
      gpu_copy(count_, source.gpu_diff(), mutable_gpu_diff());
    } else {
      gpu_copy(count_, source.gpu_data(), mutable_gpu_data());
    }
    return;
  }
#endif
  if (copy_diff) {
    std::memcpy(mutable_cpu_diff(), source.cpu_diff(), sizeof(float) * count_);
  } else {
    std::memcpy(mutable_cpu_data(), source.cpu_data(), sizeof(float) * count_);
  }
}

namespace {

std::vector<int> ProtoShape(const BlobProto& proto) {
  std::vector<int> dims;
  if (proto.has_num() || proto.has_channels() || proto.has_height() || proto.has_width()) {
    dims = {proto.num(), proto.channels(), proto.height(), proto.width()};
  } else {
    for (int i = 0; i < proto.shape().dim_size(); ++i) dims.push_back(static_cast<int>(proto.shape().dim(i)));
  }
  return dims;
}

}  // namespace

bool Blob::ShapeEquals(const BlobProto& other) const {
  if (other.has_num() || other.has_channels() || other.has_height() || other.has_width()) {
    // Legacy blobs are always 4-D; ours may have fewer axes, padded with 1s.
    return num_axes() <= 4 && LegacyShape(-4) == other.num() && LegacyShape(-3) == other.channels() &&
           LegacyShape(-2) == other.height() && LegacyShape(-1) == other.width();
  }
  return ProtoShape(other) == shape_;
}

void Blob::FromProto(const BlobProto& proto, bool reshape) {
  if (reshape) {
    Reshape(ProtoShape(proto));
  } else {
    CNN_CHECK(ShapeEquals(proto), "blob shape mismatch: expected " << shape_string() << ", file has "
                                                                   << [&] {
                                                                        Blob tmp(ProtoShape(proto));
                                                                        return tmp.shape_string();
                                                                      }());
  }
  if (proto.double_data_size() > 0) {
    CNN_CHECK(proto.double_data_size() == count_, "blob holds " << proto.double_data_size()
                                                                << " values, shape " << shape_string()
                                                                << " needs " << count_);
    float* d = mutable_cpu_data();
    for (int i = 0; i < count_; ++i) d[i] = static_cast<float>(proto.double_data(i));
  } else if (proto.data_size() > 0 || count_ > 0) {
    CNN_CHECK(proto.data_size() == count_, "blob holds " << proto.data_size() << " values, shape "
                                                         << shape_string() << " needs " << count_);
    if (count_) std::memcpy(mutable_cpu_data(), proto.data().data(), sizeof(float) * count_);
  }
  if (proto.double_diff_size() > 0) {
    CNN_CHECK(proto.double_diff_size() == count_, "blob diff holds " << proto.double_diff_size()
                                                                     << " values, needs " << count_);
    float* d = mutable_cpu_diff();
    for (int i = 0; i < count_; ++i) d[i] = static_cast<float>(proto.double_diff(i));
  } else if (proto.diff_size() > 0) {
    CNN_CHECK(proto.diff_size() == count_, "blob diff holds " << proto.diff_size() << " values, needs "
                                                              << count_);
    std::memcpy(mutable_cpu_diff(), proto.diff().data(), sizeof(float) * count_);
  }
}

void Blob::ToProto(BlobProto* proto, bool write_diff) const {
  proto->Clear();
  BlobShape* s = proto->mutable_shape();
  for (int d : shape_) s->add_dim(d);
  if (count_ == 0) return;
  proto->mutable_data()->Resize(count_, 0.f);
  std::memcpy(proto->mutable_data()->mutable_data(), cpu_data(), sizeof(float) * count_);
  if (write_diff) {
    proto->mutable_diff()->Resize(count_, 0.f);
    std::memcpy(proto->mutable_diff()->mutable_data(), cpu_diff(), sizeof(float) * count_);
  }
}

}  // namespace cnn
