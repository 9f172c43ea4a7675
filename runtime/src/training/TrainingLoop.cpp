// The training loop (see gptc/training.h for who decides what).
#include "gptc/checkpoint.h"
#include "gptc/rng.h"
#include "gptc/training.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace gptc {

std::unique_ptr<BatchSource> makeImageBatches(const Manifest &m, const Settings &s);
std::unique_ptr<BatchSource> makeTextWindows(const Manifest &m, const Settings &s);
std::unique_ptr<BatchSource> makeParallelBatches(const Manifest &m, const Settings &s);

std::unique_ptr<BatchSource> loadBatchSource(const Manifest &m, const Settings &s) {
  if (isLanguageData(s.data))
    return makeTextWindows(m, s);
  if (s.data == DataKind::Parallel)
    return makeParallelBatches(m, s);
  return makeImageBatches(m, s);
}

uint64_t dropoutSeed(uint64_t seed, uint64_t index) {
  uint32_t words[4];
  philox4x32(seed, kStreamDropout, index, words);
  return ((uint64_t)words[1] << 32) | words[0];
}

namespace {

using json = nlohmann::ordered_json;

/// A value for JSON at the precision the logs print (JSON has no NaN: null).
json rounded(double v, double scale = 1e6) {
  if (!std::isfinite(v))
    return nullptr;
  return std::round(v * scale) / scale;
}

/// Epochs done: an integer when whole ("epochs":3), else to 4 decimals.
json epochs(int64_t steps, int64_t perEpoch) {
  if (steps % perEpoch == 0)
    return steps / perEpoch;
  return rounded((double)steps / perEpoch, 1e4);
}

/// dst = src (first) or dst += src, elementwise.
void accumulate(Tensor &dst, const Tensor &src, bool first) {
  for (size_t i = 0; i < dst.numel(); ++i)
    dst.set(i, first ? src.get(i) : dst.get(i) + src.get(i));
}

/// Which step's batch the model's inputs hold, when the previous step loaded
/// it ahead (-1: none).
struct LoadedAhead {
  int64_t step = -1;
};

/// One optimizer step: on one batch, or on the mean gradient of grad_accum
/// micro-batches (step * K + k: the examples a K times larger batch would see).
/// Each micro-batch draws its own dropout masks. Returns the mean loss; adds
/// the items of the micro-batches to `items`. With `loadNext` (one batch per
/// step), the batch of step + 1 is loaded while this step runs: on the GPU the
/// host prepares it while the kernels compute (an Input is uploaded before the
/// step's kernels are queued, so its host tensor is free by then).
double trainOneStep(Model &model, BatchSource &source, const Settings &s, int64_t step, double lr,
                    std::vector<Tensor> &grads, std::vector<Tensor> &sum, int64_t &items, LoadedAhead &ahead,
                    bool loadNext) {
  int64_t K = s.gradAccum;
  if (K <= 1) {
    if (ahead.step != step)
      source.loadTrainBatch(model, s, step);
    ahead.step = -1;
    items += source.batchItems(model);
    model.setDropout(dropoutSeed(s.seed, step), true);
    if (!loadNext)
      return model.trainStep(s, step, lr);
    return model.trainStep(s, step, lr, [&] {
      source.loadTrainBatch(model, s, step + 1);
      ahead.step = step + 1;
    });
  }
  if (sum.empty())
    for (const Tensor &p : model.params)
      sum.emplace_back(p.dtype(), p.shape());
  double loss = 0;
  for (int64_t k = 0; k < K; ++k) {
    source.loadTrainBatch(model, s, step * K + k);
    items += source.batchItems(model);
    model.setDropout(dropoutSeed(s.seed, step * K + k), true);
    loss += model.grad(grads);
    for (size_t i = 0; i < grads.size(); ++i)
      accumulate(sum[i], grads[i], k == 0);
  }
  for (Tensor &t : sum)
    for (size_t i = 0; i < t.numel(); ++i)
      t.set(i, t.get(i) / (double)K);
  model.applyGrads(sum, s, step, lr);
  return loss / (double)K;
}

std::string fixed(double v, const char *fmt) {
  if (!std::isfinite(v) || v < -0.5)
    return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

} // namespace

/// The median of `ms` without its first kWarmupSteps entries (all of them when
/// there are no more); 0 for none.
static double medianAfterWarmup(std::vector<double> ms) {
  constexpr size_t kWarmupSteps = 3;
  if (ms.size() > kWarmupSteps)
    ms.erase(ms.begin(), ms.begin() + kWarmupSteps);
  if (ms.empty())
    return 0;
  std::sort(ms.begin(), ms.end());
  size_t n = ms.size();
  return n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
}

int runTraining(Model &model, BatchSource &source, Settings &s) {
  Progress progress;
  if (!s.resume.empty()) {
    loadCheckpoint(s.resume, model, s, progress);
    // Token ids mean what the vocabulary says: other data would silently
    // train the checkpoint's embeddings on other words.
    if (!progress.vocab.empty() && progress.vocab != source.vocabulary())
      throw std::runtime_error(s.resume + ": the checkpoint's vocabulary differs from the data's (other data, or "
                                          "other vocabulary settings, than the run that wrote it?)");
  }
  progress.vocab = source.vocabulary();
  const int64_t total = source.totalSteps(s), perEpoch = source.stepsPerEpoch(s);
  if (total <= 0 && isLanguageData(s.data))
    throw std::runtime_error("no steps to train: set 'steps' in the train section or pass --steps N");
  std::ofstream metrics;
  if (!s.metrics.empty()) {
    metrics.open(s.metrics, std::ios::app);
    if (!metrics)
      throw std::runtime_error("cannot open metrics file " + s.metrics);
  }
  bool tty = isatty(fileno(stdout)) && !s.quiet;
  if (!s.quiet)
    std::printf("%s\n", source.describe(model, s).c_str());

  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  auto secondsSince = [](clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); };
  double trainSeconds = 0, runningSum = 0, windowSum = 0;
  int64_t trainedSteps = 0, trainedItems = 0, runningCount = 0, windowCount = 0;
  Evaluation last;
  std::vector<Tensor> grads, gradSum;
  std::vector<double> stepMs; // each step's time, for the summary's median
  // Image data: each epoch's wall time, its evaluation included (the summary's
  // seconds_per_epoch is the best one, as bench/run.sh compares it).
  std::vector<double> epochSeconds;
  double epochMark = 0;

  // Evaluates after `done` steps, logs it, and writes the checkpoints.
  auto evaluateAt = [&](int64_t done) {
    Evaluation e = source.evaluate(model, s, done, runningCount ? runningSum / runningCount : NAN);
    runningSum = 0;
    runningCount = 0;
    last = e;
    progress.step = done;
    progress.best = std::max(progress.best, e.testAccuracy);
    bool improved = e.valLoss < progress.bestValLoss;
    if (improved)
      progress.bestValLoss = e.valLoss;
    double msPerStep = trainedSteps ? 1000 * trainSeconds / trainedSteps : 0;
    double lr = learningRateAt(s, std::min(done, std::max<int64_t>(total - 1, 0)), total);
    if (tty)
      std::printf("\r%100s\r", "");
    if (!s.quiet) {
      std::string epoch = perEpoch ? "  epoch " + fixed((double)done / perEpoch, "%.2f") : "";
      std::string accuracy = e.valAccuracy >= 0 ? "  val acc " + fixed(e.valAccuracy, "%.4f") + "  test acc " +
                                                      fixed(e.testAccuracy, "%.4f")
                                                : "";
      if (e.valTokenAccuracy >= 0)
        accuracy += "  val ppl " + fixed(e.valPerplexity, "%.2f") + "  val token acc " +
                    fixed(e.valTokenAccuracy, "%.4f");
      std::printf("step %6lld%s  train loss %s  val loss %s%s%s  lr %.2e  %.1f ms/step\n", (long long)done,
                  epoch.c_str(), fixed(e.trainLoss, "%.4f").c_str(), fixed(e.valLoss, "%.4f").c_str(),
                  improved ? " (best)" : "", accuracy.c_str(), lr, msPerStep);
    }
    std::fflush(stdout);
    if (metrics) {
      json line;
      line["step"] = done;
      if (perEpoch)
        line["epoch"] = epochs(done, perEpoch);
      line["train_loss"] = rounded(e.trainLoss);
      line["val_loss"] = rounded(e.valLoss);
      if (e.valAccuracy >= 0) {
        line["val_accuracy"] = rounded(e.valAccuracy, 1e4);
        line["test_loss"] = rounded(e.testLoss);
        line["test_accuracy"] = rounded(e.testAccuracy, 1e4);
      }
      if (e.valTokenAccuracy >= 0) {
        line["val_ppl"] = rounded(e.valPerplexity, 1e3);
        line["val_token_accuracy"] = rounded(e.valTokenAccuracy, 1e4);
      }
      line["lr"] = lr;
      line["ms_per_step"] = rounded(msPerStep, 1e3);
      line["seconds"] = rounded(secondsSince(start), 1e2);
      metrics << line.dump() << "\n";
      metrics.flush();
    }
    if (perEpoch && done > 0 && done % perEpoch == 0)
      epochSeconds.push_back(secondsSince(start) - epochMark);
    epochMark = secondsSince(start);
    if (done > 0 && !s.save.empty())
      saveCheckpoint(s.save, model, s, progress);
    if (improved && !s.saveBest.empty())
      saveCheckpoint(s.saveBest, model, s, progress);
  };

  if (progress.step == 0 && total > 0 && source.evaluatesAt(0, s))
    evaluateAt(0);
  LoadedAhead ahead;
  for (int64_t step = progress.step; step < total; ++step) {
    auto t0 = clock::now();
    // The next batch is loaded during this step unless an evaluation (which
    // loads batches of its own) comes between, or a length bucket would
    // change under the running step.
    bool loadNext = step + 1 < total && !source.evaluatesAt(step + 1, s) && model.buckets() == 1;
    double loss = trainOneStep(model, source, s, step, learningRateAt(s, step, total), grads, gradSum, trainedItems,
                               ahead, loadNext);
    double seconds = secondsSince(t0);
    trainSeconds += seconds;
    stepMs.push_back(1000 * seconds);
    ++trainedSteps;
    if (!std::isfinite(loss))
      throw std::runtime_error("the training loss became " + std::to_string(loss) + " at step " +
                               std::to_string(step + 1) + " (lower the learning rate?)");
    runningSum += loss;
    ++runningCount;
    windowSum += loss;
    ++windowCount;
    int64_t done = step + 1;
    if (tty && (done % 10 == 0 || done == total)) {
      std::printf("\rstep %6lld  loss %.4f  %.1f ms/step", (long long)done, windowSum / windowCount,
                  1000 * trainSeconds / trainedSteps);
      std::fflush(stdout);
      windowSum = 0;
      windowCount = 0;
    }
    progress.step = done;
    if (done < total && source.evaluatesAt(done, s))
      evaluateAt(done);
  }
  evaluateAt(progress.step); // the end (also when a resumed run had nothing left to train)

  double seconds = secondsSince(start);
  json summary;
  summary["model"] = model.m.model;
  if (perEpoch)
    summary["epochs"] = epochs(progress.step, perEpoch);
  summary["steps"] = progress.step;
  summary["train_loss"] = rounded(last.trainLoss);
  summary["val_loss"] = rounded(last.valLoss);
  summary["best_val_loss"] = rounded(progress.bestValLoss);
  if (last.valAccuracy >= 0) {
    summary["val_accuracy"] = rounded(last.valAccuracy, 1e4);
    summary["test_loss"] = rounded(last.testLoss);
    summary["test_accuracy"] = rounded(last.testAccuracy, 1e4);
    summary["best_test_accuracy"] = progress.best >= 0 ? rounded(progress.best, 1e4) : json(nullptr);
  }
  if (last.valTokenAccuracy >= 0) {
    summary["val_ppl"] = rounded(last.valPerplexity, 1e3);
    summary["val_token_accuracy"] = rounded(last.valTokenAccuracy, 1e4);
  }
  summary["seconds"] = rounded(seconds, 1e2);
  summary["train_seconds"] = rounded(trainSeconds, 1e2);
  summary["ms_per_step"] = rounded(trainedSteps ? 1000 * trainSeconds / trainedSteps : 0, 1e3);
  if (!epochSeconds.empty())
    summary["seconds_per_epoch"] = rounded(*std::min_element(epochSeconds.begin(), epochSeconds.end()), 1e3);
  // The median step after warm-up: the first steps also pay for touching the
  // heap's fresh pages (seconds for a large model).
  summary["median_ms_per_step"] = rounded(medianAfterWarmup(stepMs), 1e3);
  summary[std::string(source.itemName()) + "_per_second"] =
      rounded(trainSeconds > 0 ? (double)trainedItems / trainSeconds : 0, 1e1);
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}

} // namespace gptc
