#include "cnn/net/memory_plan.hpp"

#include <algorithm>
#include <map>
#include <memory>

namespace cnn {
namespace {

struct Storage {
  std::vector<Blob*> blobs;
  int first = -1;  // first layer writing it
  int last = -1;   // last layer touching it
  size_t bytes = 0;
  bool keep = false;
};

struct Buffer {
  size_t bytes = 0;
  int busy_until = -1;  // the last layer of the storage now in it
  std::vector<Storage*> users;
};

// Storages of the net, keyed by the memory behind them, in order of first use.
std::vector<Storage> CollectStorages(const std::vector<BlobVec>& bottoms, const std::vector<BlobVec>& tops,
                                     const std::set<const Blob*>& keep) {
  std::map<const SyncedMemory*, size_t> index;
  std::set<const Blob*> seen;
  std::vector<Storage> storages;
  auto touch = [&](Blob* b, int layer, bool writes) {
    if (b->count() == 0) return;
    const SyncedMemory* mem = b->data().get();
    auto it = index.find(mem);
    if (it == index.end()) it = index.emplace(mem, storages.size()).first, storages.emplace_back();
    Storage& s = storages[it->second];
    if (seen.insert(b).second) s.blobs.push_back(b);
    // A storage read before any layer writes it comes from outside the net.
    if (s.first < 0) {
      if (writes) s.first = layer;
      else s.keep = true;
    }
    s.last = layer;
    s.bytes = std::max(s.bytes, mem->size());
    if (keep.count(b) || mem->head() != SyncedMemory::Head::UNINITIALIZED) s.keep = true;
  };
  for (size_t i = 0; i < tops.size(); ++i) {
    for (Blob* b : bottoms[i]) touch(b, static_cast<int>(i), false);
    for (Blob* b : tops[i]) {
      touch(b, static_cast<int>(i), true);
      // What data layers and Input produce, the caller fills or reads.
      if (bottoms[i].empty() && b->count() > 0) storages[index.at(b->data().get())].keep = true;
    }
  }
  return storages;
}

}  // namespace

MemoryPlan PlanActivationMemory(const std::vector<BlobVec>& bottoms, const std::vector<BlobVec>& tops,
                                const std::set<const Blob*>& keep) {
  std::vector<Storage> storages = CollectStorages(bottoms, tops, keep);
  MemoryPlan plan;
  std::vector<Buffer> buffers;
  // Storages come in order of first use, so a greedy pass over them assigns
  // intervals as they open: a buffer is free for a storage when the one in it
  // was last touched by an earlier layer. Among free buffers the smallest that
  // fits is taken (else the largest, grown), which keeps the total near the
  // peak of live bytes.
  for (Storage& s : storages) {
    if (s.keep || s.first < 0) {
      plan.bytes_kept += s.bytes;
      continue;
    }
    Buffer* best = nullptr;
    for (Buffer& b : buffers) {
      if (b.busy_until >= s.first) continue;
      const bool fits = b.bytes >= s.bytes;
      if (best == nullptr) {
        best = &b;
      } else if (fits && (best->bytes < s.bytes || b.bytes < best->bytes)) {
        best = &b;
      } else if (!fits && best->bytes < s.bytes && b.bytes > best->bytes) {
        best = &b;
      }
    }
    if (best == nullptr) best = &buffers.emplace_back();
    best->bytes = std::max(best->bytes, s.bytes);
    best->busy_until = s.last;
    best->users.push_back(&s);
    plan.storages_planned += 1;
    plan.bytes_before += s.bytes;
  }
  for (Buffer& b : buffers) {
    if (b.users.size() < 2) continue;  // alone in it: its own memory serves as well
    const auto memory = std::make_shared<SyncedMemory>(b.bytes);
    for (Storage* s : b.users) {
      for (Blob* blob : s->blobs) blob->SetDataMemory(memory);
    }
    plan.buffers += 1;
  }
  plan.bytes_after = 0;
  for (const Buffer& b : buffers) plan.bytes_after += b.bytes;
  return plan;
}

}  // namespace cnn
