#include "cnn/core/layer.hpp"

#include <glog/logging.h>

#include <mutex>
#include <new>
#include <set>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/math.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/gpu/math_gpu.hpp"
#endif

namespace cnn {

Layer::Layer(const LayerParameter& param) : layer_param_(param), phase_(param.phase()) {
  // Weights given inline in the LayerParameter (a deploy net with blobs)
  // become the layer's learnable blobs right away.
  for (int i = 0; i < param.blobs_size(); ++i) {
    auto b = std::make_shared<Blob>();
    b->FromProto(param.blobs(i));
    blobs_.push_back(b);
  }
}

std::string Layer::where() const {
  return "layer '" + layer_param_.name() + "' (" + type() + "): ";
}

void Layer::SetUp(const BlobVec& bottom, const BlobVec& top) {
  CheckBlobCounts(bottom, top);
  if (IsLossLayer() && layer_param_.loss_weight_size() == 0) {
    // A loss layer counts toward the objective through its first top only.
    for (size_t i = 0; i < top.size(); ++i) layer_param_.add_loss_weight(i == 0 ? 1.f : 0.f);
  }
  LayerSetUp(bottom, top);
  Reshape(bottom, top);
  SetLossWeights(top);
}

void Layer::CheckBlobCounts(const BlobVec& bottom, const BlobVec& top) const {
  const int nb = static_cast<int>(bottom.size());
  const int nt = static_cast<int>(top.size());
  CNN_CHECK(ExactNumBottomBlobs() < 0 || nb == ExactNumBottomBlobs(),
            where() << "takes " << ExactNumBottomBlobs() << " bottom blob(s), got " << nb);
  CNN_CHECK(MinBottomBlobs() < 0 || nb >= MinBottomBlobs(),
            where() << "takes at least " << MinBottomBlobs() << " bottom blob(s), got " << nb);
  CNN_CHECK(MaxBottomBlobs() < 0 || nb <= MaxBottomBlobs(),
            where() << "takes at most " << MaxBottomBlobs() << " bottom blob(s), got " << nb);
  CNN_CHECK(ExactNumTopBlobs() < 0 || nt == ExactNumTopBlobs(),
            where() << "produces " << ExactNumTopBlobs() << " top blob(s), got " << nt);
  CNN_CHECK(MinTopBlobs() < 0 || nt >= MinTopBlobs(),
            where() << "produces at least " << MinTopBlobs() << " top blob(s), got " << nt);
  CNN_CHECK(MaxTopBlobs() < 0 || nt <= MaxTopBlobs(),
            where() << "produces at most " << MaxTopBlobs() << " top blob(s), got " << nt);
  CNN_CHECK(!EqualNumBottomTopBlobs() || nb == nt,
            where() << "needs as many tops as bottoms, got " << nb << " bottom(s) and " << nt << " top(s)");
}

void Layer::set_loss(int top_index, float value) {
  if (static_cast<int>(loss_.size()) <= top_index) loss_.resize(top_index + 1, 0.f);
  loss_[top_index] = value;
}

void Layer::set_param_propagate_down(int i, bool value) {
  if (static_cast<int>(param_propagate_down_.size()) <= i) param_propagate_down_.resize(i + 1, true);
  param_propagate_down_[i] = value;
}

void Layer::SetLossWeights(const BlobVec& top) {
  const int n = layer_param_.loss_weight_size();
  if (n == 0) return;
  CNN_CHECK(n == static_cast<int>(top.size()),
            where() << "has " << n << " loss_weight value(s) but " << top.size() << " top(s); give one per top");
  for (int i = 0; i < n; ++i) {
    const float w = layer_param_.loss_weight(i);
    set_loss(i, w);
    if (w == 0.f) continue;
    // Keeping the weight in the top's diff makes the loss a dot product and
    // seeds the backward pass with the right scale.
    cpu_set(top[i]->count(), w, top[i]->mutable_cpu_diff());
  }
}

namespace {

// Once per layer type per process: a net with many such layers warns once.
void WarnCpuFallback(const std::string& type, const std::string& name) {
  static std::mutex mutex;
  static std::set<std::string> warned;
  std::lock_guard<std::mutex> lock(mutex);
  if (!warned.insert(type).second) return;
  LOG(WARNING) << "layer type " << type << " has no GPU implementation: layer '" << name
               << "' (and any other " << type << " layer) runs on the CPU in GPU mode";
}

}  // namespace

void Layer::Forward_gpu(const BlobVec& bottom, const BlobVec& top) {
  WarnCpuFallback(type(), name());
  Forward_cpu(bottom, top);
}

void Layer::Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) {
  WarnCpuFallback(type(), name());
  Backward_cpu(top, propagate_down, bottom);
}

float Layer::Forward(const BlobVec& bottom, const BlobVec& top) {
  Reshape(bottom, top);
  try {
    float weighted_loss = 0.f;
    if (Context::mode() == Mode::GPU) {
      Forward_gpu(bottom, top);
#ifdef CNN_WITH_CUDA
      for (size_t i = 0; i < top.size(); ++i) {
        if (loss(static_cast<int>(i)) == 0.f) continue;
        // The loss weight sits in the top's diff (SetLossWeights); the dot
        // product is the one host round trip of a loss layer.
        weighted_loss += gpu_dot(top[i]->count(), top[i]->gpu_data(), top[i]->gpu_diff());
      }
      return weighted_loss;
#endif
    } else {
      Forward_cpu(bottom, top);
    }
    for (size_t i = 0; i < top.size(); ++i) {
      if (loss(static_cast<int>(i)) == 0.f) continue;
      weighted_loss += cpu_dot(top[i]->count(), top[i]->cpu_data(), top[i]->cpu_diff());
    }
    return weighted_loss;
  } catch (const OutOfMemory& e) {
    throw OutOfMemory(where() + "forward: " + e.what());
  } catch (const std::bad_alloc&) {
    throw OutOfMemory(where() + "forward: out of CPU memory for a working buffer of the layer");
  }
}

void Layer::Backward(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) {
  try {
    if (Context::mode() == Mode::GPU) {
      Backward_gpu(top, propagate_down, bottom);
    } else {
      Backward_cpu(top, propagate_down, bottom);
    }
  } catch (const OutOfMemory& e) {
    throw OutOfMemory(where() + "backward: " + e.what());
  } catch (const std::bad_alloc&) {
    throw OutOfMemory(where() + "backward: out of CPU memory for a working buffer of the layer");
  }
}

void Layer::ToProto(LayerParameter* param, bool write_diff) const {
  param->Clear();
  param->CopyFrom(layer_param_);
  param->clear_blobs();
  for (const auto& b : blobs_) b->ToProto(param->add_blobs(), write_diff);
}

}  // namespace cnn
