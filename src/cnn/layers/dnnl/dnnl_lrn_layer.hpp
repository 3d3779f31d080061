// LRNLayer on oneDNN's CPU LRN primitives, both regions. oneDNN's alpha is
// divided by the window's size (n across channels, n^2 within) as Caffe's
// is, and its windows are centred, zero padded and always divided by that
// full size, which is Caffe's rule for the odd local_size our layer insists
// on; WITHIN_CHANNEL gets k = 1, as Caffe's pooling-based form has. With
// channels a multiple of 16 the primitives run on nChw16c copies (oneDNN's
// plain-layout LRN is a slow reference kernel), reordered around each call.
// Our own
// CPU code runs in place (oneDNN's backward reads the overwritten input),
// for an empty blob and where oneDNN refuses the shape. GPU passes are ours.
#pragma once

#include <memory>
#include <vector>

#include "cnn/layers/norm/lrn_layer.hpp"

namespace cnn {

class DnnlLRNLayer : public LRNLayer {
 public:
  explicit DnnlLRNLayer(const LayerParameter& param);
  ~DnnlLRNLayer() override;

  void Reshape(const BlobVec& bottom, const BlobVec& top) override;
  bool uses_dnnl() const { return uses_dnnl_; }

 protected:
  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down, const BlobVec& bottom) override;

 private:
  struct Primitives;
  void Prepare(const std::vector<int>& shape);

  bool uses_dnnl_ = false;
  bool in_place_ = false;
  std::vector<int> shape_;  // the input shape uses_dnnl_ was decided for
  std::unique_ptr<Primitives> prims_;
};

}  // namespace cnn
