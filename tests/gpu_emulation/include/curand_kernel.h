// cuRAND's Philox4x32-10 device generator for the emulated device: the
// counter-based generator of Salmon et al. (SC'11), four 32-bit words per
// counter step. Uniform and normal draws follow cuRAND's documented ranges
// ((0, 1] and N(0, 1)); the emulated tests compare statistics, not streams.
#pragma once

#include <cmath>
#include <cstdint>

#include "cuda_emu.hpp"

struct curandStatePhilox4_32_10_t {
  uint32_t counter[4];
  uint32_t key[2];
};

namespace cnn_emu {
inline void PhiloxRounds(const curandStatePhilox4_32_10_t& s, uint32_t out[4]) {
  uint32_t c0 = s.counter[0], c1 = s.counter[1], c2 = s.counter[2], c3 = s.counter[3];
  uint32_t k0 = s.key[0], k1 = s.key[1];
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * c0;
    const uint64_t p1 = static_cast<uint64_t>(0xCD9E8D57u) * c2;
    const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const uint32_t n1 = static_cast<uint32_t>(p1);
    const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
    const uint32_t n3 = static_cast<uint32_t>(p0);
    c0 = n0, c1 = n1, c2 = n2, c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}
inline void PhiloxAdvance(curandStatePhilox4_32_10_t* s, uint64_t steps) {
  const uint64_t low = (static_cast<uint64_t>(s->counter[1]) << 32 | s->counter[0]);
  const uint64_t sum = low + steps;
  s->counter[0] = static_cast<uint32_t>(sum);
  s->counter[1] = static_cast<uint32_t>(sum >> 32);
  if (sum < low && ++s->counter[2] == 0) ++s->counter[3];
}
inline float ToUniform(uint32_t x) { return (static_cast<float>(x) + 1.0f) * 2.3283064e-10f; }
}  // namespace cnn_emu

inline void curand_init(unsigned long long seed, unsigned long long subsequence, unsigned long long offset,
                        curandStatePhilox4_32_10_t* state) {
  state->key[0] = static_cast<uint32_t>(seed);
  state->key[1] = static_cast<uint32_t>(seed >> 32);
  state->counter[0] = state->counter[1] = 0;
  state->counter[2] = static_cast<uint32_t>(subsequence);
  state->counter[3] = static_cast<uint32_t>(subsequence >> 32);
  cnn_emu::PhiloxAdvance(state, offset / 4);
}

inline float4 curand_uniform4(curandStatePhilox4_32_10_t* state) {
  uint32_t r[4];
  cnn_emu::PhiloxRounds(*state, r);
  cnn_emu::PhiloxAdvance(state, 1);
  float4 u;
  u.x = cnn_emu::ToUniform(r[0]);
  u.y = cnn_emu::ToUniform(r[1]);
  u.z = cnn_emu::ToUniform(r[2]);
  u.w = cnn_emu::ToUniform(r[3]);
  // The float sum can round 2^32 - 1 up past 1; cuRAND's range ends at 1.
  if (u.x > 1.0f) u.x = 1.0f;
  if (u.y > 1.0f) u.y = 1.0f;
  if (u.z > 1.0f) u.z = 1.0f;
  if (u.w > 1.0f) u.w = 1.0f;
  return u;
}

// Box-Muller on two pairs of uniform draws.
inline float4 curand_normal4(curandStatePhilox4_32_10_t* state) {
  const float4 u = curand_uniform4(state);
  const float r0 = std::sqrt(-2.0f * std::log(u.x)), r1 = std::sqrt(-2.0f * std::log(u.z));
  const float two_pi = 6.28318530718f;
  float4 n;
  n.x = r0 * std::cos(two_pi * u.y);
  n.y = r0 * std::sin(two_pi * u.y);
  n.z = r1 * std::cos(two_pi * u.w);
  n.w = r1 * std::sin(two_pi * u.w);
  return n;
}
