// The model description embedded by gptc (see compiler/Frontend/Manifest.cpp).
#ifndef GPTC_RUNTIME_MANIFEST_H
#define GPTC_RUNTIME_MANIFEST_H

#include "gptc/tensor.h"

#include <string>
#include <vector>

namespace gptc {

struct ManifestTensor {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::string init; // params: normal | uniform | zeros | ones | xavier
  double a = 0, b = 0;
};

/// The train section's settings; the generated binary's command line overrides them.
struct TrainSettings {
  std::string data = "idx_images", dataDir;
  int64_t batch = 1, epochs = 1, steps = 0, seed = 1337, validation = 10000;
  double lr = 0.1, momentum = 0, weightDecay = 0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  int64_t evalInterval = 0, evalIters = 0; // 0: once per epoch (or at the end), over everything
  double clip = 0;                         // max global gradient norm; 0: off
  int64_t gradAccum = 1;                   // micro-batches per optimizer step
  std::string schedule = "constant";       // constant | cosine
  int64_t warmup = 0, decaySteps = 0;      // decaySteps 0: the run's total steps
  double minLr = 0;
};

struct Manifest {
  DType floatType = DType::F32;
  std::string model;
  std::vector<ManifestTensor> inputs, params;
  bool hasOutput = false;
  std::vector<int64_t> outputShape;
  std::string optimizer = "sgd";
  bool hasRng = false; // the step functions take [seed, training] after the inputs (dropout)
  TrainSettings train;

  /// Optimizer state tensors per param: {"velocity"} or {"m", "v"}.
  std::vector<std::string> stateNames() const;
};

/// Throws std::runtime_error on malformed text.
Manifest parseManifest(const std::string &text);

} // namespace gptc

#endif
