// The base of RNN and LSTM (Caffe's RecurrentLayer). The layer builds a net
// of ordinary layers (InnerProduct, Eltwise, Scale, Slice, Concat, LSTMUnit
// ...) that unrolls the recurrence over the T time steps of its input, with
// every step's weights shared by name, and runs that net forward and back.
//
// Bottoms: x (T x N x ...), cont (T x N; 0 where a sequence starts, 1 where it
// goes on), optionally x_static (N x ..., seen at every step), and with
// recurrent_param.expose_hidden the initial hidden state(s) (1 x N x H each).
// Tops: the output sequence (T x N x num_output) and, with expose_hidden, the
// final hidden state(s). Without expose_hidden the state after the last step
// of one batch starts the next batch (reset by cont = 0), as in Caffe.
//
// The learnable blobs are the unrolled net's distinct parameters in the order
// its layers create them, which is Caffe's order, so Caffe's caffemodels load.
// As in Caffe, no gradient flows into cont or the exposed hidden states.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "cnn/core/layer.hpp"
#include "cnn/net/net.hpp"

namespace cnn {

class RecurrentLayer : public Layer {
 public:
  explicit RecurrentLayer(const LayerParameter& param) : Layer(param) {}

  void LayerSetUp(const BlobVec& bottom, const BlobVec& top) override;
  void Reshape(const BlobVec& bottom, const BlobVec& top) override;

  int MinBottomBlobs() const override;
  int MaxBottomBlobs() const override { return MinBottomBlobs() + 1; }
  int ExactNumTopBlobs() const override;
  bool AllowForceBackward(int bottom_index) const override {
    return bottom_index == 0 || (static_input_ && bottom_index == 2);
  }

  // The net the layer runs (for tests and debugging).
  const Net& unrolled_net() const { return *unrolled_net_; }

 protected:
  // The layers of the unrolled net after the Input layer of x, cont and
  // x_static, named without this layer's prefix.
  virtual void FillUnrolledNet(NetParameter* net_param) const = 0;
  // Blobs of the unrolled net holding the state before the first step and
  // after the last (paired), their shapes, and the net's output sequences.
  virtual std::vector<std::string> RecurrentInputBlobNames() const = 0;
  virtual std::vector<std::string> RecurrentOutputBlobNames() const = 0;
  virtual std::vector<std::vector<int>> RecurrentInputShapes() const = 0;
  virtual std::vector<std::string> OutputBlobNames() const = 0;

  void Forward_cpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#ifdef CNN_WITH_CUDA
  void Forward_gpu(const BlobVec& bottom, const BlobVec& top) override;
  void Backward_gpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                    const BlobVec& bottom) override;
#endif

  int num_output() const { return static_cast<int>(layer_param_.recurrent_param().num_output()); }
  bool static_input() const { return static_input_; }

  int T_ = 0;  // time steps
  int N_ = 0;  // independent streams

 private:
  // (Re)builds the unrolled net for x's current number of time steps; a net
  // built again keeps the weights it had.
  void BuildUnrolledNet(const BlobVec& bottom);
  // Points every parameter of the unrolled net at the layer's blobs. Redone
  // before each pass: a net sharing weights with this one (the TEST net with
  // the TRAIN net) swaps the memory of blobs() under the unrolled net.
  void ShareParams();
  void CheckShapes(const BlobVec& bottom) const;
  void CheckBackward(const std::vector<bool>& propagate_down) const;

  bool static_input_ = false;
  bool expose_hidden_ = false;
  std::unique_ptr<Net> unrolled_net_;
  std::vector<int> param_blob_;  // for each unrolled-net param, its index in blobs_
  Blob* x_input_ = nullptr;
  Blob* cont_input_ = nullptr;
  Blob* x_static_input_ = nullptr;
  BlobVec recur_inputs_, recur_outputs_, outputs_;
  int last_layer_ = 0;  // the pseudo-losses after it are never run
};

}  // namespace cnn
