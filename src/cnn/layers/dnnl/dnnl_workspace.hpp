// Lends the reorder buffers of one oneDNN call (arguments Reset with
// ResetBorrowed) out of the thread's CpuWorkspace, which the layers of a net
// share as they run one at a time: a net's forward reorders then need the
// largest layer's buffers, not the sum over all layers (GoogLeNet's
// convolutions held ~320 MiB of their own at batch 10).
#pragma once

#include <initializer_list>
#include <vector>

#include "cnn/core/cpu_workspace.hpp"
#include "cnn/layers/dnnl/dnnl_arg.hpp"

namespace cnn {

// Each argument gets its own 64-byte aligned region; valid until the next
// CpuWorkspace request on this thread that grows it, so a layer lends once
// per pass, before its first Read or Target.
template <typename Args>
void LendFromWorkspace(const Args& args) {
  size_t floats = 0;
  for (const DnnlArg* a : args) floats = TwoRegions(floats, (a->bytes() + sizeof(float) - 1) / sizeof(float));
  float* base = CpuWorkspace::ThisThread().Get(floats);
  size_t offset = 0;
  for (DnnlArg* a : args) {
    offset = TwoRegions(offset, 0);
    a->Lend(base + offset);
    offset += (a->bytes() + sizeof(float) - 1) / sizeof(float);
  }
}
inline void LendFromWorkspace(std::initializer_list<DnnlArg*> args) { LendFromWorkspace<>(args); }

// `params`: arguments used through the float* forms (weights and their
// gradients); `activations`: through the SyncedMemory forms, which with
// kept layouts use the blob's private buffer and need nothing lent (lending
// anyway grew the workspace by the largest activation for nothing). Null
// activations (an optional argument left out) are skipped.
inline void LendFromWorkspace(std::initializer_list<DnnlArg*> params, const std::vector<DnnlArg*>& activations) {
  std::vector<DnnlArg*> args(params);
  for (DnnlArg* a : activations) {
    if (a && !a->keeps_layout()) args.push_back(a);
  }
  LendFromWorkspace(args);
}

}  // namespace cnn
