// ONNX writers for the element-wise layers: activations, BatchNorm (with
// Caffe's stored statistics), Scale and Bias (a Mul/Add with the factor
// reshaped to broadcast from its axis), Eltwise.
#include <cmath>
#include <string>
#include <vector>

#include "cnn/core/common.hpp"
#include "cnn/deploy/onnx_graph.hpp"
#include "cnn/layers/norm/norm_math.hpp"

namespace cnn {
namespace onnx_export {
namespace {

std::string Scalar(LayerExport& e, const std::string& what, float v) { return e.g.Floats(e.name() + "/" + what, {1}, {v}); }

// y = op(x) with one ONNX operator of the same meaning.
LayerWriter Unary(const char* op) {
  return [op](LayerExport& e) { e.g.Node(op, {e.in[0]}, {e.out[0]}, e.name()); };
}

// shift + scale * x, skipping the identity steps; the last step writes `out` when given.
std::string Affine(LayerExport& e, float scale, float shift, const std::string& out) {
  std::string t = e.in[0];
  const bool last_scale = shift == 0.f;
  if (scale != 1.f) {
    const std::string dst = last_scale && !out.empty() ? out : e.g.Fresh(e.name() + "/scaled");
    e.g.Node("Mul", {t, Scalar(e, "scale", scale)}, {dst}, e.name() + "/scale");
    t = dst;
  }
  if (shift != 0.f) {
    const std::string dst = !out.empty() ? out : e.g.Fresh(e.name() + "/shifted");
    e.g.Node("Add", {t, Scalar(e, "shift", shift)}, {dst}, e.name() + "/shift");
    t = dst;
  }
  if (!out.empty() && t != out) e.g.Node("Identity", {t}, {out}, e.name());
  return t;
}

void WriteReLU(LayerExport& e) {
  const float slope = e.p.relu_param().negative_slope();
  if (slope == 0.f) {
    e.g.Node("Relu", {e.in[0]}, {e.out[0]}, e.name());
    return;
  }
  Graph::Float(e.g.Node("LeakyRelu", {e.in[0]}, {e.out[0]}, e.name()), "alpha", slope);
}

void WritePReLU(LayerExport& e) {
  // One slope per channel (axis 1), or one for all.
  const Blob& slope = *e.layer.blobs()[0];
  const std::vector<int64_t> dims =
      e.p.prelu_param().channel_shared() ? std::vector<int64_t>{1} : BroadcastDims(slope.shape(), 1, e.bottom[0]->num_axes());
  e.g.Node("PRelu", {e.in[0], e.Weight(0, "slope", dims)}, {e.out[0]}, e.name());
}

void WritePower(LayerExport& e) {
  const PowerParameter& pp = e.p.power_param();
  if (pp.power() == 1.f) {
    Affine(e, pp.scale(), pp.shift(), e.out[0]);
    return;
  }
  const std::string base = Affine(e, pp.scale(), pp.shift(), "");
  e.g.Node("Pow", {base, Scalar(e, "power", pp.power())}, {e.out[0]}, e.name());
}

void WriteExp(LayerExport& e) {
  const ExpParameter& xp = e.p.exp_param();
  // base^(shift + scale x) = e^((shift + scale x) ln base)
  const float ln_base = xp.base() == -1.f ? 1.f : std::log(xp.base());
  CNN_CHECK(xp.base() == -1.f || xp.base() > 0.f, e.where() << "base must be positive or -1, got " << xp.base());
  const std::string arg = Affine(e, xp.scale() * ln_base, xp.shift() * ln_base, "");
  e.g.Node("Exp", {arg}, {e.out[0]}, e.name());
}

void WriteLog(LayerExport& e) {
  const LogParameter& lp = e.p.log_param();
  const std::string arg = Affine(e, lp.scale(), lp.shift(), "");
  if (lp.base() == -1.f) {
    e.g.Node("Log", {arg}, {e.out[0]}, e.name());
    return;
  }
  CNN_CHECK(lp.base() > 0.f && lp.base() != 1.f, e.where() << "base must be positive and not 1, got " << lp.base());
  const std::string ln = e.g.Op("Log", {arg}, e.name() + "/ln");
  e.g.Node("Mul", {ln, Scalar(e, "inv_ln_base", 1.f / std::log(lp.base()))}, {e.out[0]}, e.name());
}

void WriteSwish(LayerExport& e) {
  const float beta = e.p.swish_param().beta();
  std::string arg = e.in[0];
  if (beta != 1.f) arg = e.g.Op("Mul", {arg, Scalar(e, "beta", beta)}, e.name() + "/beta_x");
  const std::string gate = e.g.Op("Sigmoid", {arg}, e.name() + "/gate");
  e.g.Node("Mul", {e.in[0], gate}, {e.out[0]}, e.name());
}

void WriteClip(LayerExport& e) {
  const ClipParameter& cp = e.p.clip_param();
  e.g.Node("Clip", {e.in[0], e.g.Floats(e.name() + "/min", {}, {cp.min()}), e.g.Floats(e.name() + "/max", {}, {cp.max()})},
           {e.out[0]}, e.name());
}

void WriteThreshold(LayerExport& e) {
  const std::string above = e.g.Op("Greater", {e.in[0], Scalar(e, "threshold", e.p.threshold_param().threshold())},
                                   e.name() + "/above");
  Graph::Int(e.g.Node("Cast", {above}, {e.out[0]}, e.name()), "to", onnx::TensorProto::FLOAT);
}

void WriteBatchNorm(LayerExport& e) {
  const BatchNormParameter& bp = e.p.batch_norm_param();
  CNN_CHECK(!bp.has_use_global_stats() || bp.use_global_stats(),
            e.where() << "use_global_stats is false: it normalises by each batch's own statistics, which ONNX's "
                         "inference BatchNormalization does not");
  const auto& blobs = e.layer.blobs();
  const int c = blobs[0]->count();
  const float s = norm::StoredStatsScale(blobs[2]->cpu_data()[0]);
  std::vector<float> mean(c), var(c);
  for (int i = 0; i < c; ++i) {
    mean[i] = blobs[0]->cpu_data()[i] * s;
    var[i] = blobs[1]->cpu_data()[i] * s;
  }
  onnx::NodeProto* n = e.g.Node(
      "BatchNormalization",
      {e.in[0], e.g.Floats(e.name() + "/gamma", {c}, std::vector<float>(c, 1.f)),
       e.g.Floats(e.name() + "/beta", {c}, std::vector<float>(c, 0.f)), e.g.Floats(e.name() + "/mean", {c}, mean),
       e.g.Floats(e.name() + "/var", {c}, var)},
      {e.out[0]}, e.name());
  Graph::Float(n, "epsilon", bp.eps());
}

// The factor (Scale) or addend (Bias) reshaped to broadcast from `axis`: a
// learned blob, or the second bottom.
std::string AxisOperand(LayerExport& e, int axis, int blob, const std::string& what) {
  const int rank = e.bottom[0]->num_axes();
  if (e.bottom.size() > 1) {
    const std::vector<int64_t> dims = BroadcastDims(e.bottom[1]->shape(), axis, rank);
    return e.g.Op("Reshape", {e.in[1], e.g.Int64s(e.name() + "/" + what + "_shape", dims)}, e.name() + "/" + what);
  }
  return e.Weight(blob, what, BroadcastDims(e.layer.blobs()[blob]->shape(), axis, rank));
}

void WriteScale(LayerExport& e) {
  const ScaleParameter& sp = e.p.scale_param();
  const int axis = e.bottom[0]->CanonicalAxisIndex(sp.axis());
  const std::string factor = AxisOperand(e, axis, 0, "scale");
  if (!sp.bias_term()) {
    e.g.Node("Mul", {e.in[0], factor}, {e.out[0]}, e.name());
    return;
  }
  const std::string scaled = e.g.Op("Mul", {e.in[0], factor}, e.name() + "/scaled");
  const int bias_blob = e.bottom.size() > 1 ? 0 : 1;
  const int rank = e.bottom[0]->num_axes();
  const std::string bias = e.Weight(bias_blob, "bias", BroadcastDims(e.layer.blobs()[bias_blob]->shape(), axis, rank));
  e.g.Node("Add", {scaled, bias}, {e.out[0]}, e.name());
}

void WriteBias(LayerExport& e) {
  const int axis = e.bottom[0]->CanonicalAxisIndex(e.p.bias_param().axis());
  e.g.Node("Add", {e.in[0], AxisOperand(e, axis, 0, "bias")}, {e.out[0]}, e.name());
}

void WriteEltwise(LayerExport& e) {
  const EltwiseParameter& ep = e.p.eltwise_param();
  if (ep.operation() == EltwiseParameter::MAX) {
    e.g.Node("Max", e.in, {e.out[0]}, e.name());
    return;
  }
  if (ep.operation() == EltwiseParameter::PROD) {
    std::string acc = e.in[0];
    for (size_t i = 1; i < e.in.size(); ++i) {
      const std::string dst = i + 1 == e.in.size() ? e.out[0] : e.g.Fresh(e.name() + "/prod");
      e.g.Node("Mul", {acc, e.in[i]}, {dst}, e.name());
      acc = dst;
    }
    return;
  }
  CNN_CHECK(ep.coeff_size() == 0 || ep.coeff_size() == static_cast<int>(e.in.size()),
            e.where() << ep.coeff_size() << " coeff(s) for " << e.in.size() << " bottoms");
  std::vector<std::string> terms;
  for (size_t i = 0; i < e.in.size(); ++i) {
    const float c = ep.coeff_size() ? ep.coeff(static_cast<int>(i)) : 1.f;
    terms.push_back(c == 1.f ? e.in[i]
                             : e.g.Op("Mul", {e.in[i], Scalar(e, "coeff" + std::to_string(i), c)},
                                      e.name() + "/term" + std::to_string(i)));
  }
  e.g.Node("Sum", terms, {e.out[0]}, e.name());
}

}  // namespace

void AddElementwiseWriters() {
  auto& w = Writers();
  w["ReLU"] = WriteReLU;
  w["Sigmoid"] = Unary("Sigmoid");
  w["TanH"] = Unary("Tanh");
  w["AbsVal"] = Unary("Abs");
  w["BNLL"] = Unary("Softplus");  // log(1 + e^x), Caffe's form being the stable spelling of it
  w["ELU"] = [](LayerExport& e) {
    Graph::Float(e.g.Node("Elu", {e.in[0]}, {e.out[0]}, e.name()), "alpha", e.p.elu_param().alpha());
  };
  w["PReLU"] = WritePReLU;
  w["Power"] = WritePower;
  w["Exp"] = WriteExp;
  w["Log"] = WriteLog;
  w["Swish"] = WriteSwish;
  w["Clip"] = WriteClip;
  w["Threshold"] = WriteThreshold;
  w["BatchNorm"] = WriteBatchNorm;
  w["Scale"] = WriteScale;
  w["Bias"] = WriteBias;
  w["Eltwise"] = WriteEltwise;
}

}  // namespace onnx_export
}  // namespace cnn
