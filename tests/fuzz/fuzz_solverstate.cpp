// A .solverstate restored into a fixed small solver, as `cnn train
// --snapshot` does, then one more iteration: any file must either resume or
// end in cnn::Error (a damaged iteration, history of another solver type or
// shape, a Data layer position that does not fit the database, a corrupt
// random generator state). The first input byte picks the solver type, so
// every type's history is reached.
#include <google/protobuf/text_format.h>

#include <cstdint>
#include <memory>

#include "cnn/core/common.hpp"
#include "cnn/data/db.hpp"
#include "cnn/io/proto_io.hpp"
#include "cnn/solvers/solver.hpp"
#include "cnn/solvers/solver_registry.hpp"
#include "fuzz_support.hpp"

namespace {

const char* const kTypes[] = {"SGD", "Nesterov", "AdaGrad", "RMSProp", "AdaDelta", "Adam"};

// Four 1x4x4 records, so the Data layer has a position worth saving.
std::string MakeDatabase() {
  const std::string path = cnn::fuzz::ScratchDir() + "/db";
  auto db = cnn::OpenDB("lmdb", path, cnn::DB::NEW);
  auto txn = db->NewTransaction();
  for (int i = 0; i < 4; ++i) {
    cnn::Datum datum;
    datum.set_channels(1);
    datum.set_height(4);
    datum.set_width(4);
    datum.set_label(i % 2);
    datum.set_data(std::string(16, static_cast<char>(i * 40)));
    std::string value;
    datum.SerializeToString(&value);
    txn->Put("0000000" + std::to_string(i), value);
  }
  txn->Commit();
  return path;
}

cnn::SolverParameter MakeParam(const std::string& db, const char* type) {
  const std::string text = std::string(R"(
max_iter: 1000 base_lr: 0.01 lr_policy: "fixed" random_seed: 1 display: 0
type: ")") + type + R"("
net_param {
  layer { name: "data" type: "Data" top: "data" top: "label"
          data_param { source: ")" + db + R"(" backend: LMDB batch_size: 3 } }
  layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc"
          inner_product_param { num_output: 2 weight_filler { type: "gaussian" std: 0.1 } } }
  layer { name: "loss" type: "SoftmaxWithLoss" bottom: "fc" bottom: "label" top: "loss" }
})";
  cnn::SolverParameter param;
  if (!google::protobuf::TextFormat::ParseFromString(text, &param)) std::abort();
  // Each type with numbers it accepts: AdaGrad and RMSProp take no momentum.
  const std::string t = type;
  param.set_momentum(t == "AdaGrad" || t == "RMSProp" ? 0.0f : 0.9f);
  if (t != "SGD" && t != "Nesterov") param.set_delta(1e-6f);
  return param;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  cnn::fuzz::Init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string db = MakeDatabase();
  if (size == 0) return 0;
  const char* type = kTypes[data[0] % (sizeof(kTypes) / sizeof(kTypes[0]))];
  const std::string path = cnn::fuzz::WriteInput(data + 1, size - 1, ".solverstate");
  std::unique_ptr<cnn::Solver> solver = cnn::SolverRegistry::Create(MakeParam(db, type));
  CNN_FUZZ_EXPECT_ONLY_ERRORS({
    solver->Restore(path);
    solver->Step(1);
  });
  return 0;
}
