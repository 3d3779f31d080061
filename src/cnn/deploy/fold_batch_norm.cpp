#include "cnn/deploy/fold_batch_norm.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <utility>

#include "cnn/core/common.hpp"
#include "cnn/layers/norm/norm_math.hpp"
#include "cnn/net/state_rules.hpp"

namespace cnn {
namespace {

// Which layer wrote the value each bottom reads (-1: a net input), and who
// reads each written value: in-place layers reuse blob names, so a name
// alone does not say which value a layer sees.
struct Dataflow {
  std::vector<std::vector<int>> writer;                   // [layer][bottom]
  std::map<std::pair<int, std::string>, std::vector<int>> readers;  // (writer, name) -> layers
};

Dataflow TraceDataflow(const NetParameter& net) {
  Dataflow flow;
  std::map<std::string, int> last;
  for (int i = 0; i < net.layer_size(); ++i) {
    const LayerParameter& lp = net.layer(i);
    flow.writer.emplace_back();
    for (const auto& b : lp.bottom()) {
      const auto it = last.find(b);
      const int w = it == last.end() ? -1 : it->second;
      flow.writer.back().push_back(w);
      flow.readers[{w, b}].push_back(i);
    }
    for (const auto& t : lp.top()) last[t] = i;
  }
  return flow;
}

std::vector<int> ReadersOf(const Dataflow& flow, int writer, const std::string& blob) {
  const auto it = flow.readers.find({writer, blob});
  return it == flow.readers.end() ? std::vector<int>{} : it->second;
}

// Parameter names used by more than one layer (Caffe's weight sharing).
std::set<std::string> SharedParamNames(const NetParameter& net) {
  std::map<std::string, std::set<int>> users;
  for (int i = 0; i < net.layer_size(); ++i)
    for (const auto& p : net.layer(i).param())
      if (!p.name().empty()) users[p.name()].insert(i);
  std::set<std::string> shared;
  for (const auto& [name, layers] : users)
    if (layers.size() > 1) shared.insert(name);
  return shared;
}

void CheckNotShared(const LayerParameter& lp, const std::set<std::string>& shared, const std::string& why) {
  for (const auto& p : lp.param())
    CNN_CHECK(!shared.count(p.name()), "cannot fold: layer '" << lp.name() << "' (" << lp.type() << ") shares its blob '"
                                                                  << p.name() << "' with another layer; " << why);
}

bool IsFoldTarget(const std::string& type) {
  return type == "Convolution" || type == "Deconvolution" || type == "InnerProduct";
}

bool TakesConvolutionParam(const std::string& type) { return type == "Convolution" || type == "Deconvolution"; }

// The output channel weight element i feeds. Convolution: O x I/g x taps;
// InnerProduct: O x K, or K x O transposed; Deconvolution: I x O/g x taps,
// input channel ci of group ci / (I/g) feeding outputs of that group.
struct OutputChannelOf {
  const Blob& w;
  std::string type;
  bool transposed = false;
  int group = 1;
  int outputs() const {
    if (type == "Deconvolution") return w.shape(1) * group;
    return transposed ? w.shape(1) : w.shape(0);
  }
  int operator()(int i) const {
    const int per_row = w.count() / w.shape(0);
    if (type == "Deconvolution") {
      const int taps = w.count(2), per_group_out = w.shape(1), per_group_in = w.shape(0) / group;
      const int ci = i / per_row, j = (i / taps) % per_group_out;
      return (ci / per_group_in) * per_group_out + j;
    }
    return transposed ? i % per_row : i / per_row;
  }
};

// The layers one fold removes, and the producer they fold into.
struct Fold {
  int producer = -1;
  int bn = -1;
  int scale = -1;  // -1: no Scale folded
};

Fold PlanFold(const NetParameter& net, const Dataflow& flow, const std::set<std::string>& shared, const Net& built,
              int bn, std::vector<std::string>* kept) {
  const LayerParameter& b = net.layer(bn);
  Fold fold;
  const std::string where = "cannot fold BatchNorm '" + b.name() + "'";
  CNN_CHECK(b.bottom_size() == 1 && b.top_size() == 1, where << ": it needs one bottom and one top");
  const int p = flow.writer[bn][0];
  if (p < 0 || !IsFoldTarget(net.layer(p).type())) {
    kept->push_back(b.name() + " (its input '" + b.bottom(0) + "' comes from " +
                    (p < 0 ? std::string("the net's input") : net.layer(p).type() + " '" + net.layer(p).name() + "'") +
                    ", not a Convolution, Deconvolution or InnerProduct)");
    return fold;
  }
  const LayerParameter& prod = net.layer(p);
  const std::string into = where + " into " + prod.type() + " '" + prod.name() + "'";
  CNN_CHECK(!b.batch_norm_param().has_use_global_stats() || b.batch_norm_param().use_global_stats(),
            where << ": use_global_stats is false, so in the TEST phase it normalises by each batch's own "
                     "statistics, which no fixed weights can do");
  CNN_CHECK(prod.top_size() == 1, into << ": the producer has " << prod.top_size() << " tops");
  const std::vector<int> readers = ReadersOf(flow, p, prod.top(0));
  for (int r : readers)
    CNN_CHECK(r == bn, into << ": layer '" << net.layer(r).name() << "' also reads the unnormalised output '"
                            << prod.top(0) << "'");
  CheckNotShared(b, shared, "its statistics cannot be folded into one producer");
  CheckNotShared(prod, shared, "folding would change the other layer's weights too");
  const Layer& layer = *built.layer_by_name(prod.name());
  CNN_CHECK(!layer.blobs().empty(), into << ": the producer has no weights");
  if (TakesConvolutionParam(prod.type())) {
    CNN_CHECK(prod.convolution_param().axis() == 1, into << ": the convolution's channel axis is "
                                                         << prod.convolution_param().axis() << ", BatchNorm's is 1");
  } else {
    const Blob& top = *built.blob_by_name(prod.top(0));
    CNN_CHECK(top.CanonicalAxisIndex(prod.inner_product_param().axis()) == 1 && top.num_axes() == 2,
              into << ": the InnerProduct's output " << top.shape_string() << " does not have its "
                   << prod.inner_product_param().num_output() << " outputs on axis 1, BatchNorm's channel axis");
  }
  fold.producer = p;
  fold.bn = bn;
  // A Scale that alone reads the normalised value, with one learned factor per channel.
  const std::vector<int> after = ReadersOf(flow, bn, b.top(0));
  if (after.size() == 1 && net.layer(after[0]).type() == "Scale" && net.layer(after[0]).bottom_size() == 1 &&
      net.layer(after[0]).top_size() == 1) {
    const LayerParameter& s = net.layer(after[0]);
    const Layer& scale = *built.layer_by_name(s.name());
    const Blob& x = *built.blob_by_name(b.top(0));
    const int channels = x.shape(1);
    if (x.CanonicalAxisIndex(s.scale_param().axis()) == 1 && scale.blobs()[0]->count() == channels) {
      CheckNotShared(s, shared, "its factors cannot be folded into one producer");
      fold.scale = after[0];
    }
  }
  // The folded producer writes the chain's last top at its own place: no
  // layer in between may read or write that name or the producer's.
  const int last = fold.scale >= 0 ? fold.scale : fold.bn;
  const std::string& final_top = net.layer(last).top(0);
  for (int i = p + 1; i < last; ++i) {
    if (i == fold.bn || i == fold.scale) continue;
    const LayerParameter& l = net.layer(i);
    for (const auto* names : {&l.bottom(), &l.top()})
      for (const auto& n : *names)
        CNN_CHECK(n != final_top && n != prod.top(0),
                  into << ": layer '" << l.name() << "', between them, uses the blob '" << n << "'");
  }
  return fold;
}

std::vector<float> Values(const Blob& b) { return std::vector<float>(b.cpu_data(), b.cpu_data() + b.count()); }

// The producer's new weights and bias.
void FoldWeights(const NetParameter& net, const Net& built, const Fold& f, LayerParameter* weights) {
  const LayerParameter& prod = net.layer(f.producer);
  const LayerParameter& bnp = net.layer(f.bn);
  const Layer& layer = *built.layer_by_name(prod.name());
  const Layer& bn = *built.layer_by_name(bnp.name());
  const Blob& w = *layer.blobs()[0];
  const OutputChannelOf channel_of{w, prod.type(), prod.type() == "InnerProduct" && prod.inner_product_param().transpose(),
                                   TakesConvolutionParam(prod.type()) ? static_cast<int>(prod.convolution_param().group()) : 1};
  const int outputs = channel_of.outputs();
  CNN_CHECK(bn.blobs()[0]->count() == outputs, "cannot fold BatchNorm '" << bnp.name() << "': it has "
                                                                          << bn.blobs()[0]->count()
                                                                          << " channels, '" << prod.name()
                                                                          << "' " << outputs << " outputs");
  const float stats_scale = norm::StoredStatsScale(bn.blobs()[2]->cpu_data()[0]);
  const double eps = bnp.batch_norm_param().eps();
  const std::vector<float> mean = Values(*bn.blobs()[0]), var = Values(*bn.blobs()[1]);
  std::vector<float> gamma(outputs, 1.f), beta(outputs, 0.f);
  if (f.scale >= 0) {
    const Layer& s = *built.layer_by_name(net.layer(f.scale).name());
    gamma = Values(*s.blobs()[0]);
    if (s.blobs().size() > 1) beta = Values(*s.blobs()[1]);
  }
  std::vector<float> bias(outputs, 0.f);
  if (layer.blobs().size() > 1) bias = Values(*layer.blobs()[1]);

  std::vector<double> a(outputs);
  std::vector<float> new_bias(outputs);
  for (int c = 0; c < outputs; ++c) {
    const double m = static_cast<double>(mean[c]) * stats_scale;
    const double v = static_cast<double>(var[c]) * stats_scale;
    a[c] = gamma[c] / std::sqrt(v + eps);
    new_bias[c] = static_cast<float>(a[c] * (bias[c] - m) + beta[c]);
  }
  Blob new_w(w.shape());
  const float* src = w.cpu_data();
  float* dst = new_w.mutable_cpu_data();
  for (int i = 0; i < w.count(); ++i) dst[i] = static_cast<float>(src[i] * a[channel_of(i)]);
  Blob b(std::vector<int>{outputs});
  std::copy(new_bias.begin(), new_bias.end(), b.mutable_cpu_data());
  weights->clear_blobs();
  new_w.ToProto(weights->add_blobs());
  b.ToProto(weights->add_blobs());
}

}  // namespace

FoldedNet FoldBatchNorm(const NetParameter& model, const Net& net) {
  NetParameter test = model;
  test.mutable_state()->set_phase(TEST);
  test = FilterNet(test);
  const Dataflow flow = TraceDataflow(test);
  const std::set<std::string> shared = SharedParamNames(test);

  FoldedNet out;
  std::vector<Fold> folds;
  for (int i = 0; i < test.layer_size(); ++i) {
    if (test.layer(i).type() != "BatchNorm") continue;
    const Fold f = PlanFold(test, flow, shared, net, i, &out.kept);
    if (f.producer >= 0) folds.push_back(f);
  }
  std::string kept;
  for (const auto& k : out.kept) kept += (kept.empty() ? "" : "; ") + k;
  CNN_CHECK(!folds.empty(), "nothing to fold: no BatchNorm follows a Convolution, Deconvolution or InnerProduct"
                                << (kept.empty() ? std::string() : " (" + kept + ")"));

  std::map<std::string, LayerParameter> folded_weights;
  std::set<int> removed;
  NetParameter folded = test;
  for (const Fold& f : folds) {
    LayerParameter& prod = *folded.mutable_layer(f.producer);
    FoldWeights(test, net, f, &folded_weights[prod.name()]);
    if (TakesConvolutionParam(prod.type())) {
      prod.mutable_convolution_param()->set_bias_term(true);
    } else {
      prod.mutable_inner_product_param()->set_bias_term(true);
    }
    const int last = f.scale >= 0 ? f.scale : f.bn;
    prod.set_top(0, test.layer(last).top(0));
    removed.insert(f.bn);
    std::string line = prod.name() + " <- " + test.layer(f.bn).name();
    if (f.scale >= 0) {
      removed.insert(f.scale);
      line += ", " + test.layer(f.scale).name();
    }
    out.folds.push_back(line);
  }
  out.model = folded;
  out.model.clear_layer();
  for (int i = 0; i < folded.layer_size(); ++i)
    if (!removed.count(i)) *out.model.add_layer() = folded.layer(i);

  // Weights: every kept layer's trained blobs, the folded ones replaced.
  NetParameter all;
  net.ToProto(&all);
  out.weights.set_name(all.name());
  std::set<std::string> kept_names;
  for (const auto& l : out.model.layer()) kept_names.insert(l.name());
  for (const auto& l : all.layer()) {
    if (l.blobs_size() == 0 || !kept_names.count(l.name())) continue;
    LayerParameter* w = out.weights.add_layer();
    *w = l;
    const auto it = folded_weights.find(l.name());
    if (it != folded_weights.end()) *w->mutable_blobs() = it->second.blobs();
  }
  return out;
}

double MaxRelativeOutputDifference(Net& a, Net& b, int batches, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> gauss(0.f, 1.f);
  double max_diff = 0, max_ref = 0;
  for (int batch = 0; batch < batches; ++batch) {
    std::map<std::string, std::vector<float>> inputs;
    for (size_t i = 0; i < a.layers().size(); ++i) {
      if (!a.bottom_vecs()[i].empty()) continue;
      for (const Blob* t : a.top_vecs()[i]) {
        std::vector<float>& v = inputs[a.blob_name(t)];
        v.resize(t->count());
        for (float& x : v) x = gauss(rng);
      }
    }
    for (Net* net : {&a, &b}) {
      for (size_t i = 0; i < net->layers().size(); ++i) {
        if (!net->bottom_vecs()[i].empty()) {
          net->ForwardFromTo(static_cast<int>(i), static_cast<int>(i));
          continue;
        }
        for (Blob* t : net->top_vecs()[i]) {
          const auto it = inputs.find(net->blob_name(t));
          CNN_CHECK(it != inputs.end() && it->second.size() == static_cast<size_t>(t->count()),
                    "the folded net's input '" << net->blob_name(t) << "' differs from the original's");
          std::copy(it->second.begin(), it->second.end(), t->mutable_cpu_data());
        }
      }
    }
    for (const Blob* out : a.output_blobs()) {
      const std::string name = a.blob_name(out);
      CNN_CHECK(b.has_blob(name), "the folded net has no output '" << name << "'");
      const Blob& other = *b.blob_by_name(name);
      CNN_CHECK(other.shape() == out->shape(), "the folded net's output '" << name << "' has shape "
                                                                            << other.shape_string() << ", the original's "
                                                                            << out->shape_string());
      for (int k = 0; k < out->count(); ++k) {
        max_ref = std::max(max_ref, std::fabs(static_cast<double>(out->cpu_data()[k])));
        max_diff = std::max(max_diff, std::fabs(static_cast<double>(out->cpu_data()[k]) - other.cpu_data()[k]));
      }
    }
  }
  return max_ref > 0 ? max_diff / max_ref : max_diff;
}

}  // namespace cnn
