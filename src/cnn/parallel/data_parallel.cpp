#include "cnn/parallel/data_parallel.hpp"

#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

#include "cnn/core/common.hpp"

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

  Solver::Callback callback;
  callback.on_start = [this] { OnStart(); };
  callback.on_gradients_ready = [this] { OnGradientsReady(); };
  solver_->add_callback(std::move(callback));
}

SolverAction DataParallel::TakeAgreedAction() {
  const SolverAction action = agreed_;
  agreed_ = SolverAction::NONE;
  return action;
}

void DataParallel::OnStart() {
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

  std::vector<Piece> pieces;
  const auto& params = net.learnable_params();
  for (auto it = params.rbegin(); it != params.rend(); ++it) {
    if ((*it)->count() > 0) pieces.push_back({(*it)->mutable_cpu_diff(), static_cast<size_t>((*it)->count()), gradient_scale_});
  }
  pieces.push_back({extras.data(), extras.size() - 2, 1.f / comm_->size()});
  pieces.push_back({extras.data() + extras.size() - 2, 2, 1.f});

  // Pieces are packed end to end into the bucket; a piece larger than the
  // bucket is reduced in place, without a copy.
  const auto started = std::chrono::steady_clock::now();
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

  // Rank 0's time in the exchange: the transfer plus waiting for the
  // slowest rank's backward, which is what data parallelism costs per step.
  exchange_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ++exchanges_;
  size_t floats = 0;
  for (const Piece& piece : pieces) floats += piece.count;

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
    LOG(INFO) << "All-reduce over " << comm_->size() << " ranks: " << floats << " floats ("
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
