#include "gptc/lm_trainer.h"

#include "gptc/checkpoint.h"
#include "gptc/rng.h"
#include "gptc/safetensors.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace gptc {

namespace {

/// [B, T] token ids and [B, T] targets: what a language model's inputs must be.
void checkLanguageModelInputs(const Manifest &m) {
  bool ok = m.inputs.size() == 2;
  for (size_t i = 0; ok && i < 2; ++i)
    ok = m.inputs[i].dtype == DType::I32 && m.inputs[i].shape.size() == 2 &&
         m.inputs[i].shape == m.inputs[0].shape;
  if (!ok)
    throw std::runtime_error("text data needs a model with two inputs, tokens: i32[B, T] and targets: i32[B, T]");
}

int64_t vocabularyOf(const Manifest &m) {
  for (const ManifestTensor &p : m.params) // the first 2-D table whose rows are looked up
    if (p.shape.size() == 2)
      return p.shape[0];
  return 0;
}

} // namespace

TokenData loadLanguageData(const Settings &s, const Manifest &m) {
  checkLanguageModelInputs(m);
  if (s.dataDir.empty())
    throw std::runtime_error("no data: give a " + std::string(m.train.data == "text" ? "text file" : "token directory") +
                             " with --data");
  // A directory is prepared tokens (train.bin, val.bin, meta.json); a file is text.
  struct stat st;
  bool isDir = stat(s.dataDir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  TokenData d = m.train.data == "tokens" || isDir ? loadTokenDir(s.dataDir) : loadTextFile(s.dataDir);
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

/// The mean loss over `iters` random windows of a split, dropout off.
double estimateLoss(Model &model, const std::vector<uint16_t> &tokens, const Settings &s, uint64_t split,
                    int64_t evalNumber, int64_t iters) {
  model.setDropout(0, false);
  double sum = 0;
  for (int64_t k = 0; k < iters; ++k) {
    loadWindows(model, tokens, s.seed, kStreamEval + split, evalNumber * iters + k);
    sum += model.forward();
  }
  return sum / (double)iters;
}

/// A per-draw dropout seed, so every (micro-)batch draws its own masks.
uint64_t dropoutSeed(uint64_t seed, uint64_t counter) {
  uint32_t words[4];
  philox4x32(seed, kStreamDropout, counter, words);
  return ((uint64_t)words[1] << 32) | words[0];
}

/// dst += src (or dst = src when `first`), elementwise.
void accumulate(Tensor &dst, const Tensor &src, bool first) {
  if (dst.dtype() == DType::F32) {
    float *d = dst.as<float>();
    const float *x = const_cast<Tensor &>(src).as<float>();
    for (size_t i = 0; i < dst.numel(); ++i)
      d[i] = first ? x[i] : d[i] + x[i];
  } else {
    double *d = dst.as<double>();
    const double *x = const_cast<Tensor &>(src).as<double>();
    for (size_t i = 0; i < dst.numel(); ++i)
      d[i] = first ? x[i] : d[i] + x[i];
  }
}

/// One optimizer step: on one batch, or on the mean gradient of --grad-accum
/// micro-batches (windows step * K + k, the same windows a K times larger batch
/// would draw). Returns the mean loss.
double trainOneStep(Model &model, const TokenData &data, const Settings &s, int64_t step, double lr,
                    std::vector<Tensor> &grads, std::vector<Tensor> &sum) {
  int64_t K = s.gradAccum;
  if (K <= 1) {
    loadWindows(model, data.train, s.seed, kStreamBatches, step);
    model.setDropout(dropoutSeed(s.seed, step), true);
    return model.trainStep(s, step, lr);
  }
  if (sum.empty())
    for (const Tensor &p : model.params)
      sum.emplace_back(p.dtype(), p.shape());
  double loss = 0;
  for (int64_t k = 0; k < K; ++k) {
    loadWindows(model, data.train, s.seed, kStreamBatches, step * K + k);
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

std::string number(double v, const char *fmt = "%.6f") {
  if (!std::isfinite(v))
    return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

} // namespace

int trainLanguageModel(Model &model, const TokenData &data, Settings &s) {
  Progress progress;
  if (!s.resume.empty())
    loadCheckpoint(s.resume, model, s, progress);
  progress.vocab = data.vocab;
  int64_t B = model.inputs[0].shape()[0], T = model.inputs[0].shape()[1];
  int64_t total = s.steps > 0 ? s.steps : 5000;
  int64_t iters = s.evalIters > 0 ? s.evalIters : 20;
  std::ofstream metrics;
  if (!s.metrics.empty()) {
    metrics.open(s.metrics, std::ios::app);
    if (!metrics)
      throw std::runtime_error("cannot open metrics file " + s.metrics);
  }
  bool tty = isatty(fileno(stdout)) && !s.quiet;
  if (!s.quiet)
    std::printf("model %s: %zu param tensors, %zu train / %zu val tokens (vocabulary %zu) from %s, "
                "batch %lld x %lld%s, %lld steps\n",
                model.m.model.c_str(), model.params.size(), data.train.size(), data.val.size(), data.vocab.size(),
                data.source.c_str(), (long long)B, (long long)T,
                s.gradAccum > 1 ? (" x " + std::to_string(s.gradAccum) + " micro-batches").c_str() : "",
                (long long)total);
  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  double trainSeconds = 0;
  int64_t trainedSteps = 0, evals = progress.step / std::max<int64_t>(1, s.evalInterval);
  double trainLoss = NAN, valLoss = NAN, windowLoss = 0;
  int64_t windowSteps = 0;
  int64_t tokensPerStep = B * T * std::max<int64_t>(1, s.gradAccum);
  std::vector<Tensor> grads, gradSum;
  auto evaluate = [&](int64_t step) {
    trainLoss = estimateLoss(model, data.train, s, 0, evals, iters);
    valLoss = estimateLoss(model, data.val, s, 1, evals, iters);
    ++evals;
    bool improved = valLoss < progress.bestValLoss;
    if (improved)
      progress.bestValLoss = valLoss;
    double msPerStep = trainedSteps ? 1000 * trainSeconds / trainedSteps : 0;
    double tokensPerSecond = trainSeconds > 0 ? (double)(trainedSteps * tokensPerStep) / trainSeconds : 0;
    if (tty)
      std::printf("\r%100s\r", "");
    if (!s.quiet)
      std::printf("step %6lld  train loss %.4f  val loss %.4f%s  lr %.2e  %.1f ms/step  %.0f tok/s\n",
                  (long long)step, trainLoss, valLoss, improved ? " (best)" : "",
                  learningRateAt(s, std::min(step, total - 1), total), msPerStep, tokensPerSecond);
    std::fflush(stdout);
    if (metrics) {
      metrics << "{\"step\":" << step << ",\"train_loss\":" << number(trainLoss) << ",\"val_loss\":"
              << number(valLoss) << ",\"lr\":" << number(learningRateAt(s, std::min(step, total - 1), total), "%.6g")
              << ",\"ms_per_step\":" << number(msPerStep, "%.3f") << ",\"tokens_per_second\":"
              << number(tokensPerSecond, "%.1f") << ",\"seconds\":"
              << number(std::chrono::duration<double>(clock::now() - start).count(), "%.2f") << "}\n";
      metrics.flush();
    }
    progress.step = step;
    if (improved && !s.saveBest.empty())
      saveCheckpoint(s.saveBest, model, s, progress);
  };

  for (int64_t step = progress.step; step < total; ++step) {
    if (s.evalInterval > 0 && step % s.evalInterval == 0)
      evaluate(step);
    auto t0 = clock::now();
    double loss = trainOneStep(model, data, s, step, learningRateAt(s, step, total), grads, gradSum);
    trainSeconds += std::chrono::duration<double>(clock::now() - t0).count();
    ++trainedSteps;
    if (!std::isfinite(loss))
      throw std::runtime_error("the training loss became " + std::to_string(loss) + " at step " +
                               std::to_string(step + 1) + " (lower the learning rate?)");
    windowLoss += loss;
    ++windowSteps;
    int64_t logEvery = tty ? 10 : 100;
    if ((step + 1) % logEvery == 0 && !s.quiet) {
      std::printf(tty ? "\rstep %6lld  loss %.4f  %.1f ms/step" : "step %6lld  loss %.4f  %.1f ms/step\n",
                  (long long)step + 1, windowLoss / windowSteps, 1000 * trainSeconds / trainedSteps);
      std::fflush(stdout);
      windowLoss = 0;
      windowSteps = 0;
    }
    progress.step = step + 1;
    if (!s.save.empty() && s.evalInterval > 0 && (step + 1) % s.evalInterval == 0)
      saveCheckpoint(s.save, model, s, progress);
  }
  evaluate(total);
  if (!s.save.empty())
    saveCheckpoint(s.save, model, s, progress);
  double seconds = std::chrono::duration<double>(clock::now() - start).count();
  std::printf("{\"model\":\"%s\",\"steps\":%lld,\"train_loss\":%s,\"val_loss\":%s,\"best_val_loss\":%s,"
              "\"seconds\":%.2f,\"train_seconds\":%.2f,\"ms_per_step\":%.3f,\"tokens_per_second\":%.1f}\n",
              model.m.model.c_str(), (long long)total, number(trainLoss).c_str(), number(valLoss).c_str(),
              number(progress.bestValLoss).c_str(), seconds, trainSeconds,
              trainedSteps ? 1000 * trainSeconds / trainedSteps : 0.0,
              trainSeconds > 0 ? (double)(trainedSteps * tokensPerStep) / trainSeconds : 0.0);
  return 0;
}

void dumpLanguageModel(Model &model, const TokenData &data, const Settings &s) {
  if (s.gradAccum > 1)
    throw std::runtime_error("--dump records one batch per step; leave out --grad-accum");
  loadWindows(model, data.train, s.seed, kStreamBatches, 0);
  model.setDropout(s.seed, true);
  std::vector<Tensor> grads;
  model.grad(grads);
  Tensor lossAtStart = model.loss;
  std::vector<Tensor> initial = model.params;
  int64_t total = s.steps > 0 ? s.steps : s.dumpSteps;
  std::vector<Tensor> batches;
  Tensor lrs(DType::F64, {s.dumpSteps});
  for (int64_t step = 0; step < s.dumpSteps; ++step) {
    loadWindows(model, data.train, s.seed, kStreamBatches, step);
    batches.push_back(model.inputs[0]);
    batches.push_back(model.inputs[1]);
    double lr = learningRateAt(s, step, total);
    lrs.set(step, lr);
    model.setDropout(s.seed + step, true);
    model.trainStep(s, step, lr);
  }
  std::vector<std::pair<std::string, const Tensor *>> named;
  for (size_t i = 0; i < initial.size(); ++i)
    named.emplace_back("param." + model.m.params[i].name, &initial[i]);
  named.emplace_back("loss", &lossAtStart);
  for (size_t i = 0; i < grads.size(); ++i)
    named.emplace_back("grad." + model.m.params[i].name, &grads[i]);
  for (size_t k = 0; k < batches.size(); ++k)
    named.emplace_back("batch" + std::to_string(k / 2) + "." + model.m.inputs[k % 2].name, &batches[k]);
  named.emplace_back("lr", &lrs);
  for (size_t i = 0; i < model.params.size(); ++i)
    named.emplace_back("final." + model.m.params[i].name, &model.params[i]);
  char optimizer[512];
  std::snprintf(optimizer, sizeof optimizer, "%s %.17g %.17g %.17g %.17g %.17g %.17g", model.m.optimizer.c_str(),
                s.lr, s.momentum, s.weightDecay, s.beta1, s.beta2, s.eps);
  char schedule[256];
  std::snprintf(schedule, sizeof schedule, "%s %lld %.17g %lld %lld", s.schedule.c_str(), (long long)s.warmup,
                s.minLr, (long long)(s.decaySteps > 0 ? s.decaySteps : total), (long long)s.dumpSteps);
  saveSafetensors(s.dump, named,
                  {{"gptc.model", model.m.model},
                   {"gptc.optimizer", optimizer},
                   {"gptc.schedule", schedule},
                   {"gptc.clip", number(s.clip, "%.17g")}});
}

//===----------------------------------------------------------------------===//
// sample
//===----------------------------------------------------------------------===//

int sampleMain(int argc, char **argv, const Manifest &m) {
  std::string ckpt, prompt = "\n";
  int64_t tokens = 500, topK = 0;
  double temperature = 1.0;
  uint64_t seed = 1337;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::runtime_error(arg + " needs a value");
      return argv[++i];
    };
    auto number = [&]() -> double {
      std::string v = next();
      char *end = nullptr;
      double x = std::strtod(v.c_str(), &end);
      if (v.empty() || *end || x < 0)
        throw std::runtime_error("sample " + arg + " expects a non-negative number, got '" + v + "'");
      return x;
    };
    if (arg == "--ckpt") ckpt = next();
    else if (arg == "--prompt") prompt = next();
    else if (arg == "--tokens") tokens = (int64_t)number();
    else if (arg == "--temperature") temperature = number();
    else if (arg == "--top-k") topK = (int64_t)number();
    else if (arg == "--seed") seed = (uint64_t)number();
    else if (arg == "--help" || arg == "-h") {
      std::printf("usage: %s sample --ckpt FILE [--prompt TEXT] [--tokens N] [--temperature X] [--top-k K] "
                  "[--seed N]\nGenerates text from a checkpoint of this language model.\n", argv[0]);
      return 0;
    } else
      throw std::runtime_error("sample: unknown option '" + arg + "' (see sample --help)");
  }
  if (ckpt.empty())
    throw std::runtime_error("sample needs a checkpoint: sample --ckpt FILE");
  if (!(temperature > 0))
    throw std::runtime_error("--temperature must be positive");
  checkLanguageModelInputs(m);
  if (!m.hasOutput || m.outputShape.size() != 3)
    throw std::runtime_error("sampling needs the model to assign its logits [B, T, vocab] to 'out'");
  Model model(m);
  Settings s;
  static_cast<TrainSettings &>(s) = m.train;
  Progress progress;
  loadCheckpoint(ckpt, model, s, progress);
  if (progress.vocab.empty())
    throw std::runtime_error(ckpt + ": no vocabulary in the checkpoint (saved by a language-model run?)");
  int64_t T = m.inputs[0].shape[1], V = m.outputShape[2];
  std::vector<uint16_t> context = encode(progress.vocab, prompt);
  if (context.empty())
    context.push_back(0);
  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  model.setDropout(0, false);
  std::vector<double> probs(V);
  int64_t vocab = std::min<int64_t>(V, progress.vocab.size());
  for (int64_t n = 0; n < tokens; ++n) {
    // The last T tokens of the context in row 0; later positions do not
    // influence earlier ones (causal), so the padding is never seen.
    int64_t len = std::min<int64_t>(context.size(), T);
    int32_t *x = model.inputs[0].as<int32_t>();
    std::fill(x, x + model.inputs[0].numel(), 0);
    for (int64_t t = 0; t < len; ++t)
      x[t] = context[context.size() - len + t];
    model.forward();
    std::vector<std::pair<double, int64_t>> logits;
    for (int64_t v = 0; v < vocab; ++v)
      logits.emplace_back(model.out.get((len - 1) * V + v) / temperature, v);
    if (topK > 0 && topK < vocab) {
      std::nth_element(logits.begin(), logits.begin() + topK - 1, logits.end(), std::greater<>());
      logits.resize(topK);
    }
    double top = -INFINITY, sum = 0;
    for (auto &[l, v] : logits)
      top = std::max(top, l);
    for (auto &[l, v] : logits)
      sum += (l = std::exp(l - top));
    double r = uniformAt(seed, kStreamSample, n) * sum;
    int64_t chosen = logits.back().second;
    for (auto &[p, v] : logits) {
      if (r < p) {
        chosen = v;
        break;
      }
      r -= p;
    }
    context.push_back((uint16_t)chosen);
    std::fputc(progress.vocab[chosen], stdout);
    std::fflush(stdout);
  }
  std::fputc('\n', stdout);
  return 0;
}

int prepareMain(int argc, char **argv) {
  std::string data, out;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--data" || arg == "--out") && i + 1 < argc)
      (arg == "--data" ? data : out) = argv[++i];
    else
      throw std::runtime_error("usage: " + std::string(argv[0]) + " prepare --data TEXT_FILE --out DIR");
  }
  if (data.empty() || out.empty())
    throw std::runtime_error("usage: " + std::string(argv[0]) + " prepare --data TEXT_FILE --out DIR");
  TokenData d = loadTextFile(data);
  writeTokenDir(d, out);
  std::printf("wrote %s/train.bin (%zu tokens), %s/val.bin (%zu tokens), %s/meta.json (vocabulary %zu)\n",
              out.c_str(), d.train.size(), out.c_str(), d.val.size(), out.c_str(), d.vocab.size());
  return 0;
}

} // namespace gptc
