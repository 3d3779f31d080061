// Folding BatchNorm (and the Scale that usually follows it) into the
// Convolution, Deconvolution or InnerProduct before it, for inference: with Caffe's stored
// statistics (mean and variance sums and their scale factor), eps, and the
// Scale's gamma and beta,
//   a_c = gamma_c / sqrt(var_c + eps),  W'_c = a_c W_c,  b'_c = a_c (b_c - mean_c) + beta_c,
// so the folded layer alone computes what the three did in the TEST phase.
#pragma once

#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/net/net.hpp"

namespace cnn {

struct FoldedNet {
  NetParameter model;    // the TEST-phase definition, folded layers removed
  NetParameter weights;  // the learned blobs of every layer of `model` that has any
  // One line per fold, "conv1 <- bn1, scale1", in net order.
  std::vector<std::string> folds;
  // BatchNorm layers left in place because no Convolution, Deconvolution or InnerProduct
  // produces their input, one line each saying what does.
  std::vector<std::string> kept;
};

// `model`: a net definition as read (upgraded); `net`: built from it in the
// TEST phase, holding the trained weights. Throws Error naming the layer
// when a BatchNorm that follows a Convolution/InnerProduct cannot be folded
// (its statistics or the producer's weights are shared with another layer,
// the producer's output is read elsewhere, use_global_stats is false, the
// channel axis is not the producer's output axis...), and when nothing at
// all could be folded.
FoldedNet FoldBatchNorm(const NetParameter& model, const Net& net);

// The largest difference between the outputs of `a` and `b` (matched by
// blob name) over `batches` forward passes on the same Gaussian inputs
// (every top of a layer without bottoms is filled, seeded by `seed`),
// relative to the largest magnitude of a's output. Throws Error when an
// output of `a` is missing from `b` or has another shape.
double MaxRelativeOutputDifference(Net& a, Net& b, int batches, unsigned seed);

}  // namespace cnn
