// Caffe's preprocessing of Datum records (TransformationParameter): optional
// crop (random offset in TRAIN, centred in TEST), optional random mirror,
// subtraction of a mean image (mean_file) or per-channel means (mean_value),
// then scaling: out = (pixel - mean) * scale.
//
// Beyond Caffe (fields >= 10000 of TransformationParameter): std_value
// divides after the mean (out = (pixel - mean) / std, refused with a scale
// other than 1), vertical_flip flips upside down at random, and in TRAIN
// shift_pixels moves the example by a random offset of up to that many
// pixels each way, the pixels moved in being 0 in the output. Their draws
// come after Caffe's (mirror coin, crop offsets): vertical coin, then the
// row shift, then the column shift, each only when its option is on, so
// Caffe's options alone draw exactly what Caffe draws.
//
// Random draws come from the transformer's own generator, so a reader thread
// that owns the transformer is repeatable and its state can be saved.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/core/blob.hpp"

namespace cnn {

class DataTransformer {
 public:
  // Reads mean_file now. Throws Error when both mean_file and mean_value, or
  // both force_color and force_gray, are given, the mean file is unreadable,
  // shift_pixels is negative, a std_value is not positive, or std_value
  // comes with a scale other than 1.
  DataTransformer(const TransformationParameter& param, Phase phase);

  // Whether transforms draw random numbers: mirror, vertical_flip, or a crop
  // or a shift in TRAIN.
  bool NeedsRandom() const;
  // As Caffe: seeds the generator with one draw from Context::rng(), only
  // when NeedsRandom() (so a net's other random numbers do not depend on
  // whether a data layer mirrors).
  void InitRand();
  std::mt19937& rng() { return rng_; }
  const std::mt19937& rng() const { return rng_; }

  // Replaces an encoded datum by its decoded pixels (3 channels when
  // force_color, 1 when force_gray, else the image's own); returns false for
  // a raw datum. Throws Error when it cannot decode.
  bool Decode(Datum* datum) const;

  // Shape of one transformed example: {1, channels, height, width}, with
  // crop_size in place of height and width when cropping.
  std::vector<int> InferBlobShape(const Datum& datum) const;

  // Writes one transformed example (the count of InferBlobShape) to `out`.
  // Encoded data is decoded first. Throws Error when the datum does not fit
  // the parameters (smaller than the crop, a mean of another shape, ...).
  //
  // Errors from these methods describe the datum with a verb phrase ("has
  // 1x20x20, smaller than crop_size 24"): the caller says which datum it is.
  void Transform(const Datum& datum, float* out);
  // Transforms into the first example of a blob shaped {N >= 1, C, H, W}
  // that fits the datum (H, W = crop_size when cropping, else the datum's).
  void Transform(const Datum& datum, Blob* blob);

  const TransformationParameter& param() const { return param_; }
  Phase phase() const { return phase_; }

 private:
  int Rand(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  // Checks that a raw datum fits the crop, the means and the stds.
  void CheckFits(const Datum& datum) const;

  TransformationParameter param_;
  Phase phase_;
  std::mt19937 rng_;
  // The mean image (mean_file), with its legacy channels/height/width.
  std::vector<float> mean_;
  int mean_channels_ = 0, mean_height_ = 0, mean_width_ = 0;
};

}  // namespace cnn
