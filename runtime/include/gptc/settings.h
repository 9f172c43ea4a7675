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

} // namespace gptc

#endif
