#include "cnn/layers/loss/item_label_loss_layer.hpp"

#include "cnn/core/common.hpp"

namespace cnn {

void ItemLabelLossLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  // Caffe divides these losses by N always; its BATCH_SIZE default is that.
  norm_ = ReadLossNormalization(layer_param_, LossParameter_NormalizationMode_BATCH_SIZE, where());
}

void ItemLabelLossLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(bottom[0]->num_axes() > 0 && bottom[0]->shape(0) > 0 && bottom[1]->num_axes() > 0 &&
                bottom[1]->shape(0) == bottom[0]->shape(0) && bottom[1]->count() == bottom[0]->shape(0),
            where() << "needs one label per item: " << values_ << " " << bottom[0]->shape_string() << " hold "
                    << (bottom[0]->num_axes() > 0 ? bottom[0]->shape(0) : 0) << " items, labels "
                    << bottom[1]->shape_string() << " (expected N or N x 1 x 1 x 1)");
  num_ = bottom[0]->shape(0);
  dim_ = bottom[0]->count() / num_;
  top[0]->Reshape(std::vector<int>{});
}

int ItemLabelLossLayer::LabelAt(const float* labels, int i) const {
  const int label = static_cast<int>(labels[i]);
  if (!norm_.Ignores(label) && (label < 0 || label >= dim_)) ThrowBadLabel(label, i);
  return label;
}

void ItemLabelLossLayer::ThrowBadLabel(int label, int item) const {
  CNN_THROW(where() << "label " << label << " of item " << item << " is outside [0, " << dim_ << ") (the "
                    << values_ << " have " << dim_ << " classes)");
}

}  // namespace cnn
