#include "cnn/core/filler.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/core/math.hpp"

namespace cnn {
namespace {

const char* const kKnownFillers = "constant, gaussian, uniform, xavier, msra, positive_unitball, bilinear";

std::string Describe(const FillerParameter& p, const Blob& blob) {
  return "filler '" + p.type() + "' for blob of shape " + blob.shape_string() + ": ";
}

// Only the gaussian filler knows what `sparse` means; elsewhere it is a
// misconfiguration Caffe rejects too.
void CheckNotSparse(const FillerParameter& p) {
  CNN_CHECK(p.sparse() == -1, "filler '" << p.type() << "' does not support sparse (got sparse: "
                                         << p.sparse() << "); only gaussian does");
}

// Caffe's fan rule: fan_in = count / shape(0); fan_out = count / shape(1)
// (the whole count for 1-D blobs such as biases).
float VarianceScaleN(const FillerParameter& p, const Blob& blob) {
  CNN_CHECK(blob.num_axes() >= 1 && blob.count() > 0, Describe(p, blob) << "needs a non-empty blob");
  const float fan_in = static_cast<float>(blob.count() / blob.shape(0));
  const float fan_out = static_cast<float>(blob.num_axes() > 1 ? blob.count() / blob.shape(1) : blob.count());
  switch (p.variance_norm()) {
    case FillerParameter::FAN_OUT:
      return fan_out;
    case FillerParameter::AVERAGE:
      return (fan_in + fan_out) / 2.f;
    case FillerParameter::FAN_IN:
    default:
      return fan_in;
  }
}

class ConstantFiller : public Filler {
 public:
  using Filler::Filler;
  void Fill(Blob* blob) override {
    CheckNotSparse(param_);
    if (blob->count()) cpu_set(blob->count(), param_.value(), blob->mutable_cpu_data());
  }
};

class UniformFiller : public Filler {
 public:
  using Filler::Filler;
  void Fill(Blob* blob) override {
    CheckNotSparse(param_);
    CNN_CHECK(param_.min() <= param_.max(), Describe(param_, *blob)
                                                << "min " << param_.min() << " exceeds max " << param_.max());
    if (blob->count()) rng_uniform(blob->count(), param_.min(), param_.max(), blob->mutable_cpu_data());
  }
};

class GaussianFiller : public Filler {
 public:
  using Filler::Filler;
  void Fill(Blob* blob) override {
    CNN_CHECK(param_.std() > 0, Describe(param_, *blob) << "std must be positive, got " << param_.std());
    CNN_CHECK(param_.sparse() >= -1, Describe(param_, *blob)
                                         << "sparse must be -1 (off) or >= 0, got " << param_.sparse());
    const int n = blob->count();
    if (n == 0) return;
    float* data = blob->mutable_cpu_data();
    rng_gaussian(n, param_.mean(), param_.std(), data);
    if (param_.sparse() < 0) return;
    // Caffe divides by shape(0) (the number of outputs of an InnerProduct
    // weight), so the same prototxt gives the same density here.
    CNN_CHECK(blob->num_axes() >= 1, Describe(param_, *blob) << "sparse needs at least one axis");
    const float p = static_cast<float>(param_.sparse()) / static_cast<float>(blob->shape(0));
    CNN_CHECK(p <= 1.f, Describe(param_, *blob)
                            << "sparse " << param_.sparse() << " exceeds shape(0) = " << blob->shape(0)
                            << " (keep probability would be " << p << ")");
    std::vector<unsigned> mask(n);
    rng_bernoulli(n, p, mask.data());
    for (int i = 0; i < n; ++i) data[i] *= static_cast<float>(mask[i]);
  }
};

class PositiveUnitballFiller : public Filler {
 public:
  using Filler::Filler;
  void Fill(Blob* blob) override {
    CheckNotSparse(param_);
    if (blob->count() == 0) return;
    float* data = blob->mutable_cpu_data();
    rng_uniform(blob->count(), 0.f, 1.f, data);
    const int rows = blob->shape(0);
    const int dim = blob->count() / rows;
    for (int r = 0; r < rows; ++r) {
      float* row = data + r * dim;
      double sum = 0;
      for (int j = 0; j < dim; ++j) sum += row[j];
      // A row of exact zeros has probability 0 for dim >= 1; leave it alone then.
      if (sum <= 0) continue;
      const float inv = static_cast<float>(1.0 / sum);
      for (int j = 0; j < dim; ++j) row[j] *= inv;
    }
  }
};

class XavierFiller : public Filler {
 public:
  using Filler::Filler;
  void Fill(Blob* blob) override {
    CheckNotSparse(param_);
    const float scale = std::sqrt(3.f / VarianceScaleN(param_, *blob));
    rng_uniform(blob->count(), -scale, scale, blob->mutable_cpu_data());
  }
};

class MsraFiller : public Filler {
 public:
  using Filler::Filler;
  void Fill(Blob* blob) override {
    CheckNotSparse(param_);
    const float stddev = std::sqrt(2.f / VarianceScaleN(param_, *blob));
    rng_gaussian(blob->count(), 0.f, stddev, blob->mutable_cpu_data());
  }
};

// Weights of a Deconvolution that upsamples by bilinear interpolation. Uses
// Caffe's current center c = (k - 1) / (2f). The original (2f - 1 - f % 2) /
// (2f) agrees for every k the upsampling recipe k = 2 * factor - factor % 2
// yields (4, 5, 8, 9, ...) and made lopsided kernels for k = 2, 3, 6, 7, 10, ...
class BilinearFiller : public Filler {
 public:
  using Filler::Filler;
  void Fill(Blob* blob) override {
    CheckNotSparse(param_);
    CNN_CHECK(blob->num_axes() == 4, Describe(param_, *blob) << "needs a 4-D blob");
    CNN_CHECK(blob->shape(2) == blob->shape(3), Describe(param_, *blob)
                                                    << "needs a square kernel, got " << blob->shape(2) << "x"
                                                    << blob->shape(3));
    const int k = blob->shape(3);
    if (blob->count() == 0) return;
    const int f = (k + 1) / 2;
    const double c = (k - 1) / (2.0 * f);
    float* data = blob->mutable_cpu_data();
    for (int i = 0; i < blob->count(); ++i) {
      const double x = i % k;
      const double y = (i / k) % k;
      data[i] = static_cast<float>((1 - std::fabs(x / f - c)) * (1 - std::fabs(y / f - c)));
    }
  }
};

}  // namespace

std::unique_ptr<Filler> CreateFiller(const FillerParameter& param) {
  const std::string& type = param.type();
  if (type == "constant") return std::make_unique<ConstantFiller>(param);
  if (type == "gaussian") return std::make_unique<GaussianFiller>(param);
  if (type == "uniform") return std::make_unique<UniformFiller>(param);
  if (type == "xavier") return std::make_unique<XavierFiller>(param);
  if (type == "msra") return std::make_unique<MsraFiller>(param);
  if (type == "positive_unitball") return std::make_unique<PositiveUnitballFiller>(param);
  if (type == "bilinear") return std::make_unique<BilinearFiller>(param);
  CNN_THROW("unknown filler type '" << type << "'; known: " << kKnownFillers);
}

}  // namespace cnn
