// The one training loop of every generated `train`, over a source of batches:
// images by epoch (idx_images, random), windows of a token stream by step
// (text, tokens), or sentence pairs by epoch (parallel). The loop owns the policy that is the same for every model:
// resume, learning-rate schedule, gradient accumulation, dropout seeding, the
// NaN check, when to evaluate, log and checkpoint, and the JSON summary. A
// source owns what differs: which examples make micro-batch i, how to measure
// the model, and how many steps a run has.
#ifndef GPTC_RUNTIME_TRAINING_H
#define GPTC_RUNTIME_TRAINING_H

#include "gptc/model.h"
#include "gptc/settings.h"

#include <cmath>
#include <memory>
#include <string>

namespace gptc {

/// What one evaluation measured (NaN / -1: not measured by this source).
struct Evaluation {
  double trainLoss = NAN; // text: estimated on train windows; images, parallel: the mean over the steps since the last one
  double valLoss = NAN, testLoss = NAN;
  double valAccuracy = -1, testAccuracy = -1;
  // parallel: exp(valLoss), and the fraction of val target tokens (not
  // padding) whose argmax is the label.
  double valPerplexity = NAN, valTokenAccuracy = -1;
};

class BatchSource {
public:
  virtual ~BatchSource() = default;
  /// The line printed before training.
  virtual std::string describe(const Model &model, const Settings &s) const = 0;
  /// Optimizer steps in the run.
  virtual int64_t totalSteps(const Settings &s) const = 0;
  /// Steps per epoch (0: this source does not count epochs).
  virtual int64_t stepsPerEpoch(const Settings &s) const { return 0; }
  /// Whether the loop evaluates after `stepsDone` steps (it always does at the end).
  virtual bool evaluatesAt(int64_t stepsDone, const Settings &s) const = 0;
  /// Loads micro-batch `index` (step * grad_accum + k) into the model's inputs.
  virtual void loadTrainBatch(Model &model, const Settings &s, int64_t index) = 0;
  /// Measures the model with dropout off, after `stepsDone` steps; `runningLoss`
  /// is the mean training loss since the last evaluation.
  virtual Evaluation evaluate(Model &model, const Settings &s, int64_t stepsDone, double runningLoss) = 0;
  /// Examples (images), tokens (text) or target tokens that are not padding
  /// (parallel) in the micro-batch loadTrainBatch loaded last, for the throughput.
  virtual int64_t batchItems(const Model &model) const = 0;
  virtual const char *itemName() const = 0; // "examples" | "tokens" | "target_tokens"
  /// Stored in checkpoints (text: the characters of the token ids; parallel:
  /// both vocabularies, see serializeVocabularies).
  virtual std::string vocabulary() const { return {}; }
};

/// The train section's data source, loaded (--data overrides its path).
std::unique_ptr<BatchSource> loadBatchSource(const Manifest &m, const Settings &s);

/// A per-draw dropout seed: micro-batch `index` draws its own masks.
uint64_t dropoutSeed(uint64_t seed, uint64_t index);

/// Trains from the manifest's settings as overridden; prints progress and a
/// JSON summary line. Returns the exit status.
int runTraining(Model &model, BatchSource &source, Settings &s);

/// --gradcheck: autodiff gradients of the first batch against finite differences.
int runGradcheck(Model &model, BatchSource &source, const Settings &s);
/// --dump: the initial params, the first batch, its loss and gradients, then
/// --dump-steps training steps (each batch and learning rate) and the params
/// after them, for replaying in PyTorch (test/Parity).
void runDump(Model &model, BatchSource &source, const Settings &s);

} // namespace gptc

#endif
