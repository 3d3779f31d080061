#include "cnn/layers/dnnl/dnnl_arg.hpp"

#include <string>
#include <unordered_map>

#include "cnn/layers/dnnl/dnnl_layout.hpp"

namespace cnn {
namespace dnnl_util {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dnnl::engine& Engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& Stream() {
  static dnnl::stream stream(Engine());
  return stream;
}

void ExecutePlain(const dnnl::primitive& p, const dnnl::memory::desc& md,
                  std::initializer_list<std::pair<int, const float*>> args) {
  std::unordered_map<int, dnnl::memory> m;
  for (const auto& [id, data] : args) m.emplace(id, dnnl::memory(md, Engine(), const_cast<float*>(data)));
  p.execute(Stream(), m);
  Stream().wait();
}

bool IsReference(const dnnl::primitive_desc_base& pd) {
  return std::string(pd.impl_info_str()).rfind("ref", 0) == 0;
}

dnnl::memory::desc Plain(const dnnl::memory::dims& dims) {
  // Row-major strides: the innermost dimension is contiguous.
  dnnl::memory::dims strides(dims.size(), 1);
  for (int i = static_cast<int>(dims.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * dims[i + 1];
  return dnnl::memory::desc(dims, dt::f32, strides);
}

dnnl::memory::desc Any(const dnnl::memory::dims& dims) { return dnnl::memory::desc(dims, dt::f32, tag::any); }

dnnl::memory::desc ChannelsLast(const dnnl::memory::dims& dims) {
  CNN_CHECK(dims.size() >= 3 && dims.size() <= 5, "internal: channels-last layout for " << dims.size() << " dims");
  const tag t = dims.size() == 3 ? tag::nwc : dims.size() == 4 ? tag::nhwc : tag::ndhwc;
  return dnnl::memory::desc(dims, dt::f32, t);
}

}  // namespace dnnl_util

void DnnlArg::ResetBorrowed(const dnnl::memory::desc& ours, const dnnl::memory::desc& chosen, bool accumulate) {
  Reset(ours, chosen, accumulate, true);
}

void DnnlArg::Reset(const dnnl::memory::desc& ours, const dnnl::memory::desc& chosen, bool accumulate) {
  Reset(ours, chosen, accumulate, false);
}

void DnnlArg::Reset(const dnnl::memory::desc& ours, const dnnl::memory::desc& chosen, bool accumulate,
                    bool borrowed) {
  dnnl::engine& engine = dnnl_util::Engine();
  ours_ = dnnl::memory(ours, engine, DNNL_MEMORY_NONE);
  chosen_desc_ = chosen;
  own_ = accumulate || chosen != ours;
  scaled_mask_ = -1;
  layout_.reset();
  target_kept_ = false;
  if (!own_) {
    chosen_ = ours_;
    return;
  }
  if (!accumulate) {
    layout_ = std::make_shared<DnnlLayout>(ours, chosen);
    kept_ = dnnl::memory(chosen, engine, DNNL_MEMORY_NONE);
  }
  chosen_ = borrowed ? dnnl::memory(chosen, engine, DNNL_MEMORY_NONE) : dnnl::memory(chosen, engine);
  in_ = dnnl::reorder(ours_, chosen_);
  dnnl::primitive_attr attr;
  if (accumulate) {
    dnnl::post_ops sum;
    sum.append_sum(1.f);
    attr.set_post_ops(sum);
  }
  out_ = dnnl::reorder(chosen_, ours_, attr);
}

const dnnl::memory& DnnlArg::Read(const float* data) {
  ours_.set_data_handle(const_cast<float*>(data));
  if (own_) {
    in_.execute(dnnl_util::Stream(), ours_, chosen_);
    dnnl_util::CountReorder();
  }
  return chosen_;
}

const dnnl::memory& DnnlArg::ReadScaled(const float* data, const std::vector<float>& factors, int mask) {
  CNN_CHECK(own_, "internal: a scaled read of an argument read in place");
  if (scaled_mask_ != mask) {
    dnnl::primitive_attr attr;
    attr.set_output_scales(mask, {DNNL_RUNTIME_F32_VAL});
    scaled_in_ = dnnl::reorder(dnnl::reorder::primitive_desc(ours_, chosen_, attr));
    scaled_mask_ = mask;
  }
  ours_.set_data_handle(const_cast<float*>(data));
  const dnnl::memory scales({{static_cast<dnnl::memory::dim>(factors.size())}, dnnl::memory::data_type::f32,
                             dnnl::memory::format_tag::x},
                            dnnl_util::Engine(), const_cast<float*>(factors.data()));
  scaled_in_.execute(dnnl_util::Stream(),
                     {{DNNL_ARG_FROM, ours_}, {DNNL_ARG_TO, chosen_}, {DNNL_ARG_ATTR_OUTPUT_SCALES, scales}});
  dnnl_util::CountReorder();
  return chosen_;
}

const dnnl::memory& DnnlArg::Target(float* data) {
  ours_.set_data_handle(data);
  return chosen_;
}

void DnnlArg::Store(float* data) {
  if (!own_) return;
  ours_.set_data_handle(data);
  out_.execute(dnnl_util::Stream(), chosen_, ours_);
  dnnl_util::CountReorder();
}

bool DnnlArg::Keeps() const { return layout_ && dnnl_util::KeepLayout(); }

const dnnl::memory& DnnlArg::Read(SyncedMemory& mem) {
  if (!Keeps()) return Read(static_cast<const float*>(mem.cpu_data()));
  const void* p = mem.prv_data(*layout_);
  if (!p) p = mem.prv_data_in(layout_);
  kept_.set_data_handle(const_cast<void*>(p));
  return kept_;
}

const dnnl::memory& DnnlArg::Target(SyncedMemory& mem) {
  target_kept_ = Keeps();
  if (!target_kept_) return Target(static_cast<float*>(mem.mutable_cpu_data()));
  kept_.set_data_handle(mem.mutable_prv_data(layout_));
  return kept_;
}

void DnnlArg::Store(SyncedMemory& mem) {
  if (!target_kept_) Store(static_cast<float*>(mem.mutable_cpu_data()));
}

}  // namespace cnn
