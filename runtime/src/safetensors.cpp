#include "gptc/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace gptc {
namespace {

using json = nlohmann::ordered_json;

/// The safetensors format's own limit on the header.
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

/// Writes all of `bytes` to `fd`, through short writes.
bool writeAll(int fd, const void *bytes, size_t size) {
  const char *p = static_cast<const char *>(bytes);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= (size_t)n;
  }
  return true;
}

/// Reads exactly `size` bytes at `offset`; false on an error or end of file.
bool readAt(int fd, void *bytes, size_t size, uint64_t offset) {
  char *p = static_cast<char *>(bytes);
  while (size > 0) {
    ssize_t n = ::pread(fd, p, size, (off_t)offset);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    size -= (size_t)n;
    offset += (uint64_t)n;
  }
  return true;
}

/// Closes a file descriptor on every path out of the loader.
struct FileDescriptor {
  int fd;
  ~FileDescriptor() {
    if (fd >= 0)
      ::close(fd);
  }
};

/// The directory of `path`: fsync'd after the rename, so the rename itself
/// survives a crash.
std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::string baseNameOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

/// Removes `<path>.tmp.<pid>` files whose writer no longer runs: what a
/// SIGKILL during a save leaves behind. A live writer's file is never touched.
void removeStaleTemporaries(const std::string &path) {
  std::string dirPath = directoryOf(path), prefix = baseNameOf(path) + ".tmp.";
  DIR *dir = ::opendir(dirPath.c_str());
  if (!dir)
    return;
  while (dirent *entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0 || name.size() == prefix.size() ||
        name.find_first_not_of("0123456789", prefix.size()) != std::string::npos || name.size() - prefix.size() > 9)
      continue;
    pid_t pid = (pid_t)std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH)
      ::unlink((dirPath + "/" + name).c_str());
  }
  ::closedir(dir);
}

/// A tensor name as it appears in an error message: quoted, with bytes that
/// would break the one-line message escaped.
std::string quoteName(const std::string &name) {
  std::string out = "'";
  for (unsigned char c : name) {
    if (c >= 32 && c < 127) {
      out += (char)c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "'";
}

[[noreturn]] void bad(const std::string &path, const std::string &what) {
  throw std::runtime_error(path + ": " + what);
}

/// Reads a non-negative JSON integer into `out`; false for anything else
/// (negative, fractional, a string, ...).
bool asCount(const json &v, uint64_t &out) {
  if (v.is_number_unsigned()) {
    out = v.get<uint64_t>();
    return true;
  }
  if (v.is_number_integer() && v.get<int64_t>() >= 0) {
    out = (uint64_t)v.get<int64_t>();
    return true;
  }
  return false;
}

/// One tensor's header entry, checked against the data section's size.
struct Entry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin, end;
};

Entry parseEntry(const std::string &path, const std::string &name, const json &entry, uint64_t dataSize) {
  std::string what = "tensor " + quoteName(name);
  if (!entry.is_object())
    bad(path, what + " is not a JSON object");
  for (const char *key : {"dtype", "shape", "data_offsets"})
    if (!entry.contains(key))
      bad(path, what + " has no \"" + key + "\"");
  const json &dtype = entry.at("dtype"), &shape = entry.at("shape"), &offsets = entry.at("data_offsets");
  Entry e;
  e.name = name;
  std::string dtypeText = dtype.is_string() ? dtype.get<std::string>() : dtype.dump();
  if (dtypeText == "F32") e.dtype = DType::F32;
  else if (dtypeText == "F64") e.dtype = DType::F64;
  else if (dtypeText == "I32") e.dtype = DType::I32;
  else bad(path, what + " has unsupported dtype " + quoteName(dtypeText) + " (gptc reads F32, F64 and I32)");

  if (!shape.is_array())
    bad(path, what + " has shape " + shape.dump() + ", not an array");
  // The byte count must be computed without overflow and fit in the file
  // before anything is allocated.
  uint64_t bytes = dtypeSize(e.dtype);
  bool overflow = false;
  for (const json &d : shape) {
    uint64_t dim;
    if (!asCount(d, dim))
      bad(path, what + " has shape " + shape.dump() + ": dimensions must be non-negative integers");
    overflow |= dim > (uint64_t)INT64_MAX || __builtin_mul_overflow(bytes, dim, &bytes);
    e.shape.push_back((int64_t)dim);
  }
  if (overflow)
    bad(path, what + " has shape " + shape.dump() + ", whose size overflows 64 bits");
  if (bytes > dataSize)
    bad(path, what + " has shape " + shape.dump() + " (" + std::to_string(bytes) + " bytes), more than the " +
                  std::to_string(dataSize) + " bytes of data in the file");

  if (!offsets.is_array() || offsets.size() != 2 || !asCount(offsets[0], e.begin) || !asCount(offsets[1], e.end))
    bad(path, what + " has data_offsets " + offsets.dump() + ", not a pair of non-negative integers");
  std::string range = "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
  if (e.end < e.begin)
    bad(path, what + " has " + range + " that end before they begin");
  if (e.end > dataSize)
    bad(path, what + " has " + range + " past the end of the " + std::to_string(dataSize) +
                  " bytes of data (file truncated?)");
  if (e.end - e.begin != bytes)
    bad(path, what + " has " + range + " (" + std::to_string(e.end - e.begin) + " bytes) but " +
                  dtypeName(e.dtype) + shape.dump() + " needs " + std::to_string(bytes) + " bytes");
  return e;
}

/// safetensors requires the tensors to tile the data section exactly: no
/// overlap, no gap, nothing after the last one (as the reference reader does).
void checkTiling(const std::string &path, std::vector<const Entry *> entries, uint64_t dataSize) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry *a, const Entry *b) { return a->begin < b->begin || (a->begin == b->begin && a->end < b->end); });
  uint64_t next = 0;
  const Entry *previous = nullptr;
  for (const Entry *e : entries) {
    if (e->begin < next)
      bad(path, "tensors " + quoteName(previous->name) + " and " + quoteName(e->name) + " overlap in the data");
    if (e->begin > next)
      bad(path, "tensor " + quoteName(e->name) + " starts at data byte " + std::to_string(e->begin) + " but " +
                    (previous ? "tensor " + quoteName(previous->name) + " ends" : std::string("the data starts")) +
                    " at " + std::to_string(next) + " (a gap in the data)");
    next = e->end;
    previous = e;
  }
  if (next != dataSize)
    bad(path, std::to_string(dataSize - next) + " bytes after the last tensor's data (not one safetensors file?)");
}

} // namespace

void writeFileAtomically(const std::string &path, const std::vector<std::pair<const void *, size_t>> &pieces) {
  removeStaleTemporaries(path);
  // The pid makes concurrent writers of one path use different temporaries.
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error("cannot write " + path + ": cannot create " + tmp + ": " + std::strerror(errno));
  int error = 0; // the first failure's errno
  for (auto &[bytes, size] : pieces)
    if (!error && !writeAll(fd, bytes, size))
      error = errno ? errno : EIO;
  if (!error && ::fsync(fd) != 0)
    error = errno;
  if (::close(fd) != 0 && !error)
    error = errno;
  if (error) {
    std::string reason = std::strerror(error);
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + path + ": writing " + tmp + " failed: " + reason);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string reason = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + path + ": renaming " + tmp + " over it failed: " + reason);
  }
  int dir = ::open(directoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void saveSafetensors(const std::string &path,
                     const std::vector<std::pair<std::string, const Tensor *>> &tensors,
                     const std::map<std::string, std::string> &metadata) {
  json header = json::object();
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (auto &[name, t] : tensors) {
    header[name] = {{"dtype", dtypeName(t->dtype())},
                    {"shape", t->shape()},
                    {"data_offsets", {offset, offset + t->bytes()}}};
    offset += t->bytes();
  }
  std::string h = header.dump();
  while (h.size() % 8 != 0) // the data starts 8-byte aligned
    h += ' ';
  unsigned char len[8];
  for (int i = 0; i < 8; ++i)
    len[i] = (unsigned char)((uint64_t)h.size() >> (8 * i));
  std::vector<std::pair<const void *, size_t>> pieces = {{len, 8}, {h.data(), h.size()}};
  for (auto &[name, t] : tensors)
    pieces.push_back({t->data(), t->bytes()});
  writeFileAtomically(path, pieces);
}

SafetensorsFile loadSafetensors(const std::string &path) {
  FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0)
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(file.fd, &st) != 0 || !S_ISREG(st.st_mode))
    bad(path, "not a regular file");
  uint64_t fileSize = (uint64_t)st.st_size;
  unsigned char len[8];
  if (fileSize < 8 || !readAt(file.fd, len, 8, 0))
    bad(path, "not a safetensors file (" + std::to_string(fileSize) +
                  " bytes, too short for the 8-byte header length)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= (uint64_t)len[i] << (8 * i);
  if (n > fileSize - 8)
    bad(path, "not a safetensors file (header length " + std::to_string(n) + " exceeds the file's " +
                  std::to_string(fileSize) + " bytes)");
  if (n > kMaxHeaderBytes)
    bad(path, "not a safetensors file (header length " + std::to_string(n) + " over the 100 MB limit)");
  std::string text(n, '\0');
  if (!readAt(file.fd, text.data(), n, 8))
    bad(path, "cannot read the header: " + std::string(std::strerror(errno)));
  json header;
  try {
    header = json::parse(text);
  } catch (const json::parse_error &e) {
    bad(path, "malformed safetensors header: not valid JSON (" +
                  (e.byte > n ? "it ends early" : "error at byte " + std::to_string(e.byte)) + ")");
  }
  if (!header.is_object())
    bad(path, "malformed safetensors header: a JSON " + std::string(header.type_name()) + ", not an object");

  uint64_t dataStart = 8 + n, dataSize = fileSize - dataStart;
  SafetensorsFile out;
  std::vector<Entry> entries;
  for (auto &[name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object())
        bad(path, "malformed safetensors header: __metadata__ is not an object");
      for (auto &[k, v] : entry.items()) {
        if (!v.is_string())
          bad(path, "malformed safetensors header: metadata " + quoteName(k) + " is not a string");
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    entries.push_back(parseEntry(path, name, entry, dataSize));
  }
  std::vector<const Entry *> order;
  for (const Entry &e : entries)
    order.push_back(&e);
  checkTiling(path, order, dataSize);
  // Every tensor now lies inside the file without overlap, so the tensors
  // together allocate at most the file's size.
  for (const Entry &e : entries) {
    Tensor t(e.dtype, e.shape);
    if (!readAt(file.fd, t.data(), t.bytes(), dataStart + e.begin))
      bad(path, "cannot read tensor " + quoteName(e.name) + " (file changed while reading?)");
    out.names.push_back(e.name);
    out.tensors.emplace(e.name, std::move(t));
  }
  return out;
}

} // namespace gptc
