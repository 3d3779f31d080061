// oneDNN's side of the layouts kept between its layers: a blob's private
// buffer (SyncedMemory's AT_PRV) described by a dnnl::memory::desc, with
// the reorders to and from our plain array.
//
// CNN_DNNL_KEEP_LAYOUT=0 in the environment (or SetKeepLayout(false))
// turns the keeping off: every oneDNN layer then reorders into its chosen
// layout and back around each call, as before. CNN_DNNL_COUNT_REORDERS=1
// logs the number of reorders run at exit.
#pragma once

#include <dnnl.hpp>

#include <cstdint>
#include <memory>

#include "cnn/core/private_layout.hpp"
#include "cnn/core/synced_memory.hpp"

namespace cnn {
namespace dnnl_util {

bool KeepLayout();
void SetKeepLayout(bool keep);

// Reorders of activations and gradients run so far (DnnlArg's and the
// kept layouts' conversions), for tests and the debug log.
int64_t ReorderCount();
void CountReorder();

// nCw16c, nChw16c or nCdhw16c for these N x C x spatial dims (a zero desc
// for another rank).
dnnl::memory::desc ChannelBlocked16(const dnnl::memory::dims& dims);
// Whether `desc` is nCw16c, nChw16c or nCdhw16c (channels in blocks of 16
// innermost, for N x C x spatial dims): the layout our own kernels for kept
// layouts (the fused BatchNorm, MAX pooling) read.
bool IsChannelBlocked16(const dnnl::memory::desc& desc);
// Whether `desc` is nwc, nhwc or ndhwc (channels innermost, unpadded).
bool IsChannelsLast(const dnnl::memory::desc& desc);

}  // namespace dnnl_util

class DnnlLayout : public PrivateLayout {
 public:
  // `plain` is our array's desc, `chosen` the blocked one of the buffer.
  DnnlLayout(const dnnl::memory::desc& plain, const dnnl::memory::desc& chosen);

  size_t bytes() const override { return chosen_.get_size(); }
  size_t plain_bytes() const override { return plain_.get_size(); }
  void ToPlain(const void* prv, void* plain) const override;
  void FromPlain(const void* plain, void* prv) const override;
  bool Same(const PrivateLayout& other) const override;
  // From another oneDNN layout of the same dims, by one reorder.
  bool ConvertsFrom(const PrivateLayout& from) const override;
  void ConvertFrom(const PrivateLayout& from, const void* src, void* dst) const override;

  const dnnl::memory::desc& desc() const { return chosen_; }

 private:
  dnnl::memory::desc plain_, chosen_;
  dnnl::reorder to_plain_, from_plain_;
  // ConvertFrom's reorder from the last other layout it was asked for.
  mutable dnnl::memory::desc convert_from_;
  mutable dnnl::reorder convert_;
};

// The oneDNN layout of `mem`'s current private values, or null (plain, or
// another engine's).
std::shared_ptr<const DnnlLayout> DnnlLayoutOf(const SyncedMemory& mem);

}  // namespace cnn
