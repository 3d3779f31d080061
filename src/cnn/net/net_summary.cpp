#include "cnn/net/net_summary.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <map>
#include <set>

#include "cnn/net/net.hpp"

namespace cnn {
namespace {

constexpr int64_t kFloatBytes = sizeof(float);

double LayerMacs(const Layer& layer, const BlobVec& bottom, const BlobVec& top) {
  const std::string type = layer.type();
  if (top.empty()) return 0;
  if (type == "Scale") return static_cast<double>(top[0]->count());
  if (layer.blobs().empty()) return 0;
  const Blob& w = *layer.blobs()[0];
  if (w.num_axes() == 0 || w.count() == 0) return 0;
  if (type == "Convolution") {
    // Each output value: one weight row of (channels / group) x kernel taps.
    return static_cast<double>(top[0]->count()) * (static_cast<double>(w.count()) / w.shape(0));
  }
  if (type == "Deconvolution") {
    // Weights are (in channels, out channels / group, taps): each input value
    // is scattered through one row of them.
    return static_cast<double>(bottom[0]->count()) * (static_cast<double>(w.count()) / w.shape(0));
  }
  if (type == "InnerProduct") {
    const int outputs = static_cast<int>(layer.layer_param().inner_product_param().num_output());
    return outputs > 0 ? static_cast<double>(top[0]->count()) * (static_cast<double>(w.count()) / outputs) : 0;
  }
  return 0;
}

void ConstantFillers(google::protobuf::Message* m) {
  using google::protobuf::FieldDescriptor;
  const auto* d = m->GetDescriptor();
  const auto* r = m->GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    std::vector<google::protobuf::Message*> subs;
    if (f->is_repeated()) {
      for (int j = 0; j < r->FieldSize(*m, f); ++j) subs.push_back(r->MutableRepeatedMessage(m, f, j));
    } else if (r->HasField(*m, f)) {
      subs.push_back(r->MutableMessage(m, f));
    }
    for (auto* sub : subs) {
      if (f->message_type() == FillerParameter::descriptor()) {
        auto* filler = static_cast<FillerParameter*>(sub);
        filler->Clear();
        filler->set_type("constant");
      } else {
        ConstantFillers(sub);
      }
    }
  }
}

}  // namespace

void MakeFillersConstant(NetParameter* param) {
  for (auto& lp : *param->mutable_layer()) ConstantFillers(&lp);
}

NetSummary SummarizeNet(const Net& net) {
  NetSummary s;
  s.name = net.name();
  const auto fields = NetReceptiveFields(net);

  std::map<const Blob*, float> lr_of;
  for (size_t k = 0; k < net.learnable_params().size(); ++k) lr_of[net.learnable_params()[k]] = net.params_lr()[k];

  std::set<const Blob*> data_tops;  // tops of layers without bottoms: no gradient flows into them
  std::set<const Blob*> seen;
  size_t param_id = 0;
  bool batch_found = false;
  for (size_t i = 0; i < net.layers().size(); ++i) {
    const Layer& layer = *net.layers()[i];
    const BlobVec& bottom = net.bottom_vecs()[i];
    const BlobVec& top = net.top_vecs()[i];
    LayerSummary row;
    row.name = net.layer_names()[i];
    row.type = layer.type();
    for (const Blob* t : top) {
      row.top_shapes.push_back(t->shape());
      const bool in_place = std::find(bottom.begin(), bottom.end(), t) != bottom.end();
      row.top_in_place.push_back(in_place);
      if (!in_place && seen.insert(t).second) row.top_bytes += t->count() * kFloatBytes;
      if (bottom.empty()) data_tops.insert(t);
      if (!batch_found && bottom.empty() && t->num_axes() > 0) {
        s.batch = t->shape(0);
        batch_found = true;
      }
    }
    for (size_t b = 0; b < layer.blobs().size(); ++b, ++param_id) {
      const Blob* blob = net.params()[param_id].get();
      if (net.param_owners()[param_id] >= 0) {
        ++row.shared_params;
        continue;
      }
      row.params += blob->count();
      auto lr = lr_of.find(blob);
      if (lr == lr_of.end() || lr->second == 0.f) row.frozen += blob->count();
    }
    row.macs = LayerMacs(layer, bottom, top);
    if (!top.empty()) {
      auto f = fields.find(top[0]);
      if (f != fields.end()) row.field = f->second;
    }
    s.params += row.params;
    s.frozen += row.frozen;
    s.macs_per_batch += row.macs;
    s.activation_bytes += row.top_bytes;
    s.layers.push_back(std::move(row));
  }
  // Blobs no layer produced (a net given `input:` fields) still hold values.
  for (const Blob* b : net.input_blobs()) {
    if (seen.insert(b).second) s.activation_bytes += b->count() * kFloatBytes;
    data_tops.insert(b);
  }
  for (const Blob* b : seen) {
    if (!data_tops.count(b)) s.activation_diff_bytes += b->count() * kFloatBytes;
  }
  s.macs_per_image = s.batch > 0 ? s.macs_per_batch / s.batch : s.macs_per_batch;
  s.weight_bytes = s.params * kFloatBytes;
  s.gradient_bytes = s.params * kFloatBytes;
  int64_t learnable = 0;
  for (const Blob* p : net.learnable_params()) learnable += p->count();
  s.history_bytes = learnable * kFloatBytes;
  return s;
}

}  // namespace cnn
