// make_c3d_clips IMAGES.idx[.gz] OUT_DB COUNT SEED [--size=S] [--frames=T]
//                [--backend=lmdb|leveldb]
//
// Writes COUNT short grey clips, each a 28x28 picture from IMAGES moving in a
// straight line across an S x S black frame (S = 64 by default) over T frames
// (16), as Datum records of T channels x S x S bytes (one channel per frame)
// keyed 00000000, 00000001, ...; the label is the direction of motion, 0-7:
//
//   0 right, 1 up-right, 2 up, 3 up-left, 4 left, 5 down-left, 6 down, 7 down-right
//
// (up is towards row 0). Everything random (which picture, direction,
// distance, start) comes from a 64-bit generator seeded with SEED, so a given
// command line always writes the same bytes. Along each axis that moves, the
// picture travels a whole number of pixels D drawn from [(S-28)/2, S-28] and
// sits at start + round(D t / (T-1)) in frame t; along an axis that does not
// move it stays at a random offset. The picture is drawn over the black frame
// as is (no blending is needed: nothing overlaps).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cnn/cnn.pb.h"
#include "cnn/core/common.hpp"
#include "cnn/data/datum_writer.hpp"
#include "cnn/data/idx_reader.hpp"

namespace {

// SplitMix64: a tiny generator whose output is the same with every compiler
// and library (std:: distributions are not), which keeps the clips portable.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi] (the modulo bias is below 1e-17 for these ranges).
  int Between(int lo, int hi) { return lo + static_cast<int>(Next() % static_cast<uint64_t>(hi - lo + 1)); }

 private:
  uint64_t state_;
};

// Column and row steps of the eight directions, in label order.
constexpr int kDx[8] = {1, 1, 0, -1, -1, -1, 0, 1};
constexpr int kDy[8] = {0, -1, -1, -1, 0, 1, 1, 1};

int ParseInt(const std::string& text, const std::string& what, int lo, int hi) {
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  CNN_CHECK(!text.empty() && *end == '\0' && v >= lo && v <= hi,
            what << " must be a whole number in [" << lo << ", " << hi << "], got '" << text << "'");
  return static_cast<int>(v);
}

// Start and per-frame offsets along one axis: `step` is -1, 0 or +1.
std::vector<int> Track(Rng* rng, int step, int room, int frames) {
  std::vector<int> at(frames);
  if (step == 0) {
    const int fixed = rng->Between(0, room);
    for (int t = 0; t < frames; ++t) at[t] = fixed;
    return at;
  }
  const int distance = rng->Between(room / 2, room);
  const int start = step > 0 ? rng->Between(0, room - distance) : rng->Between(distance, room);
  for (int t = 0; t < frames; ++t) {
    const int moved = static_cast<int>(std::lround(static_cast<double>(distance) * t / (frames - 1)));
    at[t] = start + step * moved;
  }
  return at;
}

int Main(int argc, char** argv) {
  std::vector<std::string> positional;
  int size = 64;
  int frames = 16;
  std::string backend = "lmdb";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--size=", 0) == 0) {
      size = ParseInt(a.substr(7), "--size", 28, 1024);
    } else if (a.rfind("--frames=", 0) == 0) {
      frames = ParseInt(a.substr(9), "--frames", 2, 1024);
    } else if (a.rfind("--backend=", 0) == 0) {
      backend = a.substr(10);
    } else {
      CNN_CHECK(a.rfind("--", 0) != 0, "unknown flag '" << a << "' (known: --size, --frames, --backend)");
      positional.push_back(a);
    }
  }
  CNN_CHECK(positional.size() == 4, "make_c3d_clips takes IMAGES OUT_DB COUNT SEED [--size=S] [--frames=T] "
                                    "[--backend=lmdb|leveldb], got " << positional.size() << " argument(s)");
  const cnn::IdxImages images = cnn::ReadIdxImages(positional[0]);
  const int count = ParseInt(positional[2], "COUNT", 1, 100000000);
  const uint64_t seed = static_cast<uint64_t>(ParseInt(positional[3], "SEED", 0, 2147483647));
  const int rows = images.rows;
  const int cols = images.cols;
  CNN_CHECK(rows <= size && cols <= size, positional[0] << ": its " << rows << "x" << cols
                                                        << " pictures do not fit a " << size << "x" << size << " frame");

  Rng rng(seed);
  cnn::DatumWriter writer(backend, positional[1]);
  cnn::Datum datum;
  datum.set_channels(frames);
  datum.set_height(size);
  datum.set_width(size);
  std::string clip;
  int per_label[8] = {};
  for (int n = 0; n < count; ++n) {
    const int picture = static_cast<int>(rng.Next() % static_cast<uint64_t>(images.count));
    const int direction = rng.Between(0, 7);
    const std::vector<int> x = Track(&rng, kDx[direction], size - cols, frames);
    const std::vector<int> y = Track(&rng, kDy[direction], size - rows, frames);
    clip.assign(static_cast<size_t>(frames) * size * size, '\0');
    const char* src = images.image(picture);
    for (int t = 0; t < frames; ++t) {
      char* frame = &clip[static_cast<size_t>(t) * size * size];
      for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < cols; ++c) frame[(y[t] + r) * size + x[t] + c] = src[r * cols + c];
      }
    }
    datum.set_data(clip);
    datum.set_label(direction);
    ++per_label[direction];
    char key[16];
    std::snprintf(key, sizeof key, "%08d", n);
    writer.Put(key, datum);
  }
  writer.Finish();
  std::cout << "Wrote " << count << " clips of " << frames << "x" << size << "x" << size << " to " << backend << " '"
            << positional[1] << "'; per direction:";
  for (int d = 0; d < 8; ++d) std::cout << " " << per_label[d];
  std::cout << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "make_c3d_clips: error: " << e.what() << std::endl;
  }
  return 1;
}
