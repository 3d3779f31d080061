// Fillers initialise learnable blobs from a FillerParameter (weight_filler,
// bias_filler). All draw from Context::rng(), so a fixed seed repeats a run.
#pragma once

#include <memory>

#include "cnn/cnn.pb.h"
#include "cnn/core/blob.hpp"

namespace cnn {

class Filler {
 public:
  explicit Filler(const FillerParameter& param) : param_(param) {}
  virtual ~Filler() = default;
  virtual void Fill(Blob* blob) = 0;

 protected:
  FillerParameter param_;
};

// Types: constant, gaussian (with sparse), uniform, xavier, msra,
// positive_unitball, bilinear. An unknown type throws Error.
std::unique_ptr<Filler> CreateFiller(const FillerParameter& param);

}  // namespace cnn
