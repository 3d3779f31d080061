// Net: the DAG of layers described by a NetParameter, built for one NetState
// (phase, level, stages). It owns the layers and the blobs between them,
// inserts Split layers where one top feeds several bottoms, decides which
// layers need a backward pass, and keeps the list of learnable parameters
// (with lr_mult/decay_mult, and sharing by ParamSpec.name) for the solver.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/core/blob.hpp"
#include "cnn/core/fusing_layer.hpp"
#include "cnn/core/layer.hpp"
#include "cnn/net/memory_plan.hpp"

namespace cnn {
namespace hdf5 {
class File;
}

class Net {
 public:
  // Builds the net for param.state() (phase defaults to TEST as in Caffe).
  // Throws Error naming the layer on any inconsistency.
  explicit Net(const NetParameter& param);
  Net(const Net&) = delete;
  Net& operator=(const Net&) = delete;

  // Runs layers [start, end] forward / backward (inclusive, like Caffe).
  float ForwardFromTo(int start, int end);
  void BackwardFromTo(int start, int end);
  // Backward throws for a net built with share_activations: the values it
  // would need are overwritten by then.
  // Full passes. Forward returns the total weighted loss.
  float Forward();
  void Backward();
  float ForwardBackward();
  // Called after each layer's backward pass with its index (data-parallel
  // training starts a layer's gradient all-reduce there, while the layers
  // below still run).
  void set_backward_hook(std::function<void(int layer_id)> hook) { backward_hook_ = std::move(hook); }
  // Re-runs every layer's Reshape after an input blob changed shape.
  void Reshape();
  // Layer fusion (fusing_layer.hpp): the last layer that a CPU pass runs
  // together with layer i (i itself where i heads no fused chain, and on
  // the GPU), and the head of the chain layer i was taken into (i for a
  // layer no other takes). CNN_FUSE=0 in the environment, or debug_info,
  // builds nets without fusion.
  int FusedEnd(int i) const;
  int FusedHead(int i) const { return fused_head_[i] < 0 ? i : fused_head_[i]; }
  // force_backward (Caffe's meaning) also computes the gradients of the
  // net's inputs and of every blob computed from them alone, which no
  // training step needs: this drops those again, so that backward runs
  // what a training step of the same layers runs (cnn time on a net
  // without a loss).
  void SkipInputGradients();

  // Zeroes the diffs of learnable parameters (call before each step).
  void ClearParamDiffs();

  // Copies weights from a trained NetParameter, matching layers by name.
  // Layers absent from `trained` keep their values; a blob count or shape
  // mismatch throws Error naming the layer and both shapes.
  void CopyTrainedLayersFrom(const NetParameter& trained);
  // Reads a binary (.caffemodel), text or, by its ".h5" extension as in
  // Caffe, HDF5 weights file and copies from it; errors name the file and the layer.
  void CopyTrainedLayersFromFile(const std::string& path);
  // Caffe's HDF5 weights (net_weights_hdf5.cpp): dataset data/<layer>/<i>
  // per learned blob; a blob shared from another layer is not stored.
  void CopyTrainedLayersFromHDF5(const std::string& path);
  // Writes that layout (and diff/<layer>/<i> with write_diff) into `file`.
  void ToHDF5(hdf5::File* file, bool write_diff = false) const;
  // Layers with learnable blobs that no copy so far has given weights (they
  // keep their fillers' values), in net order.
  std::vector<std::string> LayersWithoutTrainedWeights() const;
  // Makes this net use another net's parameter memory (TEST net shares with TRAIN).
  void ShareTrainedLayersWith(const Net& other);
  // Writes the net definition with each layer's learned blobs.
  void ToProto(NetParameter* param, bool write_diff = false) const;

  const std::string& name() const { return name_; }
  Phase phase() const { return phase_; }
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }
  const std::vector<std::string>& layer_names() const { return layer_names_; }
  const std::vector<std::string>& blob_names() const { return blob_names_; }
  const std::vector<BlobPtr>& blobs() const { return blobs_; }
  const std::vector<BlobVec>& bottom_vecs() const { return bottom_vecs_; }
  const std::vector<BlobVec>& top_vecs() const { return top_vecs_; }
  const std::vector<std::vector<bool>>& bottom_need_backward() const { return bottom_need_backward_; }
  bool layer_need_backward(int i) const { return layer_need_backward_[i]; }
  // Whether share_activations planned this net's activations, and the plan.
  bool activations_shared() const { return activations_shared_; }
  const MemoryPlan& memory_plan() const { return memory_plan_; }
  const BlobVec& input_blobs() const { return input_blobs_; }
  const BlobVec& output_blobs() const { return output_blobs_; }

  // The name of one of this net's blobs ("" for a blob it does not hold).
  std::string blob_name(const Blob* blob) const;
  // The loss weight the producing layer puts on a blob (0 for a non-loss blob).
  float blob_loss_weight(const Blob* blob) const;

  bool has_blob(const std::string& name) const { return blob_index_.count(name) > 0; }
  BlobPtr blob_by_name(const std::string& name) const;  // throws when absent
  bool has_layer(const std::string& name) const { return layer_index_.count(name) > 0; }
  Layer* layer_by_name(const std::string& name) const;  // throws when absent

  // Learnable parameters, one entry per distinct blob (shared ones once),
  // with their effective multipliers.
  const std::vector<Blob*>& learnable_params() const { return learnable_params_; }
  const std::vector<float>& params_lr() const { return params_lr_; }
  const std::vector<float>& params_weight_decay() const { return params_weight_decay_; }
  // All parameter blobs in layer order (shared ones repeated), and for each
  // the index of its owner in that list (-1 when it owns itself).
  const std::vector<BlobPtr>& params() const { return params_; }
  const std::vector<int>& param_owners() const { return param_owners_; }

 private:
  void Init(const NetParameter& param);
  // Wiring. `available` holds the blobs produced so far that no later layer
  // has read yet (what is left at the end are the net's outputs).
  int AppendBottom(const LayerParameter& lp, int layer_id, int bottom_id, std::set<std::string>* available);
  void AppendTop(const LayerParameter& lp, int layer_id, int top_id, std::set<std::string>* available);
  // An unnamed top for a layer whose AutoTopBlobs() asks for more tops than given.
  void AppendAutoTop(int layer_id);
  void AppendParam(int layer_id, int param_id);
  // Drops backward passes that cannot reach a loss, then applies force_backward.
  void PruneBackward(bool force_backward);
  void ShareWeights();
  // share_activations: the blobs a caller reads after a pass (inputs,
  // outputs, keep_blob), which keep their own memory.
  std::set<const Blob*> KeptActivations(const NetParameter& param) const;
  // share_activations: plans every activation but `keep` (after PlanFusions).
  void ShareActivations(const std::set<const Blob*>& keep);
  // Asks each FusingLayer which layers after it it takes; in a forward-only
  // net (`kept`: its KeptActivations) also the reader of a free top.
  void PlanFusions(bool forward_only, const std::set<const Blob*>& kept);
  void ForwardDebugInfo(int layer_id) const;
  void BackwardDebugInfo(int layer_id) const;

  std::string name_;
  Phase phase_ = TEST;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<std::string> layer_names_;
  std::map<std::string, int> layer_index_;
  std::vector<BlobPtr> blobs_;
  std::vector<std::string> blob_names_;
  std::map<std::string, int> blob_index_;
  std::map<std::string, std::string> blob_producer_;  // blob -> last layer writing it (for errors)
  std::vector<bool> blob_need_backward_;
  std::vector<BlobVec> bottom_vecs_;
  std::vector<std::vector<int>> bottom_id_vecs_;
  std::vector<std::vector<bool>> bottom_need_backward_;
  std::vector<BlobVec> top_vecs_;
  std::vector<std::vector<int>> top_id_vecs_;
  std::vector<bool> layer_need_backward_;
  BlobVec input_blobs_;
  BlobVec output_blobs_;
  std::vector<BlobPtr> params_;
  std::vector<int> param_owners_;
  std::vector<std::pair<int, int>> param_layer_indices_;  // (layer, index in its blobs())
  std::vector<std::string> param_display_names_;
  std::map<std::string, int> param_names_index_;
  std::vector<Blob*> learnable_params_;
  std::vector<int> learnable_param_ids_;
  std::vector<float> params_lr_;
  std::vector<float> params_weight_decay_;
  // Whether lr_mult/decay_mult was given explicitly: sharers may set an
  // owner's default, but two explicit values must agree.
  std::vector<bool> has_params_lr_;
  std::set<std::string> trained_layers_;  // layers a weights copy has filled
  std::vector<bool> has_params_decay_;
  std::vector<std::vector<int>> param_id_vecs_;
  bool debug_info_ = false;
  bool activations_shared_ = false;
  MemoryPlan memory_plan_;
  std::function<void(int)> backward_hook_;
  // Fusion: per layer, the FusingLayer side of it (or null), how many
  // layers after it it takes (0: none), the head of its chain (-1: not
  // taken), and whether the last forward pass ran its chain fused.
  std::vector<FusingLayer*> fusing_;
  std::vector<int> fused_count_;
  std::vector<int> fused_head_;
  std::vector<bool> fused_ran_;
};

}  // namespace cnn
