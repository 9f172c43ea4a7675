#include "gptc/safetensors.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
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

/// The directory of `path`: fsync'd after the rename, so the rename itself
/// survives a crash.
std::string directoryOf(const std::string &path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

[[noreturn]] void bad(const std::string &path, const std::string &what) {
  throw std::runtime_error(path + ": " + what);
}

/// A non-negative integer of the header, checked.
uint64_t headerInteger(const json &v, const std::string &path, const std::string &what) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    bad(path, what + " must be a non-negative integer");
  return v.get<uint64_t>();
}

} // namespace

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
  // Written whole to a temporary file in the same directory, flushed to disk,
  // then renamed over `path`: a crash at any moment leaves the old checkpoint
  // or the new one, never a part of one.
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
  unsigned char len[8];
  for (int i = 0; i < 8; ++i)
    len[i] = (unsigned char)((uint64_t)h.size() >> (8 * i));
  bool ok = writeAll(fd, len, 8) && writeAll(fd, h.data(), h.size());
  for (auto &[name, t] : tensors)
    ok = ok && writeAll(fd, t->data(), t->bytes());
  ok = ok && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    std::string reason = std::strerror(errno);
    std::remove(tmp.c_str());
    throw std::runtime_error("failed writing " + tmp + ": " + reason);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string reason = std::strerror(errno);
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + reason);
  }
  int dir = ::open(directoryOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

SafetensorsFile loadSafetensors(const std::string &path) {
  std::ifstream is(path, std::ios::binary);
  if (!is)
    throw std::runtime_error("cannot open " + path);
  is.seekg(0, std::ios::end);
  uint64_t fileSize = (uint64_t)is.tellg();
  is.seekg(0);
  unsigned char len[8];
  if (fileSize < 8 || !is.read((char *)len, 8))
    bad(path, "not a safetensors file (too short)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= (uint64_t)len[i] << (8 * i);
  if (n > fileSize - 8)
    bad(path, "not a safetensors file (header length " + std::to_string(n) + " exceeds the file)");
  if (n > kMaxHeaderBytes)
    bad(path, "not a safetensors file (header length " + std::to_string(n) + " over the 100 MB limit)");
  std::string text(n, '\0');
  if (!is.read(text.data(), (std::streamsize)n))
    bad(path, "truncated in the header");
  json header = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded())
    bad(path, "malformed safetensors header: not valid JSON");
  if (!header.is_object())
    bad(path, "malformed safetensors header: not an object");
  uint64_t dataStart = 8 + n, dataSize = fileSize - dataStart;
  SafetensorsFile out;
  for (auto &[name, entry] : header.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object())
        bad(path, "malformed safetensors header: __metadata__ is not an object");
      for (auto &[k, v] : entry.items()) {
        if (!v.is_string())
          bad(path, "malformed safetensors header: metadata '" + k + "' is not a string");
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    std::string what = "tensor '" + name + "'";
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") ||
        !entry.contains("data_offsets"))
      bad(path, what + " lacks dtype, shape or data_offsets");
    const json &dtype = entry["dtype"], &shape = entry["shape"], &offsets = entry["data_offsets"];
    std::string dtypeText = dtype.is_string() ? dtype.get<std::string>() : dtype.dump();
    DType dt;
    if (dtypeText == "F32") dt = DType::F32;
    else if (dtypeText == "F64") dt = DType::F64;
    else if (dtypeText == "I32") dt = DType::I32;
    else bad(path, what + " has unsupported dtype " + dtypeText);
    if (!shape.is_array() || !offsets.is_array() || offsets.size() != 2)
      bad(path, what + ": shape must be an array and data_offsets a pair");
    // The element count must fit in the file before anything is allocated.
    std::vector<int64_t> dims;
    uint64_t count = 1;
    for (const json &d : shape) {
      uint64_t dim = headerInteger(d, path, what + ": a dimension");
      if (dim != 0 && count > dataSize / dim)
        bad(path, what + " has shape " + shape.dump() + ", more data than the file holds");
      count *= dim;
      dims.push_back((int64_t)dim);
    }
    uint64_t bytes = count * dtypeSize(dt);
    uint64_t begin = headerInteger(offsets[0], path, what + ": data_offsets"),
             end = headerInteger(offsets[1], path, what + ": data_offsets");
    if (end < begin || end > dataSize || end - begin != bytes)
      bad(path, what + " has a bad byte range (file truncated?)");
    Tensor t(dt, dims);
    is.seekg((std::streamoff)(dataStart + begin));
    if (!is.read((char *)t.data(), (std::streamsize)bytes))
      bad(path, "truncated while reading '" + name + "'");
    out.names.push_back(name);
    out.tensors.emplace(name, std::move(t));
  }
  return out;
}

} // namespace gptc
