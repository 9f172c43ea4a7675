// Language models (data = text(...) or tokens(...)): step-based training on
// random windows of a token stream with periodic loss estimates, as nanoGPT's
// train.py; sampling from a checkpoint, as its sample.py; and `prepare`, which
// writes nanoGPT-style token files.
#ifndef GPTC_RUNTIME_LM_TRAINER_H
#define GPTC_RUNTIME_LM_TRAINER_H

#include "gptc/model.h"
#include "gptc/settings.h"
#include "gptc/text.h"

namespace gptc {

/// Loads the train section's text or token data (--data overrides the path).
TokenData loadLanguageData(const Settings &s, const Manifest &m);

/// Fills the inputs (tokens [B, T], targets [B, T]) with B windows of T + 1
/// tokens at random starts: the draw at (seed, stream, counter * B + row).
void loadWindows(Model &model, const std::vector<uint16_t> &tokens, uint64_t seed, uint64_t stream,
                 uint64_t counter);


int trainLanguageModel(Model &model, const TokenData &data, Settings &s);
/// --dump for language models: the initial params, the first batch, its loss
/// and gradients, then --dump-steps training steps (each batch and learning
/// rate recorded) and the params after them, for replaying in PyTorch.
void dumpLanguageModel(Model &model, const TokenData &data, const Settings &s);
int sampleMain(int argc, char **argv, const Manifest &m);
int prepareMain(int argc, char **argv);

} // namespace gptc

#endif
