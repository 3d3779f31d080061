// MemoryData: hands the net batches from arrays its driver owns (Caffe's
// MemoryData layer; memory_data_param { batch_size channels height width }).
// Tops: data {batch_size, channels, height, width} and label {batch_size}.
//
// The public API below is what a C++ driver (and the Python module) calls
// between SetUp and Forward:
//   - Reset(data, labels, n): n examples, n a multiple of batch_size; data
//     holds n x channels x height x width floats, labels n floats. The
//     arrays are not copied and not owned: they must stay alive and
//     unchanged until the next Reset. As in Caffe, Reset'd data is NOT
//     transformed (a transform_param draws a warning): it reaches the net
//     as given.
//   - AddDatumVector(datums): Caffe's other way in. The records are decoded
//     and transformed by transform_param (crop, mirror, mean, scale and our
//     own options), copied into storage the layer owns, and then served as
//     after a Reset.
//   - AddMatVector(images, labels) (OpenCV builds): the same for 8-bit
//     OpenCV images (BGR or grey) with their labels.
// Each Forward copies the next batch_size examples into the tops, going
// back to the first after the last. A Forward before any data is an error.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/core/layer.hpp"
#include "cnn/data/data_transformer.hpp"

// Declared only, so that the .cu file compiles without OpenCV's headers.
namespace cv {
class Mat;
}

namespace cnn {

class MemoryDataLayer : public Layer {
 public:
  explicit MemoryDataLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  const char* type() const override { return "MemoryData"; }
  int ExactNumBottomBlobs() const override { return 0; }
  int ExactNumTopBlobs() const override { return 2; }

  // Serves `n` examples from `data` and `labels` (see above), from the
  // first. Throws Error when a pointer is null or n is not a positive
  // multiple of batch_size.
  void Reset(const float* data, const float* labels, int n);
  // Transforms the records into the layer's own storage and serves them
  // (see above). Throws Error naming the record that does not fit
  // channels x height x width after the transform.
  void AddDatumVector(const std::vector<Datum>& datums);
#ifdef CNN_WITH_OPENCV
  // Throws Error when the counts differ, or as AddDatumVector.
  void AddMatVector(const std::vector<cv::Mat>& images, const std::vector<int>& labels);
#endif
  // Another batch size; the data given before must be a multiple of it.
  void set_batch_size(int batch_size);

  int batch_size() const { return batch_size_; }
  int channels() const { return channels_; }
  int height() const { return height_; }
  int width() const { return width_; }
  // Examples served now (0 before the first Reset) and the next one Forward
  // delivers.
  int num_examples() const { return n_; }
  int position() const { return pos_; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {}
#ifdef CNN_WITH_CUDA
  // Uploads the batch straight from the host arrays into the device tops.
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override {}
#endif

 private:
  // Checks that data was given and moves pos_ on after a Forward.
  void CheckHasData() const;
  void Advance() { pos_ = (pos_ + batch_size_) % n_; }

  int batch_size_ = 0, channels_ = 0, height_ = 0, width_ = 0;
  size_t example_size_ = 0;  // floats of one example

  const float* data_ = nullptr;
  const float* labels_ = nullptr;
  int n_ = 0;
  int pos_ = 0;

  std::unique_ptr<DataTransformer> transformer_;
  std::vector<float> added_data_, added_labels_;  // AddDatumVector's
};

}  // namespace cnn
