#include "cnn/parallel/data_parallel.hpp"

#include <glog/logging.h>

#include <algorithm>
#include <climits>
#include <map>
#include <chrono>
#include <cstring>
#include <string>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"

namespace cnn {
namespace parallel {
namespace {

// 16 MiB per all-reduce: large enough that per-call latency is negligible,
// small enough that a big net's gradients do not need a second full copy.
constexpr size_t kBucketFloats = size_t{1} << 22;

// A loss layer whose loss_param asks for no normalisation sums over its
// batch; every other loss averages (Caffe's VALID default, BATCH_SIZE, FULL,
// and the layers that always divide by the batch).
bool SumsOverBatch(const LayerParameter& lp) {
  if (!lp.has_loss_param()) return false;
  const LossParameter& loss = lp.loss_param();
  if (loss.has_normalization()) return loss.normalization() == LossParameter::NONE;
  return loss.has_normalize() && !loss.normalize();
}

// Readers that every rank would read whole: the run would silently see each
// record N times per step.
bool UnshardedReader(const std::string& type) {
  return type == "ImageData" || type == "HDF5Data" || type == "WindowData" || type == "MemoryData";
}

}  // namespace

DataParallel::DataParallel(Solver* solver, Communicator* comm, Options options)
    : solver_(solver), comm_(comm), options_(options) {
  Net& net = solver_->net();
  int summing = 0, averaging = 0;
  for (size_t l = 0; l < net.layers().size(); ++l) {
    const Layer& layer = *net.layers()[l];
    CNN_CHECK(!UnshardedReader(layer.type()),
              "layer '" << net.layer_names()[l] << "' (" << layer.type() << ") would read the same records on every "
                        << "rank: data-parallel training shards only Data layers (LMDB/LevelDB) so far");
    bool is_loss = false;
    for (size_t t = 0; t < net.top_vecs()[l].size(); ++t) is_loss = is_loss || layer.loss(static_cast<int>(t)) != 0.f;
    if (is_loss) (SumsOverBatch(layer.layer_param()) ? summing : averaging) += 1;
  }
  CNN_CHECK(summing == 0 || averaging == 0,
            "net '" << net.name() << "': " << summing << " loss layer(s) with normalization NONE and " << averaging
                    << " normalised one(s): data-parallel training cannot make both equal to one big batch "
                    << "(give them the same normalization)");
  gradient_scale_ = summing > 0 ? 1.f : 1.f / comm_->size();

  // Same seed, same fillers: the weights should already agree, but a rank
  // that drew differently (another build, a --weights file that changed
  // between reads) must not train a different net.
  for (Blob* p : net.learnable_params()) {
    if (p->count() == 0) continue;
    comm_->Broadcast(p->mutable_cpu_data(), sizeof(float) * p->count(), 0);
  }

  // Overlap: a parameter's gradient is complete once the lowest layer using
  // it (backward runs from the last layer down) has run its backward pass in
  // the iteration's last pass; its all-reduce starts there. Off in GPU mode
  // (the diffs would be copied to the host layer by layer) and with
  // debug_info (which reads every diff after the pass).
  overlap_ = Context::mode() == Mode::CPU && !solver_->param().debug_info();
  if (overlap_) {
    std::vector<int> layer_of;
    for (size_t l = 0; l < net.layers().size(); ++l)
      layer_of.insert(layer_of.end(), net.layers()[l]->blobs().size(), static_cast<int>(l));
    CNN_CHECK(layer_of.size() == net.params().size(), "net '" << net.name() << "': parameter list out of step");
    std::map<const Blob*, int> lowest;
    for (size_t j = 0; j < net.params().size(); ++j) {
      const int owner = net.param_owners()[j] < 0 ? static_cast<int>(j) : net.param_owners()[j];
      const Blob* blob = net.params()[owner].get();
      auto it = lowest.find(blob);
      if (it == lowest.end() || layer_of[j] < it->second) lowest[blob] = layer_of[j];
    }
    ready_at_.assign(net.layers().size(), {});
    for (size_t i = 0; i < net.learnable_params().size(); ++i) {
      auto it = lowest.find(net.learnable_params()[i]);
      if (it != lowest.end()) ready_at_[it->second].push_back(static_cast<int>(i));
    }
    started_.assign(net.learnable_params().size(), 0);
    net.set_backward_hook([this](int layer) { OnLayerBackward(layer); });
  }

  Solver::Callback callback;
  callback.on_start = [this] { OnStart(); };
  callback.on_gradients_ready = [this] { OnGradientsReady(); };
  if (options_.early_stopping) callback.agree_stop = [this](bool stop) { return AgreeStop(stop); };
  solver_->add_callback(std::move(callback));
}

SolverAction DataParallel::TakeAgreedAction() {
  const SolverAction action = agreed_;
  agreed_ = SolverAction::NONE;
  return action;
}

void DataParallel::OnLayerBackward(int layer) {
  // A pass starts again from the top: a layer not below the previous one.
  if (layer >= last_layer_) ++passes_;
  last_layer_ = layer;
  if (passes_ < solver_->param().iter_size()) return;
  const auto& params = solver_->net().learnable_params();
  for (int i : ready_at_[layer]) {
    Blob* p = params[i];
    if (p->count() == 0 || started_[i]) continue;
    comm_->StartAllReduceSum(p->mutable_cpu_diff(), static_cast<size_t>(p->count()));
    started_[i] = 1;
  }
  comm_->Progress();
}

bool DataParallel::AgreeStop(bool stop) {
  const int iter = solver_->iter();
  const bool tested = options_.test_interval > 0 && iter % options_.test_interval == 0 &&
                      (iter > 0 || options_.test_initialization);
  if (!tested) return stop;
  // Only rank 0 scored the pass: its decision is everyone's.
  unsigned char decision = stop ? 1 : 0;
  comm_->Broadcast(&decision, sizeof decision, 0);
  return decision != 0;
}

void DataParallel::OnStart() {
  passes_ = 1;
  last_layer_ = INT_MAX;
  // Rank 0 reaches here only after the previous iteration's snapshot (and
  // this iteration's test pass) are written: the others wait for it.
  if (snapshot_pending_) comm_->Barrier();
  snapshot_pending_ = false;
}

void DataParallel::OnGradientsReady() {
  Net& net = solver_->net();
  struct Piece {
    float* data;
    size_t count;
    float scale;
  };
  // The train net's outputs (averaged for the display) and two signal
  // counters travel with the last gradients.
  std::vector<float> extras;
  for (const Blob* out : net.output_blobs()) extras.insert(extras.end(), out->cpu_data(), out->cpu_data() + out->count());
  const SolverAction local = local_action_ ? local_action_() : SolverAction::NONE;
  extras.push_back(local == SolverAction::STOP ? 1.f : 0.f);
  extras.push_back(local == SolverAction::SNAPSHOT ? 1.f : 0.f);

  const auto started = std::chrono::steady_clock::now();
  // What backward started is finished first; what it did not (parameters of
  // layers that ran no backward, GPU mode) goes in the buckets below.
  comm_->WaitAll();
  std::vector<Piece> pieces;
  int during_backward = 0, blobs = 0;
  const bool on_device = comm_->device_memory() && Context::mode() == Mode::GPU;
  std::vector<Blob*> device_blobs;
  const auto& params = net.learnable_params();
  for (size_t i = params.size(); i-- > 0;) {
    Blob* p = params[i];
    if (p->count() == 0) continue;
    ++blobs;
    if (i < started_.size() && started_[i]) {
      ++during_backward;
      if (gradient_scale_ != 1.f) p->scale_diff(gradient_scale_);
      started_[i] = 0;
      continue;
    }
    if (on_device) {
      comm_->StartAllReduceSum(p->mutable_gpu_diff(), static_cast<size_t>(p->count()));
      device_blobs.push_back(p);
      continue;
    }
    pieces.push_back({p->mutable_cpu_diff(), static_cast<size_t>(p->count()), gradient_scale_});
  }
  // A device communicator (NCCL) buckets and reduces the GPU gradients on
  // the stream: no host copy, and the update's kernels follow in order.
  if (!device_blobs.empty()) {
    comm_->WaitAll();
    if (gradient_scale_ != 1.f)
      for (Blob* p : device_blobs) p->scale_diff(gradient_scale_);
  }
  pieces.push_back({extras.data(), extras.size() - 2, 1.f / comm_->size()});
  pieces.push_back({extras.data() + extras.size() - 2, 2, 1.f});

  // Pieces are packed end to end into the bucket; a piece larger than the
  // bucket is reduced in place, without a copy.
  bucket_.reserve(kBucketFloats);
  struct Slice {
    const Piece* piece;
    size_t offset, count;
  };
  std::vector<Slice> slices;
  auto flush = [&] {
    if (bucket_.empty()) return;
    comm_->AllReduceSum(bucket_.data(), bucket_.size());
    size_t at = 0;
    for (const Slice& s : slices) {
      float* dst = s.piece->data + s.offset;
      for (size_t i = 0; i < s.count; ++i) dst[i] = bucket_[at + i] * s.piece->scale;
      at += s.count;
    }
    bucket_.clear();
    slices.clear();
  };
  for (const Piece& piece : pieces) {
    if (piece.count >= kBucketFloats) {
      flush();
      comm_->AllReduceSum(piece.data, piece.count);
      if (piece.scale != 1.f)
        for (size_t i = 0; i < piece.count; ++i) piece.data[i] *= piece.scale;
      continue;
    }
    if (bucket_.size() + piece.count > kBucketFloats) flush();
    slices.push_back({&piece, 0, piece.count});
    bucket_.insert(bucket_.end(), piece.data, piece.data + piece.count);
  }
  flush();

  // Rank 0's time in the exchange after its backward: what the overlap did
  // not hide, plus waiting for the slowest rank, i.e. what data parallelism
  // costs per step.
  exchange_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ++exchanges_;
  size_t floats = 0;
  for (const Blob* p : params) floats += static_cast<size_t>(p->count());

  size_t k = 0;
  for (Blob* out : net.output_blobs()) {
    float* d = out->mutable_cpu_data();
    for (int j = 0; j < out->count(); ++j) d[j] = extras[k++];
  }
  const float stops = extras[extras.size() - 2], snapshots = extras.back();
  agreed_ = stops > 0 ? SolverAction::STOP : snapshots > 0 ? SolverAction::SNAPSHOT : SolverAction::NONE;

  const SolverParameter& param = solver_->param();
  const int next = solver_->iter() + 1;
  snapshot_pending_ = agreed_ != SolverAction::NONE || (options_.snapshot_interval > 0 && next % options_.snapshot_interval == 0);
  if (param.display() > 0 && solver_->iter() % param.display() == 0) {
    LOG(INFO) << "All-reduce over " << comm_->size() << " ranks: " << during_backward << " of " << blobs
              << " parameter blobs started during backward; " << floats << " gradient floats ("
              << floats * sizeof(float) / 1048576.0 << " MiB), " << 1000 * exchange_s_ / exchanges_
              << " ms per iteration (mean of " << exchanges_ << ")";
    exchange_s_ = 0;
    exchanges_ = 0;
    if (options_.check_replicas) CheckReplicas();
  }
}

uint64_t DataParallel::WeightChecksum(const Net& net) {
  // FNV-1a over the bytes: any difference in any bit shows.
  uint64_t hash = 1469598103934665603ull;
  for (const Blob* p : net.learnable_params()) {
    const unsigned char* bytes = reinterpret_cast<const unsigned char*>(p->cpu_data());
    for (size_t i = 0; i < sizeof(float) * static_cast<size_t>(p->count()); ++i) {
      hash ^= bytes[i];
      hash *= 1099511628211ull;
    }
  }
  return hash;
}

void DataParallel::CheckReplicas() {
  const uint64_t mine = WeightChecksum(solver_->net());
  uint64_t reference = mine;
  comm_->Broadcast(&reference, sizeof reference, 0);
  // Every rank learns which differ, so all stop together with one message.
  std::vector<double> differs(comm_->size(), 0.0);
  differs[comm_->rank()] = mine != reference ? 1.0 : 0.0;
  comm_->AllReduceSum(differs.data(), differs.size());
  if (std::count(differs.begin(), differs.end(), 0.0) == static_cast<long>(differs.size())) {
    VLOG(1) << "iteration " << solver_->iter() << ": weights identical on all " << comm_->size() << " ranks";
    return;
  }
  std::string which;
  for (size_t r = 0; r < differs.size(); ++r)
    if (differs[r] > 0) which += (which.empty() ? "" : ", ") + std::to_string(r);
  CNN_THROW("iteration " << solver_->iter() << ": the weights of rank(s) " << which << " differ from rank 0's "
                         << "(checksum of their bytes): the replicas are out of step");
}

}  // namespace parallel
}  // namespace cnn
