// The generated `train` executable's commands (runtime/src/main.cpp):
//   train [options]            train (the default)
//   train sample --ckpt FILE   text from a language-model checkpoint
//   train prepare --data F --out DIR   token files from a text file
//   train info                 the embedded manifest, as the runtime read it
#ifndef GPTC_RUNTIME_COMMANDS_H
#define GPTC_RUNTIME_COMMANDS_H

#include "gptc/manifest.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace gptc {

struct SampleOptions {
  std::string ckpt, prompt = "\n";
  int64_t tokens = 500, topK = 0;
  double temperature = 1.0;
  uint64_t seed = 1337;
};
void addSampleOptions(CLI::App &sample, SampleOptions &o);
int runSample(const Manifest &m, const SampleOptions &o);

struct PrepareOptions {
  std::string data, out;
};
void addPrepareOptions(CLI::App &prepare, PrepareOptions &o);
int runPrepare(const PrepareOptions &o);

/// The whole program: parses argv and runs one command; returns the exit status.
int trainMain(int argc, char **argv);

} // namespace gptc

#endif
