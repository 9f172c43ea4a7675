// The generated `train` executable's commands (runtime/src/main.cpp):
//   train [options]            train (the default)
//   train sample --ckpt FILE   text from a language-model checkpoint
//   train prepare --data F --out DIR   token files from a text file
//   train translate --ckpt FILE        translate stdin lines (a translation model)
//   train bleu --ckpt FILE             BLEU of a translation model on a corpus split
//   train info                 the embedded manifest, as the runtime read it
#ifndef GPTC_RUNTIME_COMMANDS_H
#define GPTC_RUNTIME_COMMANDS_H

#include "gptc/manifest.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace gptc {

class Translator;
struct DecodeOptions;

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

/// The decoding flags of translate (and bleu).
struct TranslateOptions {
  std::string ckpt;
  int64_t beam = 1, maxLen = 100;
  int64_t batchRows = 0; // 0: the compiled batch
  double alpha = 0.7;
  bool reencode = false; // run the whole model for every token (a check of the encoder reuse)
  bool noCache = false;  // recompute the target prefix for every token (a check of the key/value cache)
};
void addTranslateOptions(CLI::App &translate, TranslateOptions &o, const Manifest &m);
int runTranslate(const Manifest &m, const TranslateOptions &o);
/// The search the flags ask for, checked against the model (--batch-rows at
/// most its batch); throws std::runtime_error naming the flag.
DecodeOptions decodeOptions(const TranslateOptions &o, const Translator &translator);

struct BleuOptions {
  TranslateOptions decoding;
  std::string data, split = "test", output; // data "": the train section's corpus
};
void addBleuOptions(CLI::App &bleu, BleuOptions &o, const Manifest &m);
int runBleu(const Manifest &m, const BleuOptions &o);

/// The whole program: parses argv and runs one command; returns the exit status.
int trainMain(int argc, char **argv);

} // namespace gptc

#endif
