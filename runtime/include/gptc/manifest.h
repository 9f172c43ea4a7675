// The model description gptc embeds in every compiled model: a JSON object
// (the `gptc_manifest` string) whose keys are named in gptc/contract.h. The
// compiler writes it (compiler/Frontend/Manifest.cpp); this reads it.
#ifndef GPTC_RUNTIME_MANIFEST_H
#define GPTC_RUNTIME_MANIFEST_H

#include "gptc/contract.h"
#include "gptc/tensor.h"

#include <string>
#include <vector>

namespace gptc {

struct ManifestTensor {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  InitKind init = InitKind::Zeros; // params only
  double a = 0, b = 0;             // normal: mean, std; uniform: low, high
};

struct Manifest {
  DType floatType = DType::F32;
  std::string model;
  std::vector<ManifestTensor> inputs, params;
  bool hasOutput = false;
  std::vector<int64_t> outputShape;
  bool hasRng = false; // the step functions take [seed, training] after the inputs (dropout)
  bool cuda = false;   // compiled for the GPU: the runtime's CUDA backend runs the steps
  bool bf16Matmuls = false; // --precision=bf16: the GEMMs round their operands to bf16, accumulate in f32
  TrainSettings train; // the train section; the generated binary's command line overrides it

  /// Optimizer state tensors per param: {"velocity"} or {"m", "v"}.
  std::vector<std::string> stateNames() const { return optimizerStateNames(train.optimizer); }
};

/// Throws std::runtime_error naming the key and the problem: malformed JSON,
/// a missing key, a key of the wrong type, or a key this runtime does not know.
Manifest parseManifest(const std::string &json);

/// The manifest as JSON, in the compiler's layout (`./train info`).
std::string manifestToJson(const Manifest &m);

} // namespace gptc

#endif
