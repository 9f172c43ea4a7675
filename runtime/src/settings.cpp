#include "gptc/settings.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace gptc {

namespace {
const char *kUsage =
    "usage: %s [options]\n"
    "Trains the compiled model '%s'. Every setting defaults to the model's train section.\n\n"
    "  --data PATH           dataset: IDX directory (idx_images), text file (text), token directory (tokens)\n"
    "  --epochs N            passes over the training set\n"
    "  --steps N             stop after N optimizer steps (overrides --epochs)\n"
    "  --batch N             must equal the compiled batch size (shapes are static)\n"
    "  --lr X  --momentum X  --weight-decay X  --beta1 X  --beta2 X  --eps X\n"
    "  --seed N              seed for initialisation and shuffling\n"
    "  --validation N        training examples held out for validation\n"
    "  --max-train N         use only the first N training examples\n"
    "  --eval-interval N     evaluate every N steps (language models; 0: only at the end)\n"
    "  --eval-iters N        batches per loss estimate (language models)\n"
    "  --clip X              clip gradients to global norm X (0: off)\n"
    "  --grad-accum N        average the gradients of N micro-batches per optimizer step\n"
    "  --schedule constant|cosine  --warmup N  --min-lr X  --decay-steps N\n"
    "                        learning rate: linear warmup, then constant or cosine decay to min-lr\n"
    "  --metrics FILE        append one JSON line per epoch\n"
    "  --save FILE           write a safetensors checkpoint after every epoch\n"
    "  --save-best FILE      write a checkpoint whenever the validation loss improves\n"
    "  --resume FILE         continue from a checkpoint\n"
    "  --gradcheck           compare autodiff gradients with finite differences and exit\n"
    "  --gradcheck-samples N elements checked per parameter (default 20)\n"
    "  --gradcheck-tol X     largest accepted relative error\n"
    "  --dump FILE           write params, first batch, loss and gradients (safetensors) and exit\n"
    "  --dump-steps N        language models: also N training steps, their batches and the params after\n"
    "  --quiet               no per-epoch lines, only the JSON summary\n";

} // namespace

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
    else if (arg == "--save-best") s.saveBest = next();
    else if (arg == "--resume") s.resume = next();
    else if (arg == "--dump") s.dump = next();
    else if (arg == "--gradcheck") s.gradcheck = true;
    else if (arg == "--gradcheck-samples") s.gradcheckSamples = integer();
    else if (arg == "--gradcheck-tol") s.gradcheckTol = number();
    else if (arg == "--quiet") s.quiet = true;
    else if (arg == "--dump-steps") s.dumpSteps = integer();
    else if (arg == "--eval-interval") s.evalInterval = integer();
    else if (arg == "--eval-iters") s.evalIters = integer();
    else if (arg == "--clip") s.clip = number();
    else if (arg == "--grad-accum") {
      s.gradAccum = integer();
      if (s.gradAccum < 1)
        throw std::runtime_error("--grad-accum must be at least 1");
    }
    else if (arg == "--warmup") s.warmup = integer();
    else if (arg == "--min-lr") s.minLr = number();
    else if (arg == "--decay-steps") s.decaySteps = integer();
    else if (arg == "--schedule") {
      s.schedule = next();
      if (s.schedule != "constant" && s.schedule != "cosine")
        throw std::runtime_error("--schedule expects constant or cosine, got '" + s.schedule + "'");
    }
    else throw std::runtime_error("unknown option '" + arg + "' (see --help)");
  }
  if (s.clip > 0 && m.train.clip <= 0)
    throw std::runtime_error("--clip: the model was compiled without gradient clipping (it costs a pass over "
                             "every gradient); set clip in its train section or compile with gptc -D clip=X");
  if (s.batch != m.train.batch)
    throw std::runtime_error("--batch " + std::to_string(s.batch) + ": the model was compiled for batch " +
                             std::to_string(m.train.batch) + " (shapes are static; recompile with gptc -D batch=" + std::to_string(s.batch) + ")");
  return s;
}

double learningRateAt(const Settings &s, int64_t step, int64_t totalSteps) {
  if (step < s.warmup)
    return s.lr * (double)(step + 1) / (double)(s.warmup + 1);
  if (s.schedule != "cosine")
    return s.lr;
  int64_t decay = s.decaySteps > 0 ? s.decaySteps : totalSteps;
  if (step > decay || decay <= s.warmup)
    return s.minLr;
  double ratio = (double)(step - s.warmup) / (double)(decay - s.warmup);
  return s.minLr + 0.5 * (1.0 + std::cos(M_PI * ratio)) * (s.lr - s.minLr);
}

} // namespace gptc
