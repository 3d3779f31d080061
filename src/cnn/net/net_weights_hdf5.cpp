// The Net's weights in Caffe's HDF5 layout (.caffemodel.h5): a group "data"
// with one group per layer (every layer, learned blobs or not) holding its
// blobs as float datasets named "0", "1", ... in blob order. A blob a layer
// shares from another (ParamSpec.name) is stored only with its owner, as
// Caffe does; with snapshot_diff a group "diff" holds every layer's
// gradients the same way.
#include <glog/logging.h>

#include "cnn/core/common.hpp"
#include "cnn/io/hdf5_file.hpp"
#include "cnn/net/net.hpp"

namespace cnn {

void Net::CopyTrainedLayersFromHDF5(const std::string& path) {
  const hdf5::File file = hdf5::File::Open(path);
  CNN_CHECK(file.Exists("data"), path << ": no group 'data' (not a weights file in Caffe's HDF5 layout)");
  for (size_t l = 0; l < layers_.size(); ++l) {
    const std::string group = "data/" + layer_names_[l];
    if (!file.Exists(group)) continue;
    std::vector<BlobPtr>& target = layers_[l]->blobs();
    const std::vector<std::string> stored = file.DatasetsIn(group);
    for (size_t j = 0; j < target.size(); ++j) {
      const std::string name = std::to_string(j);
      const bool owned = param_owners_[param_id_vecs_[l][j]] < 0;
      if (!file.IsDataset(group + "/" + name)) {
        CNN_CHECK(!owned, path << ": layer '" << layer_names_[l] << "': no dataset '" << group << "/" << name
                               << "' (the file holds " << stored.size() << " blob(s) for it, the net expects "
                               << target.size() << ")");
        continue;
      }
      try {
        file.ReadBlob(group + "/" + name, target[j].get(), /*reshape=*/false);
      } catch (const Error& e) {
        CNN_THROW("layer '" << layer_names_[l] << "': " << e.what()
                            << " (rename the layer to learn it from scratch instead)");
      }
    }
    CNN_CHECK(stored.size() <= target.size(), path << ": layer '" << layer_names_[l] << "': the file holds "
                                                   << stored.size() << " blob(s), the net expects " << target.size());
    trained_layers_.insert(layer_names_[l]);
    VLOG(1) << "Copied " << stored.size() << " blob(s) into layer '" << layer_names_[l] << "' from " << path;
  }
}

void Net::ToHDF5(hdf5::File* file, bool write_diff) const {
  file->CreateGroup("data");
  if (write_diff) file->CreateGroup("diff");
  for (size_t l = 0; l < layers_.size(); ++l) {
    const std::string& name = layer_names_[l];
    file->CreateGroup("data/" + name);
    if (write_diff) file->CreateGroup("diff/" + name);
    const std::vector<BlobPtr>& blobs = layers_[l]->blobs();
    for (size_t j = 0; j < blobs.size(); ++j) {
      const std::string index = std::to_string(j);
      if (param_owners_[param_id_vecs_[l][j]] < 0) file->WriteBlob("data/" + name + "/" + index, *blobs[j]);
      if (write_diff) file->WriteBlob("diff/" + name + "/" + index, *blobs[j], /*diff=*/true);
    }
  }
}

}  // namespace cnn
