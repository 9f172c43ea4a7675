// Windows of a token stream (text, tokens), as nanoGPT's train.py: micro-batch
// i is B windows of T + 1 tokens at random starts drawn at (seed, i), so a
// resumed run draws exactly what an uninterrupted one would; evaluation
// estimates the train and val losses over eval_iters fresh random batches.
#include "gptc/rng.h"
#include "gptc/text.h"
#include "gptc/training.h"

#include <stdexcept>
#include <sys/stat.h>

namespace gptc {

void checkLanguageModelInputs(const Manifest &m) {
  bool ok = m.inputs.size() == 2;
  for (size_t i = 0; ok && i < 2; ++i)
    ok = m.inputs[i].dtype == DType::I32 && m.inputs[i].shape.size() == 2 && m.inputs[i].shape == m.inputs[0].shape;
  if (!ok)
    throw std::runtime_error("text data needs a model with two inputs, tokens: i32[B, T] and targets: i32[B, T]");
}

void loadWindows(Model &model, const std::vector<uint16_t> &tokens, uint64_t seed, uint64_t stream,
                 uint64_t counter) {
  int64_t B = model.inputs[0].shape()[0], T = model.inputs[0].shape()[1];
  int32_t *x = model.inputs[0].as<int32_t>(), *y = model.inputs[1].as<int32_t>();
  uint64_t starts = tokens.size() - T; // windows of T + 1 tokens
  for (int64_t b = 0; b < B; ++b) {
    uint64_t start = (uint64_t)(uniformAt(seed, stream, counter * B + b) * (double)starts);
    for (int64_t t = 0; t < T; ++t) {
      x[b * T + t] = tokens[start + t];
      y[b * T + t] = tokens[start + t + 1];
    }
  }
}

namespace {

TokenData loadLanguageData(const Manifest &m, const Settings &s) {
  checkLanguageModelInputs(m);
  if (s.dataDir.empty())
    throw std::runtime_error("no data: give a " + std::string(s.data == DataKind::Text ? "text file" : "token directory") +
                             " with --data");
  // A directory is prepared tokens (train.bin, val.bin, meta.json); a file is text.
  struct stat st;
  bool isDir = stat(s.dataDir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  TokenData d = s.data == DataKind::Tokens || isDir ? loadTokenDir(s.dataDir) : loadTextFile(s.dataDir);
  int64_t T = m.inputs[0].shape[1];
  for (auto *split : {&d.train, &d.val})
    if ((int64_t)split->size() < T + 1)
      throw std::runtime_error(s.dataDir + ": a split of " + std::to_string(split->size()) +
                               " tokens is shorter than one window of " + std::to_string(T + 1));
  if (m.hasOutput) {
    int64_t vocab = m.outputShape.back();
    if ((int64_t)d.vocab.size() > vocab)
      throw std::runtime_error(s.dataDir + " has " + std::to_string(d.vocab.size()) +
                               " distinct characters but the model was compiled for a vocabulary of " +
                               std::to_string(vocab) + " (recompile with gptc -D vocab=" +
                               std::to_string(d.vocab.size()) + ")");
  }
  return d;
}

class TextWindows : public BatchSource {
public:
  explicit TextWindows(TokenData data) : data_(std::move(data)) {}

  std::string describe(const Model &model, const Settings &s) const override {
    int64_t B = model.inputs[0].shape()[0], T = model.inputs[0].shape()[1];
    return "model " + model.m.model + ": " + std::to_string(model.params.size()) + " param tensors, " +
           std::to_string(data_.train.size()) + " train / " + std::to_string(data_.val.size()) +
           " val tokens (vocabulary " + std::to_string(data_.vocab.size()) + ") from " + data_.source + ", batch " +
           std::to_string(B) + " x " + std::to_string(T) +
           (s.gradAccum > 1 ? " x " + std::to_string(s.gradAccum) + " micro-batches" : "") + ", " +
           std::to_string(totalSteps(s)) + " steps";
  }
  int64_t totalSteps(const Settings &s) const override { return s.steps; }
  bool evaluatesAt(int64_t stepsDone, const Settings &s) const override {
    return s.evalInterval > 0 && stepsDone % s.evalInterval == 0;
  }
  void loadTrainBatch(Model &model, const Settings &s, int64_t index) override {
    loadWindows(model, data_.train, s.seed, kStreamBatches, index);
  }
  Evaluation evaluate(Model &model, const Settings &s, int64_t stepsDone, double) override {
    // Evaluation k draws batches k * iters ...: the k-th evaluation of a run,
    // counted from step 0, so a resumed run draws what an uninterrupted one did.
    int64_t k = s.evalInterval > 0 ? (stepsDone + s.evalInterval - 1) / s.evalInterval : 0;
    int64_t iters = s.evalIters > 0 ? s.evalIters : kDefaultLanguageEvalIters;
    Evaluation e;
    e.trainLoss = estimate(model, data_.train, s.seed, 0, k, iters);
    e.valLoss = estimate(model, data_.val, s.seed, 1, k, iters);
    return e;
  }
  int64_t batchItems(const Model &model) const override {
    return model.inputs[0].shape()[0] * model.inputs[0].shape()[1];
  }
  const char *itemName() const override { return "tokens"; }
  std::string vocabulary() const override { return data_.vocab; }

private:
  static double estimate(Model &model, const std::vector<uint16_t> &tokens, uint64_t seed, uint64_t split,
                         int64_t evalNumber, int64_t iters) {
    model.setDropout(0, false);
    double sum = 0;
    for (int64_t k = 0; k < iters; ++k) {
      loadWindows(model, tokens, seed, kStreamEval + split, evalNumber * iters + k);
      sum += model.forward(/*wantOut=*/false); // the logits stay on the GPU
    }
    return sum / (double)iters;
  }

  TokenData data_;
};

} // namespace

std::unique_ptr<BatchSource> makeTextWindows(const Manifest &m, const Settings &s) {
  return std::make_unique<TextWindows>(loadLanguageData(m, s));
}

} // namespace gptc
