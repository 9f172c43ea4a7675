#include "gptc/idx.h"

#include "gz_file.h"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>
#include <sys/stat.h>

namespace gptc {

IdxArray readIdx(const std::string &path) {
  GzFile file(path);
  if (!file.f)
    throw std::runtime_error("cannot open " + path);
  unsigned char header[4];
  if (file.read(header, 4) != 4)
    throw std::runtime_error(path + ": truncated IDX header");
  if (header[0] != 0 || header[1] != 0)
    throw std::runtime_error(path + ": not an IDX file (bad magic number)");
  if (header[2] != 0x08)
    throw std::runtime_error(path + ": IDX element type " + std::to_string(header[2]) +
                             " is not unsigned byte (0x08)");
  int ndims = header[3];
  if (ndims < 1 || ndims > 4)
    throw std::runtime_error(path + ": IDX file with " + std::to_string(ndims) + " dimensions");
  IdxArray out;
  // At most 16 GiB of elements; checked per dimension so the product never
  // overflows (four 32-bit dimensions could reach 2^128).
  constexpr int64_t kMaxElements = (int64_t)1 << 34;
  int64_t total = 1;
  for (int i = 0; i < ndims; ++i) {
    unsigned char b[4];
    if (file.read(b, 4) != 4)
      throw std::runtime_error(path + ": truncated IDX header");
    int64_t d = ((int64_t)b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    out.dims.push_back(d);
    if (d != 0 && total > kMaxElements / d)
      throw std::runtime_error(path + ": implausible IDX size (dimensions multiply past 2^34 elements)");
    total *= d;
  }
  // Read in chunks as the data arrives, so a header that claims more than the
  // file holds costs no more memory than the file's real content.
  constexpr int64_t kChunk = 64 << 20;
  int64_t got = 0;
  while (got < total) {
    int64_t want = std::min(kChunk, total - got);
    out.data.resize((size_t)(got + want));
    int64_t n = file.read(out.data.data() + got, want);
    if (n < 0)
      throw std::runtime_error(path + ": corrupt gzip stream");
    got += n;
    if (n < want)
      break;
  }
  if (got != total)
    throw std::runtime_error(path + ": truncated: expected " + std::to_string(total) +
                             " bytes of data, got " + std::to_string(got));
  return out;
}

static std::string findFile(const std::string &dir, const std::string &name) {
  for (const std::string &candidate : {dir + "/" + name + ".gz", dir + "/" + name})
    if (fileExists(candidate))
      return candidate;
  throw std::runtime_error("cannot find " + dir + "/" + name + "[.gz]");
}

ImageSet loadIdxImages(const std::string &dir, const std::string &prefix) {
  std::string imagesPath = findFile(dir, prefix + "-images-idx3-ubyte");
  std::string labelsPath = findFile(dir, prefix + "-labels-idx1-ubyte");
  IdxArray images = readIdx(imagesPath);
  IdxArray labels = readIdx(labelsPath);
  if (images.dims.size() != 3)
    throw std::runtime_error(imagesPath + ": expected 3 dimensions (count, rows, cols), got " +
                             std::to_string(images.dims.size()));
  if (labels.dims.size() != 1)
    throw std::runtime_error(labelsPath + ": expected 1 dimension (count), got " +
                             std::to_string(labels.dims.size()));
  if (images.dims[0] != labels.dims[0])
    throw std::runtime_error(imagesPath + " has " + std::to_string(images.dims[0]) + " images but " +
                             labelsPath + " has " + std::to_string(labels.dims[0]) + " labels");
  ImageSet set;
  set.count = images.dims[0];
  set.rows = images.dims[1];
  set.cols = images.dims[2];
  set.pixels.resize(images.data.size());
  for (size_t i = 0; i < images.data.size(); ++i)
    set.pixels[i] = images.data[i] / 255.0f;
  set.labels.assign(labels.data.begin(), labels.data.end());
  return set;
}

} // namespace gptc
