#include "cnn/layers/shape/reshape_layer.hpp"

#include <cstdint>
#include <sstream>

#include "cnn/core/common.hpp"
#include "cnn/core/layer_registry.hpp"

namespace cnn {

namespace {

std::string DimsString(const std::vector<int>& dims) {
  std::ostringstream s;
  for (size_t i = 0; i < dims.size(); ++i) s << (i ? " " : "") << dims[i];
  return s.str();
}

long long Product(const std::vector<int>& dims, size_t begin, size_t end) {
  long long p = 1;
  for (size_t i = begin; i < end; ++i) p *= dims[i];
  return p;
}

}  // namespace

std::vector<int> ReshapeLayer::TopShape(const ReshapeParameter& p, const std::vector<int>& in,
                                        const std::string& where) {
  const int n = static_cast<int>(in.size());
  const std::string in_str = "bottom of shape " + DimsString(in);
  // -1 is the position after the last axis, so axis -1 with num_axes 0
  // appends new axes.
  const int start = p.axis() >= 0 ? p.axis() : n + p.axis() + 1;
  CNN_CHECK(start >= 0 && start <= n, where << "axis " << p.axis() << " out of range for " << in_str);
  CNN_CHECK(p.num_axes() >= -1, where << "num_axes " << p.num_axes() << " must be >= 0, or -1 for all");
  const int end = p.num_axes() == -1 ? n : start + p.num_axes();
  CNN_CHECK(end <= n, where << "axis " << p.axis() << " + num_axes " << p.num_axes() << " = " << end
                            << " is past the last axis of " << in_str);

  std::vector<int> out(in.begin(), in.begin() + start);
  int inferred = -1;
  long long known = 1;  // product of every output dimension except the inferred one
  for (int i = 0; i < p.shape().dim_size(); ++i) {
    const long long d = p.shape().dim(i);
    int dim = 0;
    if (d == 0) {
      // 0 copies the input dimension at the same position.
      CNN_CHECK(start + i < n, where << "shape dim " << i << " is 0 (copy) but " << in_str
                                     << " has no axis " << start + i << " to copy");
      dim = in[start + i];
    } else if (d == -1) {
      CNN_CHECK(inferred < 0, where << "shape " << p.shape().ShortDebugString()
                                    << " has more than one -1 (inferred) dimension");
      inferred = static_cast<int>(out.size());
    } else {
      CNN_CHECK(d > 0 && d <= INT32_MAX, where << "shape dim " << i << " is " << d
                                               << "; dimensions must be positive, 0 (copy) or -1 (infer)");
      dim = static_cast<int>(d);
    }
    if (d != -1) known *= dim;
    out.push_back(dim);
  }
  out.insert(out.end(), in.begin() + end, in.end());
  known *= Product(in, 0, start) * Product(in, end, in.size());

  const long long count = Product(in, 0, in.size());
  if (inferred >= 0) {
    CNN_CHECK(known != 0 && count % known == 0,
              where << "cannot infer the -1 dimension of shape " << p.shape().ShortDebugString() << ": " << in_str
                    << " has " << count << " elements, not a multiple of the " << known
                    << " the other dimensions give");
    out[inferred] = static_cast<int>(count / known);
  }
  CNN_CHECK(Product(out, 0, out.size()) == count,
            where << "shape " << p.shape().ShortDebugString() << " gives " << DimsString(out) << " ("
                  << Product(out, 0, out.size()) << " elements), but the " << in_str << " has " << count);
  return out;
}

void ReshapeLayer::LayerSetUp(const BlobVec& bottom, const BlobVec& top) {
  CNN_CHECK(top[0] != bottom[0], where() << "cannot run in place (top and bottom are the same blob)");
}

void ReshapeLayer::Reshape(const BlobVec& bottom, const BlobVec& top) {
  top[0]->Reshape(TopShape(layer_param_.reshape_param(), bottom[0]->shape(), where()));
  top[0]->ShareData(*bottom[0]);
  top[0]->ShareDiff(*bottom[0]);
}

CNN_REGISTER_LAYER(Reshape, ReshapeLayer);

}  // namespace cnn
