// `cnn summary`, `cnn train --log_json` and the progress line, `cnn plot` and
// `cnn draw` as a user runs them. JSON is checked with Debian's python3 (an
// independent parser); plot and draw skip where matplotlib or Graphviz are
// not installed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.hpp"

namespace cnn {
namespace {

const char* kNet = R"(name: "tiny"
layer { name: "data" type: "DummyData" top: "x" top: "y"
  dummy_data_param { shape { dim: 8 dim: 4 } shape { dim: 8 }
    data_filler { type: "gaussian" std: 1 } data_filler { type: "constant" value: 1 } } }
layer { name: "fc" type: "InnerProduct" bottom: "x" top: "score"
  inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
layer { name: "acc" type: "Accuracy" bottom: "score" bottom: "y" top: "accuracy" }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "score" bottom: "y" top: "loss" }
)";

void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string Read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

int Shell(const std::string& command, std::string* out) { return test::RunCommand(command, out); }

bool PythonHas(const std::string& module) {
  std::string out;
  return Shell("/usr/bin/python3 -c 'import " + module + "' 2>&1", &out) == 0;
}

bool HasDot() {
  std::string out;
  return Shell("command -v dot", &out) == 0;
}

class ObserveCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::MakeTempDir();
    Write(dir_ + "/net.prototxt", kNet);
  }
  std::string Solver(int max_iter, const std::string& extra = "") const {
    return "net: \"" + dir_ + "/net.prototxt\"\nbase_lr: 0.1\nlr_policy: \"step\"\ngamma: 0.5\nstepsize: 4\n"
           "max_iter: " + std::to_string(max_iter) + "\ndisplay: 2\ntest_iter: 2\ntest_interval: 5\n"
           "snapshot: 5\nsnapshot_prefix: \"" + dir_ + "/snap\"\nrandom_seed: 3\n" + extra;
  }
  std::string dir_;
};

TEST_F(ObserveCli, SummaryFormats) {
  const std::string model = test::SourcePath("models/lenet/deploy.prototxt");
  auto text = test::Cnn("summary --model=" + model);
  ASSERT_EQ(text.status, 0) << text.output;
  EXPECT_NE(text.output.find("parameters      431,080 (431,080 trained, 0 frozen by lr_mult: 0)"), std::string::npos)
      << text.output;
  EXPECT_NE(text.output.find("64x500*"), std::string::npos) << "relu1 is in place\n" << text.output;
  EXPECT_NE(text.output.find("2.29 M per image"), std::string::npos) << text.output;

  // JSON: parsed by python3, the totals and one layer read back.
  const std::string json = dir_ + "/s.json";
  std::string out;
  ASSERT_EQ(Shell(test::ToolPath() + " summary --model=" + model + " --format=json --batch=2 > " + json, &out), 0)
      << out;
  ASSERT_EQ(Shell("/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); t=d[\"totals\"];"
                  " l={x[\"name\"]: x for x in d[\"layers\"]};"
                  " print(d[\"batch\"], t[\"params\"], int(t[\"macs_per_batch\"]), l[\"pool2\"][\"receptive_field\"][\"size\"],"
                  " l[\"conv1\"][\"tops\"][0][\"shape\"])' " + json, &out), 0) << out;
  EXPECT_EQ(out, "2 431080 4586000 [16, 16] [2, 20, 24, 24]\n");

  auto csv = test::Cnn("summary --model=" + model + " --format=csv");
  ASSERT_EQ(csv.status, 0) << csv.output;
  EXPECT_EQ(std::count(csv.output.begin(), csv.output.end(), '\n'), 1 + 9) << csv.output;
  EXPECT_NE(csv.output.find("\nconv2,Convolution,64x50x8x8,25050,0,0,1600000,"), std::string::npos) << csv.output;

  auto bad = test::Cnn("summary --model=" + model + " --format=xml");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.output.find("--format must be text, csv or json, got 'xml'"), std::string::npos) << bad.output;
  bad = test::Cnn("summary");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.output.find("cnn summary needs --model"), std::string::npos) << bad.output;
  bad = test::Cnn("summary --model=" + dir_ + "/absent.prototxt");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.output.find("absent.prototxt"), std::string::npos) << bad.output;
}

// Reads the JSON log with python3 into lines "train ITER LOSS LR", "test ITER
// NAME VALUE" and "snapshot ITER MODEL", one per event.
std::string JsonEvents(const std::string& path) {
  std::string out;
  const int status = Shell(
      "/usr/bin/python3 -c '\n"
      "import json, sys\n"
      "for line in open(sys.argv[1]):\n"
      "    e = json.loads(line)\n"
      "    assert isinstance(e[\"time\"], float) and e[\"elapsed_s\"] >= 0 and e[\"max_iter\"] == 10\n"
      "    if e[\"event\"] == \"train\": print(\"train\", e[\"iter\"], repr(e[\"loss\"]), repr(e[\"lr\"]))\n"
      "    if e[\"event\"] == \"test\":\n"
      "        for k, v in e[\"outputs\"].items(): print(\"test\", e[\"iter\"], k, repr(v))\n"
      "    if e[\"event\"] == \"snapshot\": print(\"snapshot\", e[\"iter\"], e[\"model\"])\n"
      "' " + Quote(path) + " 2>&1",
      &out);
  EXPECT_EQ(status, 0) << out;
  return out;
}

// The same events from glog's lines.
std::string GlogEvents(const std::string& log) {
  std::ostringstream out;
  std::istringstream in(log);
  std::string line;
  const std::regex display(R"(\] Iteration (\d+) \([^)]*\), loss = (\S+))");
  const std::regex lr(R"(\] Iteration (\d+), lr = (\S+))");
  const std::regex final_display(R"(\] Iteration (\d+), loss = (\S+)$)");
  const std::regex testing(R"(\] Iteration (\d+), Testing net)");
  const std::regex test_out(R"(Test net output #\d+: (\S+) = (\S+))");
  const std::regex snapshot(R"(Snapshotting to binary proto file (\S+))");
  std::smatch m;
  std::string test_iter, pending_loss, pending_iter;
  int snapshot_iter = 0;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, display)) {
      pending_iter = m[1];
      pending_loss = m[2];
    } else if (std::regex_search(line, m, final_display)) {
      out << "train " << m[1] << " " << m[2] << "\n";  // after the last step: no update, no lr line
    } else if (std::regex_search(line, m, lr)) {
      out << "train " << m[1] << " " << pending_loss << " " << m[2] << "\n";
    } else if (std::regex_search(line, m, testing)) {
      test_iter = m[1];
    } else if (std::regex_search(line, m, test_out)) {
      out << "test " << test_iter << " " << m[1] << " " << m[2] << "\n";
    } else if (std::regex_search(line, m, snapshot)) {
      const std::string file = m[1];
      snapshot_iter = std::atoi(file.substr(file.rfind("_iter_") + 6).c_str());
      out << "snapshot " << snapshot_iter << " " << file << "\n";
    }
  }
  return out.str();
}

// Compares the two event lists: same kinds and iterations in order, numbers
// equal to glog's 6 printed digits.
void ExpectSameEvents(const std::string& json, const std::string& glog) {
  std::istringstream a(json), b(glog);
  std::string la, lb;
  int n = 0;
  while (std::getline(b, lb)) {
    ASSERT_TRUE(static_cast<bool>(std::getline(a, la))) << "JSON log ends before glog's event: " << lb;
    std::istringstream fa(la), fb(lb);
    std::string ka, kb;
    fa >> ka;
    fb >> kb;
    ASSERT_EQ(ka, kb) << la << " vs " << lb;
    std::string wa, wb;
    while (fb >> wb) {
      ASSERT_TRUE(static_cast<bool>(fa >> wa)) << la << " vs " << lb;
      char* end = nullptr;
      const double vb = std::strtod(wb.c_str(), &end);
      if (*end == '\0' && !wb.empty()) {
        const double va = std::strtod(wa.c_str(), nullptr);
        EXPECT_NEAR(va, vb, 1e-5 * std::max(1.0, std::abs(vb))) << la << " vs " << lb;
      } else {
        EXPECT_EQ(wa, wb) << la << " vs " << lb;
      }
    }
    ++n;
  }
  EXPECT_FALSE(static_cast<bool>(std::getline(a, la))) << "JSON log has an event glog lacks: " << la;
  // display 2 over 10 iterations (0..8, and 10 at the end), tests at 0, 5, 10, snapshots at 5, 10.
  EXPECT_GE(n, 5 + 3 * 2 + 2);
}

TEST_F(ObserveCli, JsonLogMatchesGlog) {
  Write(dir_ + "/solver.prototxt", Solver(10));
  const std::string log = dir_ + "/train.jsonl";
  std::string out;
  ASSERT_EQ(Shell(test::ToolPath() + " train --solver=" + dir_ + "/solver.prototxt --log_json=" + log + " 2>&1", &out),
            0) << out;
  const std::string json = JsonEvents(log);
  const std::string glog = GlogEvents(out);
  ExpectSameEvents(json, glog);
  // The step policy halves the rate every 4 iterations: 0.1, then 0.05 from iteration 4.
  EXPECT_NE(json.find("train 4 "), std::string::npos);
  EXPECT_NE(json.find(" 0.05\n"), std::string::npos) << json;
  EXPECT_NE(json.find("snapshot 10 " + dir_ + "/snap_iter_10.caffemodel"), std::string::npos) << json;

  // The solver's own field does the same; resuming appends to the log.
  const std::string log2 = dir_ + "/from_field.jsonl";
  Write(dir_ + "/solver2.prototxt", Solver(10, "log_json: \"" + log2 + "\"\n"));
  ASSERT_EQ(Shell(test::ToolPath() + " train --solver=" + dir_ + "/solver2.prototxt 2>&1", &out), 0) << out;
  ExpectSameEvents(JsonEvents(log2), GlogEvents(out));
  const std::string before = Read(log2);
  Write(dir_ + "/solver3.prototxt", Solver(10, "log_json: \"" + log2 + "\"\n"));
  ASSERT_EQ(Shell(test::ToolPath() + " train --solver=" + dir_ + "/solver3.prototxt --snapshot=" + dir_ +
                      "/snap_iter_5.solverstate 2>&1",
                  &out),
            0) << out;
  const std::string after = Read(log2);
  ASSERT_GT(after.size(), before.size());
  EXPECT_EQ(after.compare(0, before.size(), before), 0) << "a resumed run appends";

  // A log that cannot be written stops before training, naming it.
  ASSERT_EQ(Shell(test::ToolPath() + " train --solver=" + dir_ + "/solver.prototxt --log_json=" + dir_ +
                      "/no/such/dir/x.jsonl 2>&1",
                  &out),
            1);
  EXPECT_NE(out.find("cannot write the JSON training log '" + dir_ + "/no/such/dir/x.jsonl'"), std::string::npos)
      << out;
}

TEST_F(ObserveCli, ProgressLineOnlyWhenAsked) {
  Write(dir_ + "/solver.prototxt", Solver(10));
  std::string out;
  // In a pipe (as here) the glog lines stay, with no carriage returns.
  ASSERT_EQ(Shell(test::ToolPath() + " train --solver=" + dir_ + "/solver.prototxt 2>&1", &out), 0) << out;
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_NE(out.find("Iteration 2 ("), std::string::npos);
  // Forced: one line redrawn in place, glog's INFO lines gone, the end reached.
  ASSERT_EQ(Shell(test::ToolPath() + " train --progress=always --solver=" + dir_ + "/solver.prototxt 2>&1", &out), 0)
      << out;
  EXPECT_NE(out.find("\r\033[K"), std::string::npos) << out;
  EXPECT_NE(out.find("iter 9/10  loss "), std::string::npos) << out;
  EXPECT_NE(out.find("test accuracy="), std::string::npos) << out;
  EXPECT_EQ(out.find("Iteration 2 ("), std::string::npos) << out;
  EXPECT_NE(out.find("Final test net #0 (iteration 10): accuracy = "), std::string::npos) << out;
  ASSERT_EQ(Shell(test::ToolPath() + " train --progress=sometimes --solver=" + dir_ + "/solver.prototxt 2>&1", &out),
            1);
  EXPECT_NE(out.find("--progress must be auto, always or never, got 'sometimes'"), std::string::npos) << out;
}

bool IsPng(const std::string& path) {
  const std::string data = Read(path);
  return data.size() > 1000 && data.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

// A log in BVLC Caffe's format: `date_prefix` is "1123" (older glog) or
// "20261123" (glog 0.6 and later).
std::string CaffeLog(const std::string& date_prefix) {
  std::ostringstream log;
  const std::string p = "I" + date_prefix + " ";
  log << "Log file created at: 2026/11/23 12:00:00\n";
  for (int it = 0; it <= 300; it += 100) {
    const double loss = 2.3 / (1 + it / 50.0);
    char t[32];
    std::snprintf(t, sizeof t, "12:%02d:%02d.%06d", it / 60, it % 60, it);
    log << p << t << " 4242 solver.cpp:218] Iteration " << it << " (12.5 iter/s, 8s/100 iters), loss = " << loss << "\n";
    log << p << t << " 4242 solver.cpp:237]     Train net output #0: loss = " << loss << " (* 1 = " << loss
        << " loss)\n";
    log << p << t << " 4242 sgd_solver.cpp:105] Iteration " << it << ", lr = 0.01\n";
    if (it % 200 == 0) {
      log << p << t << " 4242 solver.cpp:330] Iteration " << it << ", Testing net (#0)\n";
      log << p << t << " 4242 solver.cpp:397]     Test net output #0: accuracy = " << 0.5 + it / 1000.0 << "\n";
      log << p << t << " 4242 solver.cpp:397]     Test net output #1: loss = " << loss * 1.1 << " (* 1 = "
          << loss * 1.1 << " loss)\n";
    }
  }
  return log.str();
}

TEST_F(ObserveCli, PlotReadsOurLogsAndCaffes) {
  if (!PythonHas("matplotlib")) GTEST_SKIP() << "python3-matplotlib is not installed";
  Write(dir_ + "/solver.prototxt", Solver(10));
  std::string out;
  ASSERT_EQ(Shell(test::ToolPath() + " train --solver=" + dir_ + "/solver.prototxt --log_json=" + dir_ +
                      "/ours.jsonl > " + dir_ + "/ours.log 2>&1",
                  &out),
            0) << out;
  Write(dir_ + "/caffe_old.log", CaffeLog("1123"));
  Write(dir_ + "/caffe_new.log", CaffeLog("20261123"));
  // Each format alone as a PNG (the newer Caffe prefix is drawn in the overlay below).
  for (const std::string log : {"ours.jsonl", "ours.log", "caffe_old.log"}) {
    const std::string png = dir_ + "/" + log + ".png";
    auto r = test::Cnn("plot " + dir_ + "/" + log + " --out=" + png + " --metrics=loss,accuracy");
    ASSERT_EQ(r.status, 0) << log << ": " << r.output;
    EXPECT_TRUE(IsPng(png)) << log;
  }
  // Several runs overlaid, against seconds, as SVG.
  auto r = test::Cnn("plot " + dir_ + "/ours.jsonl " + dir_ + "/caffe_old.log " + dir_ + "/caffe_new.log --out=" + dir_ +
                     "/all.svg --x=seconds");
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string svg = Read(dir_ + "/all.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  for (const char* label : {"ours.jsonl: train loss", "caffe_old.log: test accuracy", "caffe_new.log: test loss"})
    EXPECT_NE(svg.find(label), std::string::npos) << label;

  r = test::Cnn("plot " + dir_ + "/caffe_old.log --out=" + dir_ + "/x.png --metrics=top5");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("no metric named top5 in the logs"), std::string::npos) << r.output;
  Write(dir_ + "/junk.log", "hello\nworld\n");
  r = test::Cnn("plot " + dir_ + "/junk.log --out=" + dir_ + "/x.png");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("junk.log: neither a JSON log nor glog lines"), std::string::npos) << r.output;
  r = test::Cnn("plot " + dir_ + "/absent.log --out=" + dir_ + "/x.png");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("cannot read the log"), std::string::npos) << r.output;
  r = test::Cnn("plot " + dir_ + "/caffe_old.log --out=" + dir_ + "/x.jpg");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("--out must end in .png, .svg or .pdf"), std::string::npos) << r.output;
}

TEST_F(ObserveCli, DrawWritesDotWithEveryLayer) {
  const std::string model = test::SourcePath("models/resnet18/deploy.prototxt");
  const std::string dot = dir_ + "/net.dot";
  auto r = test::Cnn("draw --model=" + model + " --out=" + dot + " --rankdir=LR");
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string text = Read(dot);
  EXPECT_EQ(text.rfind("digraph \"", 0), 0u);
  EXPECT_NE(text.find("rankdir=LR;"), std::string::npos);
  // Every layer of the prototxt appears as a node label; the net's own
  // Split layers do not.
  std::istringstream proto(Read(model));
  std::string line;
  int layers = 0;
  const std::regex name_line(R"re(^\s*name: "([^"]+)")re");
  std::smatch m;
  bool first = true;
  while (std::getline(proto, line)) {
    if (!std::regex_search(line, m, name_line)) continue;
    if (first) {  // the net's name
      first = false;
      continue;
    }
    ++layers;
    EXPECT_NE(text.find("label=\"" + m[1].str() + "\\n"), std::string::npos) << m[1];
  }
  EXPECT_GT(layers, 50);
  EXPECT_EQ(text.find("_split\\n"), std::string::npos);
  EXPECT_NE(text.find(" (in place)\""), std::string::npos);
  if (!HasDot()) GTEST_SKIP() << "Graphviz (dot) is not installed";
  std::string out;
  EXPECT_EQ(Shell("dot -Tsvg " + dot + " -o " + dir_ + "/check.svg 2>&1", &out), 0) << out;
  r = test::Cnn("draw --model=" + test::SourcePath("models/lenet/deploy.prototxt") + " --out=" + dir_ + "/lenet.svg");
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string svg = Read(dir_ + "/lenet.svg");
  for (const char* layer : {"conv1", "pool2", "relu1", "prob", "64x20x24x24"})
    EXPECT_NE(svg.find(layer), std::string::npos) << layer;
  r = test::Cnn("draw --model=" + test::SourcePath("models/lenet/deploy.prototxt") + " --out=" + dir_ + "/lenet.png");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(IsPng(dir_ + "/lenet.png"));
  r = test::Cnn("draw --model=" + model + " --out=" + dir_ + "/x.gif");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("--out must end in .svg, .png or .dot"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace cnn
