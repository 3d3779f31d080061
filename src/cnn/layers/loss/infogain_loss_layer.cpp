#include "cnn/layers/loss/infogain_loss_layer.hpp"

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/io/proto_io.hpp"

namespace cnn {

void InfogainLossLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  norm_ = ReadLossNormalization(layer_param_, LossParameter_NormalizationMode_VALID, where(),
                                /*accepts_normalize=*/false);
  LayerParameter softmax_param;
  softmax_param.set_name(name() + "/softmax");
  softmax_param.set_type("Softmax");
  softmax_param.mutable_softmax_param()->set_axis(layer_param_.infogain_loss_param().axis());
  softmax_ = std::make_unique<SoftmaxLayer>(softmax_param);

  const InfogainLossParameter& p = layer_param_.infogain_loss_param();
  if (bottom.size() > 2) {
    CNN_CHECK(!p.has_source(), where() << "the infogain matrix is given twice: by a third bottom and by "
                                          "infogain_loss_param.source '" << p.source() << "'; give one");
    return;
  }
  CNN_CHECK(p.has_source(), where() << "needs the infogain matrix: set infogain_loss_param.source (a BlobProto "
                                       "file) or give it as a third bottom");
  BlobProto proto;
  try {
    ReadProtoFromBinaryFile(p.source(), &proto);
    infogain_.FromProto(proto);
  } catch (const Error& e) {
    CNN_THROW(where() << "infogain_loss_param.source '" << p.source() << "': " << e.what());
  }
}

void InfogainLossLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  const int axes = bottom[0]->num_axes();
  const int axis = layer_param_.infogain_loss_param().axis();
  CNN_CHECK(axis >= -axes && axis < axes, where() << "infogain_loss_param.axis " << axis
                                                  << " out of range for scores of shape "
                                                  << bottom[0]->shape_string());
  const int a = axis < 0 ? axis + axes : axis;
  outer_num_ = bottom[0]->count(0, a);
  classes_ = bottom[0]->shape(a);
  inner_num_ = bottom[0]->count(a + 1);
  CNN_CHECK(bottom[1]->num_axes() > 0 && bottom[1]->shape(0) == bottom[0]->shape(0) &&
                bottom[1]->count() == outer_num_ * inner_num_,
            where() << "needs one label per prediction: scores " << bottom[0]->shape_string() << " with class axis "
                    << a << " make " << outer_num_ * inner_num_ << " predictions, but labels "
                    << bottom[1]->shape_string() << " hold " << bottom[1]->count()
                    << " (and the first dimensions must agree)");
  const Blob& h = H(bottom);
  CNN_CHECK(h.count() == classes_ * classes_,
            where() << "the infogain matrix " << (bottom.size() > 2 ? "(bottom 2)" : "(infogain_loss_param.source)")
                    << " has shape " << h.shape_string() << ", but the scores "
                    << bottom[0]->shape_string() << " have " << classes_ << " classes: it needs " << classes_
                    << " x " << classes_ << " = " << classes_ * classes_ << " values");
  softmax_->Reshape({bottom[0]}, {&prob_});
  top[0]->Reshape(std::vector<int>{});
  if (top.size() > 1) top[1]->ReshapeLike(*bottom[0]);
}

int InfogainLossLayer::LabelAt(const float* labels, int position) const {
  const int label = static_cast<int>(labels[position]);
  if (!norm_.Ignores(label) && (label < 0 || label >= classes_)) ThrowBadLabel(label, position);
  return label;
}

void InfogainLossLayer::ThrowBadLabel(int label, int position) const {
  CNN_THROW(where() << "label " << label << " at position " << position << " is outside [0, " << classes_
                    << ") (the scores have " << classes_ << " classes)");
}

void InfogainLossLayer::CheckBackward(const std::vector<bool>& propagate_down) const {
  CNN_CHECK(!propagate_down[1], where() << "cannot backpropagate to the labels (bottom 1)");
  CNN_CHECK(propagate_down.size() < 3 || !propagate_down[2],
            where() << "cannot backpropagate to the infogain matrix (bottom 2)");
}

void InfogainLossLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  softmax_->Forward({bottom[0]}, {&prob_});
  const float* prob = prob_.cpu_data();
  const float* labels = bottom[1]->cpu_data();
  const float* h = H(bottom).cpu_data();
  const size_t dim = static_cast<size_t>(classes_) * inner_num_;
  double loss = 0.0;
  int valid = 0;
  for (int o = 0; o < outer_num_; ++o) {
    for (int j = 0; j < inner_num_; ++j) {
      const int label = LabelAt(labels, o * inner_num_ + j);
      if (norm_.Ignores(label)) continue;
      loss += InfogainPositionLoss(h + static_cast<size_t>(label) * classes_, prob + o * dim + j, inner_num_,
                                   classes_);
      ++valid;
    }
  }
  top[0]->mutable_cpu_data()[0] =
      static_cast<float>(loss / norm_.Divisor(static_cast<double>(outer_num_) * inner_num_, outer_num_, valid));
  if (top.size() > 1) top[1]->CopyFrom(prob_);
}

void InfogainLossLayer::Backward_cpu(const BlobVec& top, const std::vector<bool>& propagate_down,
                                     const BlobVec& bottom) {
  CheckBackward(propagate_down);
  if (!propagate_down[0]) return;
  const float* prob = prob_.cpu_data();
  const float* labels = bottom[1]->cpu_data();
  const float* h = H(bottom).cpu_data();
  // H may be a bottom that changes between passes: its row sums are taken each time.
  std::vector<float> row_sum(classes_, 0.f);
  for (int l = 0; l < classes_; ++l)
    for (int k = 0; k < classes_; ++k) row_sum[l] += h[static_cast<size_t>(l) * classes_ + k];
  float* dx = bottom[0]->mutable_cpu_diff();
  const size_t dim = static_cast<size_t>(classes_) * inner_num_;
  int valid = 0;
  for (int o = 0; o < outer_num_; ++o) {
    for (int j = 0; j < inner_num_; ++j) {
      const int label = LabelAt(labels, o * inner_num_ + j);
      const float* p = prob + o * dim + j;
      float* d = dx + o * dim + j;
      if (norm_.Ignores(label)) {
        for (int k = 0; k < classes_; ++k) d[static_cast<size_t>(k) * inner_num_] = 0.f;
        continue;
      }
      const float* hl = h + static_cast<size_t>(label) * classes_;
      for (int k = 0; k < classes_; ++k) {
        const size_t at = static_cast<size_t>(k) * inner_num_;
        d[at] = InfogainGradient(p[at], row_sum[label], hl[k]);
      }
      ++valid;
    }
  }
  // top[0]'s diff carries the loss weight.
  const float scale =
      top[0]->cpu_diff()[0] / norm_.Divisor(static_cast<double>(outer_num_) * inner_num_, outer_num_, valid);
  const int n = bottom[0]->count();
  for (int i = 0; i < n; ++i) dx[i] *= scale;
}

CNN_REGISTER_LAYER(InfogainLoss, InfogainLossLayer);

}  // namespace cnn
