// `cnn COMMAND [--flags]`: the command-line front end. Parses flags, picks
// the subcommand from kCommands, and turns every error into one line on
// stderr and exit status 1.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "cnn/core/blas_core.hpp"
#include "cnn/core/common.hpp"
#include "cnn/core/did_you_mean.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/parallel.hpp"
#include "cnn/core/peak_memory.hpp"
#include "commands.hpp"

namespace cnn {
namespace tool {
namespace {

int HelpCommand(const std::vector<std::string>& args);

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"train", "train a net from a solver file, from scratch, a snapshot or pretrained weights",
       {"solver", "snapshot", "weights", "gpu", "level", "stage", "sigint_effect", "sighup_effect", "allow_nonfinite",
        "log_json", "progress", "threads", "check_replicas", "collective_timeout", "engine"},
       TrainCommand},
      {"test", "score trained weights: averaged outputs, per-class precision/recall, confusion matrix",
       {"model", "weights", "iterations", "phase", "level", "stage", "gpu", "allow_missing_weights", "threads",
        "share_activations", "engine"},
       TestCommand},
      {"time", "time each layer's forward and backward pass on random inputs",
       {"model", "iterations", "phase", "warmup", "batch", "gpu", "threads", "forward_only", "share_activations",
        "engine"},
       TimeCommand},
      {"convert_mnist", "convert MNIST idx files (raw or .gz) to a Datum database; args IMAGES LABELS OUT_DB",
       {"backend"}, ConvertMnistCommand},
      {"convert_cifar10", "convert the CIFAR-10 binary batches to train and test Datum databases; args "
                          "BATCHES_DIR OUT_DIR",
       {"backend"}, ConvertCifar10Command},
      {"convert_imageset", "convert listed images (path label) to a Datum database; args ROOT/ LISTFILE OUT_DB",
       {"gray", "shuffle", "resize_width", "resize_height", "check_size", "encoded", "encode_type", "backend",
        "progress_every"},
       ConvertImagesetCommand},
      {"compute_image_mean", "mean image and channel means of a Datum database; args DB [OUT.binaryproto]",
       {"backend"}, ComputeImageMeanCommand},
      {"extract_features", "write blobs' per-image features to Datum databases; args WEIGHTS NET BLOB[,BLOB...] "
                           "DB[,DB...] NUM_BATCHES [lmdb|leveldb] [CPU|GPU] [DEVICE]",
       {"backend", "gpu"}, ExtractFeaturesCommand},
      {"upgrade_net_proto_text", "rewrite an old-format (V0, V1, legacy input) net prototxt in the current "
                                 "format; args IN OUT",
       {}, UpgradeNetProtoTextCommand},
      {"upgrade_net_proto_binary", "rewrite old-format (V0, V1) binary weights in the current format; args IN OUT",
       {}, UpgradeNetProtoBinaryCommand},
      {"upgrade_solver_proto_text", "rewrite a solver prototxt using solver_type (or old inline nets) in the "
                                    "current format; args IN OUT",
       {}, UpgradeSolverProtoTextCommand},
      {"summary", "per-layer shapes, parameters, multiply-adds, memory and receptive fields of a net, with totals",
       {"model", "phase", "batch", "weights", "format", "level", "stage"}, SummaryCommand},
      {"plot", "train and test curves of cnn or Caffe logs as a PNG or SVG; args LOG...",
       {"out", "metrics", "x"}, PlotCommand},
      {"draw", "the layer graph through Graphviz: layers with type and top shape, blobs as edges",
       {"model", "out", "rankdir", "phase", "batch", "level", "stage"}, DrawCommand},
      {"fold_bn", "fold BatchNorm (+ Scale) into the Convolution/InnerProduct before it; checks the outputs agree",
       {"model", "weights", "out_model", "out_weights", "check", "fold_tolerance"}, FoldBnCommand},
      {"export_onnx", "write a deploy net and its trained weights as an ONNX model",
       {"model", "weights", "out", "opset"}, ExportOnnxCommand},
      {"visualize", "a layer's learned filters as a grid (PNG or SVG), or one image's activation maps in a blob",
       {"model", "weights", "layer", "input", "blob", "mean_value", "scale", "out"}, VisualizeCommand},
      {"device_query", "show the GPU's properties and the CUDA, cuBLAS and cuDNN versions",
       {"gpu"}, DeviceQueryCommand},
      {"version", "show the version and the options cnn was built with", {}, VersionCommand},
      {"help", "show this list, or a command's flags with `cnn help COMMAND`", {}, HelpCommand},
  };
  return kCommands;
}

const Command* FindCommand(const std::string& name) {
  for (const auto& c : Commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

std::vector<std::string> CommandNames() {
  std::vector<std::string> names;
  for (const auto& c : Commands()) names.push_back(c.name);
  return names;
}

// gflags exits on an unknown flag with a message of its own; checking first
// lets the error say which flag was meant: among the command's flags, else
// among all.
void CheckFlagNames(int argc, char** argv, const Command* command) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") break;
    if (a.size() < 2 || a[0] != '-') continue;
    const size_t start = a[1] == '-' ? 2 : 1;
    const size_t eq = a.find('=');
    const std::string name = a.substr(start, eq == std::string::npos ? std::string::npos : eq - start);
    gflags::CommandLineFlagInfo info;
    if (gflags::GetCommandLineFlagInfo(name.c_str(), &info)) {
      // "--name value": the value is the next argument.
      if (info.type != "bool" && a.find('=') == std::string::npos) ++i;
      continue;
    }
    if (name.compare(0, 2, "no") == 0 && gflags::GetCommandLineFlagInfo(name.substr(2).c_str(), &info) &&
        info.type == "bool")
      continue;
    std::vector<std::string> own;
    if (command != nullptr) own.assign(command->flags.begin(), command->flags.end());
    std::string match = ClosestMatch(name, own);
    if (match.empty()) {
      std::vector<gflags::CommandLineFlagInfo> all;
      gflags::GetAllFlags(&all);
      std::vector<std::string> names;
      for (const auto& f : all) names.push_back(f.name);
      match = ClosestMatch(name, names);
    }
    CNN_THROW("unknown flag --" << name << (match.empty() ? "" : " (did you mean --" + match + "?)")
                                << (command != nullptr ? "; `cnn help " + std::string(command->name) + "` lists its flags"
                                                       : std::string("; `cnn --helpfull` lists every flag")));
  }
}

void PrintUsage(std::ostream& out) {
  out << "usage: cnn COMMAND [--flag=value ...]\n\ncommands:\n";
  size_t width = 0;
  for (const auto& c : Commands()) width = std::max(width, std::strlen(c.name));
  for (const auto& c : Commands()) {
    out << "  " << c.name << std::string(width + 2 - std::strlen(c.name), ' ') << c.summary << "\n";
  }
  out << "\n`cnn help COMMAND` lists a command's flags; `cnn --helpfull` lists every flag.\n";
}

void PrintCommandHelp(const Command& c, std::ostream& out) {
  out << "usage: cnn " << c.name;
  if (!c.flags.empty()) out << " [--flag=value ...]";
  out << "\n\n" << c.summary << "\n";
  if (c.flags.empty()) return;
  out << "\nflags:\n";
  size_t width = 0;
  for (const char* name : c.flags) width = std::max(width, std::strlen(name));
  for (const char* name : c.flags) {
    gflags::CommandLineFlagInfo info;
    if (!gflags::GetCommandLineFlagInfo(name, &info)) continue;
    out << "  --" << info.name << std::string(width + 2 - info.name.size(), ' ') << info.description << " ("
        << info.type << ", default "
        << (info.type == "string" ? "\"" + info.default_value + "\"" : info.default_value) << ")\n";
  }
}

int HelpCommand(const std::vector<std::string>& args) {
  if (args.empty()) {
    PrintUsage(std::cout);
    return 0;
  }
  CNN_CHECK(args.size() == 1, "cnn help takes at most one command name, got " << args.size() << " arguments");
  const Command* c = FindCommand(args[0]);
  CNN_CHECK(c != nullptr, "unknown command '" << args[0] << "'; `cnn help` lists the commands");
  PrintCommandHelp(*c, std::cout);
  return 0;
}

// One line per error, whatever the message holds.
std::string OneLine(std::string message) {
  std::replace(message.begin(), message.end(), '\n', ' ');
  return message;
}

bool WantsHelp(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") break;
    if (a == "-h" || a == "--help" || a == "-help" || a == "--help=true" || a == "-help=true") return true;
  }
  return false;
}

int Main(int argc, char** argv) {
  // Quiet by default so that a command's output is its table, not glog's
  // INFO lines; --minloglevel=0 on the command line brings them back.
  FLAGS_logtostderr = true;
  // Set as the flag's default, so a command can tell whether the user chose a level.
  gflags::SetCommandLineOptionWithMode("minloglevel", "1", gflags::SET_FLAGS_DEFAULT);
  gflags::SetUsageMessage("cnn COMMAND [--flag=value ...]; `cnn help` lists the commands");
  gflags::SetVersionString(VersionString());

  // gflags' own --help lists the flags of every library linked in; ours lists
  // the commands (or one command's flags) instead.
  const bool help = WantsHelp(argc, argv);
  if (help) {
    // Other flags do not matter here; the first plain word names the command.
    const Command* c = nullptr;
    for (int i = 1; i < argc && c == nullptr; ++i) {
      if (argv[i][0] != '-') c = FindCommand(argv[i]);
    }
    if (c != nullptr && std::strcmp(c->name, "help") != 0) {
      PrintCommandHelp(*c, std::cout);
    } else {
      PrintUsage(std::cout);
    }
    return 0;
  }

  {
    const Command* c = nullptr;
    for (int i = 1; i < argc && c == nullptr; ++i) {
      if (argv[i][0] != '-') c = FindCommand(argv[i]);
    }
    CheckFlagNames(argc, argv, c);
  }
  gflags::ParseCommandLineNonHelpFlags(&argc, &argv, true);
  gflags::HandleCommandLineHelpFlags();  // --helpfull, --helpmatch, --version ...
  google::InitGoogleLogging(argv[0]);

  if (argc < 2) {
    PrintUsage(std::cerr);
    return 1;
  }
  const std::string name = argv[1];
  const Command* c = FindCommand(name);
  if (c == nullptr) {
    std::cerr << "cnn: unknown command '" << name << "'" << DidYouMean(name, CommandNames()) << "\n\n";
    PrintUsage(std::cerr);
    return 1;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  return c->run(args);
}

}  // namespace

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> items;
  std::string item;
  std::istringstream in(list);
  while (std::getline(in, item, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

int GpuFromFlag() {
  const std::string& gpu = FLAGS_gpu;
  if (gpu.empty() || gpu == "-1") return -1;
  CNN_CHECK(gpu != "all" && gpu != "local" && gpu.find(',') == std::string::npos,
            "--gpu=" << gpu << ": several GPUs are for cnn train only; give one device, e.g. --gpu=0");
  CNN_CHECK(gpu.find_first_not_of("0123456789") == std::string::npos && gpu.size() < 6,
            "--gpu must be a device number such as 0, got '" << gpu << "'");
  return std::stoi(gpu);
}

void ApplyLevelAndStages(NetState* state) {
  state->set_level(FLAGS_level);
  for (const auto& stage : SplitList(FLAGS_stage)) state->add_stage(stage);
}

int ApplyThreadsFlag() {
  const int threads = SetThreadCount(FLAGS_threads);
  LOG(INFO) << "CPU threads: " << threads << " (from " << ThreadCountSource() << ") for OpenBLAS and OpenMP";
  return threads;
}

void PrintPeakMemory() {
  std::printf("Peak resident memory: %.1f MiB\n", PeakResidentMiB());
  std::fflush(stdout);
}

void ApplyEngineFlag() {
  using Engine = LayerRegistry::Engine;
  if (FLAGS_engine.empty()) return;
  Engine engine = Engine::DEFAULT;
  CNN_CHECK(LayerRegistry::ParseEngine(FLAGS_engine, &engine) && engine != Engine::CUDNN,
            "--engine must be CAFFE, DNNL or DEFAULT, got '" << FLAGS_engine << "'");
#ifndef CNN_WITH_DNNL
  CNN_CHECK(engine != Engine::DNNL, "--engine=DNNL: this build has no oneDNN engine (rebuild with "
                                    "-DCNN_WITH_DNNL=ON; scripts/install_deps.sh installs libdnnl-dev)");
#endif
  LayerRegistry::OverrideEngine(engine);
}

void ExpectNoArguments(const char* command, const std::vector<std::string>& args) {
  CNN_CHECK(args.empty(), "cnn " << command << " takes flags only, got the argument '" << args[0]
                                 << "' (flags are written --name=value)");
}

}  // namespace tool
}  // namespace cnn

// OpenMP's default wait policy keeps a finished region's threads spinning on
// the cores the next OpenBLAS call needs (several times slower convolutions
// on 2 cores). libgomp reads the policy once at load time, so the tool
// restarts itself with a passive policy unless the user chose one.
void PreferPassiveOpenMpThreads(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);
  // Still here: the restart failed; run on with the default policy.
}

#include <xmmintrin.h>
int main(int argc, char** argv) {
  PreferPassiveOpenMpThreads(argv);
  // OpenBLAS's SSE3 fallback on a CPU model it does not know: 5-7x slower sgemm.
  cnn::UseBetterOpenBlasKernels();
  if (std::getenv("CNN_FTZ")) _mm_setcsr(_mm_getcsr() | 0x8040);
  try {
    return cnn::tool::Main(argc, argv);
  } catch (const cnn::Error& e) {
    std::cerr << "cnn: error: " << cnn::tool::OneLine(e.what()) << std::endl;
  } catch (const std::bad_alloc&) {
    std::cerr << "cnn: error: out of CPU memory" << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "cnn: error: " << cnn::tool::OneLine(e.what()) << std::endl;
  }
  return 1;
}
