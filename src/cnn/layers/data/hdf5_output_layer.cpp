#include "cnn/layers/data/hdf5_output_layer.hpp"

#include <glog/logging.h>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

HDF5OutputLayer::~HDF5OutputLayer() {
  if (!file_) return;
  try {
    file_->Close();
  } catch (const Error& e) {
    LOG(ERROR) << where() << e.what();
  }
}

void HDF5OutputLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  const std::string& name = layer_param_.hdf5_output_param().file_name();
  CNN_CHECK(!name.empty(), where() << "hdf5_output_param.file_name is not set");
  file_.reset();
  try {
    file_ = std::make_unique<hdf5::File>(hdf5::File::Create(name));
  } catch (const Error& e) {
    throw Error(where() + e.what());
  }
  rows_ = 0;
}

void HDF5OutputLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(bottom[0]->num_axes() >= 1 && bottom[1]->num_axes() >= 1,
            where() << "data and label need a first (batch) axis");
  CNN_CHECK(bottom[0]->shape(0) == bottom[1]->shape(0),
            where() << "data has " << bottom[0]->shape(0) << " rows, label " << bottom[1]->shape(0)
                    << "; they must agree");
}

void HDF5OutputLayer::Forward_cpu(const BlobVec& bottom, const BlobVec& top) {
  try {
    const char* names[] = {"data", "label"};
    for (int i = 0; i < 2; ++i) {
      const std::vector<int64_t> shape(bottom[i]->shape().begin(), bottom[i]->shape().end());
      file_->AppendRows(names[i], shape, bottom[i]->cpu_data());
    }
    file_->Flush();
  } catch (const Error& e) {
    throw Error(where() + e.what());
  }
  rows_ += bottom[0]->shape(0);
}

#ifdef CNN_WITH_HDF5
CNN_REGISTER_LAYER(HDF5Output, HDF5OutputLayer);
#endif

}  // namespace cnn
