#include "cnn/layers/dnnl/dnnl_layout.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cnn/layers/dnnl/dnnl_arg.hpp"

namespace cnn {
namespace dnnl_util {
namespace {

std::atomic<int64_t> g_reorders{0};

bool KeepFromEnv() {
  const char* v = std::getenv("CNN_DNNL_KEEP_LAYOUT");
  return !(v && std::strcmp(v, "0") == 0);
}

std::atomic<bool>& Keep() {
  static std::atomic<bool> keep{KeepFromEnv()};
  return keep;
}

struct ReorderLog {
  ~ReorderLog() {
    const char* v = std::getenv("CNN_DNNL_COUNT_REORDERS");
    if (v && std::strcmp(v, "1") == 0) {
      // At exit glog may be gone already.
      std::fprintf(stderr, "oneDNN reorders run (activations, gradients and weights): %lld (layouts kept: %s)\n",
                   static_cast<long long>(g_reorders.load()), Keep().load() ? "yes" : "no");
    }
  }
} g_reorder_log;

}  // namespace

bool KeepLayout() { return Keep().load(); }
void SetKeepLayout(bool keep) { Keep().store(keep); }

dnnl::memory::desc ChannelBlocked16(const dnnl::memory::dims& dims) {
  using tag = dnnl::memory::format_tag;
  const tag t = dims.size() == 3   ? tag::nCw16c
                : dims.size() == 4 ? tag::nChw16c
                : dims.size() == 5 ? tag::nCdhw16c
                                   : tag::undef;
  return t == tag::undef ? dnnl::memory::desc() : dnnl::memory::desc(dims, dnnl::memory::data_type::f32, t);
}
bool IsChannelBlocked16(const dnnl::memory::desc& desc) {
  const dnnl::memory::desc blocked = ChannelBlocked16(desc.dims());
  return !blocked.is_zero() && blocked == desc;
}
bool IsChannelsLast(const dnnl::memory::desc& desc) {
  const size_t rank = desc.dims().size();
  return rank >= 3 && rank <= 5 && ChannelsLast(desc.dims()) == desc;
}

int64_t ReorderCount() { return g_reorders.load(); }
void CountReorder() { g_reorders.fetch_add(1, std::memory_order_relaxed); }

}  // namespace dnnl_util

DnnlLayout::DnnlLayout(const dnnl::memory::desc& plain, const dnnl::memory::desc& chosen)
    : plain_(plain), chosen_(chosen) {
  dnnl::engine& e = dnnl_util::Engine();
  dnnl::memory p(plain_, e, DNNL_MEMORY_NONE), c(chosen_, e, DNNL_MEMORY_NONE);
  to_plain_ = dnnl::reorder(c, p);
  from_plain_ = dnnl::reorder(p, c);
}

void DnnlLayout::ToPlain(const void* prv, void* plain) const {
  dnnl::engine& e = dnnl_util::Engine();
  dnnl::memory c(chosen_, e, const_cast<void*>(prv)), p(plain_, e, plain);
  dnnl::stream& s = dnnl_util::Stream();
  to_plain_.execute(s, c, p);
  s.wait();
  dnnl_util::CountReorder();
}

void DnnlLayout::FromPlain(const void* plain, void* prv) const {
  dnnl::engine& e = dnnl_util::Engine();
  dnnl::memory p(plain_, e, const_cast<void*>(plain)), c(chosen_, e, prv);
  dnnl::stream& s = dnnl_util::Stream();
  from_plain_.execute(s, p, c);
  s.wait();
  dnnl_util::CountReorder();
}

bool DnnlLayout::Same(const PrivateLayout& other) const {
  auto* o = dynamic_cast<const DnnlLayout*>(&other);
  return o && o->chosen_ == chosen_ && o->plain_ == plain_;
}

bool DnnlLayout::ConvertsFrom(const PrivateLayout& from) const {
  auto* o = dynamic_cast<const DnnlLayout*>(&from);
  return o && o->plain_ == plain_;
}

void DnnlLayout::ConvertFrom(const PrivateLayout& from, const void* src, void* dst) const {
  const dnnl::memory::desc& from_desc = dynamic_cast<const DnnlLayout&>(from).chosen_;
  dnnl::engine& e = dnnl_util::Engine();
  dnnl::memory f(from_desc, e, const_cast<void*>(src)), c(chosen_, e, dst);
  if (convert_from_ != from_desc) {
    convert_ = dnnl::reorder(f, c);
    convert_from_ = from_desc;
  }
  dnnl::stream& s = dnnl_util::Stream();
  convert_.execute(s, f, c);
  s.wait();
  dnnl_util::CountReorder();
}

std::shared_ptr<const DnnlLayout> DnnlLayoutOf(const SyncedMemory& mem) {
  return std::dynamic_pointer_cast<const DnnlLayout>(mem.shared_prv_layout());
}

}  // namespace cnn
