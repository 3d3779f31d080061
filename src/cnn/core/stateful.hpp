// Layers whose output depends on where they are in a stream (data readers)
// implement this, so a snapshot can record their position and a resumed run
// continue from the same record. The layer sees only an opaque string; what
// is saved where is the solver's business.
#pragma once

#include <cstdint>
#include <string>

namespace cnn {

class Stateful {
 public:
  virtual ~Stateful() = default;
  // Position of the next batch Forward will deliver (not of a read-ahead thread).
  virtual std::string SaveState() const = 0;
  // Makes the next Forward deliver the batch that followed when SaveState was
  // called. Throws Error when the state does not belong to this layer.
  virtual void RestoreState(const std::string& state) = 0;
  // How many records `state` says Forward had delivered, and how many one
  // Forward delivers (0 = not counted in records). The solver checks the
  // first against its iteration count: a damaged state could otherwise
  // send the reader anywhere without a word.
  virtual uint64_t RecordsDelivered(const std::string& state) const { return 0; }
  virtual uint64_t RecordsPerForward() const { return 0; }
  // Records in one pass over the source (0 = not known), from which the
  // solver reports epochs; safe to call while the layer prefetches.
  virtual uint64_t RecordsInSource() const { return 0; }
};

}  // namespace cnn
