// safetensors checkpoints (readable by PyTorch and the Hugging Face tools):
// an 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the raw data. Writes go to a temporary
// file that is renamed into place, so a checkpoint is never half-written.
#ifndef GPTC_RUNTIME_SAFETENSORS_H
#define GPTC_RUNTIME_SAFETENSORS_H

#include "gptc/tensor.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace gptc {

struct SafetensorsFile {
  std::vector<std::string> names; // in file order
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;
};

void saveSafetensors(const std::string &path,
                     const std::vector<std::pair<std::string, const Tensor *>> &tensors,
                     const std::map<std::string, std::string> &metadata);

/// Throws std::runtime_error naming the file and the problem. Every length,
/// offset and shape is checked against the file's size before anything is
/// allocated, so a corrupt or hostile file costs at most its own size.
SafetensorsFile loadSafetensors(const std::string &path);

/// Writes `pieces` (in order) as the whole new content of `path`, crash-safe:
/// a temporary file in the same directory, fsync'd, renamed over `path`, then
/// the directory fsync'd. A process killed at any moment leaves the old file
/// or the new one. Temporary files of writers that died (SIGKILL) are removed
/// by the next write. Throws std::runtime_error naming the file on failure.
void writeFileAtomically(const std::string &path, const std::vector<std::pair<const void *, size_t>> &pieces);

} // namespace gptc

#endif
