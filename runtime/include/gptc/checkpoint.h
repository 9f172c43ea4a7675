// Training checkpoints: safetensors with the params under their DSL names, the
// optimizer state as optimizer.<param>.<kind>, and the step, seed and best test
// accuracy in the metadata, with the data's vocabulary as hex bytes
// (gptc.vocab_hex; the header may hold 100 MiB, so even the two word
// vocabularies of a translation model, ~0.2 MB as hex for Multi30k, fit).
// Written through a temporary file and a rename.
#ifndef GPTC_RUNTIME_CHECKPOINT_H
#define GPTC_RUNTIME_CHECKPOINT_H

#include "gptc/model.h"

#include <cmath>

namespace gptc {

/// Where training stands, beyond the tensors.
struct Progress {
  int64_t step = 0;
  double best = -1;              // best test accuracy so far (-1: none)
  double bestValLoss = INFINITY; // for --save-best
  std::string vocab;             // language models: the characters of the token ids; translation
                                 // models: both vocabularies (serializeVocabularies)
};

void saveCheckpoint(const std::string &path, const Model &model, const Settings &s, const Progress &p);

/// Restores tensors, step, seed and best accuracy; throws std::runtime_error
/// naming the file and what does not match the model.
void loadCheckpoint(const std::string &path, Model &model, Settings &s, Progress &p);

} // namespace gptc

#endif
