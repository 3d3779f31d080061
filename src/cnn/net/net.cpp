#include "cnn/net/net.hpp"

#include <glog/logging.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"
#ifdef CNN_WITH_CUDA
#include "cnn/gpu/math_gpu.hpp"
#endif
#include "cnn/io/proto_io.hpp"
#include "cnn/net/insert_splits.hpp"
#include "cnn/net/state_rules.hpp"

namespace cnn {
namespace {

bool NeedsUpgrade(const NetParameter& p) {
  return p.layers_size() > 0 || p.input_size() > 0 || p.input_shape_size() > 0 || p.input_dim_size() > 0;
}

// Errors raised below a layer (a blob that cannot take a shape, say) do not
// know which layer they came from; the user needs to.
template <typename F>
auto InLayer(const LayerParameter& lp, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.rfind("layer '" + lp.name() + "'", 0) == 0) throw;
    throw Error("layer '" + lp.name() + "' (" + lp.type() + "): " + msg);
  } catch (const std::bad_alloc&) {
    throw OutOfMemory("layer '" + lp.name() + "' (" + lp.type() + "): out of CPU memory while setting up");
  }
}

std::string ShapeText(const Blob& b) {
  std::ostringstream s;
  s << "(";
  for (int i = 0; i < b.num_axes(); ++i) s << (i ? "," : "") << b.shape(i);
  s << ")";
  return s.str();
}

// "64x50x4x4"; "()" for a scalar.
std::string Dims(const Blob& b) {
  std::string s;
  for (int i = 0; i < b.num_axes(); ++i) s += (i ? "x" : "") + std::to_string(b.shape(i));
  return s.empty() ? "()" : s;
}

// What the layers built so far are, for tracing a blob back to the input.
struct Built {
  const std::vector<std::unique_ptr<Layer>>& layers;
  const std::vector<std::string>& layer_names;
  const std::vector<std::string>& blob_names;
  const std::vector<BlobPtr>& blobs;
  const std::vector<std::vector<int>>& bottom_ids;
  const std::vector<std::vector<int>>& top_ids;

  static bool Has(const std::vector<int>& ids, int id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); }

  // The last layer before `before` that gave *blob its shape: in-place
  // layers keep it and are passed over, a Split is followed to the blob it
  // copies (updating *blob). -1 when none did.
  int ShapeProducer(int* blob, int before) const {
    for (int j = before - 1; j >= 0; --j) {
      if (!Has(top_ids[j], *blob)) continue;
      if (Has(bottom_ids[j], *blob)) continue;
      if (layers[j]->type() == std::string("Split") && !bottom_ids[j].empty()) {
        *blob = bottom_ids[j][0];
        continue;
      }
      return j;
    }
    return -1;
  }

  // "bottom 'pool2' 64x50x4x4 from pool2 (Pooling) <- conv2 (Convolution)
  // 64x50x8x8 <- ... <- data (Input)": each earlier layer with the shape
  // of its top, following first bottoms, at most kSteps layers.
  std::string Chain(int layer_id, int bottom) const {
    constexpr int kSteps = 6;
    int blob = bottom_ids[layer_id][bottom];
    int at = ShapeProducer(&blob, layer_id);
    std::string s = "bottom '" + blob_names[blob] + "' " + Dims(*blobs[blob]);
    for (int step = 0; at >= 0; ++step) {
      if (step == kSteps) return s + " <- ...";
      s += (step == 0 ? " from " : " <- ") + layer_names[at] + " (" + layers[at]->type() + ")";
      if (step > 0) s += " " + Dims(*blobs[blob]);
      if (bottom_ids[at].empty()) break;
      blob = bottom_ids[at][0];
      at = ShapeProducer(&blob, at);
    }
    return s;
  }
};

// A setup error about shapes (it says "shape" or quotes a bottom's) gets the
// chain of layers behind each bottom: the cause is usually layers earlier.
bool IsAboutShapes(const std::string& message, const BlobVec& bottoms) {
  if (message.find("shape") != std::string::npos) return true;
  for (const Blob* b : bottoms)
    if (message.find(b->shape_string()) != std::string::npos) return true;
  return false;
}

// Runs f; an Error about the shapes of layer `layer_id` gets the chain
// behind each of its bottoms appended.
template <typename F>
void WithShapeChains(const Built& built, int layer_id, const BlobVec& bottoms, F&& f) {
  try {
    f();
  } catch (const OutOfMemory&) {
    throw;
  } catch (const Error& e) {
    if (bottoms.empty() || !IsAboutShapes(e.what(), bottoms)) throw;
    std::string chains;
    for (size_t b = 0; b < bottoms.size(); ++b) chains += "; " + built.Chain(layer_id, static_cast<int>(b));
    throw Error(e.what() + chains);
  }
}

}  // namespace

Net::Net(const NetParameter& param) { Init(param); }

void Net::Init(const NetParameter& in_param) {
  const NetParameter* source = &in_param;
  NetParameter upgraded;
  if (NeedsUpgrade(in_param)) {
    // Old deploy files declare inputs at net level (and pre-2015 ones use
    // V1 `layers`); the readers usually convert them, a hand-built param may not.
    upgraded = in_param;
    UpgradeNetAsNeeded("net '" + in_param.name() + "'", &upgraded);
    source = &upgraded;
  }
  phase_ = source->state().phase();
  NetParameter param = InsertSplits(FilterNet(*source));
  name_ = param.name();
  debug_info_ = param.debug_info();
  VLOG(1) << "Building net '" << name_ << "' for phase " << Phase_Name(phase_);

  const int num_layers = param.layer_size();
  CNN_CHECK(num_layers > 0, "net '" << name_ << "' has no layer for phase " << Phase_Name(phase_)
                                    << (source->layer_size() > 0 ? " (its include/exclude rules leave none)" : ""));
  bottom_vecs_.resize(num_layers);
  bottom_id_vecs_.resize(num_layers);
  bottom_need_backward_.resize(num_layers);
  top_vecs_.resize(num_layers);
  top_id_vecs_.resize(num_layers);
  param_id_vecs_.resize(num_layers);
  std::set<std::string> available;
  for (int layer_id = 0; layer_id < num_layers; ++layer_id) {
    LayerParameter* lp = param.mutable_layer(layer_id);
    if (!lp->has_phase()) lp->set_phase(phase_);
    CNN_CHECK(lp->propagate_down_size() == 0 || lp->propagate_down_size() == lp->bottom_size(),
              "layer '" << lp->name() << "': propagate_down has " << lp->propagate_down_size()
                        << " value(s) but the layer has " << lp->bottom_size()
                        << " bottom(s); give none or one per bottom");
    layers_.push_back(InLayer(*lp, [&] { return LayerRegistry::Create(*lp); }));
    layer_names_.push_back(lp->name());
    if (!layer_index_.emplace(lp->name(), layer_id).second) {
      LOG(WARNING) << "net '" << name_ << "': two layers are named '" << lp->name()
                   << "'; weights are matched to the first";
    }
    Layer& layer = *layers_.back();
    VLOG(1) << "Creating layer '" << lp->name() << "' (" << lp->type() << ")";

    bool need_backward = false;
    for (int b = 0; b < lp->bottom_size(); ++b) {
      need_backward = blob_need_backward_[AppendBottom(*lp, layer_id, b, &available)] || need_backward;
    }
    for (int t = 0; t < lp->top_size(); ++t) AppendTop(*lp, layer_id, t, &available);
    if (layer.AutoTopBlobs()) {
      const int wanted = std::max(layer.MinTopBlobs(), layer.ExactNumTopBlobs());
      for (int t = lp->top_size(); t < wanted; ++t) AppendAutoTop(layer_id);
    }
    const Built built{layers_, layer_names_, blob_names_, blobs_, bottom_id_vecs_, top_id_vecs_};
    const auto with_chains = [&](auto&& f) { WithShapeChains(built, layer_id, bottom_vecs_[layer_id], f); };
    with_chains([&] { InLayer(*lp, [&] { layer.SetUp(bottom_vecs_[layer_id], top_vecs_[layer_id]); }); });
    for (size_t t = 0; t < top_vecs_[layer_id].size(); ++t) {
      VLOG(1) << "  top '" << blob_names_[top_id_vecs_[layer_id][t]] << "' "
              << ShapeText(*top_vecs_[layer_id][t])
              << (layer.loss(static_cast<int>(t)) != 0.f ? " loss weight " + std::to_string(layer.loss(t))
                                                         : "");
    }

    const int num_blobs = static_cast<int>(layer.blobs().size());
    const LayerParameter& final_lp = layer.layer_param();
    CNN_CHECK(final_lp.param_size() <= num_blobs,
              "layer '" << lp->name() << "' (" << lp->type() << "): " << final_lp.param_size()
                        << " param entries given but the layer has " << num_blobs << " learnable blob(s)");
    for (int p = 0; p < num_blobs; ++p) {
      const float lr = p < final_lp.param_size() ? final_lp.param(p).lr_mult() : 1.f;
      need_backward = need_backward || lr != 0.f;
      layer.set_param_propagate_down(p, lr != 0.f);
    }
    with_chains([&] {
      for (int p = 0; p < num_blobs; ++p) AppendParam(layer_id, p);
    });
    layer_need_backward_.push_back(need_backward);
    if (need_backward) {
      for (int id : top_id_vecs_[layer_id]) blob_need_backward_[id] = true;
    }
  }
  PruneBackward(param.force_backward());
  // std::set iterates by name, which is the order Caffe lists outputs in.
  for (const std::string& name : available) output_blobs_.push_back(blobs_[blob_index_.at(name)].get());
  ShareWeights();
  const std::set<const Blob*> kept =
      param.share_activations() ? KeptActivations(param) : std::set<const Blob*>();
  PlanFusions(param.share_activations(), kept);
  if (param.share_activations()) ShareActivations(kept);
  VLOG(1) << "Net '" << name_ << "' built: " << layers_.size() << " layers, " << learnable_params_.size()
          << " learnable blobs";
}

int Net::AppendBottom(const LayerParameter& lp, int layer_id, int bottom_id,
                      std::set<std::string>* available) {
  const std::string& name = lp.bottom(bottom_id);
  CNN_CHECK(available->count(name) > 0, "layer '" << lp.name() << "': unknown bottom blob '" << name
                                                  << "' (no earlier layer produces it)");
  const int blob_id = blob_index_.at(name);
  bottom_vecs_[layer_id].push_back(blobs_[blob_id].get());
  bottom_id_vecs_[layer_id].push_back(blob_id);
  available->erase(name);
  const bool need =
      lp.propagate_down_size() > 0 ? lp.propagate_down(bottom_id) : blob_need_backward_[blob_id];
  bottom_need_backward_[layer_id].push_back(need);
  return blob_id;
}

void Net::AppendTop(const LayerParameter& lp, int layer_id, int top_id, std::set<std::string>* available) {
  const std::string& name = lp.top(top_id);
  int blob_id;
  if (top_id < lp.bottom_size() && lp.bottom(top_id) == name) {
    // In place: the layer overwrites the blob it reads.
    blob_id = blob_index_.at(name);
  } else {
    const auto it = blob_producer_.find(name);
    CNN_CHECK(
        it == blob_producer_.end(),
        "layer '"
            << lp.name() << "': top blob '" << name << "' is already produced by layer '" << it->second
            << "' (only an in-place layer, naming it as the bottom at the same index, may write it again)");
    blob_id = static_cast<int>(blobs_.size());
    blobs_.push_back(std::make_shared<Blob>());
    blobs_.back()->set_name(name);
    blob_names_.push_back(name);
    blob_need_backward_.push_back(false);
    blob_index_[name] = blob_id;
  }
  blob_producer_[name] = lp.name();
  top_id_vecs_[layer_id].push_back(blob_id);
  top_vecs_[layer_id].push_back(blobs_[blob_id].get());
  available->insert(name);
  if (lp.type() == "Input") input_blobs_.push_back(blobs_[blob_id].get());
}

void Net::AppendAutoTop(int layer_id) {
  // Nameless, so no layer can read it and it is not listed among the outputs.
  const int blob_id = static_cast<int>(blobs_.size());
  blobs_.push_back(std::make_shared<Blob>());
  blob_names_.push_back("(automatic)");
  blob_need_backward_.push_back(false);
  top_id_vecs_[layer_id].push_back(blob_id);
  top_vecs_[layer_id].push_back(blobs_[blob_id].get());
}

void Net::AppendParam(int layer_id, int param_id) {
  const LayerParameter& lp = layers_[layer_id]->layer_param();
  static const ParamSpec kDefaultSpec;
  const ParamSpec& spec = param_id < lp.param_size() ? lp.param(param_id) : kDefaultSpec;
  const std::string& param_name = spec.name();
  param_display_names_.push_back(param_name.empty() ? std::to_string(param_id) : param_name);
  const int net_param_id = static_cast<int>(params_.size());
  params_.push_back(layers_[layer_id]->blobs()[param_id]);
  params_.back()->set_name(lp.name() + (param_id == 0 ? " weights" : param_id == 1 ? " bias" : " param " + std::to_string(param_id)));
  param_id_vecs_[layer_id].push_back(net_param_id);
  param_layer_indices_.emplace_back(layer_id, param_id);

  const auto owner_it = param_name.empty() ? param_names_index_.end() : param_names_index_.find(param_name);
  if (owner_it == param_names_index_.end()) {
    // Anonymous, or the first blob with this name: it owns its memory.
    param_owners_.push_back(-1);
    if (!param_name.empty()) param_names_index_[param_name] = net_param_id;
    learnable_param_ids_.push_back(static_cast<int>(learnable_params_.size()));
    learnable_params_.push_back(params_[net_param_id].get());
    has_params_lr_.push_back(spec.has_lr_mult());
    has_params_decay_.push_back(spec.has_decay_mult());
    params_lr_.push_back(spec.lr_mult());
    params_weight_decay_.push_back(spec.decay_mult());
    return;
  }

  const int owner_id = owner_it->second;
  param_owners_.push_back(owner_id);
  const auto [owner_layer, owner_index] = param_layer_indices_[owner_id];
  const Blob& mine = *params_[net_param_id];
  const Blob& owner = *params_[owner_id];
  const std::string who = "layer '" + lp.name() + "': cannot share param '" + param_name + "' (param " +
                          std::to_string(param_id) + ") with its owner, layer '" + layer_names_[owner_layer] +
                          "' param " + std::to_string(owner_index);
  if (spec.share_mode() == ParamSpec::PERMISSIVE) {
    CNN_CHECK(mine.count() == owner.count(), who << ": count " << mine.count() << " " << ShapeText(mine)
                                                 << " vs the owner's " << owner.count() << " "
                                                 << ShapeText(owner));
  } else {
    CNN_CHECK(mine.shape() == owner.shape(), who << ": shape " << ShapeText(mine) << " vs the owner's "
                                                 << ShapeText(owner)
                                                 << " (share_mode: PERMISSIVE compares only counts)");
  }
  VLOG(1) << "layer '" << lp.name() << "' shares param '" << param_name << "' owned by layer '"
          << layer_names_[owner_layer] << "'";
  const int learnable_id = learnable_param_ids_[owner_id];
  learnable_param_ids_.push_back(learnable_id);
  if (spec.has_lr_mult()) {
    if (has_params_lr_[learnable_id]) {
      CNN_CHECK(spec.lr_mult() == params_lr_[learnable_id],
                "layer '" << lp.name() << "': shared param '" << param_name << "' has lr_mult "
                          << spec.lr_mult() << " but its owner layer '" << layer_names_[owner_layer]
                          << "' gives " << params_lr_[learnable_id]);
    } else {
      has_params_lr_[learnable_id] = true;
      params_lr_[learnable_id] = spec.lr_mult();
    }
  }
  if (spec.has_decay_mult()) {
    if (has_params_decay_[learnable_id]) {
      CNN_CHECK(spec.decay_mult() == params_weight_decay_[learnable_id],
                "layer '" << lp.name() << "': shared param '" << param_name << "' has decay_mult "
                          << spec.decay_mult() << " but its owner layer '" << layer_names_[owner_layer]
                          << "' gives " << params_weight_decay_[learnable_id]);
    } else {
      has_params_decay_[learnable_id] = true;
      params_weight_decay_[learnable_id] = spec.decay_mult();
    }
  }
}

void Net::PruneBackward(bool force_backward) {
  // Walking back from the losses: a layer none of whose tops reaches a loss
  // needs no backward, and neither does one whose tops all skip it.
  std::set<std::string> under_loss;
  std::set<std::string> skip_backward;
  for (int i = static_cast<int>(layers_.size()) - 1; i >= 0; --i) {
    const Layer& layer = *layers_[i];
    bool contributes = false;
    bool skip = true;
    for (size_t t = 0; t < top_id_vecs_[i].size(); ++t) {
      const std::string& name = blob_names_[top_id_vecs_[i][t]];
      if (layer.loss(static_cast<int>(t)) != 0.f || under_loss.count(name)) contributes = true;
      if (!skip_backward.count(name)) skip = false;
      if (contributes && !skip) break;
    }
    if (layer_need_backward_[i] && skip) {
      layer_need_backward_[i] = false;
      std::fill(bottom_need_backward_[i].begin(), bottom_need_backward_[i].end(), false);
    }
    if (!contributes) layer_need_backward_[i] = false;
    for (size_t b = 0; b < bottom_id_vecs_[i].size(); ++b) {
      const std::string& name = blob_names_[bottom_id_vecs_[i][b]];
      if (contributes) {
        under_loss.insert(name);
      } else {
        bottom_need_backward_[i][b] = false;
      }
      if (!bottom_need_backward_[i][b]) skip_backward.insert(name);
    }
    VLOG(1) << "layer '" << layer_names_[i] << "' " << (layer_need_backward_[i] ? "needs" : "does not need")
            << " backward";
  }
  if (!force_backward) return;
  for (size_t i = 0; i < layers_.size(); ++i) {
    layer_need_backward_[i] = true;
    for (size_t b = 0; b < bottom_id_vecs_[i].size(); ++b) {
      const bool need = bottom_need_backward_[i][b] || layers_[i]->AllowForceBackward(static_cast<int>(b));
      bottom_need_backward_[i][b] = need;
      const int blob_id = bottom_id_vecs_[i][b];
      blob_need_backward_[blob_id] = blob_need_backward_[blob_id] || need;
    }
    for (size_t p = 0; p < layers_[i]->blobs().size(); ++p) layers_[i]->set_param_propagate_down(p, true);
  }
}

void Net::ShareWeights() {
  for (size_t i = 0; i < params_.size(); ++i) {
    if (param_owners_[i] < 0) continue;
    params_[i]->ShareData(*params_[param_owners_[i]]);
    params_[i]->ShareDiff(*params_[param_owners_[i]]);
  }
}

std::set<const Blob*> Net::KeptActivations(const NetParameter& param) const {
  std::set<const Blob*> keep(output_blobs_.begin(), output_blobs_.end());
  keep.insert(input_blobs_.begin(), input_blobs_.end());
  for (const std::string& name : param.keep_blob()) {
    CNN_CHECK(blob_index_.count(name), "net '" << name_ << "': keep_blob '" << name
                                                << "' names no blob of the net (for phase " << Phase_Name(phase_)
                                                << ")");
    keep.insert(blobs_[blob_index_.at(name)].get());
  }
  return keep;
}

void Net::ShareActivations(const std::set<const Blob*>& keep) {
  // A fused chain runs in its head's pass: every blob of the chain is read
  // or written then (a residual block's sum is written while the head's
  // input is still being read), so the plan sees them all as the head's too.
  // (Only bottoms from outside the chain: the planner takes a blob read
  // before it is written to come from outside the net.)
  // A head whose chain goes past its own top (to the sum) never writes that
  // top in a fused pass: it is left out of the plan, so its memory is only
  // allocated if some pass does write it (a GPU pass, one ending inside).
  std::vector<BlobVec> bottoms = bottom_vecs_, tops = top_vecs_;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const int last = static_cast<int>(i) + fused_count_[i];
    if (last == static_cast<int>(i)) continue;
    for (int j = static_cast<int>(i) + 1; j <= last; ++j) {
      tops[i].insert(tops[i].end(), top_vecs_[j].begin(), top_vecs_[j].end());
    }
    for (int j = static_cast<int>(i) + 1; j <= last; ++j) {
      for (Blob* b : bottom_vecs_[j]) {
        if (std::find(tops[i].begin(), tops[i].end(), b) == tops[i].end()) bottoms[i].push_back(b);
      }
    }
    Blob* head_top = top_vecs_[i][0];
    if (top_vecs_[last][0] == head_top) continue;
    for (int j = static_cast<int>(i); j <= last; ++j) {
      for (BlobVec* v : {&bottoms[j], &tops[j]}) v->erase(std::remove(v->begin(), v->end(), head_top), v->end());
    }
  }
  memory_plan_ = PlanActivationMemory(bottoms, tops, keep);
  activations_shared_ = true;
  // Backward is refused from now on, so no parameter gradient will be
  // taken: layers that keep a copy of their input only for one (an
  // in-place Scale) can skip it.
  for (auto& layer : layers_) {
    for (size_t p = 0; p < layer->blobs().size(); ++p) layer->set_param_propagate_down(static_cast<int>(p), false);
  }
  LOG(INFO) << "net '" << name_ << "': share_activations: " << memory_plan_.storages_planned
            << " activation storages in " << memory_plan_.buffers << " shared buffers, "
            << (memory_plan_.bytes_after >> 20) << " MiB instead of " << (memory_plan_.bytes_before >> 20)
            << " MiB (" << (memory_plan_.bytes_kept >> 20) << " MiB of inputs and outputs kept)";
}

float Net::ForwardFromTo(int start, int end) {
  const int n = static_cast<int>(layers_.size());
  CNN_CHECK(start >= 0 && end < n, "net '" << name_ << "': ForwardFromTo(" << start << ", " << end
                                           << ") outside its " << n << " layers");
  float loss = 0.f;
  for (int i = start; i <= end; ++i) {
    // A chain runs fused only when the pass covers all of it: a pass that
    // stops inside leaves each blob as the unfused layers would.
    const int last = FusedEnd(i);
    const bool fused = last > i && last <= end;
    if (fusing_[i]) fusing_[i]->set_fused_pass(fused);
    fused_ran_[i] = fused;
    // A reshape inside Forward can fail on new input shapes; say which layer.
    loss += InLayer(layers_[i]->layer_param(),
                    [&] { return layers_[i]->Forward(bottom_vecs_[i], top_vecs_[i]); });
    if (fused) {
      // The taken layers' own state follows the shapes, as their Forward would.
      for (int j = i + 1; j <= last; ++j) {
        InLayer(layers_[j]->layer_param(), [&] { layers_[j]->Reshape(bottom_vecs_[j], top_vecs_[j]); });
      }
      i = last;
    }
    if (debug_info_) ForwardDebugInfo(i);
  }
  return loss;
}

void Net::BackwardFromTo(int start, int end) {
  CNN_CHECK(!activations_shared_, "net '" << name_ << "' was built with share_activations, which reuses the "
                                          << "activations backward needs; build it without to run backward");
  const int n = static_cast<int>(layers_.size());
  CNN_CHECK(end >= 0 && start < n, "net '" << name_ << "': BackwardFromTo(" << start << ", " << end
                                           << ") outside its " << n << " layers");
  for (int i = start; i >= end; --i) {
    const int head = FusedHead(i);
    if (fused_ran_[head] && fused_count_[head] > 0) {
      // The head's backward runs the whole chain the last forward ran fused.
      const int last = head + fused_count_[head];
      CNN_CHECK(i == last && head >= end,
                "net '" << name_ << "': backward over layers " << layer_names_[start] << " .. " << layer_names_[end]
                        << " starts or ends inside the chain " << layer_names_[head] << " .. " << layer_names_[last]
                        << " that the last forward pass ran as one; cover all of it (or run the forward pass "
                        << "only up to a layer inside it, which runs the layers one by one)");
      bool any = false;
      for (int j = head; j <= last; ++j) any = any || layer_need_backward_[j];
      if (any) layers_[head]->Backward(top_vecs_[head], bottom_need_backward_[head], bottom_vecs_[head]);
      for (int j = last; j >= head; --j) {
        if (layer_need_backward_[j] && backward_hook_) backward_hook_(j);
      }
      i = head;
      continue;
    }
    if (!layer_need_backward_[i]) continue;
    layers_[i]->Backward(top_vecs_[i], bottom_need_backward_[i], bottom_vecs_[i]);
    if (debug_info_) BackwardDebugInfo(i);
    if (backward_hook_) backward_hook_(i);
  }
}

int Net::FusedEnd(int i) const {
  if (Context::mode() != Mode::CPU || fused_count_[i] == 0) return i;
  return i + fused_count_[i];
}

void Net::PlanFusions(bool forward_only, const std::set<const Blob*>& kept) {
  const int n = static_cast<int>(layers_.size());
  fusing_.assign(n, nullptr);
  fused_count_.assign(n, 0);
  fused_head_.assign(n, -1);
  fused_ran_.assign(n, false);
  const char* env = std::getenv("CNN_FUSE");
  if (debug_info_ || (env && std::strcmp(env, "0") == 0)) return;
  const auto reads = [&](int j, const Blob* b) {
    return std::find(bottom_vecs_[j].begin(), bottom_vecs_[j].end(), b) != bottom_vecs_[j].end();
  };
  for (int i = 0; i < n; ++i) {
    fusing_[i] = dynamic_cast<FusingLayer*>(layers_[i].get());
    if (!fusing_[i] || top_vecs_[i].size() != 1 || layers_[i]->loss(0) != 0.f) continue;
    // The candidates: the layers right after, none of them a loss (their
    // passes would add to it), each in place on the blob before it.
    std::vector<FusionCandidate> next;
    FusionContext context;
    context.forward_only = forward_only;
    context.head_top = top_vecs_[i][0];
    context.head_in_place = bottom_vecs_[i].size() == 1 && bottom_vecs_[i][0] == top_vecs_[i][0];
    // A forward-only net refuses backward, so none will run through a chain.
    context.need_backward = !forward_only && layer_need_backward_[i];
    const Blob* head_top = top_vecs_[i][0];
    const Blob* top = head_top;
    bool left_head_top = false;
    for (int j = i + 1; j < n && layers_[j]->loss(0) == 0.f; ++j) {
      const bool in_place = bottom_vecs_[j].size() == 1 && top_vecs_[j].size() == 1 && bottom_vecs_[j][0] == top &&
                            top_vecs_[j][0] == top;
      if (!in_place) {
        // Forward-only: the layer reading the head's top for the last time,
        // when that top is nobody's to read after the pass.
        bool last_reader = forward_only && !left_head_top && top_vecs_[j].size() == 1 && reads(j, head_top) &&
                           !reads(j, top_vecs_[j][0]) && kept.count(head_top) == 0;
        for (int k = j + 1; last_reader && k < n; ++k) last_reader = !reads(k, head_top);
        if (!last_reader) break;
        left_head_top = true;
        top = top_vecs_[j][0];
      }
      next.push_back({layers_[j].get(), bottom_vecs_[j], top_vecs_[j], in_place});
      context.need_backward = context.need_backward || (!forward_only && layer_need_backward_[j]);
    }
    if (next.empty()) continue;
    const int taken = std::min<int>(fusing_[i]->Fuse(next, context), static_cast<int>(next.size()));
    if (taken <= 0) continue;
    fused_count_[i] = taken;
    for (int j = i + 1; j <= i + taken; ++j) fused_head_[j] = i;
    VLOG(1) << "net '" << name_ << "': layer '" << layer_names_[i] << "' runs the " << taken
            << " layer(s) after it in its CPU passes, up to '" << layer_names_[i + taken] << "'";
    i += taken;
  }
}

void Net::SkipInputGradients() {
  // learned[b]: some parameter a solver would update reaches blob b.
  std::vector<bool> learned(blobs_.size(), false);
  for (size_t i = 0; i < layers_.size(); ++i) {
    const LayerParameter& lp = layers_[i]->layer_param();
    bool reaches = false;
    for (size_t p = 0; p < layers_[i]->blobs().size(); ++p) {
      reaches = reaches || (static_cast<int>(p) < lp.param_size() ? lp.param(p).lr_mult() != 0.f : true);
    }
    bool any_bottom = false;
    for (size_t b = 0; b < bottom_id_vecs_[i].size(); ++b) {
      const bool need = learned[bottom_id_vecs_[i][b]];
      bottom_need_backward_[i][b] = bottom_need_backward_[i][b] && need;
      any_bottom = any_bottom || need;
    }
    if (!reaches && !any_bottom) layer_need_backward_[i] = false;
    for (int id : top_id_vecs_[i]) learned[id] = learned[id] || reaches || any_bottom;
  }
}

float Net::Forward() {
  if (layers_.empty()) return 0.f;
  return ForwardFromTo(0, static_cast<int>(layers_.size()) - 1);
}

void Net::Backward() {
  if (layers_.empty()) return;
  BackwardFromTo(static_cast<int>(layers_.size()) - 1, 0);
  if (!debug_info_) return;
  double asum_data = 0, asum_diff = 0, sumsq_data = 0, sumsq_diff = 0;
  for (const Blob* b : learnable_params_) {
    asum_data += b->asum_data();
    asum_diff += b->asum_diff();
    sumsq_data += b->sumsq_data();
    sumsq_diff += b->sumsq_diff();
  }
  LOG(INFO) << "    [Backward] All net params (data, diff): L1 norm = (" << asum_data << ", " << asum_diff
            << "); L2 norm = (" << std::sqrt(sumsq_data) << ", " << std::sqrt(sumsq_diff) << ")";
}

float Net::ForwardBackward() {
  const float loss = Forward();
  Backward();
  return loss;
}

void Net::Reshape() {
  const Built built{layers_, layer_names_, blob_names_, blobs_, bottom_id_vecs_, top_id_vecs_};
  for (size_t i = 0; i < layers_.size(); ++i) {
    WithShapeChains(built, static_cast<int>(i), bottom_vecs_[i], [&] {
      InLayer(layers_[i]->layer_param(), [&] { layers_[i]->Reshape(bottom_vecs_[i], top_vecs_[i]); });
    });
  }
}

void Net::ClearParamDiffs() {
  for (Blob* b : learnable_params_) {
    if (!b->count()) continue;
#ifdef CNN_WITH_CUDA
    if (Context::mode() == Mode::GPU) {
      gpu_set(b->count(), 0.f, b->mutable_gpu_diff());
      continue;
    }
#endif
    cpu_set(b->count(), 0.f, b->mutable_cpu_diff());
  }
}

BlobPtr Net::blob_by_name(const std::string& name) const {
  const auto it = blob_index_.find(name);
  CNN_CHECK(it != blob_index_.end(), "net '" << name_ << "' has no blob named '" << name << "'");
  return blobs_[it->second];
}

Layer* Net::layer_by_name(const std::string& name) const {
  const auto it = layer_index_.find(name);
  CNN_CHECK(it != layer_index_.end(), "net '" << name_ << "' has no layer named '" << name << "'");
  return layers_[it->second].get();
}

void Net::ForwardDebugInfo(int layer_id) const {
  for (size_t t = 0; t < top_vecs_[layer_id].size(); ++t) {
    const Blob& b = *top_vecs_[layer_id][t];
    LOG(INFO) << "    [Forward] Layer " << layer_names_[layer_id] << ", top blob "
              << blob_names_[top_id_vecs_[layer_id][t]]
              << " data: " << (b.count() ? b.asum_data() / b.count() : 0.f);
  }
  for (size_t p = 0; p < layers_[layer_id]->blobs().size(); ++p) {
    const Blob& b = *layers_[layer_id]->blobs()[p];
    LOG(INFO) << "    [Forward] Layer " << layer_names_[layer_id] << ", param blob "
              << param_display_names_[param_id_vecs_[layer_id][p]]
              << " data: " << (b.count() ? b.asum_data() / b.count() : 0.f);
  }
}

void Net::BackwardDebugInfo(int layer_id) const {
  for (size_t i = 0; i < bottom_vecs_[layer_id].size(); ++i) {
    if (!bottom_need_backward_[layer_id][i]) continue;
    const Blob& b = *bottom_vecs_[layer_id][i];
    LOG(INFO) << "    [Backward] Layer " << layer_names_[layer_id] << ", bottom blob "
              << blob_names_[bottom_id_vecs_[layer_id][i]]
              << " diff: " << (b.count() ? b.asum_diff() / b.count() : 0.f);
  }
  for (size_t p = 0; p < layers_[layer_id]->blobs().size(); ++p) {
    if (!layers_[layer_id]->param_propagate_down(static_cast<int>(p))) continue;
    const Blob& b = *layers_[layer_id]->blobs()[p];
    LOG(INFO) << "    [Backward] Layer " << layer_names_[layer_id] << ", param blob " << p
              << " diff: " << (b.count() ? b.asum_diff() / b.count() : 0.f);
  }
}

std::string Net::blob_name(const Blob* blob) const {
  for (size_t b = 0; b < blobs_.size(); ++b)
    if (blobs_[b].get() == blob) return blob_names_[b];
  return "";
}

float Net::blob_loss_weight(const Blob* blob) const {
  for (size_t l = 0; l < layers_.size(); ++l)
    for (size_t t = 0; t < top_vecs_[l].size(); ++t)
      if (top_vecs_[l][t] == blob) return layers_[l]->loss(static_cast<int>(t));
  return 0.f;
}

}  // namespace cnn
