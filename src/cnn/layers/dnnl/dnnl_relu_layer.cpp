#include "cnn/layers/dnnl/dnnl_relu_layer.hpp"

#include "cnn/core/layer_registry.hpp"
#include "cnn/core/parallel.hpp"
#include "cnn/layers/dnnl/dnnl_layout.hpp"

namespace cnn {
namespace {

// The layout to run in: the blob's kept oneDNN layout, or null for our
// plain array.
std::shared_ptr<const DnnlLayout> KeptLayout(const SyncedMemory& mem) {
  if (!dnnl_util::KeepLayout()) return nullptr;
  return DnnlLayoutOf(mem);
}

size_t Floats(const DnnlLayout& layout) { return layout.bytes() / sizeof(float); }

}  // namespace

void DnnlReLULayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  SyncedMemory& in = *bottom[0]->data();
  const std::shared_ptr<const DnnlLayout> layout = KeptLayout(in);
  if (!layout) return ReLULayer::Forward_cpu(bottom, top);
  // Read before the write: in place both are the same private buffer.
  const float* x = static_cast<const float*>(in.prv_data(*layout));
  float* y = static_cast<float*>(top[0]->data()->mutable_prv_data(layout));
  const int n = static_cast<int>(Floats(*layout));
  const ReLUOp op = op_;
#pragma omp parallel for simd schedule(static) firstprivate(op) if (ParallelLoopPays(n))
  for (int i = 0; i < n; ++i) y[i] = op.Forward(x[i]);
}

void DnnlReLULayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                 const BlobVec& bottom) {
  if (!propagate_down[0]) return;
  SyncedMemory& top_diff = *top[0]->diff();
  // The gradient's layout leads: the data follow it (one reorder at most,
  // where they are plain), and the bottom's gradient stays in it.
  const std::shared_ptr<const DnnlLayout> layout = KeptLayout(top_diff);
  if (!layout) return ReLULayer::Backward_cpu(top, propagate_down, bottom);
  const float* x = static_cast<const float*>(bottom[0]->data()->prv_data_in(layout));
  const float* dy = static_cast<const float*>(top_diff.prv_data(*layout));
  float* dx = static_cast<float*>(bottom[0]->diff()->mutable_prv_data(layout));
  const int n = static_cast<int>(Floats(*layout));
  const ReLUOp op = op_;
  // ReLUOp's backward reads x only (y is unused): in place x holds y, whose
  // signs are x's, as in ReLULayer.
#pragma omp parallel for simd schedule(static) firstprivate(op) if (ParallelLoopPays(n))
  for (int i = 0; i < n; ++i) dx[i] = op.Backward(x[i], x[i], dy[i]);
}

CNN_REGISTER_LAYER_ENGINE(ReLU, DNNL, DnnlReLULayer);

}  // namespace cnn
