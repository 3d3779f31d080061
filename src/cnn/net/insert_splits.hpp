// Gives every blob that feeds several consumers its own Split layer, so each
// consumer writes its gradient into a separate blob and the Split sums them.
#pragma once

#include <string>

#include "cnn/cnn.pb.h"

namespace cnn {

// Caffe's names: the Split layer after top `blob_idx` (named `blob`) of
// `layer` is "<blob>_<layer>_<blob_idx>_split"; its k-th top appends "_<k>".
std::string SplitLayerName(const std::string& layer, const std::string& blob, int blob_idx);
std::string SplitBlobName(const std::string& layer, const std::string& blob, int blob_idx, int split_idx);

// Returns the net with a Split layer after each top consumed more than once
// (a nonzero loss_weight on the top counts as one consumer; the weight moves
// to the Split's first top). An in-place layer keeps writing into the blob
// it reads, so the split goes after the last layer of an in-place chain.
// Throws Error naming the layer when a bottom has no earlier producer, or
// when a layer works in place on a blob that other layers also read.
NetParameter InsertSplits(const NetParameter& param);

}  // namespace cnn
