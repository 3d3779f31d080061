// The activation memory plan of a forward-only net (NetParameter's
// share_activations): blobs whose lifetimes do not overlap take turns in
// one buffer, so a deploy net holds about as much activation memory as its
// widest few layers instead of the sum of all of them.
#pragma once

#include <cstddef>
#include <set>
#include <vector>

#include "cnn/core/blob.hpp"
#include "cnn/core/layer.hpp"

namespace cnn {

struct MemoryPlan {
  int storages_planned = 0;  // storages (blobs, with those aliasing them) given a shared buffer
  int buffers = 0;           // the shared buffers they use
  size_t bytes_before = 0;   // what the planned storages held on their own
  size_t bytes_after = 0;    // what the shared buffers hold
  size_t bytes_kept = 0;     // activation storages left alone (inputs, outputs, kept blobs)
};

// Plans and applies the sharing over a built net: bottoms[i] and tops[i] are
// layer i's blobs, in forward order. A storage is the memory behind one or
// more blobs (a blob and its in-place rewrites, Split copies, Flatten and
// Reshape views: they hold the same SyncedMemory after SetUp); it is alive
// from the first layer writing any of its blobs to the last layer reading or
// writing one. Left alone: storages in `keep`, those of layers without
// bottoms (data and Input layers, which the caller fills), and those that
// already hold values when the net is built.
MemoryPlan PlanActivationMemory(const std::vector<BlobVec>& bottoms, const std::vector<BlobVec>& tops,
                                const std::set<const Blob*>& keep);

}  // namespace cnn
