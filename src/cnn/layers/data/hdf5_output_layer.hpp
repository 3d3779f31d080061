// HDF5Output: writes its two bottoms, data and label, to the HDF5 file
// hdf5_output_param.file_name as the datasets "data" and "label" (Caffe's
// HDF5Output layer and names). The file is created (truncated) at SetUp and
// closed when the layer goes.
//
// Caffe writes the datasets on the first Forward and fails on the second
// (the datasets exist by then). Here the first Forward writes the same
// datasets and every later one appends its batch to them along the first
// axis, so after n Forwards of batch b the file holds n*b rows (a file
// written by one Forward holds what Caffe's would). Each dataset keeps its
// bottom's own shape (Caffe pads both to 4 axes: a label of shape (N) is
// (N,1,1,1) there). The file is flushed after every Forward, so it is
// readable while training runs.
// No tops, no backward.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/layer.hpp"
#include "cnn/io/hdf5_file.hpp"

namespace cnn {

class HDF5OutputLayer : public Layer {
 public:
  explicit HDF5OutputLayer(const LayerParameter& param) : Layer(param) {}
  ~HDF5OutputLayer() override;

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "HDF5Output"; }
  int ExactNumBottomBlobs() const override { return 2; }
  int ExactNumTopBlobs() const override { return 0; }
  // Nothing flows back into what it writes.
  bool AllowForceBackward(int bottom_index) const override { return false; }

  // Rows written so far (data and label alike).
  int64_t rows_written() const { return rows_; }

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
  std::unique_ptr<hdf5::File> file_;
  int64_t rows_ = 0;
};

}  // namespace cnn
