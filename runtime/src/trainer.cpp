#include "gptc/trainer.h"

#include "gptc/abi.h"
#include "gptc/idx.h"
#include "gptc/manifest.h"
#include "gptc/rng.h"
#include "gptc/safetensors.h"

#include <algorithm>
#include <chrono>
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
// Settings: the train section's values, overridable on the command line
//===----------------------------------------------------------------------===//

struct Settings : TrainSettings {
  std::string metrics, save, resume, dump;
  int64_t maxTrain = 0;
  bool gradcheck = false, quiet = false;
  int64_t gradcheckSamples = 20;
  double gradcheckTol = -1; // default: 1e-6 for f64 models, 1e-2 for f32
};

const char *kUsage =
    "usage: %s [options]\n"
    "Trains the compiled model '%s'. Every setting defaults to the model's train section.\n\n"
    "  --data DIR            dataset directory (IDX files for idx_images)\n"
    "  --epochs N            passes over the training set\n"
    "  --steps N             stop after N optimizer steps (overrides --epochs)\n"
    "  --batch N             must equal the compiled batch size (shapes are static)\n"
    "  --lr X  --momentum X  --weight-decay X  --beta1 X  --beta2 X  --eps X\n"
    "  --seed N              seed for initialisation and shuffling\n"
    "  --validation N        training examples held out for validation\n"
    "  --max-train N         use only the first N training examples\n"
    "  --metrics FILE        append one JSON line per epoch\n"
    "  --save FILE           write a safetensors checkpoint after every epoch\n"
    "  --resume FILE         continue from a checkpoint\n"
    "  --gradcheck           compare autodiff gradients with finite differences and exit\n"
    "  --gradcheck-samples N elements checked per parameter (default 20)\n"
    "  --gradcheck-tol X     largest accepted relative error\n"
    "  --dump FILE           write params, first batch, loss and gradients (safetensors) and exit\n"
    "  --quiet               no per-epoch lines, only the JSON summary\n";

Settings parseArgs(int argc, char **argv, const Manifest &m) {
  Settings s;
  static_cast<TrainSettings &>(s) = m.train;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool hasValue = false;
    if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      hasValue = true;
    }
    auto next = [&]() -> std::string {
      if (hasValue)
        return value;
      if (i + 1 >= argc)
        throw std::runtime_error(arg + " needs a value");
      return argv[++i];
    };
    auto integer = [&]() -> int64_t {
      std::string v = next();
      char *end;
      long long x = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end || x < 0)
        throw std::runtime_error(arg + " expects a non-negative integer, got '" + v + "'");
      return x;
    };
    auto number = [&]() -> double {
      std::string v = next();
      char *end;
      double x = std::strtod(v.c_str(), &end);
      if (v.empty() || *end)
        throw std::runtime_error(arg + " expects a number, got '" + v + "'");
      return x;
    };
    if (arg == "--help" || arg == "-h") {
      std::printf(kUsage, argv[0], m.model.c_str());
      std::exit(0);
    } else if (arg == "--data") s.dataDir = next();
    else if (arg == "--epochs") { s.epochs = integer(); s.steps = 0; }
    else if (arg == "--steps") s.steps = integer();
    else if (arg == "--batch") s.batch = integer();
    else if (arg == "--lr") s.lr = number();
    else if (arg == "--momentum") s.momentum = number();
    else if (arg == "--weight-decay") s.weightDecay = number();
    else if (arg == "--beta1") s.beta1 = number();
    else if (arg == "--beta2") s.beta2 = number();
    else if (arg == "--eps") s.eps = number();
    else if (arg == "--seed") s.seed = integer();
    else if (arg == "--validation") s.validation = integer();
    else if (arg == "--max-train") s.maxTrain = integer();
    else if (arg == "--metrics") s.metrics = next();
    else if (arg == "--save") s.save = next();
    else if (arg == "--resume") s.resume = next();
    else if (arg == "--dump") s.dump = next();
    else if (arg == "--gradcheck") s.gradcheck = true;
    else if (arg == "--gradcheck-samples") s.gradcheckSamples = integer();
    else if (arg == "--gradcheck-tol") s.gradcheckTol = number();
    else if (arg == "--quiet") s.quiet = true;
    else throw std::runtime_error("unknown option '" + arg + "' (see --help)");
  }
  if (s.batch != m.train.batch)
    throw std::runtime_error("--batch " + std::to_string(s.batch) + ": the model was compiled for batch " +
                             std::to_string(m.train.batch) + " (shapes are static; change 'batch' in the "
                             "train section and recompile)");
  return s;
}

//===----------------------------------------------------------------------===//
// Data: one column per model input, `perSample` values per example
//===----------------------------------------------------------------------===//

struct Dataset {
  int64_t count = 0;
  std::vector<std::vector<float>> columns;
  std::vector<int32_t> labels; // class of each example, when known (accuracy)
};

int64_t perSample(const ManifestTensor &t) {
  int64_t n = 1;
  for (size_t i = 1; i < t.shape.size(); ++i)
    n *= t.shape[i];
  return n;
}

/// Turns images + labels into the model's two inputs: pixels, and either
/// one-hot rows (f32[B, C]) or class indices (i32[B]).
Dataset imagesToDataset(const ImageSet &set, int64_t begin, int64_t end, const Manifest &m,
                        const std::string &what) {
  if (m.inputs.size() != 2)
    throw std::runtime_error("idx_images data needs a model with two inputs (images, labels); '" +
                             m.model + "' has " + std::to_string(m.inputs.size()));
  const ManifestTensor &x = m.inputs[0], &y = m.inputs[1];
  int64_t pixels = set.rows * set.cols;
  if (x.dtype == DType::I32 || perSample(x) != pixels)
    throw std::runtime_error(what + " images are " + std::to_string(set.rows) + "x" + std::to_string(set.cols) +
                             " (" + std::to_string(pixels) + " values) but model input '" + x.name +
                             "' holds " + std::to_string(perSample(x)) + " floats per example");
  bool oneHot = y.dtype != DType::I32;
  int64_t classes = oneHot ? perSample(y) : (m.hasOutput ? m.outputShape.back() : 0);
  if (!oneHot && perSample(y) != 1)
    throw std::runtime_error("model input '" + y.name + "' must be i32[B] (class indices) or f32[B, C] (one-hot)");
  Dataset d;
  d.count = end - begin;
  d.columns.resize(2);
  d.columns[0].assign(set.pixels.begin() + begin * pixels, set.pixels.begin() + end * pixels);
  d.labels.assign(set.labels.begin() + begin, set.labels.begin() + end);
  for (int32_t label : d.labels)
    if (label < 0 || (classes > 0 && label >= classes))
      throw std::runtime_error(what + " has label " + std::to_string(label) + " but the model has " +
                               std::to_string(classes) + " classes");
  if (oneHot) {
    d.columns[1].assign(d.count * classes, 0.0f);
    for (int64_t i = 0; i < d.count; ++i)
      d.columns[1][i * classes + d.labels[i]] = 1.0f;
  } else {
    d.columns[1].assign(d.labels.begin(), d.labels.end());
  }
  return d;
}

/// Synthetic data for tests: normal floats; class indices for i32 inputs.
Dataset randomDataset(const Manifest &m, int64_t count, uint64_t seed, uint64_t part) {
  Dataset d;
  d.count = count;
  int64_t classes = m.hasOutput ? m.outputShape.back() : 2;
  for (size_t c = 0; c < m.inputs.size(); ++c) {
    const ManifestTensor &t = m.inputs[c];
    std::vector<float> col(count * perSample(t));
    uint64_t stream = kStreamData + part * 64 + c;
    for (size_t i = 0; i < col.size(); ++i)
      col[i] = t.dtype == DType::I32 ? (float)(int64_t)(uniformAt(seed, stream, i) * classes)
                                     : (float)normalAt(seed, stream, i);
    if (t.dtype == DType::I32 && perSample(t) == 1)
      d.labels.assign(col.begin(), col.end());
    d.columns.push_back(std::move(col));
  }
  return d;
}

struct Splits {
  Dataset train, val, test;
};

Splits loadData(const Settings &s, const Manifest &m) {
  Splits out;
  if (s.data == "random") {
    out.train = randomDataset(m, m.train.batch * 8, s.seed, 0);
    out.val = randomDataset(m, m.train.batch * 2, s.seed, 1);
    out.test = randomDataset(m, m.train.batch * 2, s.seed, 2);
    return out;
  }
  ImageSet train = loadIdxImages(s.dataDir, "train");
  ImageSet test = loadIdxImages(s.dataDir, "t10k");
  int64_t holdout = std::min<int64_t>(s.validation, train.count);
  int64_t trainCount = train.count - holdout;
  if (s.maxTrain > 0)
    trainCount = std::min(trainCount, s.maxTrain);
  out.train = imagesToDataset(train, 0, trainCount, m, "training set");
  out.val = imagesToDataset(train, train.count - holdout, train.count, m, "validation set");
  out.test = imagesToDataset(test, 0, test.count, m, "test set");
  if (out.train.count < m.train.batch)
    throw std::runtime_error("the training set has " + std::to_string(out.train.count) +
                             " examples, fewer than one batch of " + std::to_string(m.train.batch));
  return out;
}

//===----------------------------------------------------------------------===//
// Model state and step calls
//===----------------------------------------------------------------------===//

struct Model {
  const Manifest &m;
  std::vector<Tensor> params, state; // state: per state kind, per param
  std::vector<Tensor> inputs;
  Tensor loss, out, hyper;

  explicit Model(const Manifest &manifest) : m(manifest) {
    for (auto &p : m.params)
      params.emplace_back(m.floatType, p.shape);
    for (size_t k = 0; k < m.stateNames().size(); ++k)
      for (auto &p : m.params)
        state.emplace_back(m.floatType, p.shape);
    for (auto &in : m.inputs) {
      if (in.shape.empty() || in.shape[0] != m.train.batch)
        throw std::runtime_error("model input '" + in.name + "' does not start with the batch dimension");
      inputs.emplace_back(in.dtype, in.shape);
    }
    loss = Tensor(m.floatType, {});
    if (m.hasOutput)
      out = Tensor(m.floatType, m.outputShape);
    hyper = Tensor(m.floatType, {16});
  }

  void initialize(uint64_t seed) {
    for (size_t i = 0; i < params.size(); ++i) {
      const ManifestTensor &spec = m.params[i];
      Tensor &t = params[i];
      uint64_t stream = kStreamInit + i;
      double bound = 0;
      if (spec.init == "xavier") {
        int64_t fanIn = spec.shape[spec.shape.size() - 2], fanOut = spec.shape.back();
        bound = std::sqrt(6.0 / (double)(fanIn + fanOut));
      }
      for (size_t j = 0; j < t.numel(); ++j) {
        double v = 0;
        if (spec.init == "normal") v = spec.a + spec.b * normalAt(seed, stream, j);
        else if (spec.init == "uniform") v = spec.a + (spec.b - spec.a) * uniformAt(seed, stream, j);
        else if (spec.init == "ones") v = 1;
        else if (spec.init == "xavier") v = -bound + 2 * bound * uniformAt(seed, stream, j);
        t.set(j, v);
      }
    }
    for (Tensor &t : state)
      t.fill(0);
  }

  void loadBatch(const Dataset &d, const std::vector<uint32_t> *order, int64_t first) {
    for (size_t c = 0; c < inputs.size(); ++c) {
      int64_t n = perSample(m.inputs[c]);
      Tensor &t = inputs[c];
      const std::vector<float> &col = d.columns[c];
      for (int64_t b = 0; b < m.train.batch; ++b) {
        int64_t pos = (first + b) % d.count; // a partial last batch wraps around
        int64_t example = order ? (*order)[pos] : pos;
        const float *src = col.data() + example * n;
        if (t.dtype() == DType::F32)
          std::memcpy(t.as<float>() + b * n, src, n * sizeof(float));
        else
          for (int64_t j = 0; j < n; ++j)
            t.set(b * n + j, src[j]);
      }
    }
  }

  double forward() {
    std::vector<void *> buffers;
    for (Tensor &p : params) buffers.push_back(p.data());
    for (Tensor &in : inputs) buffers.push_back(in.data());
    buffers.push_back(loss.data());
    if (m.hasOutput) buffers.push_back(out.data());
    gptc_forward(buffers.data());
    return loss.get(0);
  }

  double grad(std::vector<Tensor> &grads) {
    grads.clear();
    for (auto &p : m.params)
      grads.emplace_back(m.floatType, p.shape);
    std::vector<void *> buffers;
    for (Tensor &p : params) buffers.push_back(p.data());
    for (Tensor &in : inputs) buffers.push_back(in.data());
    buffers.push_back(loss.data());
    for (Tensor &g : grads) buffers.push_back(g.data());
    gptc_grad(buffers.data());
    return loss.get(0);
  }

  /// One optimizer step; params and state are double-buffered (the step reads
  /// one copy and writes the other), then swapped.
  double trainStep(const Settings &s, int64_t step) {
    if (nextParams.empty()) {
      nextParams = params;
      nextState = state;
    }
    double t = (double)(step + 1);
    double h[16] = {0};
    if (m.optimizer == "adamw") {
      double values[9] = {s.lr, s.beta1, s.beta2, s.eps, s.weightDecay,
                          1 - std::pow(s.beta1, t), 1 - std::pow(s.beta2, t), 1 - s.beta1, 1 - s.beta2};
      std::copy(values, values + 9, h);
    } else {
      h[0] = s.lr;
      h[1] = s.momentum;
      h[2] = s.weightDecay;
    }
    for (int i = 0; i < 16; ++i)
      hyper.set(i, h[i]);
    std::vector<void *> buffers;
    for (Tensor &p : params) buffers.push_back(p.data());
    for (Tensor &st : state) buffers.push_back(st.data());
    for (Tensor &in : inputs) buffers.push_back(in.data());
    buffers.push_back(hyper.data());
    buffers.push_back(loss.data());
    for (Tensor &p : nextParams) buffers.push_back(p.data());
    for (Tensor &st : nextState) buffers.push_back(st.data());
    gptc_train_step(buffers.data());
    std::swap(params, nextParams);
    std::swap(state, nextState);
    return loss.get(0);
  }

  std::vector<std::pair<std::string, const Tensor *>> namedState() const {
    std::vector<std::pair<std::string, const Tensor *>> named;
    for (size_t i = 0; i < params.size(); ++i)
      named.emplace_back(m.params[i].name, &params[i]);
    std::vector<std::string> kinds = m.stateNames();
    for (size_t k = 0; k < kinds.size(); ++k)
      for (size_t i = 0; i < params.size(); ++i)
        named.emplace_back("optimizer." + m.params[i].name + "." + kinds[k], &state[k * params.size() + i]);
    return named;
  }

private:
  std::vector<Tensor> nextParams, nextState;
};

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
  bool accuracy = model.m.hasOutput && (int64_t)d.labels.size() == d.count;
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
// Checkpoints
//===----------------------------------------------------------------------===//

struct Progress {
  int64_t step = 0;
  double best = -1;
};

void saveCheckpoint(const std::string &path, const Model &model, const Settings &s, const Progress &p) {
  std::map<std::string, std::string> meta = {
      {"format", "pt"},
      {"gptc.model", model.m.model},
      {"gptc.step", std::to_string(p.step)},
      {"gptc.seed", std::to_string(s.seed)},
      {"gptc.optimizer", model.m.optimizer},
      {"gptc.best_test_accuracy", std::to_string(p.best)}};
  saveSafetensors(path, model.namedState(), meta);
}

void loadCheckpoint(const std::string &path, Model &model, Settings &s, Progress &p) {
  SafetensorsFile f = loadSafetensors(path);
  auto named = model.namedState();
  for (auto &[name, tensor] : named) {
    auto it = f.tensors.find(name);
    if (it == f.tensors.end())
      throw std::runtime_error(path + ": no tensor '" + name + "' (a checkpoint of another model?)");
    const Tensor &src = it->second;
    if (src.shape() != tensor->shape() || src.dtype() != tensor->dtype())
      throw std::runtime_error(path + ": tensor '" + name + "' is " + dtypeName(src.dtype()) + src.shapeString() +
                               " but the model needs " + dtypeName(tensor->dtype()) + tensor->shapeString());
    std::memcpy(const_cast<Tensor *>(tensor)->data(), src.data(), src.bytes());
  }
  auto meta = [&](const char *key) -> std::string {
    auto it = f.metadata.find(key);
    if (it == f.metadata.end())
      throw std::runtime_error(path + ": missing metadata '" + key + "' (not a gptc checkpoint?)");
    return it->second;
  };
  p.step = std::stoll(meta("gptc.step"));
  s.seed = std::stoll(meta("gptc.seed"));
  p.best = std::stod(meta("gptc.best_test_accuracy"));
}

//===----------------------------------------------------------------------===//
// Gradient check and parity dump
//===----------------------------------------------------------------------===//

int gradcheck(Model &model, const Dataset &train, const Settings &s) {
  bool f64 = model.m.floatType == DType::F64;
  double h = f64 ? 1e-5 : 1e-2; // near the cube root of machine epsilon
  double tol = s.gradcheckTol >= 0 ? s.gradcheckTol : (f64 ? 1e-6 : 1e-2);
  // Relative error |a - n| / max(|a|, |n|, floor): the floor keeps gradients
  // that are zero up to rounding from dividing by nothing.
  double floor = 1e-3;
  model.loadBatch(train, nullptr, 0);
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

void dump(Model &model, const Dataset &train, const Settings &s) {
  std::vector<uint32_t> order = permutation(s.seed, kStreamShuffle, (uint32_t)train.count);
  model.loadBatch(train, &order, 0);
  std::vector<Tensor> grads;
  model.grad(grads);
  Tensor lossAtStart = model.loss;
  std::vector<std::pair<std::string, const Tensor *>> named;
  // One optimizer step on the same batch, so the update rule can be compared too.
  std::vector<Tensor> initial = model.params;
  model.trainStep(s, 0);
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
    double loss = model.trainStep(s, step);
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
    if (!s.save.empty())
      saveCheckpoint(s.save, model, s, progress);
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
  // not pay for fresh zeroed pages (measured: ~10% of an mlp_modern epoch).
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  try {
    Manifest manifest = parseManifest(gptc_manifest);
    Settings settings = parseArgs(argc, argv, manifest);
    Model model(manifest);
    model.initialize(settings.seed);
    Splits data = loadData(settings, manifest);
    if (settings.gradcheck)
      return gradcheck(model, data.train, settings);
    if (!settings.dump.empty()) {
      if (!settings.resume.empty()) {
        Progress p;
        loadCheckpoint(settings.resume, model, settings, p);
      }
      dump(model, data.train, settings);
      return 0;
    }
    return train(model, data, settings);
  } catch (const std::exception &e) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: error: %s\n", prog, e.what());
    return 1;
  }
}

} // namespace gptc
