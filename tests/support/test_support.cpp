#include "support/test_support.hpp"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "cnn/core/context.hpp"
#include "cnn/core/layer_registry.hpp"
#include "cnn/core/math.hpp"

namespace cnn {
namespace test {

void FillGaussian(Blob* blob, float stddev, float mean) {
  if (blob->count()) rng_gaussian(blob->count(), mean, stddev, blob->mutable_cpu_data());
}

void FillUniform(Blob* blob, float lo, float hi) {
  if (blob->count()) rng_uniform(blob->count(), lo, hi, blob->mutable_cpu_data());
}

void FillValues(Blob* blob, const std::vector<float>& values) {
  ASSERT_EQ(static_cast<int>(values.size()), blob->count());
  std::copy(values.begin(), values.end(), blob->mutable_cpu_data());
}

std::vector<float> DataOf(const Blob& blob) {
  return std::vector<float>(blob.cpu_data(), blob.cpu_data() + blob.count());
}

std::vector<float> DiffOf(const Blob& blob) {
  return std::vector<float>(blob.cpu_diff(), blob.cpu_diff() + blob.count());
}

void ExpectClose(const std::vector<float>& a, const std::vector<float>& b, float tolerance, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  int failures = 0;
  for (size_t i = 0; i < a.size() && failures < 10; ++i) {
    if (std::isnan(a[i]) && std::isnan(b[i])) continue;
    if (!(std::fabs(a[i] - b[i]) <= tolerance * std::max(1.f, std::fabs(a[i])))) {
      ++failures;
      ADD_FAILURE() << what << " element " << i << ": " << a[i] << " vs " << b[i] << " (tolerance " << tolerance
                    << ")";
    }
  }
}

void CheckGradientWithRandomBlobs(Layer& layer, const std::vector<int>& shape, const GradientCheckOptions& options) {
  Blob bottom(shape), top;
  FillGaussian(&bottom);
  layer.SetUp({&bottom}, {&top});
  for (auto& b : layer.blobs()) FillGaussian(b.get());
  CheckGradient(layer, {&bottom}, {&top}, options);
}

LayerParameter WithRandomBlobs(LayerParameter param, const std::vector<int>& shape, uint64_t seed) {
  auto layer = LayerRegistry::Create(param);
  Blob bottom(shape), top;
  layer->SetUp({&bottom}, {&top});
  Context::set_random_seed(seed);
  for (auto& b : layer->blobs()) FillGaussian(b.get());
  for (auto& b : layer->blobs()) b->ToProto(param.add_blobs());
  return param;
}

void ExpectInPlaceMatchesSeparate(const std::function<std::unique_ptr<Layer>()>& make,
                                  const std::vector<int>& shape, uint64_t seed) {
  Context::set_random_seed(seed);
  Blob x(shape), y, dy(shape);
  FillGaussian(&x);
  FillGaussian(&dy);
  auto layer = make();
  layer->SetUp({&x}, {&y});
  layer->Forward({&x}, {&y});
  std::copy(dy.cpu_data(), dy.cpu_data() + dy.count(), y.mutable_cpu_diff());
  layer->Backward({&y}, {true}, {&x});

  Blob z(shape);
  z.CopyFrom(x);
  auto in_place = make();
  in_place->SetUp({&z}, {&z});
  in_place->Forward({&z}, {&z});
  EXPECT_EQ(DataOf(z), DataOf(y)) << "top";
  std::copy(dy.cpu_data(), dy.cpu_data() + dy.count(), z.mutable_cpu_diff());
  in_place->Backward({&z}, {true}, {&z});
  EXPECT_EQ(DiffOf(z), DiffOf(x)) << "bottom diff";
}

LayerParameter ParseLayer(const std::string& text) {
  LayerParameter p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &p)) << "bad layer text:\n" << text;
  return p;
}

namespace {

double Objective(const BlobVec& top, const std::vector<std::vector<float>>& weights) {
  double l = 0;
  for (size_t t = 0; t < top.size(); ++t) {
    const float* d = top[t]->cpu_data();
    for (int i = 0; i < top[t]->count(); ++i) l += static_cast<double>(weights[t][i]) * d[i];
  }
  return l;
}

double ForwardObjective(Layer& layer, const BlobVec& bottom, const BlobVec& top,
                        const std::vector<std::vector<float>>& weights, uint64_t seed) {
  Context::set_random_seed(seed);
  layer.Forward(bottom, top);
  return Objective(top, weights);
}

}  // namespace

void CheckGradient(Layer& layer, const BlobVec& bottom, const BlobVec& top, const GradientCheckOptions& opt) {
  Context::set_random_seed(opt.seed);
  layer.SetUp(bottom, top);
  for (size_t i = 0; i < layer.blobs().size(); ++i) layer.set_param_propagate_down(static_cast<int>(i), true);

  // A first forward pass gives the tops their shapes.
  Context::set_random_seed(opt.seed);
  layer.Forward(bottom, top);
  // Fixed random weights per top element make one scalar objective whose
  // gradient exercises every element of every top.
  std::vector<std::vector<float>> weights(top.size());
  std::mt19937 wgen(static_cast<unsigned>(opt.seed + 2));
  std::uniform_real_distribution<float> wdist(-1.f, 1.f);
  for (size_t t = 0; t < top.size(); ++t) {
    weights[t].resize(top[t]->count());
    for (auto& w : weights[t]) w = wdist(wgen);
  }

  // Analytic gradients.
  std::vector<int> to_check = opt.bottoms;
  // By default every bottom that can take a gradient (not Embed's indices,
  // say, which the layer refuses to back-propagate to).
  if (to_check.empty())
    for (size_t i = 0; i < bottom.size(); ++i)
      if (layer.AllowForceBackward(static_cast<int>(i))) to_check.push_back(static_cast<int>(i));
  std::vector<bool> propagate(bottom.size(), false);
  for (int b : to_check) propagate[b] = true;

  ForwardObjective(layer, bottom, top, weights, opt.seed);
  // Cleared before the top diffs are written: a top may alias a bottom's or
  // a parameter's diff (Reshape, Parameter, in-place layers).
  for (Blob* b : bottom) cpu_set(b->count(), 0.f, b->mutable_cpu_diff());
  for (auto& p : layer.blobs()) cpu_set(p->count(), 0.f, p->mutable_cpu_diff());
  for (size_t t = 0; t < top.size(); ++t)
    std::copy(weights[t].begin(), weights[t].end(), top[t]->mutable_cpu_diff());
  layer.Backward(top, propagate, bottom);

  struct Target {
    Blob* blob;
    std::string name;
    std::vector<float> analytic;
  };
  std::vector<Target> targets;
  for (int b : to_check) targets.push_back({bottom[b], "bottom " + std::to_string(b), {}});
  if (opt.check_params)
    for (size_t i = 0; i < layer.blobs().size(); ++i)
      targets.push_back({layer.blobs()[i].get(), "param " + std::to_string(i), {}});
  for (auto& t : targets) t.analytic.assign(t.blob->cpu_diff(), t.blob->cpu_diff() + t.blob->count());

  int failures = 0;
  for (auto& t : targets) {
    for (int i = 0; i < t.blob->count() && failures < 10; ++i) {
      float* x = t.blob->mutable_cpu_data() + i;
      const float orig = *x;
      if (opt.kink_range > 0 && std::fabs(orig - opt.kink) < opt.kink_range) continue;
      *x = orig + opt.step;
      const double plus = ForwardObjective(layer, bottom, top, weights, opt.seed);
      x = t.blob->mutable_cpu_data() + i;
      *x = orig - opt.step;
      const double minus = ForwardObjective(layer, bottom, top, weights, opt.seed);
      x = t.blob->mutable_cpu_data() + i;
      *x = orig;
      const double numeric = (plus - minus) / (2.0 * opt.step);
      const double analytic = t.analytic[i];
      const double scale = std::max({std::fabs(numeric), std::fabs(analytic), 1.0});
      if (std::fabs(numeric - analytic) > opt.threshold * scale) {
        ++failures;
        ADD_FAILURE() << layer.type() << " " << t.name << " element " << i << ": analytic " << analytic
                      << " vs numeric " << numeric;
      }
    }
  }
}

std::string SourcePath(const std::string& relative) { return std::string(CNN_SOURCE_DIR) + "/" + relative; }
std::string SharedPath(const std::string& relative) { return std::string(CNN_SHARED_DIR) + "/" + relative; }
std::string ToolPath() { return CNN_TOOL_PATH; }

bool PathExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::string MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/cnn_test_XXXXXX";
  char* dir = mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr);
  return dir ? std::string(dir) : std::string();
}

int RunCommand(const std::string& command, std::string* output) {
  output->clear();
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) output->append(buf, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string Mpirun() {
  std::string out;
  if (RunCommand("command -v mpirun", &out) != 0) return "";
  // Root needs the first flag; CI's two cores need oversubscription when busy.
  return "mpirun --allow-run-as-root --oversubscribe --bind-to none ";
}

bool ToolBuiltWithMpi() {
  std::string out;
  RunCommand(ToolPath() + " version", &out);
  return out.find("MPI: on") != std::string::npos;
}

ToolResult Cnn(const std::string& args) {
  ToolResult r;
  r.status = RunCommand(ToolPath() + " " + args, &r.output);
  return r;
}

}  // namespace test
}  // namespace cnn
