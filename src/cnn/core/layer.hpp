// The layer interface. A layer is built from its LayerParameter, told its
// bottoms and tops once (SetUp), re-shaped whenever input shapes change
// (Reshape), and run forward and backward. It knows nothing of nets, solvers
// or files: the net wires blobs, the solver reads blobs() and their diffs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/core/blob.hpp"

namespace cnn {

using BlobVec = std::vector<Blob*>;

class Layer {
 public:
  explicit Layer(const LayerParameter& param);
  virtual ~Layer() = default;
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  // Checks blob counts, runs LayerSetUp then Reshape, and records loss
  // weights in the tops' diffs (so Forward can return the weighted loss).
  void SetUp(const BlobVec& bottom, const BlobVec& top);

  // One-time setup that reads parameters and creates learnable blobs.
  virtual void LayerSetUp(const BlobVec& bottom, const BlobVec& top) {}
  // Shapes the tops (and internal buffers) from the bottoms' current shapes.
  virtual void Reshape(const BlobVec& bottom, const BlobVec& top) = 0;

  // Runs the forward pass on the current device; returns the weighted loss
  // this layer contributes (0 for non-loss layers).
  float Forward(const BlobVec& bottom, const BlobVec& top);
  // Fills bottom diffs where propagate_down[i], and parameter diffs
  // (accumulating into them) where param_propagate_down(i).
  void Backward(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom);

  virtual const char* type() const = 0;

  // Blob-count contracts, checked at SetUp; -1 means "no constraint".
  virtual int ExactNumBottomBlobs() const { return -1; }
  virtual int MinBottomBlobs() const { return -1; }
  virtual int MaxBottomBlobs() const { return -1; }
  virtual int ExactNumTopBlobs() const { return -1; }
  virtual int MinTopBlobs() const { return -1; }
  virtual int MaxTopBlobs() const { return -1; }
  virtual bool EqualNumBottomTopBlobs() const { return false; }
  // Layers that create tops the prototxt did not name (none yet).
  virtual bool AutoTopBlobs() const { return false; }
  // False for inputs that have no gradient (labels of a loss, say), so a
  // forced backward never writes into them.
  virtual bool AllowForceBackward(int bottom_index) const { return true; }
  // Loss layers get loss_weight 1 on their first top unless told otherwise.
  virtual bool IsLossLayer() const { return false; }

  std::vector<BlobPtr>& blobs() { return blobs_; }
  const std::vector<BlobPtr>& blobs() const { return blobs_; }
  const LayerParameter& layer_param() const { return layer_param_; }
  const std::string& name() const { return layer_param_.name(); }
  Phase phase() const { return phase_; }

  float loss(int top_index) const { return top_index < static_cast<int>(loss_.size()) ? loss_[top_index] : 0.f; }
  void set_loss(int top_index, float value);

  bool param_propagate_down(int i) const {
    return i < static_cast<int>(param_propagate_down_.size()) && param_propagate_down_[i];
  }
  void set_param_propagate_down(int i, bool value);

  // Writes the layer's parameters and learned blobs (weights files).
  void ToProto(LayerParameter* param, bool write_diff = false) const;

 protected:
  virtual void Forward_cpu(const BlobVec& bottom, const BlobVec& top) = 0;
  virtual void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                            const BlobVec& bottom) = 0;
  // GPU entry points default to the CPU code (synced memory moves the data),
  // with a warning the first time a layer type does so.
  virtual void Forward_gpu(const BlobVec& bottom, const BlobVec& top);
  virtual void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom);

  // "layer 'conv1' (Convolution): " — the prefix of every error a layer raises.
  std::string where() const;

  LayerParameter layer_param_;
  Phase phase_;
  std::vector<BlobPtr> blobs_;
  std::vector<bool> param_propagate_down_;
  std::vector<float> loss_;

 private:
  void CheckBlobCounts(const BlobVec& bottom, const BlobVec& top) const;
  void SetLossWeights(const BlobVec& top);
};

}  // namespace cnn
