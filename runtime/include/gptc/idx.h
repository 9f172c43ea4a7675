// Loader for the IDX format of MNIST and Fashion-MNIST (gzip-compressed or plain).
#ifndef GPTC_RUNTIME_IDX_H
#define GPTC_RUNTIME_IDX_H

#include <cstdint>
#include <string>
#include <vector>

namespace gptc {

struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

/// Reads one IDX file of unsigned bytes; throws std::runtime_error naming the
/// file and the problem (missing, wrong magic, truncated).
IdxArray readIdx(const std::string &path);

struct ImageSet {
  int64_t count = 0, rows = 0, cols = 0;
  std::vector<float> pixels;   // count * rows * cols, scaled to [0, 1]
  std::vector<int32_t> labels; // count
};

/// Loads `<dir>/<prefix>-images-idx3-ubyte[.gz]` and `<dir>/<prefix>-labels-idx1-ubyte[.gz]`
/// (prefix "train" or "t10k").
ImageSet loadIdxImages(const std::string &dir, const std::string &prefix);

} // namespace gptc

#endif
