#include "gptc/rng.h"

#include <cmath>

namespace gptc {

void philox4x32(uint64_t seed, uint64_t stream, uint64_t counter, uint32_t out[4]) {
  uint32_t c0 = (uint32_t)counter, c1 = (uint32_t)(counter >> 32);
  uint32_t c2 = (uint32_t)stream, c3 = (uint32_t)(stream >> 32);
  uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = (uint64_t)0xD2511F53u * c0;
    uint64_t p1 = (uint64_t)0xCD9E8D57u * c2;
    uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
    uint32_t n1 = (uint32_t)p1;
    uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
    uint32_t n3 = (uint32_t)p0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

static double toUnit(uint32_t hi, uint32_t lo) {
  uint64_t bits = ((uint64_t)hi << 21) ^ (uint64_t)lo; // 53 random bits
  bits &= (1ull << 53) - 1;
  return (double)bits / (double)(1ull << 53);
}

double uniformAt(uint64_t seed, uint64_t stream, uint64_t index) {
  uint32_t r[4];
  philox4x32(seed, stream, index, r);
  return toUnit(r[0], r[1]);
}

double normalAt(uint64_t seed, uint64_t stream, uint64_t index) {
  uint32_t r[4];
  philox4x32(seed, stream, index, r);
  double u1 = toUnit(r[0], r[1]), u2 = toUnit(r[2], r[3]);
  if (u1 < 1e-300)
    u1 = 1e-300;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

std::vector<uint32_t> permutation(uint64_t seed, uint64_t stream, uint32_t n) {
  std::vector<uint32_t> p(n);
  for (uint32_t i = 0; i < n; ++i)
    p[i] = i;
  for (uint32_t i = n; i > 1; --i) {
    uint32_t r[4];
    philox4x32(seed, stream, i, r);
    uint64_t j = (((uint64_t)r[0] << 32) | r[1]) % i;
    std::swap(p[i - 1], p[j]);
  }
  return p;
}

} // namespace gptc
