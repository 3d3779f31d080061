// A layout of a blob's values other than our plain row-major one, kept by
// an engine's layers between them (oneDNN's blocked nChw16c, say) so that
// they do not convert around every call. The core only moves values in and
// out through it; what the layout is stays the engine's business, so the
// core builds without the engine.
#pragma once

#include <cstddef>

namespace cnn {

class PrivateLayout {
 public:
  virtual ~PrivateLayout() = default;
  // Bytes of a buffer in this layout (blocked layouts pad channels).
  virtual size_t bytes() const = 0;
  // Bytes of the plain values it holds: at most the memory's size.
  virtual size_t plain_bytes() const = 0;
  virtual void ToPlain(const void* prv, void* plain) const = 0;
  virtual void FromPlain(const void* plain, void* prv) const = 0;
  // Whether a buffer in `other` can be read as one in this layout.
  virtual bool Same(const PrivateLayout& other) const = 0;
  // Whether values held in `from`'s layout convert straight into this one
  // (ConvertFrom: one pass instead of two through the plain values).
  virtual bool ConvertsFrom(const PrivateLayout& /*from*/) const { return false; }
  virtual void ConvertFrom(const PrivateLayout& /*from*/, const void* /*src*/, void* /*dst*/) const {}
};

}  // namespace cnn
