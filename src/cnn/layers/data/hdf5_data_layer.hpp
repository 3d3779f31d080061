// HDF5Data: batches of rows from the HDF5 files a list names (Caffe's
// HDF5Data layer; hdf5_data_param { source batch_size shuffle }). Each top
// is filled from the dataset named like the top, of any rank: a dataset of
// shape (N, d1, ..., dk) gives a top of shape (batch_size, d1, ..., dk).
// Batches run on across file boundaries and from the last file back to the
// first; with shuffle the file order and each file's row order are drawn
// afresh every pass (see cnn/data/hdf5_row_reader.hpp). Values are float,
// double or integer in the file, float in the tops. No transform_param,
// as in Caffe.
//
// Read on Forward's thread (no prefetching: a file is loaded whole when the
// reader reaches it, so a batch is copies out of memory). In GPU mode the
// tops are filled on the host and synced memory uploads them.
//
// Stateful: the state is the reader's position (pass, file, row), its
// shuffle seed and the rows delivered, so a resumed run reads exactly the
// batches a straight one would.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cnn/core/layer.hpp"
#include "cnn/core/stateful.hpp"
#include "cnn/data/hdf5_row_reader.hpp"

namespace cnn {

class HDF5DataLayer : public Layer, public Stateful {
 public:
  explicit HDF5DataLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  // The tops keep the shapes SetUp gave them.
  void Reshape(const BlobVec& bottom, const BlobVec& top) override {}

  const char* type() const override { return "HDF5Data"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int MinTopBlobs() const override { return 1; }

  std::string SaveState() const override;
  void RestoreState(const std::string& state) override;
  uint64_t RecordsDelivered(const std::string& state) const override { return ParseState(state).delivered; }
  uint64_t RecordsPerForward() const override { return batch_size_; }
  uint64_t RecordsInSource() const override { return reader_ ? reader_->rows_per_pass() : 0; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {}
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override { Forward_cpu(bottom, top); }
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {}
#endif

 private:
  struct Saved {
    Hdf5RowReader::Position position;
    uint32_t seed = 0;
    uint64_t delivered = 0;
  };
  Saved ParseState(const std::string& state) const;
  void Apply(const Saved& saved);

  uint64_t batch_size_ = 0;
  std::unique_ptr<Hdf5RowReader> reader_;
  uint64_t delivered_ = 0;
  std::string pending_state_;  // a RestoreState that came before SetUp
};

}  // namespace cnn
