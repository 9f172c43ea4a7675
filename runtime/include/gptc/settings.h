// The generated binary's settings: the model's train section (from the
// manifest), overridden on the command line.
#ifndef GPTC_RUNTIME_SETTINGS_H
#define GPTC_RUNTIME_SETTINGS_H

#include "gptc/manifest.h"

#include <CLI/CLI.hpp>

#include <string>

namespace gptc {

struct Settings : TrainSettings {
  std::string metrics, save, saveBest, resume, dump;
  int64_t maxTrain = 0;
  bool gradcheck = false, quiet = false;
  int64_t gradcheckSamples = 20;
  int64_t dumpSteps = 1;    // optimizer steps recorded by --dump
  double gradcheckTol = -1; // default: 1e-6 for f64 models, 1e-2 for f32
};

/// Adds the training flags to `app`, writing into `s` (which starts from the
/// manifest's train section).
void addTrainOptions(CLI::App &app, Settings &s);
/// Checks the parsed flags against the compiled model (static batch, clipping
/// compiled in); throws std::runtime_error with the remedy.
void checkTrainOptions(const CLI::App &app, Settings &s, const Manifest &m);

/// The learning rate of a step: linear warmup, then constant or cosine decay
/// to min_lr over decay_steps (default: all steps), as nanoGPT's get_lr; or
/// the Transformer paper's noam schedule.
double learningRateAt(const Settings &s, int64_t step, int64_t totalSteps);

} // namespace gptc

#endif
