// The generated `train` executable: the command line, then one command.
#include "gptc/abi.h"
#include "gptc/checkpoint.h"
#include "gptc/cli.h"
#include "gptc/commands.h"
#include "gptc/cuda_backend.h"
#include "gptc/threads.h"
#include "gptc/training.h"

#include <cstdio>
#include <malloc.h>
#include <stdexcept>

namespace gptc {

namespace {

/// Parses the command line and runs one command; errors are one line on stderr
/// and exit status 1.
int runCommand(int argc, char **argv, const std::string &prog) {
  // The step functions allocate the same temporaries every step: keep freed
  // blocks in the heap instead of returning them to the kernel, so a step does
  // not pay for fresh zeroed pages (measured: ~10% of an mlp_modern epoch, and
  // 43% of a 6x6x384 GPT step, whose 100 MB attention tensors glibc would
  // otherwise mmap and unmap every time: its mmap threshold caps at 32 MiB).
  mallopt(M_MMAP_MAX, 0);        // every block from the heap, none mmapped
  mallopt(M_TRIM_THRESHOLD, -1); // and the heap never shrinks (-1: never trim)
  ThreadPool::instance(); // GPTC_THREADS sizes the team before any kernel runs
  try {
    Manifest manifest = parseManifest(gptc_manifest);
    CLI::App app("Trains the compiled model '" + manifest.model +
                     "'. Every setting defaults to the model's train section.",
                 prog);
    // A flag given twice takes its last value (`./train $DEFAULTS --lr 1e-3`).
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    Settings settings;
    static_cast<TrainSettings &>(settings) = manifest.train;
    addTrainOptions(app, settings);
    SampleOptions sampleOptions;
    CLI::App *sample = app.add_subcommand("sample", "generate text from a checkpoint of this language model");
    addSampleOptions(*sample, sampleOptions);
    PrepareOptions prepareOptions;
    CLI::App *prepare = app.add_subcommand("prepare", "write nanoGPT-style token files from a text file");
    addPrepareOptions(*prepare, prepareOptions);
    TranslateOptions translateOptions;
    CLI::App *translate = app.add_subcommand(
        "translate", "translate " + manifest.train.srcLang + " sentences (stdin, one per line, read to the end) to " +
                         manifest.train.tgtLang + " (stdout) with a checkpoint of this translation model");
    addTranslateOptions(*translate, translateOptions, manifest);
    BleuOptions bleuOptions;
    CLI::App *bleu = app.add_subcommand("bleu", "translate a corpus split with a checkpoint of this translation "
                                                "model and score it with corpus BLEU");
    addBleuOptions(*bleu, bleuOptions, manifest);
    CLI::App *info = app.add_subcommand("info", "print the compiled model's manifest (JSON)");
    app.require_subcommand(0, 1);
    if (int rc = cli::parse(app, argc, argv, prog); rc >= 0)
      return rc;

    if (*sample)
      return runSample(manifest, sampleOptions);
    if (*prepare)
      return runPrepare(prepareOptions);
    if (*translate)
      return runTranslate(manifest, translateOptions);
    if (*bleu)
      return runBleu(manifest, bleuOptions);
    if (*info) {
      std::printf("%s\n", manifestToJson(manifest).c_str());
      return 0;
    }
    checkTrainOptions(app, settings, manifest);
    Model model(manifest);
    model.initialize(settings.seed);
    std::unique_ptr<BatchSource> source = loadBatchSource(manifest, settings);
    if (settings.gradcheck || !settings.dump.empty()) {
      if (!settings.resume.empty()) { // check or dump the checkpoint's weights
        Progress p;
        loadCheckpoint(settings.resume, model, settings, p);
      }
      if (settings.gradcheck)
        return runGradcheck(model, *source, settings);
      runDump(model, *source, settings);
      return 0;
    }
    return runTraining(model, *source, settings);
  } catch (const std::exception &e) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: error: %s\n", prog.c_str(), e.what());
    return 1;
  }
}

} // namespace

int trainMain(int argc, char **argv) {
  std::string prog = argc > 0 ? argv[0] : "train";
  int status = runCommand(argc, argv, prog);
  CudaBackend::shutdown(); // a GPU model's profile, and its device memory freed
  return status;
}

} // namespace gptc

int main(int argc, char **argv) { return gptc::trainMain(argc, argv); }
