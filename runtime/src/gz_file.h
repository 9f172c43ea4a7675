// Reading gzip-compressed data files (IDX images and labels, Multi30k):
// zlib reads a file that is not compressed as it is.
#ifndef GPTC_RUNTIME_GZ_FILE_H
#define GPTC_RUNTIME_GZ_FILE_H

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <sys/stat.h>

namespace gptc {

inline bool fileExists(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

/// A gzFile open for reading, closed when it goes out of scope; `f` is null
/// when the file could not be opened.
struct GzFile {
  gzFile f;
  explicit GzFile(const std::string &path) : f(gzopen(path.c_str(), "rb")) {}
  GzFile(const GzFile &) = delete;
  GzFile &operator=(const GzFile &) = delete;
  ~GzFile() {
    if (f)
      gzclose(f);
  }
  /// Reads up to n bytes; returns how many were read, or -1 on a corrupt stream.
  int64_t read(void *dst, int64_t n) {
    int64_t total = 0;
    while (total < n) {
      unsigned chunk = (unsigned)std::min<int64_t>(n - total, 1 << 30);
      int got = gzread(f, (char *)dst + total, chunk);
      if (got < 0)
        return -1;
      if (got == 0)
        break;
      total += got;
    }
    return total;
  }
};

} // namespace gptc

#endif // GPTC_RUNTIME_GZ_FILE_H
