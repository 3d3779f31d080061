// Process-wide execution settings: which device runs the layers and the
// random generator every filler and stochastic layer draws from.
#pragma once

#include <cstdint>
#include <random>

namespace cnn {

enum class Mode { CPU, GPU };

class Context {
 public:
  static Mode mode();
  static void set_mode(Mode mode);
  // The GPU a GPU-mode run uses (ignored in CPU mode).
  static int device();
  static void set_device(int device);

  // CUDA devices usable by this process: 0 in a CPU-only build, or when the
  // driver or the device is missing (tests skip GPU cases on 0).
  static int gpu_count();

  // Reseeding makes fillers, dropout masks and data shuffles repeatable.
  // Also restarts the GPU generator's stream.
  static void set_random_seed(uint64_t seed);
  static std::mt19937& rng();

  // The GPU generator is counter-based (Philox): a fill of n numbers is
  // determined by the seed and a counter offset. Each fill takes the current
  // offset and advances it by `numbers`, so fills never reuse numbers and a
  // reseeded run repeats exactly.
  static uint64_t gpu_rng_seed();
  static uint64_t take_gpu_rng_offset(uint64_t numbers);
};

}  // namespace cnn
