// `cnn extract_features WEIGHTS NET BLOB[,BLOB...] DB[,DB...] NUM_BATCHES
// [DB_TYPE] [CPU|GPU] [DEVICE]`: Caffe's feature extractor. The TEST-phase
// net runs NUM_BATCHES times; each named blob's rows (one per image) become
// Datum records of float_data in the matching new database, keyed by a
// 10-digit zero-padded counter, so readers written for Caffe's output work
// unchanged. Caffe takes the database type and device as trailing positional
// arguments; --backend and --gpu do the same, and positionals win.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <sys/stat.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/data/datum_writer.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/net/net.hpp"
#include "commands.hpp"
#include "device.hpp"

namespace cnn {
namespace tool {
namespace {

constexpr const char* kUsage =
    "cnn extract_features takes WEIGHTS NET BLOB[,BLOB...] DB[,DB...] NUM_BATCHES [lmdb|leveldb] [CPU|GPU] "
    "[DEVICE]";

int ParseBatches(const std::string& text) {
  CNN_CHECK(!text.empty() && text.find_first_not_of("0123456789-+") == std::string::npos && text.size() < 10,
            "NUM_BATCHES must be a positive whole number, got '" << text << "'");
  const int n = std::stoi(text);
  CNN_CHECK(n > 0, "NUM_BATCHES must be positive, got " << n);
  return n;
}

// The Datum shape Caffe gives a feature: the blob's legacy channels, height
// and width (so an N x 4096 blob is 4096 x 1 x 1). Blobs with more than four
// axes, which Caffe's legacy shape refuses, keep all values per image as
// channels.
void SetFeatureShape(const Blob& blob, Datum* datum) {
  if (blob.num_axes() <= 4) {
    datum->set_channels(blob.num_axes() > 1 ? blob.shape(1) : 1);
    datum->set_height(blob.num_axes() > 2 ? blob.shape(2) : 1);
    datum->set_width(blob.num_axes() > 3 ? blob.shape(3) : 1);
  } else {
    datum->set_channels(blob.count(1));
    datum->set_height(1);
    datum->set_width(1);
  }
}

std::string Key(int64_t index) {
  char key[24];
  std::snprintf(key, sizeof key, "%010lld", static_cast<long long>(index));
  return key;
}

}  // namespace

int ExtractFeaturesCommand(const std::vector<std::string>& args) {
  CNN_CHECK(args.size() >= 5 && args.size() <= 8, kUsage << ", got " << args.size() << " argument(s)");
  const std::string& weights = args[0];
  const std::string& model = args[1];
  const std::vector<std::string> blob_names = SplitList(args[2]);
  const std::vector<std::string> db_names = SplitList(args[3]);
  const int batches = ParseBatches(args[4]);
  const std::string backend = args.size() > 5 ? args[5] : FLAGS_backend;
  CNN_CHECK(backend == "lmdb" || backend == "leveldb",
            "unknown database backend '" << backend << "'; use lmdb or leveldb");
  int gpu = GpuFromFlag();
  if (args.size() > 6) {
    CNN_CHECK(args[6] == "CPU" || args[6] == "GPU", "the device argument must be CPU or GPU, got '" << args[6] << "'");
    gpu = -1;
    if (args[6] == "GPU") {
      const std::string device = args.size() > 7 ? args[7] : "0";
      CNN_CHECK(!device.empty() && device.find_first_not_of("0123456789") == std::string::npos && device.size() < 6,
                "DEVICE must be a GPU number such as 0, got '" << device << "'");
      gpu = std::stoi(device);
    }
  }
  CNN_CHECK(!blob_names.empty(), "no blob names given (BLOB[,BLOB...] was '" << args[2] << "')");
  CNN_CHECK(blob_names.size() == db_names.size(), blob_names.size() << " blob name(s) but " << db_names.size()
                                                                    << " database name(s): give one database per blob");
  std::set<std::string> seen;
  for (const auto& db : db_names) {
    CNN_CHECK(seen.insert(db).second, "the database '" << db << "' is named twice");
    struct stat st;
    CNN_CHECK(::stat(db.c_str(), &st) != 0, "output database '" << db << "' already exists; delete it first (rm -r "
                                                                 << db << ") or give another path");
  }

  NetParameter param = ReadNetParamsFromTextFile(model);
  param.mutable_state()->set_phase(TEST);
  // A net that asks for shared activations still keeps the blobs read here.
  if (param.share_activations()) {
    for (const auto& name : blob_names) param.add_keep_blob(name);
  }
  // Read before the net starts its data threads, so a bad weights file is
  // the error a user sees first.
  const NetParameter trained = ReadNetParamsFromBinaryFile(weights);
  if (gpu >= 0) SelectGpu(gpu);
  Net net(param);
  try {
    net.CopyTrainedLayersFrom(trained);
  } catch (const Error& e) {
    CNN_THROW(weights << ": " << e.what());
  }
  // Caffe extracts regardless; a warning keeps a misnamed layer from passing
  // off its random filler values as features unnoticed.
  const auto missing = net.LayersWithoutTrainedWeights();
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "'" : ", '") + m + "'";
    std::cerr << "cnn extract_features: warning: " << weights << " has no weights for layer(s) " << names
              << "; they keep their fillers' values" << std::endl;
  }
  for (const auto& name : blob_names) {
    if (net.has_blob(name)) continue;
    std::string known;
    for (const auto& b : net.blob_names()) known += (known.empty() ? "" : ", ") + b;
    CNN_THROW("unknown blob '" << name << "' in " << model << " (TEST phase); its blobs are: " << known);
  }

  // Every database is created only once the net is built and every name
  // checked; a failure later removes them all (DatumWriter's destructor).
  std::vector<std::unique_ptr<DatumWriter>> writers;
  for (const auto& db : db_names) writers.push_back(std::make_unique<DatumWriter>(backend, db));

  Datum datum;
  for (int b = 0; b < batches; ++b) {
    net.Forward();
    for (size_t i = 0; i < blob_names.size(); ++i) {
      const Blob& blob = *net.blob_by_name(blob_names[i]);
      CNN_CHECK(blob.num_axes() >= 1 && blob.shape(0) > 0,
                "blob '" << blob_names[i] << "' has shape " << blob.shape_string() << ": no images to extract");
      const int num = blob.shape(0);
      const int dim = blob.count() / num;
      const float* data = blob.cpu_data();
      for (int n = 0; n < num; ++n) {
        datum.Clear();
        SetFeatureShape(blob, &datum);
        datum.mutable_float_data()->Reserve(dim);
        for (int d = 0; d < dim; ++d) datum.add_float_data(data[n * dim + d]);
        writers[i]->Put(Key(writers[i]->count()), datum);
        if (writers[i]->count() % 1000 == 0) {
          std::cerr << "Extracted features of " << writers[i]->count() << " images for blob " << blob_names[i]
                    << std::endl;
        }
      }
    }
  }
  for (size_t i = 0; i < writers.size(); ++i) {
    writers[i]->Finish();
    const Blob& blob = *net.blob_by_name(blob_names[i]);
    std::cout << "Wrote " << writers[i]->count() << " features of blob " << blob_names[i] << " ("
              << blob.count(1) << " values each) to " << backend << " '" << db_names[i] << "'" << std::endl;
  }
  return 0;
}

}  // namespace tool
}  // namespace cnn
