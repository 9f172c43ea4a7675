// The generated binary's settings: the model's train section, overridden on
// the command line.
#ifndef GPTC_RUNTIME_SETTINGS_H
#define GPTC_RUNTIME_SETTINGS_H

#include "gptc/manifest.h"

#include <string>

namespace gptc {

struct Settings : TrainSettings {
  std::string metrics, save, saveBest, resume, dump;
  int64_t maxTrain = 0;
  bool gradcheck = false, quiet = false;
  int64_t gradcheckSamples = 20;
  int64_t dumpSteps = 1; // language models: optimizer steps recorded by --dump
  double gradcheckTol = -1; // default: 1e-6 for f64 models, 1e-2 for f32
};

/// Parses argv over the manifest's defaults; throws std::runtime_error on a bad
/// option. --help prints the usage and exits.
Settings parseArgs(int argc, char **argv, const Manifest &m);

/// The learning rate of a step: linear warmup, then constant or cosine decay
/// to min_lr over decay_steps (default: all steps), as nanoGPT's get_lr.
double learningRateAt(const Settings &s, int64_t step, int64_t totalSteps);

} // namespace gptc

#endif
