// What the oneDNN layers (this folder, built with CNN_WITH_DNNL) share: the
// CPU engine and stream, plain descriptors of our NCHW-style arrays, and
// DnnlArg, one argument of a primitive that may want another layout than
// ours.
//
// At the layer boundary every array stays in our plain row-major layout.
// A primitive created with format_tag::any may choose a blocked layout for
// an argument (nChw16c, OIhw16i16o, ...), which is what its fast kernels
// read; DnnlArg then owns a buffer in that layout and reorders into or out
// of our array around the call. Where the choice is our layout, it reads or
// writes our array in place.
//
// The SyncedMemory forms of Read/Target/Store keep layouts between oneDNN
// layers (dnnl_layout.hpp): an output stays in the chosen layout on the
// blob's private side, and the next oneDNN layer that wants that layout
// reads it where it is.
#pragma once

#include <dnnl.hpp>
#include <glog/logging.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cnn/core/blob.hpp"
#include "cnn/core/common.hpp"
#include "cnn/core/synced_memory.hpp"

namespace cnn {
namespace dnnl_util {

dnnl::engine& Engine();
dnnl::stream& Stream();
// Runs `p` on our plain arrays, every one of layout `md` (the element-wise
// and softmax passes), then waits; outputs are passed as their const view.
void ExecutePlain(const dnnl::primitive& p, const dnnl::memory::desc& md,
                  std::initializer_list<std::pair<int, const float*>> args);

// Row-major f32 array of these dims (nchw, oihw, goihw, nc, ... by rank).
dnnl::memory::desc Plain(const dnnl::memory::dims& dims);
// The same dims with the layout left to the primitive.
dnnl::memory::desc Any(const dnnl::memory::dims& dims);
// N x C x spatial dims stored channels innermost (nwc, nhwc, ndhwc).
dnnl::memory::desc ChannelsLast(const dnnl::memory::dims& dims);

// Whether oneDNN chose its reference implementation (plain C++ loops, far
// slower than its JIT kernels) for `pd`.
bool IsReference(const dnnl::primitive_desc_base& pd);

// Runs prepare(), which builds a layer's primitives. oneDNN refuses some
// shapes with dnnl::error: that is one warning naming `what` ("pooling for
// this geometry") and false, and the layer runs our own kernels instead.
template <typename Prepare>
bool Prepared(const std::string& where, const std::string& what, Prepare prepare) {
  try {
    prepare();
    return true;
  } catch (const dnnl::error& e) {
    LOG(WARNING) << where << "oneDNN has no " << what << " (" << e.what() << "); running our own kernels";
    return false;
  }
}

}  // namespace dnnl_util

class DnnlLayout;

// Runs fn, adding `blob`'s name and `part` ("data", "diff") to an
// OutOfMemory it throws, as the blob's own accessors do: a private buffer
// is allocated past them.
template <typename Fn>
auto NamingBlob(const Blob& blob, const char* part, Fn fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const OutOfMemory& e) {
    throw OutOfMemory((blob.name().empty() ? std::string("a blob's ") : "blob '" + blob.name() + "' ") + part + ": " +
                      e.what());
  }
}

class DnnlArg {
 public:
  // `ours` is the layout of our array, `chosen` the primitive's. With
  // accumulate (parameter gradients, which Caffe's layers add to), outputs
  // always go to the own buffer and Store adds them into our array.
  void Reset(const dnnl::memory::desc& ours, const dnnl::memory::desc& chosen, bool accumulate = false);
  // Reset for an argument whose own buffer only lives during one call (a
  // pass's reorders): none is allocated, the layer lends one of
  // bytes() bytes before each Read/Target (dnnl_workspace.hpp lends the
  // thread's CpuWorkspace, which every layer shares).
  void ResetBorrowed(const dnnl::memory::desc& ours, const dnnl::memory::desc& chosen, bool accumulate = false);
  size_t bytes() const { return own_ ? chosen_desc_.get_size() : 0; }
  void Lend(void* buffer) {
    if (own_) chosen_.set_data_handle(buffer);
  }

  // Input: the chosen-layout memory holding `data`'s values.
  const dnnl::memory& Read(const float* data);
  // Output: the memory the primitive writes; Store(data) after the call
  // moves it into `data` (nothing to do when it was `data` itself).
  const dnnl::memory& Target(float* data);
  void Store(float* data);
  // Read with the values of each output channel multiplied by its factor
  // (a folded BatchNorm's, on a layer's weights), in the same reorder
  // through oneDNN's output scales: `mask` has a bit per leading dim that
  // indexes the factors (1: dim 0; 3: dims 0 and 1 of grouped weights).
  // Only where reorders(): the scaled values need the own buffer.
  const dnnl::memory& ReadScaled(const float* data, const std::vector<float>& factors, int mask);

  // The same on a blob's data() or diff(), for activations and their
  // gradients. With kept layouts (dnnl_util::KeepLayout()): Read uses the
  // private buffer when it is in the chosen layout, or else converts the
  // values onto the private side once (SyncedMemory::prv_data_in: later
  // readers in that layout find them); Target hands out the private buffer
  // in the chosen layout, head AT_PRV, and Store does nothing. Without, or
  // for accumulate, they are the float* forms on the plain values.
  const dnnl::memory& Read(SyncedMemory& mem);
  const dnnl::memory& Target(SyncedMemory& mem);
  void Store(SyncedMemory& mem);

  bool reorders() const { return own_; }
  // Whether the SyncedMemory forms use the blob's private buffer (kept
  // layouts on and a chosen layout of the library's), needing no lent one.
  bool keeps_layout() const { return Keeps(); }
  // The chosen layout as a kept one (null where it is ours, or accumulate).
  const std::shared_ptr<const DnnlLayout>& layout() const { return layout_; }

 private:
  bool Keeps() const;
  void Reset(const dnnl::memory::desc& ours, const dnnl::memory::desc& chosen, bool accumulate, bool borrowed);

  dnnl::memory ours_;     // our array; the handle is set on each call
  dnnl::memory chosen_;   // the primitive's view: ours_ or the own buffer
  dnnl::memory::desc chosen_desc_;
  bool own_ = false;      // chosen_ is an own buffer
  dnnl::reorder in_, out_;
  dnnl::reorder scaled_in_;  // ReadScaled's, built on its first call
  int scaled_mask_ = -1;
  std::shared_ptr<const DnnlLayout> layout_;
  dnnl::memory kept_;  // a view of a blob's private buffer
  bool target_kept_ = false;
};

}  // namespace cnn
