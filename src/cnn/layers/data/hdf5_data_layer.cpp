#include "cnn/layers/data/hdf5_data_layer.hpp"

#include <glog/logging.h>

#include <algorithm>
#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {
namespace {

constexpr const char* kStateTag = "cnn.HDF5DataLayer.v1";

}  // namespace

void HDF5DataLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const HDF5DataParameter& p = layer_param_.hdf5_data_param();
  CNN_CHECK(!p.source().empty(), where() << "hdf5_data_param.source (the list of HDF5 files) is not set");
  CNN_CHECK(p.batch_size() > 0, where() << "hdf5_data_param.batch_size must be positive");
  batch_size_ = p.batch_size();
  std::vector<std::string> datasets(layer_param_.top().begin(), layer_param_.top().end());
  const uint32_t seed = p.shuffle() ? static_cast<uint32_t>(Context::rng()()) : 0u;
  try {
    reader_ = std::make_unique<Hdf5RowReader>(p.source(), datasets, p.shuffle(), seed);
  } catch (const Error& e) {
    throw Error(where() + e.what());
  }
  for (size_t d = 0; d < top.size(); ++d) {
    std::vector<int> shape{static_cast<int>(batch_size_)};
    const std::vector<int>& row = reader_->row_shape(d);
    shape.insert(shape.end(), row.begin(), row.end());
    top[d]->Reshape(shape);
  }
  LOG(INFO) << "layer '" << name() << "' reads " << reader_->rows_per_pass() << " rows from the "
            << reader_->num_files() << " HDF5 file(s) of '" << p.source() << "'" << (p.shuffle() ? ", shuffled" : "")
            << ": " << top[0]->shape_string();
  delivered_ = 0;
  if (!pending_state_.empty()) {
    const std::string state = std::move(pending_state_);
    pending_state_.clear();
    Apply(ParseState(state));
  }
}

void HDF5DataLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(reader_, where() << "Forward before SetUp");
  std::vector<float*> out;
  for (Blob* t : top) out.push_back(t->mutable_cpu_data());
  for (uint64_t i = 0; i < batch_size_; ++i) {
    for (size_t d = 0; d < top.size(); ++d) {
      const size_t n = reader_->row_size(d);
      std::copy(reader_->row(d), reader_->row(d) + n, out[d] + i * n);
    }
    try {
      reader_->Next();
    } catch (const Error& e) {
      throw Error(where() + e.what());
    }
  }
  delivered_ += batch_size_;
}

std::string HDF5DataLayer::SaveState() const {
  CNN_CHECK(reader_, where() << "SaveState before SetUp");
  const Hdf5RowReader::Position pos = reader_->position();
  std::ostringstream s;
  s << kStateTag << ' ' << pos.pass << ' ' << pos.file << ' ' << pos.row << ' ' << reader_->seed() << ' '
    << delivered_;
  return s.str();
}

HDF5DataLayer::Saved HDF5DataLayer::ParseState(const std::string& state) const {
  std::istringstream in(state);
  std::string tag;
  Saved saved;
  in >> tag;
  CNN_CHECK(tag == kStateTag, where() << "the saved state does not belong to an HDF5Data layer");
  in >> saved.position.pass >> saved.position.file >> saved.position.row >> saved.seed >> saved.delivered;
  CNN_CHECK(!in.fail(), where() << "the saved state is damaged (" << state.size() << " bytes)");
  return saved;
}

void HDF5DataLayer::RestoreState(const std::string& state) {
  const Saved saved = ParseState(state);
  if (!reader_) {
    pending_state_ = state;
    return;
  }
  Apply(saved);
}

void HDF5DataLayer::Apply(const Saved& saved) {
  try {
    reader_->SeekTo(saved.seed, saved.position);
  } catch (const Error& e) {
    throw Error(where() + e.what());
  }
  delivered_ = saved.delivered;
}

#ifdef CNN_WITH_HDF5
CNN_REGISTER_LAYER(HDF5Data, HDF5DataLayer);
#endif

}  // namespace cnn
