// Counter-based random numbers (Philox-4x32-10): the value at (seed, stream,
// index) does not depend on how many numbers were drawn before, so
// initialisation, shuffling and dropout are reproducible from one seed and a
// resumed run draws exactly what an uninterrupted one would.
#ifndef GPTC_RUNTIME_RNG_H
#define GPTC_RUNTIME_RNG_H

#include <cstdint>
#include <vector>

namespace gptc {

/// Four 32-bit random words for (seed, stream, counter).
void philox4x32(uint64_t seed, uint64_t stream, uint64_t counter, uint32_t out[4]);

/// A uniform double in [0, 1) at position `index` of `stream`.
double uniformAt(uint64_t seed, uint64_t stream, uint64_t index);
/// A standard normal at position `index` of `stream` (Box-Muller on one Philox block).
double normalAt(uint64_t seed, uint64_t stream, uint64_t index);

/// A seeded Fisher-Yates permutation of 0..n-1.
std::vector<uint32_t> permutation(uint64_t seed, uint64_t stream, uint32_t n);

/// Streams: which purpose a draw serves, so different uses never share numbers.
enum RngStream : uint64_t {
  kStreamInit = 1ull << 32,     // + parameter index
  kStreamShuffle = 2ull << 32,  // + epoch
  kStreamData = 3ull << 32,     // synthetic data
  kStreamGradcheck = 4ull << 32,
  kStreamBatches = 5ull << 32,  // language-model training windows
  kStreamEval = 6ull << 32,     // + split: evaluation windows
  kStreamDropout = 7ull << 32,  // per-step dropout seeds
  kStreamSample = 8ull << 32,   // sampling
};

} // namespace gptc

#endif
