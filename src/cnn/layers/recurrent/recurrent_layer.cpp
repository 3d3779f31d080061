#include "cnn/layers/recurrent/recurrent_layer.hpp"

#include <string>

#include "cnn/core/common.hpp"
#include "cnn/core/math.hpp"

namespace cnn {

namespace {

std::string ShapeOf(const std::vector<int>& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? " x " : "") + std::to_string(shape[i]);
  return s.empty() ? "a scalar" : s;
}

}  // namespace

int RecurrentLayer::MinBottomBlobs() const {
  return 2 + (layer_param_.recurrent_param().expose_hidden() ? static_cast<int>(RecurrentInputBlobNames().size()) : 0);
}

int RecurrentLayer::ExactNumTopBlobs() const {
  return static_cast<int>(OutputBlobNames().size()) +
         (layer_param_.recurrent_param().expose_hidden() ? static_cast<int>(RecurrentOutputBlobNames().size()) : 0);
}

void RecurrentLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(num_output() > 0, where() << "needs a positive recurrent_param.num_output");
  expose_hidden_ = layer_param_.recurrent_param().expose_hidden();
  const int num_hidden = expose_hidden_ ? static_cast<int>(RecurrentInputBlobNames().size()) : 0;
  static_input_ = static_cast<int>(bottom.size()) > 2 + num_hidden;
  CNN_CHECK(bottom[0]->num_axes() >= 2,
            where() << "x (bottom 0) has shape " << bottom[0]->shape_string()
                    << ", expected at least 2 axes: time steps x streams x ...");
  if (static_input_) {
    CNN_CHECK(bottom[2]->num_axes() >= 1, where() << "x_static (bottom 2) needs at least 1 axis (streams x ...)");
  }
  BuildUnrolledNet(bottom);
}

void RecurrentLayer::CheckShapes(const BlobVec& bottom) const {
  const Blob& x = *bottom[0];
  const Blob& cont = *bottom[1];
  CNN_CHECK(x.num_axes() >= 2, where() << "x (bottom 0) has shape " << x.shape_string()
                                       << ", expected at least 2 axes: time steps x streams x ...");
  CNN_CHECK(cont.num_axes() == 2 && cont.shape(0) == x.shape(0) && cont.shape(1) == x.shape(1),
            where() << "cont (bottom 1) has shape " << cont.shape_string() << ", expected " << x.shape(0) << " x "
                    << x.shape(1) << " (one indicator per time step and stream of x, shape "
                    << x.shape_string() << ")");
  if (static_input_) {
    CNN_CHECK(bottom[2]->num_axes() >= 1 && bottom[2]->shape(0) == x.shape(1),
              where() << "x_static (bottom 2) has shape " << bottom[2]->shape_string() << ", expected "
                      << x.shape(1) << " streams first, as x has");
  }
}

void RecurrentLayer::BuildUnrolledNet(const BlobVec& bottom) {
  CheckShapes(bottom);
  T_ = bottom[0]->shape(0);
  N_ = bottom[0]->shape(1);

  NetParameter net_param;
  net_param.set_name(name() + "_unrolled");
  net_param.mutable_state()->set_phase(phase_);
  net_param.set_debug_info(layer_param_.recurrent_param().debug_info());
  LayerParameter* input = net_param.add_layer();
  input->set_name("input");
  input->set_type("Input");
  input->add_top("x");
  *input->mutable_input_param()->add_shape() = BlobShape();
  for (int d : bottom[0]->shape()) input->mutable_input_param()->mutable_shape(0)->add_dim(d);
  input->add_top("cont");
  BlobShape* cont_shape = input->mutable_input_param()->add_shape();
  for (int d : bottom[1]->shape()) cont_shape->add_dim(d);
  if (static_input_) {
    input->add_top("x_static");
    BlobShape* s = input->mutable_input_param()->add_shape();
    for (int d : bottom[2]->shape()) s->add_dim(d);
  }
  FillUnrolledNet(&net_param);
  for (int i = 0; i < net_param.layer_size(); ++i) {
    LayerParameter* lp = net_param.mutable_layer(i);
    if (!name().empty()) lp->set_name(name() + "_" + lp->name());
  }
  // Unit losses on the outputs make the unrolled net plan a backward pass
  // into x and the weights (not into cont, as force_backward would). They
  // are never run: the outputs' diffs are this layer's tops' diffs.
  const std::vector<std::string> output_names = OutputBlobNames();
  for (const std::string& out : output_names) {
    LayerParameter* loss = net_param.add_layer();
    loss->set_name(out + "_pseudoloss");
    loss->set_type("Reduction");
    loss->add_bottom(out);
    loss->add_top(out + "_pseudoloss");
    loss->add_loss_weight(1.f);
  }

  // Weights the layer already has (a rebuild for another T, or blobs given
  // inline in the prototxt) are kept; fresh ones come from the fillers.
  std::vector<BlobPtr> kept = blobs_;
  unrolled_net_ = std::make_unique<Net>(net_param);
  const Net& net = *unrolled_net_;
  last_layer_ = static_cast<int>(net.layers().size()) - 1 - static_cast<int>(output_names.size());

  x_input_ = net.blob_by_name("x").get();
  cont_input_ = net.blob_by_name("cont").get();
  x_static_input_ = static_input_ ? net.blob_by_name("x_static").get() : nullptr;
  recur_inputs_.clear();
  recur_outputs_.clear();
  outputs_.clear();
  for (const std::string& n : RecurrentInputBlobNames()) recur_inputs_.push_back(net.blob_by_name(n).get());
  for (const std::string& n : RecurrentOutputBlobNames()) recur_outputs_.push_back(net.blob_by_name(n).get());
  for (const std::string& n : output_names) outputs_.push_back(net.blob_by_name(n).get());

  std::vector<BlobPtr> owned;
  param_blob_.assign(net.params().size(), -1);
  for (size_t i = 0; i < net.params().size(); ++i) {
    if (net.param_owners()[i] < 0) {
      param_blob_[i] = static_cast<int>(owned.size());
      owned.push_back(net.params()[i]);
    } else {
      param_blob_[i] = param_blob_[net.param_owners()[i]];
    }
  }
  if (kept.empty()) {
    blobs_ = owned;
  } else {
    CNN_CHECK(kept.size() == owned.size(), where() << "given " << kept.size() << " parameter blob(s), expected "
                                                   << owned.size());
    for (size_t k = 0; k < owned.size(); ++k) {
      CNN_CHECK(kept[k]->shape() == owned[k]->shape(),
                where() << "parameter blob " << k << " has shape " << kept[k]->shape_string() << ", expected "
                        << ShapeOf(owned[k]->shape()));
    }
    blobs_ = kept;
  }
  ShareParams();
  param_propagate_down_.assign(blobs_.size(), true);
  // The state starts at zero; no gradient crosses from one batch to the next.
  for (Blob* b : recur_inputs_) cpu_set(b->count(), 0.f, b->mutable_cpu_data());
  for (Blob* b : recur_outputs_) {
    cpu_set(b->count(), 0.f, b->mutable_cpu_data());
    cpu_set(b->count(), 0.f, b->mutable_cpu_diff());
  }
}

void RecurrentLayer::ShareParams() {
  const std::vector<BlobPtr>& params = unrolled_net_->params();
  for (size_t i = 0; i < params.size(); ++i) {
    Blob& source = *blobs_[param_blob_[i]];
    if (params[i].get() == &source) continue;
    params[i]->ShareData(source);
    params[i]->ShareDiff(source);
  }
}

void RecurrentLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  CheckShapes(bottom);
  if (bottom[0]->shape(0) != T_) BuildUnrolledNet(bottom);
  const bool new_streams = bottom[0]->shape(1) != N_;
  N_ = bottom[0]->shape(1);
  x_input_->ReshapeLike(*bottom[0]);
  cont_input_->ReshapeLike(*bottom[1]);
  if (static_input_) x_static_input_->ReshapeLike(*bottom[2]);
  const std::vector<std::vector<int>> shapes = RecurrentInputShapes();
  for (size_t i = 0; i < recur_inputs_.size(); ++i) recur_inputs_[i]->Reshape(shapes[i]);
  unrolled_net_->Reshape();
  if (new_streams) {
    // A state carried over for another number of streams means nothing (and
    // fresh memory may hold anything, NaN included, that cont = 0 would not
    // cancel): start from zero.
    for (Blob* b : recur_outputs_) cpu_set(b->count(), 0.f, b->mutable_cpu_data());
  }
  x_input_->ShareData(*bottom[0]);
  x_input_->ShareDiff(*bottom[0]);
  cont_input_->ShareData(*bottom[1]);
  if (static_input_) {
    x_static_input_->ShareData(*bottom[2]);
    x_static_input_->ShareDiff(*bottom[2]);
  }
  if (expose_hidden_) {
    const int offset = 2 + (static_input_ ? 1 : 0);
    for (size_t j = 0; j < recur_inputs_.size(); ++j) {
      const Blob& given = *bottom[offset + j];
      CNN_CHECK(given.shape() == recur_inputs_[j]->shape(),
                where() << "initial state " << RecurrentInputBlobNames()[j] << " (bottom " << offset + j
                        << ") has shape " << given.shape_string() << ", expected "
                        << ShapeOf(recur_inputs_[j]->shape()));
      recur_inputs_[j]->ShareData(given);
    }
  }
  for (size_t i = 0; i < outputs_.size(); ++i) {
    top[i]->ReshapeLike(*outputs_[i]);
    top[i]->ShareData(*outputs_[i]);
    top[i]->ShareDiff(*outputs_[i]);
  }
  if (expose_hidden_) {
    for (size_t j = 0; j < recur_outputs_.size(); ++j) {
      Blob& t = *top[outputs_.size() + j];
      t.ReshapeLike(*recur_outputs_[j]);
      t.ShareData(*recur_outputs_[j]);
    }
  }
}

void RecurrentLayer::CheckBackward(const std::vector<bool>& propagate_down) const {
  CNN_CHECK(!propagate_down[1], where() << "cannot backpropagate to the sequence indicators cont (bottom 1)");
}

void RecurrentLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  ShareParams();
  if (!expose_hidden_) {
    for (size_t i = 0; i < recur_inputs_.size(); ++i) {
      cpu_copy(recur_inputs_[i]->count(), recur_outputs_[i]->cpu_data(), recur_inputs_[i]->mutable_cpu_data());
    }
  }
  unrolled_net_->ForwardFromTo(0, last_layer_);
}

void RecurrentLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                  const BlobVec& bottom) {
  CheckBackward(propagate_down);
  ShareParams();
  unrolled_net_->BackwardFromTo(last_layer_, 0);
}

}  // namespace cnn
