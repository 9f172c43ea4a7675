#include "gptc/trainer.h"

#include "gptc/abi.h"
#include "gptc/checkpoint.h"
#include "gptc/dataset.h"
#include "gptc/lm_trainer.h"
#include "gptc/model.h"
#include "gptc/rng.h"
#include "gptc/safetensors.h"
#include "gptc/settings.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <malloc.h>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace gptc {
namespace {

//===----------------------------------------------------------------------===//
// Evaluation
//===----------------------------------------------------------------------===//

struct EvalResult {
  double loss = 0, accuracy = -1;
};

EvalResult evaluate(Model &model, const Dataset &d) {
  EvalResult r;
  if (d.count == 0)
    return r;
  int64_t B = model.m.train.batch, correct = 0, seen = 0;
  double lossSum = 0;
  bool accuracy = model.m.hasOutput && model.m.outputShape.size() == 2 && (int64_t)d.labels.size() == d.count;
  model.setDropout(0, false);
  for (int64_t first = 0; first < d.count; first += B) {
    int64_t real = std::min(B, d.count - first);
    model.loadBatch(d, nullptr, first);
    lossSum += model.forward() * real; // a padded last batch counts by its real examples
    seen += real;
    if (!accuracy)
      continue;
    int64_t classes = model.m.outputShape.back();
    for (int64_t b = 0; b < real; ++b) {
      int64_t best = 0;
      for (int64_t c = 1; c < classes; ++c)
        if (model.out.get(b * classes + c) > model.out.get(b * classes + best))
          best = c;
      correct += best == d.labels[first + b];
    }
  }
  r.loss = lossSum / seen;
  if (accuracy)
    r.accuracy = (double)correct / (double)seen;
  return r;
}

//===----------------------------------------------------------------------===//
// Gradient check and parity dump
//===----------------------------------------------------------------------===//

/// Checks the gradients of the batch already in `model.inputs`.
int gradcheck(Model &model, const Settings &s) {
  bool f64 = model.m.floatType == DType::F64;
  double h = f64 ? 1e-5 : 1e-2; // near the cube root of machine epsilon
  double tol = s.gradcheckTol >= 0 ? s.gradcheckTol : (f64 ? 1e-6 : 1e-2);
  // Relative error |a - n| / max(|a|, |n|, floor): the floor keeps gradients
  // that are zero up to rounding from dividing by nothing.
  double floor = 1e-3;
  model.setDropout(s.seed, true); // forward and grad draw the same dropout mask
  std::vector<Tensor> grads;
  model.grad(grads);
  double worst = 0;
  std::string worstName;
  for (size_t i = 0; i < model.params.size(); ++i) {
    Tensor &p = model.params[i];
    double paramWorst = 0;
    int64_t n = std::min<int64_t>(s.gradcheckSamples, p.numel());
    for (int64_t k = 0; k < n; ++k) {
      size_t j = n == (int64_t)p.numel() ? k
                                         : (size_t)(uniformAt(s.seed, kStreamGradcheck + i, k) * p.numel());
      double orig = p.get(j);
      p.set(j, orig + h);
      double up = model.forward();
      p.set(j, orig - h);
      double down = model.forward();
      p.set(j, orig);
      double numeric = (up - down) / (2 * h);
      double analytic = grads[i].get(j);
      double err = std::fabs(analytic - numeric) /
                   std::max({std::fabs(analytic), std::fabs(numeric), floor});
      paramWorst = std::max(paramWorst, err);
    }
    std::printf("gradcheck %-16s %8lld elements checked  worst relative error %.3e\n",
                model.m.params[i].name.c_str(), (long long)n, paramWorst);
    if (paramWorst >= worst) {
      worst = paramWorst;
      worstName = model.m.params[i].name;
    }
  }
  bool ok = worst <= tol;
  std::printf("{\"gradcheck\":\"%s\",\"worst_relative_error\":%.6e,\"worst_param\":\"%s\",\"tolerance\":%.1e}\n",
              ok ? "pass" : "fail", worst, worstName.c_str(), tol);
  return ok ? 0 : 1;
}

/// Dumps the batch already in `model.inputs`, its gradients and one step.
void dump(Model &model, const Settings &s) {
  model.setDropout(s.seed, true);
  std::vector<Tensor> grads;
  model.grad(grads);
  Tensor lossAtStart = model.loss;
  std::vector<std::pair<std::string, const Tensor *>> named;
  // One optimizer step on the same batch, so the update rule can be compared too.
  std::vector<Tensor> initial = model.params;
  model.trainStep(s, 0, learningRateAt(s, 0, std::max<int64_t>(s.steps, 1)));
  named.clear();
  for (size_t i = 0; i < initial.size(); ++i)
    named.emplace_back("param." + model.m.params[i].name, &initial[i]);
  for (size_t i = 0; i < model.inputs.size(); ++i)
    named.emplace_back("input." + model.m.inputs[i].name, &model.inputs[i]);
  named.emplace_back("loss", &lossAtStart);
  for (size_t i = 0; i < grads.size(); ++i)
    named.emplace_back("grad." + model.m.params[i].name, &grads[i]);
  for (size_t i = 0; i < model.params.size(); ++i)
    named.emplace_back("step1." + model.m.params[i].name, &model.params[i]);
  char optimizer[256];
  std::snprintf(optimizer, sizeof optimizer, "%s %.17g %.17g %.17g %.17g %.17g %.17g", model.m.optimizer.c_str(),
                s.lr, s.momentum, s.weightDecay, s.beta1, s.beta2, s.eps);
  saveSafetensors(s.dump, named, {{"gptc.model", model.m.model}, {"gptc.optimizer", optimizer}});
}

//===----------------------------------------------------------------------===//
// The training loop
//===----------------------------------------------------------------------===//

std::string fmtAccuracy(double a) {
  if (a < 0)
    return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", a);
  return buf;
}

int train(Model &model, const Splits &data, Settings &s) {
  Progress progress;
  if (!s.resume.empty())
    loadCheckpoint(s.resume, model, s, progress);
  int64_t B = model.m.train.batch;
  int64_t stepsPerEpoch = data.train.count / B;
  int64_t totalSteps = s.steps > 0 ? s.steps : s.epochs * stepsPerEpoch;
  std::ofstream metrics;
  if (!s.metrics.empty()) {
    metrics.open(s.metrics, std::ios::app);
    if (!metrics)
      throw std::runtime_error("cannot open metrics file " + s.metrics);
  }
  bool tty = isatty(fileno(stdout)) && !s.quiet;
  auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  if (!s.quiet)
    std::printf("model %s: %zu params tensors, %lld train / %lld val / %lld test examples, batch %lld, "
                "%lld steps per epoch\n",
                model.m.model.c_str(), model.params.size(), (long long)data.train.count,
                (long long)data.val.count, (long long)data.test.count, (long long)B,
                (long long)stepsPerEpoch);

  std::vector<uint32_t> order;
  int64_t orderEpoch = -1;
  double lossSum = 0, lastTrainLoss = NAN;
  int64_t lossCount = 0, epochsDone = 0;
  EvalResult val, test;
  double epochStart = 0;
  for (int64_t step = progress.step; step < totalSteps; ++step) {
    int64_t epoch = step / stepsPerEpoch, inEpoch = step % stepsPerEpoch;
    if (epoch != orderEpoch) {
      order = permutation(s.seed, kStreamShuffle + epoch, (uint32_t)data.train.count);
      orderEpoch = epoch;
      epochStart = seconds();
    }
    model.loadBatch(data.train, &order, inEpoch * B);
    uint32_t words[4];
    philox4x32(s.seed, kStreamDropout, step, words);
    model.setDropout(((uint64_t)words[1] << 32) | words[0], true);
    double loss = model.trainStep(s, step, learningRateAt(s, step, totalSteps));
    if (!std::isfinite(loss))
      throw std::runtime_error("the training loss became " + std::to_string(loss) + " at step " +
                               std::to_string(step + 1) + " (lower the learning rate?)");
    lossSum += loss;
    ++lossCount;
    if (tty && stepsPerEpoch >= 100 && inEpoch % (stepsPerEpoch / 50) == 0) {
      int filled = (int)(30 * inEpoch / stepsPerEpoch);
      std::printf("\repoch %lld [%-30s] %3d%%  loss %.4f", (long long)epoch + 1,
                  std::string(filled, '=').c_str(), (int)(100 * inEpoch / stepsPerEpoch), lossSum / lossCount);
      std::fflush(stdout);
    }
    bool epochEnd = inEpoch == stepsPerEpoch - 1;
    if (!epochEnd && step != totalSteps - 1)
      continue;
    lastTrainLoss = lossSum / lossCount;
    val = evaluate(model, data.val);
    test = evaluate(model, data.test);
    progress.step = step + 1;
    progress.best = std::max(progress.best, test.accuracy);
    ++epochsDone;
    double now = seconds();
    if (tty)
      std::printf("\r%80s\r", "");
    if (!s.quiet)
      std::printf("epoch %3lld  step %7lld  train loss %.4f  val loss %.4f  val acc %s  test acc %s  "
                  "%.1fs\n",
                  (long long)epoch + 1, (long long)step + 1, lastTrainLoss, val.loss,
                  fmtAccuracy(val.accuracy).c_str(), fmtAccuracy(test.accuracy).c_str(), now - epochStart);
    std::fflush(stdout);
    if (metrics) {
      metrics << "{\"epoch\":" << epoch + 1 << ",\"step\":" << step + 1 << ",\"train_loss\":" << lastTrainLoss
              << ",\"val_loss\":" << val.loss << ",\"val_accuracy\":" << fmtAccuracy(val.accuracy)
              << ",\"test_loss\":" << test.loss << ",\"test_accuracy\":" << fmtAccuracy(test.accuracy)
              << ",\"seconds\":" << now << "}\n";
      metrics.flush();
    }
    bool improved = val.loss < progress.bestValLoss;
    if (improved)
      progress.bestValLoss = val.loss;
    if (!s.save.empty())
      saveCheckpoint(s.save, model, s, progress);
    if (improved && !s.saveBest.empty())
      saveCheckpoint(s.saveBest, model, s, progress);
    lossSum = 0;
    lossCount = 0;
  }
  double total = seconds();
  if (epochsDone == 0) { // nothing left to train (resumed at the end, or --epochs 0): still evaluate
    val = evaluate(model, data.val);
    test = evaluate(model, data.test);
  }
  char trainLoss[32] = "null"; // JSON has no NaN
  if (std::isfinite(lastTrainLoss))
    std::snprintf(trainLoss, sizeof trainLoss, "%.6f", lastTrainLoss);
  char summary[512];
  std::snprintf(summary, sizeof summary,
                "{\"model\":\"%s\",\"epochs\":%.4g,\"steps\":%lld,\"train_loss\":%s,\"val_loss\":%.6f,"
                "\"val_accuracy\":%s,\"test_loss\":%.6f,\"test_accuracy\":%s,\"best_test_accuracy\":%s,"
                "\"seconds\":%.2f,\"seconds_per_epoch\":%.3f}",
                model.m.model.c_str(), (double)progress.step / stepsPerEpoch, (long long)progress.step,
                trainLoss, val.loss, fmtAccuracy(val.accuracy).c_str(), test.loss,
                fmtAccuracy(test.accuracy).c_str(), fmtAccuracy(progress.best).c_str(), total,
                epochsDone ? total / epochsDone : 0.0);
  std::printf("%s\n", summary);
  return 0;
}

} // namespace

int trainerMain(int argc, char **argv) {
  const char *prog = argc > 0 ? argv[0] : "train";
  // The step functions allocate the same temporaries every step: keep freed
  // blocks in the heap instead of returning them to the kernel, so a step does
  // not pay for fresh zeroed pages (measured: ~10% of an mlp_modern epoch, and
  // 43% of a 6x6x384 GPT step, whose 100 MB attention tensors glibc would
  // otherwise mmap and unmap every time: its mmap threshold caps at 32 MiB).
  mallopt(M_MMAP_MAX, 0);              // every block from the heap, none mmapped
  mallopt(M_TRIM_THRESHOLD, -1);       // and the heap never shrinks (-1: never trim)
  try {
    Manifest manifest = parseManifest(gptc_manifest);
    if (argc > 1 && std::strcmp(argv[1], "sample") == 0)
      return sampleMain(argc, argv, manifest);
    if (argc > 1 && std::strcmp(argv[1], "prepare") == 0)
      return prepareMain(argc, argv);
    Settings settings = parseArgs(argc, argv, manifest);
    Model model(manifest);
    model.initialize(settings.seed);
    bool languageModel = manifest.train.data == "text" || manifest.train.data == "tokens";
    TokenData text;
    Splits data;
    if (languageModel)
      text = loadLanguageData(settings, manifest);
    else
      data = loadData(settings, manifest);
    if (settings.gradcheck || !settings.dump.empty()) {
      if (!settings.resume.empty()) { // check or dump the checkpoint's weights
        Progress p;
        loadCheckpoint(settings.resume, model, settings, p);
      }
      // The first training batch.
      if (languageModel) {
        loadWindows(model, text.train, settings.seed, kStreamBatches, 0);
      } else if (settings.gradcheck) {
        model.loadBatch(data.train, nullptr, 0);
      } else {
        std::vector<uint32_t> order = permutation(settings.seed, kStreamShuffle, (uint32_t)data.train.count);
        model.loadBatch(data.train, &order, 0);
      }
      if (settings.gradcheck)
        return gradcheck(model, settings);
      if (languageModel)
        dumpLanguageModel(model, text, settings);
      else
        dump(model, settings);
      return 0;
    }
    if (languageModel)
      return trainLanguageModel(model, text, settings);
    return train(model, data, settings);
  } catch (const std::exception &e) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: error: %s\n", prog, e.what());
    return 1;
  }
}

} // namespace gptc
