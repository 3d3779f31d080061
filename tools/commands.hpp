// The `cnn` command's subcommands. Each lives in its own <name>_command.cpp
// and is listed once in kCommands (cnn.cpp); adding one is adding its file,
// declaring its entry point here and adding its line to that table.
#pragma once

#include <gflags/gflags.h>

#include <string>
#include <vector>

#include "cnn/cnn.pb.h"

namespace cnn {
namespace tool {

struct Command {
  const char* name;
  const char* summary;  // one line, shown by `cnn help`
  // The flags the command reads, so `cnn help NAME` can list just those
  // instead of every flag glog and gflags define.
  std::vector<const char*> flags;
  // Receives the positional arguments after the command name; returns the
  // exit status. Failures a user can cause are thrown as cnn::Error.
  int (*run)(const std::vector<std::string>& args);
};

int TimeCommand(const std::vector<std::string>& args);
int TrainCommand(const std::vector<std::string>& args);
int TestCommand(const std::vector<std::string>& args);
int DeviceQueryCommand(const std::vector<std::string>& args);
int VersionCommand(const std::vector<std::string>& args);
int ConvertMnistCommand(const std::vector<std::string>& args);
int ConvertCifar10Command(const std::vector<std::string>& args);
int ConvertImagesetCommand(const std::vector<std::string>& args);
int ComputeImageMeanCommand(const std::vector<std::string>& args);
int ExtractFeaturesCommand(const std::vector<std::string>& args);
int UpgradeNetProtoTextCommand(const std::vector<std::string>& args);
int UpgradeNetProtoBinaryCommand(const std::vector<std::string>& args);
int UpgradeSolverProtoTextCommand(const std::vector<std::string>& args);
int SummaryCommand(const std::vector<std::string>& args);
int PlotCommand(const std::vector<std::string>& args);
int DrawCommand(const std::vector<std::string>& args);
int FoldBnCommand(const std::vector<std::string>& args);
int ExportOnnxCommand(const std::vector<std::string>& args);
int VisualizeCommand(const std::vector<std::string>& args);

// "0.1.0-dev": the version `cnn version` and `cnn --version` print.
const char* VersionString();

// "a,b,,c" -> {"a", "b", "c"}: the form of --weights and --stage.
std::vector<std::string> SplitList(const std::string& list);
// The device --gpu names: -1 for the CPU (flag empty), else its number.
// Throws Error for "all" (multi-GPU is not supported yet) or a non-number.
int GpuFromFlag();
// Sets the level and stages given by --level and --stage on a net state.
void ApplyLevelAndStages(NetState* state);

// Applies --threads (or OMP_NUM_THREADS, or every core) to OpenBLAS and
// OpenMP and logs the count once; returns it.
int ApplyThreadsFlag();
// "Peak resident memory: 123.4 MiB": the line train and time end with.
void PrintPeakMemory();
// Applies --engine process-wide (LayerRegistry::OverrideEngine) before any
// net is built. Throws Error for another name, or DNNL in a build without it.
void ApplyEngineFlag();

// Throws Error naming the first argument when a flags-only command got positional arguments.
void ExpectNoArguments(const char* command, const std::vector<std::string>& args);

}  // namespace tool
}  // namespace cnn

// Flags that several commands read (Caffe's names), defined once in flags.cpp
// so that a command added later reuses them instead of defining them again.
DECLARE_string(model);
DECLARE_int32(iterations);
DECLARE_string(phase);
DECLARE_string(gpu);
DECLARE_string(weights);
DECLARE_int32(level);
DECLARE_string(stage);
DECLARE_string(backend);
DECLARE_string(out);
DECLARE_int32(threads);
DECLARE_bool(share_activations);
DECLARE_string(engine);
