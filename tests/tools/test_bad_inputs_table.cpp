// The bad inputs of the reliability issue (#13), one row each, as a user
// meets them: the files a row writes, the `cnn` command it runs, the exit
// status and what the answer must name. This table is the list of record;
// several rows repeat a closer test elsewhere (named in the row's comment),
// which checks more of that one case.
//
// Every row with exit status 1 must answer in exactly one `error:` line,
// starting "cnn: error: " and naming the file, layer or field. The inputs
// that crashed `cnn` before (items 1, 2 and 9) are rows too, with the
// documented status 0 and what the output must show instead.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/data/db.hpp"
#include "cnn/io/proto_io.hpp"
#include "support/test_support.hpp"
#include "support/tool_output.hpp"

namespace cnn {
namespace {

// DummyData into one InnerProduct: a net that trains in milliseconds.
std::string TinyNet(const std::string& weight_filler = "type: \"xavier\"", const std::string& fc_name = "fc") {
  return R"(name: "tiny"
layer { name: "data" type: "DummyData" top: "x" top: "y"
  dummy_data_param { shape { dim: 8 dim: 4 } shape { dim: 8 }
    data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 1 } } }
layer { name: ")" + fc_name + R"(" type: "InnerProduct" bottom: "x" top: "score"
  inner_product_param { num_output: 3 weight_filler { )" + weight_filler + R"( } } }
layer { name: "acc" type: "Accuracy" bottom: "score" bottom: "y" top: "accuracy" include { phase: TEST } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "y" top: "loss" }
)";
}

// LeNet's layers on DummyData (random labels), the net item 1 trained with base_lr 1e6.
const char* kLeNetOnDummyData = R"(name: "lenet"
layer { name: "data" type: "DummyData" top: "data" top: "label"
  dummy_data_param { shape { dim: 16 dim: 1 dim: 28 dim: 28 } shape { dim: 16 }
    data_filler { type: "uniform" } data_filler { type: "uniform" min: 0 max: 9.99 } } }
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
  convolution_param { num_output: 20 kernel_size: 5 weight_filler { type: "xavier" } } }
layer { name: "pool1" type: "Pooling" bottom: "conv1" top: "pool1" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
layer { name: "ip1" type: "InnerProduct" bottom: "pool1" top: "ip1"
  inner_product_param { num_output: 50 weight_filler { type: "xavier" } } }
layer { name: "relu1" type: "ReLU" bottom: "ip1" top: "ip1" }
layer { name: "ip2" type: "InnerProduct" bottom: "ip1" top: "ip2"
  inner_product_param { num_output: 10 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip2" bottom: "label" top: "loss" }
)";

// The row's scratch directory and the builders its inputs need.
struct Inputs {
  std::string dir;

  std::string Write(const std::string& name, const std::string& text) const {
    const std::string path = dir + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  // A solver for dir/net.prototxt with snapshots under dir/snap/; `extra`
  // may set lr_policy and display, other fields once.
  std::string Solver(const std::string& name, const std::string& extra, int max_iter = 6) const {
    const auto unless_given = [&](const std::string& field, const std::string& value) {
      return extra.find(field + ":") == std::string::npos ? field + ": " + value + "\n" : std::string();
    };
    return Write(name, "net: \"" + dir + "/net.prototxt\"\nmax_iter: " + std::to_string(max_iter) +
                           "\nsnapshot_prefix: \"" + dir + "/snap/tiny\"\nrandom_seed: 3\n" +
                           unless_given("lr_policy", "\"fixed\"") + unless_given("display", "1") + extra);
  }
  // Trains `solver` to its end; the snapshots it leaves are the next input.
  void Train(const std::string& solver) const {
    const test::ToolResult r = test::Cnn("train --minloglevel=2 --solver=" + solver);
    ASSERT_EQ(r.status, 0) << r.output;
  }
  // An LMDB of `records` Datums of 1x30x100 bytes (3,000 each); the record
  // numbered `garbage` holds bytes that are no Datum.
  std::string Lmdb(const std::string& name, int records, int garbage = -1) const {
    const std::string path = dir + "/" + name;
    auto db = OpenDB("lmdb", path, DB::NEW);
    auto txn = db->NewTransaction();
    for (int i = 0; i < records; ++i) {
      Datum datum;
      datum.set_channels(1);
      datum.set_height(30);
      datum.set_width(100);
      datum.set_label(i % 3);
      datum.set_data(std::string(3000, static_cast<char>(i)));
      std::string value = i == garbage ? std::string("\xff\xff\xff not a Datum") : datum.SerializeAsString();
      char key[16];
      std::snprintf(key, sizeof key, "%08d", i);
      txn->Put(key, value);
    }
    txn->Commit();
    return path;
  }
  // A net reading `db` (batches of 2) into the tiny net's InnerProduct.
  void DataNet(const std::string& db) const {
    Write("net.prototxt", R"(name: "tiny"
layer { name: "data" type: "Data" top: "x" top: "y" data_param { source: ")" + db + R"(" backend: LMDB batch_size: 2 } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "score"
  inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "y" top: "loss" }
)");
  }
  void Cut(const std::string& file, uintmax_t size) const { std::filesystem::resize_file(file, size); }
  // Reads a binary proto file, lets `edit` change it, writes it as `name`.
  template <typename Proto>
  std::string Edit(const std::string& from, const std::string& name, const std::function<void(Proto*)>& edit) const {
    Proto proto;
    ReadProtoFromBinaryFile(from, &proto);
    edit(&proto);
    const std::string path = dir + "/" + name;
    WriteProtoToBinaryFile(proto, path);
    return path;
  }
};

struct Row {
  const char* name;
  const char* item;  // where the issue lists it
  std::function<void(const Inputs&)> make;
  std::string command;  // after the `cnn` binary; $D is the row's directory
  int status;
  std::vector<std::string> expect;  // in the error line (status 1) or the output (status 0)
  std::string shell_prefix = "";    // run before `exec cnn` (a resource limit)
};

// One allocation over 2 GiB must fail on any machine: ulimit -v in a normal
// build; ASan reserves terabytes of shadow memory, so it caps one allocation instead.
#ifdef CNN_TEST_UNDER_ASAN
const char* kMemoryLimit = "ASAN_OPTIONS=\"$ASAN_OPTIONS:allocator_may_return_null=1:max_allocation_size_mb=2048\"";
#else
const char* kMemoryLimit = "ulimit -v 2097152;";
#endif

const std::string kSolverFile = "$D/solver.prototxt";
const std::string kTrain = "train --solver=" + kSolverFile;

// The row writes the tiny net and a solver with `fields` (and max_iter).
std::function<void(const Inputs&)> TinySolver(const std::string& fields, int max_iter = 6) {
  return [=](const Inputs& in) {
    in.Write("net.prototxt", TinyNet());
    in.Solver("solver.prototxt", fields, max_iter);
  };
}

// The tiny net trained for 6 iterations (snap/tiny_iter_6.*), then `edit`.
std::function<void(const Inputs&)> AfterTraining(const std::function<void(const Inputs&)>& edit) {
  return [=](const Inputs& in) {
    in.Write("net.prototxt", TinyNet());
    in.Train(in.Solver("solver.prototxt", "base_lr: 0.1\nsnapshot: 6\n"));
    edit(in);
  };
}

const std::vector<Row>& Table() {
  static const std::vector<Row> rows = {
      // ---- Items 1-9 of the issue.
      {"MaxPoolOverNanWeights", "1", [](const Inputs& in) {
         in.Write("net.prototxt", R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 1 dim: 8 dim: 8 } } }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
  convolution_param { num_output: 2 kernel_size: 3 weight_filler { type: "constant" value: nan } } }
layer { name: "pool" type: "Pooling" bottom: "conv" top: "pool" pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
)");
       }, "time --iterations=1 --model=$D/net.prototxt", 0, {"Images/s: ", "2x2x3x3"}},
      // Also SolverTraining's divergence tests; here LeNet's layers, as the issue ran them.
      {"LeNetWithBaseLr1e6Diverges", "1, 6", [](const Inputs& in) {
         in.Write("net.prototxt", kLeNetOnDummyData);
         in.Solver("solver.prototxt", "base_lr: 1e6\nmomentum: 0.9\nsnapshot: 1\n", 200);
       }, kTrain, 1, {"iteration ", "the loss is", "first non-finite value: layer '"}},
      // The window dropped (README "Errors"): a 1x1 output, not Caffe's 2x2 with a window outside.
      {"MaxPoolLastWindowOutsideTheInput", "2", [](const Inputs& in) {
         in.Write("net.prototxt", R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 2 dim: 2 } } }
layer { name: "pool" type: "Pooling" bottom: "data" top: "pool" pooling_param { pool: MAX kernel_size: 1 stride: 3 } }
)");
       }, "time --iterations=1 --model=$D/net.prototxt", 0, {"1x1x1x1"}},
      // Also DB.TruncatedLmdbIsAnErrorNamingTheFile.
      {"LmdbCutInHalf", "3", [](const Inputs& in) {
         const std::string db = in.Lmdb("db", 200);
         in.Cut(db + "/data.mdb", std::filesystem::file_size(db + "/data.mdb") / 2);
         in.DataNet(db);
         in.Solver("solver.prototxt", "base_lr: 0.1\n");
       }, kTrain, 1, {"LMDB '$D/db'", "truncated"}},
      {"LmdbCutToThreePages", "3", [](const Inputs& in) {
         const std::string db = in.Lmdb("db", 200);
         in.Cut(db + "/data.mdb", 3 * 4096);
         in.DataNet(db);
         in.Solver("solver.prototxt", "base_lr: 0.1\n");
       }, kTrain, 1, {"LMDB '$D/db'", "truncated"}},
      // Setup reads record 0; the prefetch thread meets record 5 in the third batch.
      {"LmdbBadRecordOnThePrefetchThread", "3", [](const Inputs& in) {
         in.DataNet(in.Lmdb("db", 8, 5));
         in.Solver("solver.prototxt", "base_lr: 0.1\n", 20);
       }, kTrain, 1, {"layer 'data'", "$D/db"}},
      // Also CliTest.OutOfCpuMemoryNamesTheLayerTheBlobAndTheSize.
      {"OutOfCpuMemory", "4", [](const Inputs& in) {
         in.Write("net.prototxt", R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 20 dim: 20 } } }
layer { name: "huge" type: "Convolution" bottom: "data" top: "huge" convolution_param { num_output: 3000000 kernel_size: 1 } }
layer { name: "pool" type: "Pooling" bottom: "huge" top: "pool" pooling_param { pool: AVE global_pooling: true } }
)");
       }, "time --iterations=1 --model=$D/net.prototxt", 1,
       {"layer 'huge' (Convolution)", "blob 'huge'", "out of CPU memory", "4800000000 bytes"}, kMemoryLimit},
      // Item 5 and the "Sanity of numbers" rows below: also TrainGuards.SolverNumbersOutOfRange...
      {"NegativeBaseLr", "5", TinySolver("base_lr: -0.01\n"), kTrain, 1,
       {kSolverFile + ": ", "base_lr must be >= 0 (got -0.01)"}},
      {"Momentum5", "5", TinySolver("base_lr: 0.1\nmomentum: 5\n"), kTrain, 1,
       {kSolverFile + ": ", "momentum must be in [0, 1) (got 5)"}},
      {"MaxIter0", "5", TinySolver("base_lr: 0.1\n", 0), kTrain, 1,
       {kSolverFile + ": ", "max_iter must be positive (got 0)"}},
      {"MaxIterMinus5", "5", TinySolver("base_lr: 0.1\n", -5), kTrain, 1,
       {kSolverFile + ": ", "max_iter must be positive (got -5)"}},
      // Also TrainGuards.SolverStateIterationsOutOfRangeAreErrors.
      {"SolverStateIterMinus5", "5", AfterTraining([](const Inputs& in) {
         in.Edit<SolverState>(in.dir + "/snap/tiny_iter_6.solverstate", "bad.solverstate",
                              [](SolverState* s) { s->set_iter(-5); });
       }), kTrain + " --snapshot=$D/bad.solverstate", 1, {"$D/bad.solverstate", "iteration -5"}},
      // Also TrainingRuns.DataPositionsBeyondTheIterationsAreRefused.
      {"SolverStateDataPosition1e11", "5", [](const Inputs& in) {
         in.DataNet(in.Lmdb("db", 8));
         in.Train(in.Solver("solver.prototxt", "base_lr: 0.1\nsnapshot: 3\n", 3));
         in.Solver("solver.prototxt", "base_lr: 0.1\n", 6);
         in.Edit<SolverState>(in.dir + "/snap/tiny_iter_3.solverstate", "bad.solverstate", [](SolverState* s) {
           for (auto& ls : *s->mutable_layer_state()) {
             std::istringstream text(ls.state());
             std::string tag, offset, rest;
             text >> tag >> offset;
             std::getline(text, rest);
             ls.set_state(tag + " 100000000000" + rest);
           }
         });
       }, kTrain + " --snapshot=$D/bad.solverstate", 1,
       {"$D/bad.solverstate: layer 'data'", "is at record 100000000000"}},
      // Also TrainGuards.AnEmptyNetFileIsAnError.
      {"EmptyPrototxt", "5", [](const Inputs& in) { in.Write("net.prototxt", ""); },
       "time --model=$D/net.prototxt", 1, {"$D/net.prototxt", "defines no layers"}},
      // Also TrainGuards.WeightsThatMissALayer...
      {"CaffemodelMissingALayerInTest", "5", AfterTraining([](const Inputs& in) {
         in.Write("renamed.prototxt", TinyNet("type: \"xavier\"", "fc_new"));
       }), "test --iterations=1 --model=$D/renamed.prototxt --weights=$D/snap/tiny_iter_6.caffemodel", 1,
       {"$D/snap/tiny_iter_6.caffemodel", "'fc_new'", "--allow_missing_weights"}},
      // Also TrainGuards.NonFiniteWeightsStopTraining...
      {"NanLossStopsTraining", "6", [](const Inputs& in) {
         in.Write("net.prototxt", TinyNet("type: \"constant\" value: nan"));
         in.Solver("solver.prototxt", "base_lr: 0.1\nsnapshot: 1\n");
       }, kTrain, 1, {"iteration 0: the loss is nan", "layer 'fc' (InnerProduct)"}},
      // Also TrainGuards.BadBlobsInAWeightsFileNameTheFileAndLayer.
      {"CaffemodelBlobOfTheWrongSize", "7", AfterTraining([](const Inputs& in) {
         in.Edit<NetParameter>(in.dir + "/snap/tiny_iter_6.caffemodel", "bad.caffemodel", [](NetParameter* p) {
           for (auto& layer : *p->mutable_layer())
             if (layer.name() == "fc") layer.mutable_blobs(0)->mutable_data()->RemoveLast();
         });
       }), "test --iterations=1 --model=$D/net.prototxt --weights=$D/bad.caffemodel", 1,
       {"$D/bad.caffemodel: ", "layer 'fc'", "blob 0"}},
      // A cut caffemodel (the mutated files of item 7): the file is named.
      {"CaffemodelCutShort", "7", AfterTraining([](const Inputs& in) {
         const std::string model = in.dir + "/snap/tiny_iter_6.caffemodel";
         std::filesystem::copy_file(model, in.dir + "/cut.caffemodel");
         in.Cut(in.dir + "/cut.caffemodel", std::filesystem::file_size(model) - 7);
       }), "test --iterations=1 --model=$D/net.prototxt --weights=$D/cut.caffemodel", 1, {"$D/cut.caffemodel"}},
      // Scores with NaN weights: counted as wrong and said so (was "accuracy = 0" over a table of 0.08).
      {"NanWeightsInTest", "9", [](const Inputs& in) {
         in.Write("net.prototxt", TinyNet("type: \"constant\" value: nan"));
       }, "test --iterations=2 --allow_missing_weights --model=$D/net.prototxt", 0,
       {"accuracy = 0\n", "(16 examples, accuracy 0)", "16 example(s) had NaN scores"}},
      // ---- "Sanity of numbers in files".
      {"SnapshotNegative", "numbers", TinySolver("base_lr: 0.1\nsnapshot: -2\n"), kTrain, 1,
       {kSolverFile + ": ", "snapshot must be >= 0"}},
      {"MomentumNegative", "numbers", TinySolver("base_lr: 0.1\nmomentum: -0.5\ntype: \"Nesterov\"\n"), kTrain, 1,
       {kSolverFile + ": ", "momentum must be in [0, 1) (got -0.5)"}},
      {"BaseLrNan", "numbers", TinySolver("base_lr: nan\n"), kTrain, 1,
       {kSolverFile + ": ", "base_lr must be a finite number"}},
      {"WeightDecayNegative", "numbers", TinySolver("base_lr: 0.1\nweight_decay: -1\n"), kTrain, 1,
       {kSolverFile + ": ", "weight_decay must be >= 0"}},
      {"DisplayNegative", "numbers", TinySolver("base_lr: 0.1\ndisplay: -1\n"), kTrain, 1,
       {kSolverFile + ": ", "display must be >= 0"}},
      {"TestIntervalNegative", "numbers", TinySolver("base_lr: 0.1\ntest_interval: -1\n"), kTrain, 1,
       {kSolverFile + ": ", "test_interval must be >= 0"}},
      {"StepsizeNegative", "numbers", TinySolver("base_lr: 0.1\nlr_policy: \"step\"\ngamma: 0.5\nstepsize: -3\n"),
       kTrain, 1, {kSolverFile + ": ", "lr_policy \"step\" needs a positive stepsize"}},
      {"StepvalueNegative", "numbers",
       TinySolver("base_lr: 0.1\nlr_policy: \"multistep\"\ngamma: 0.5\nstepvalue: -3\n"), kTrain, 1,
       {kSolverFile + ": ", "stepvalue must be >= 0 (got -3)"}},
      {"Momentum2OfAdam", "numbers", TinySolver("base_lr: 0.1\ntype: \"Adam\"\nmomentum: 0.9\nmomentum2: 1.5\n"),
       kTrain, 1, {kSolverFile + ": ", "momentum2 must be in [0, 1)"}},
      // Issue #12's fields; tests/solvers/test_early_stopping.cpp and test_lr_policy.cpp check more.
      {"PatienceNegative", "12", TinySolver("base_lr: 0.1\ntest_iter: 1\ntest_interval: 2\n"
                                            "early_stop_output: \"accuracy\"\npatience: -1\n"),
       kTrain, 1, {kSolverFile + ": ", "patience must be >= 0", "got -1"}},
      {"EarlyStopOutputUnknown", "12", TinySolver("base_lr: 0.1\ntest_iter: 1\ntest_interval: 2\n"
                                                  "early_stop_output: \"acuracy\"\n"),
       kTrain, 1, {kSolverFile + ": ", "early_stop_output \"acuracy\" is not an output of test net #0",
                   "accuracy, loss"}},
      {"WarmupPolicyUnknown", "12", TinySolver("base_lr: 0.1\nwarmup_iter: 5\nwarmup_policy: \"cubic\"\n"),
       kTrain, 1, {kSolverFile + ": ", "unknown warmup_policy \"cubic\""}},
      {"AdamWWithL1", "12", TinySolver("base_lr: 0.1\ntype: \"AdamW\"\nmomentum: 0.9\nregularization_type: \"L1\"\n"),
       kTrain, 1, {kSolverFile + ": ", "solver type AdamW", "L1"}},
      {"DeltaOfAdaGradZero", "numbers", TinySolver("base_lr: 0.1\ntype: \"AdaGrad\"\ndelta: 0\n"), kTrain, 1,
       {kSolverFile + ": ", "delta must be a positive number for AdaGrad"}},
      {"SolverStateIterPastMaxIter", "numbers", AfterTraining([](const Inputs& in) {
         in.Edit<SolverState>(in.dir + "/snap/tiny_iter_6.solverstate", "bad.solverstate",
                              [](SolverState* s) { s->set_iter(7); });
       }), kTrain + " --snapshot=$D/bad.solverstate", 1, {"$D/bad.solverstate", "iteration 7"}},
      {"SolverStateNotAState", "numbers", AfterTraining([](const Inputs& in) {
         in.Write("bad.solverstate", "not a solver state at all");
       }), kTrain + " --snapshot=$D/bad.solverstate", 1, {"$D/bad.solverstate"}},
      // A learnable layer the weights leave out is only a warning when fine-tuning.
      {"CaffemodelMissingALayerInTrain", "numbers", AfterTraining([](const Inputs& in) {
         in.Write("net.prototxt", TinyNet("type: \"xavier\"", "fc_new"));
       }), kTrain + " --weights=$D/snap/tiny_iter_6.caffemodel", 0, {"layer 'fc_new' has no weights"}},
      // A solver file given where the net belongs.
      {"SolverGivenAsTheNet", "numbers", TinySolver("base_lr: 0.1\n"), "time --model=" + kSolverFile, 1,
       {kSolverFile, "no field named"}},
  };
  return rows;
}

std::string Substitute(std::string text, const std::string& dir) {
  for (size_t at = text.find("$D"); at != std::string::npos; at = text.find("$D", at + dir.size()))
    text.replace(at, 2, dir);
  return text;
}

class BadInputs : public ::testing::TestWithParam<size_t> {};

TEST_P(BadInputs, AnsweredAsDocumented) {
  const Row& row = Table()[GetParam()];
  SCOPED_TRACE(std::string("issue #13 item ") + row.item);
  const Inputs in{test::MakeTempDir()};
  row.make(in);
  if (HasFatalFailure()) return;
  const std::string command = row.shell_prefix + " exec '" + test::ToolPath() + "' " + Substitute(row.command, in.dir);
  std::string output;
  const int status = test::RunCommand(command, &output);
  EXPECT_EQ(status, row.status) << command << "\n" << output;
  // ASan's own "WARNING: ... failed to allocate" is how the out-of-memory row fails under it.
  for (const char* crash :
       {"core dumped", "Check failed", "ERROR: AddressSanitizer", "runtime error", "terminate called"})
    EXPECT_EQ(output.find(crash), std::string::npos) << crash << " in:\n" << output;
  const std::vector<std::string> errors = test::LinesWith(output, "error:");
  if (row.status == 1) {
    ASSERT_EQ(errors.size(), 1u) << command << "\n" << output;
    EXPECT_EQ(errors[0].rfind("cnn: error: ", 0), 0u) << errors[0];
  } else {
    EXPECT_TRUE(errors.empty()) << command << "\n" << output;
  }
  const std::string& where = row.status == 1 ? errors[0] : output;
  for (const std::string& part : row.expect) {
    const std::string want = Substitute(part, in.dir);
    EXPECT_NE(where.find(want), std::string::npos) << "'" << want << "' in:\n" << where;
  }
}

INSTANTIATE_TEST_SUITE_P(Issue13, BadInputs, ::testing::Range<size_t>(0, Table().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) { return Table()[info.param].name; });

}  // namespace
}  // namespace cnn
