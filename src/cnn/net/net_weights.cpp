// The Net's weight I/O: copying from trained models, sharing with another
// net, and writing itself out.
#include <glog/logging.h>

#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/io/hdf5_file.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"

namespace cnn {
namespace {

std::string ShapeText(const std::vector<int>& dims) {
  std::ostringstream s;
  s << "(";
  for (size_t i = 0; i < dims.size(); ++i) s << (i ? "," : "") << dims[i];
  s << ")";
  return s.str();
}

// The shape a stored blob declares, legacy 4-D fields included, without
// reading its (possibly large) payload.
std::string ShapeText(const BlobProto& proto) {
  if (proto.has_num() || proto.has_channels() || proto.has_height() || proto.has_width()) {
    return ShapeText({proto.num(), proto.channels(), proto.height(), proto.width()});
  }
  std::vector<int> dims;
  for (int i = 0; i < proto.shape().dim_size(); ++i) dims.push_back(static_cast<int>(proto.shape().dim(i)));
  return ShapeText(dims);
}

}  // namespace

void Net::CopyTrainedLayersFrom(const NetParameter& trained_in) {
  const NetParameter* trained = &trained_in;
  NetParameter upgraded;
  if (trained_in.layers_size() > 0) {
    // Models saved by Caffe before 2015 keep their layers in the V1 field.
    upgraded = trained_in;
    UpgradeNetAsNeeded("weights of net '" + trained_in.name() + "'", &upgraded);
    trained = &upgraded;
  }
  for (const LayerParameter& source : trained->layer()) {
    const auto it = layer_index_.find(source.name());
    if (it == layer_index_.end()) {
      VLOG(1) << "Ignoring source layer '" << source.name() << "' (not in net '" << name_ << "')";
      continue;
    }
    std::vector<BlobPtr>& target = layers_[it->second]->blobs();
    CNN_CHECK(static_cast<int>(target.size()) == source.blobs_size(),
              "layer '" << source.name() << "': weights file has " << source.blobs_size()
                        << " blob(s), the net expects " << target.size());
    for (size_t j = 0; j < target.size(); ++j) {
      const BlobProto& proto = source.blobs(static_cast<int>(j));
      CNN_CHECK(target[j]->ShapeEquals(proto),
                "layer '" << source.name() << "': blob " << j << " has shape " << ShapeText(proto)
                          << " in the weights file, the net expects " << ShapeText(target[j]->shape())
                          << " (rename the layer to learn it from scratch instead)");
      try {
        target[j]->FromProto(proto, /*reshape=*/false);
      } catch (const Error& e) {
        CNN_THROW("layer '" << source.name() << "': blob " << j << ": " << e.what());
      }
    }
    trained_layers_.insert(source.name());
    VLOG(1) << "Copied " << target.size() << " blob(s) into layer '" << source.name() << "'";
  }
}

void Net::CopyTrainedLayersFromFile(const std::string& path) {
  if (hdf5::HasHdf5Extension(path)) {
    CopyTrainedLayersFromHDF5(path);
    return;
  }
  const NetParameter trained = ReadNetParamsFromBinaryFile(path);
  try {
    CopyTrainedLayersFrom(trained);
  } catch (const Error& e) {
    CNN_THROW(path << ": " << e.what());
  }
}

std::vector<std::string> Net::LayersWithoutTrainedWeights() const {
  std::vector<std::string> missing;
  for (size_t l = 0; l < layers_.size(); ++l) {
    if (layers_[l]->blobs().empty() || trained_layers_.count(layer_names_[l])) continue;
    // A layer whose every blob is shared from a layer that was copied has its weights.
    bool all_shared_from_trained = true;
    for (size_t p = 0; p < params_.size(); ++p) {
      if (param_layer_indices_[p].first != static_cast<int>(l)) continue;
      const int owner = param_owners_[p];
      if (owner < 0 || !trained_layers_.count(layer_names_[param_layer_indices_[owner].first])) {
        all_shared_from_trained = false;
        break;
      }
    }
    if (!all_shared_from_trained) missing.push_back(layer_names_[l]);
  }
  return missing;
}

void Net::ShareTrainedLayersWith(const Net& other) {
  for (size_t i = 0; i < other.layers().size(); ++i) {
    const std::string& name = other.layer_names()[i];
    const auto it = layer_index_.find(name);
    if (it == layer_index_.end()) continue;
    const std::vector<BlobPtr>& source = other.layers()[i]->blobs();
    std::vector<BlobPtr>& target = layers_[it->second]->blobs();
    CNN_CHECK(target.size() == source.size(), "layer '" << name << "': net '" << other.name() << "' has "
                                                        << source.size() << " blob(s), net '" << name_
                                                        << "' expects " << target.size());
    for (size_t j = 0; j < target.size(); ++j) {
      CNN_CHECK(target[j]->shape() == source[j]->shape(),
                "layer '" << name << "': cannot share blob " << j << ": shape "
                          << ShapeText(source[j]->shape()) << " in net '" << other.name() << "', "
                          << ShapeText(target[j]->shape()) << " in net '" << name_ << "'");
      target[j]->ShareData(*source[j]);
    }
  }
}

void Net::ToProto(NetParameter* param, bool write_diff) const {
  param->Clear();
  param->set_name(name_);
  for (const auto& layer : layers_) layer->ToProto(param->add_layer(), write_diff);
}

}  // namespace cnn
