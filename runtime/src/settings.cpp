#include "gptc/settings.h"

#include "gptc/cli.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace gptc {

void addTrainOptions(CLI::App &app, Settings &s) {
  auto nonNegative = cli::NonNegative;
  app.add_option("--data", s.dataDir, "dataset: IDX directory (idx_images), text file (text), token directory (tokens), corpus directory (parallel)")
      ->type_name("PATH");
  app.add_option("--epochs", s.epochs, "passes over the training set")->check(nonNegative)->type_name("N");
  app.add_option("--steps", s.steps, "stop after N optimizer steps (overrides --epochs)")->check(nonNegative)->type_name("N");
  app.add_option("--batch", s.batch, "must equal the compiled batch size (shapes are static)")->type_name("N");
  app.add_option("--lr", s.lr, "learning rate")->type_name("X");
  app.add_option("--momentum", s.momentum, "sgd momentum")->type_name("X");
  app.add_option("--weight-decay", s.weightDecay, "weight decay (matrices only)")->type_name("X");
  app.add_option("--beta1", s.beta1, "adamw beta1")->type_name("X");
  app.add_option("--beta2", s.beta2, "adamw beta2")->type_name("X");
  app.add_option("--eps", s.eps, "adamw epsilon")->type_name("X");
  app.add_option("--seed", s.seed, "seed for initialisation, shuffling, windows and dropout")->check(nonNegative)->type_name("N");
  app.add_option("--validation", s.validation, "training examples held out for validation (idx_images)")
      ->check(nonNegative)->type_name("N");
  app.add_option("--max-train", s.maxTrain, "use only the first N training examples")->check(nonNegative)->type_name("N");
  app.add_option("--eval-interval", s.evalInterval, "evaluate every N steps (0: every epoch for images, at the end for text)")
      ->check(nonNegative)->type_name("N");
  app.add_option("--eval-iters", s.evalIters, "batches per loss estimate (text; 0: the compiled default), val batches measured (parallel; 0: all)")
      ->check(nonNegative)->type_name("N");
  app.add_option("--clip", s.clip, "clip gradients to global norm X (0: off)")->check(nonNegative)->type_name("X");
  app.add_option("--grad-accum", s.gradAccum, "average the gradients of N micro-batches per optimizer step")
      ->check(cli::Positive)->type_name("N");
  cli::addKindOption(app, "--schedule", s.schedule, parseScheduleKind, scheduleKindChoices(),
                     "learning rate: linear warmup, then constant or cosine decay to --min-lr");
  app.add_option("--warmup", s.warmup, "warmup steps")->check(nonNegative)->type_name("N");
  app.add_option("--min-lr", s.minLr, "the cosine schedule's final learning rate")->type_name("X");
  app.add_option("--decay-steps", s.decaySteps, "steps of the cosine decay (0: all)")->check(nonNegative)->type_name("N");
  app.add_option("--metrics", s.metrics, "append one JSON line per evaluation")->type_name("FILE");
  app.add_option("--save", s.save, "write a safetensors checkpoint at every evaluation and at the end")->type_name("FILE");
  app.add_option("--save-best", s.saveBest, "write a checkpoint whenever the validation loss improves")->type_name("FILE");
  app.add_option("--resume", s.resume, "continue from a checkpoint")->type_name("FILE");
  app.add_flag("--gradcheck", s.gradcheck, "compare autodiff gradients with finite differences and exit");
  app.add_option("--gradcheck-samples", s.gradcheckSamples, "elements checked per parameter (default 20)")
      ->check(nonNegative)->type_name("N");
  app.add_option("--gradcheck-tol", s.gradcheckTol, "largest accepted relative error")->type_name("X");
  app.add_option("--dump", s.dump, "write params, first batch, loss and gradients (safetensors) and exit")->type_name("FILE");
  app.add_option("--dump-steps", s.dumpSteps, "also N training steps, their batches and the params after")
      ->check(nonNegative)->type_name("N");
  app.add_flag("--quiet", s.quiet, "no progress lines, only the JSON summary");
}

void checkTrainOptions(const CLI::App &app, Settings &s, const Manifest &m) {
  if (app.count("--epochs") && !app.count("--steps"))
    s.steps = 0; // --epochs asks for epochs, even if the train section counted steps
  if (s.clip > 0 && m.train.clip <= 0)
    throw std::runtime_error("--clip: the model was compiled without gradient clipping (it costs a pass over "
                             "every gradient); set clip in its train section or compile with gptc -D clip=X");
  if (s.schedule == ScheduleKind::Noam && s.noamDModel <= 0)
    throw std::runtime_error("--schedule noam: the noam schedule needs the model width; set schedule = "
                             "noam(d_model, warmup) in the train section");
  if (s.batch != m.train.batch)
    throw std::runtime_error("--batch " + std::to_string(s.batch) + ": the model was compiled for batch " +
                             std::to_string(m.train.batch) + " (shapes are static; recompile with gptc -D batch=" +
                             std::to_string(s.batch) + ")");
}

double learningRateAt(const Settings &s, int64_t step, int64_t totalSteps) {
  if (s.schedule == ScheduleKind::Noam) {
    // "Attention is all you need", eq. 3, with n = step + 1 counting from 1.
    double n = (double)(step + 1), warmup = (double)std::max<int64_t>(s.warmup, 1);
    return s.noamScale / std::sqrt(s.noamDModel) * std::min(1.0 / std::sqrt(n), n * std::pow(warmup, -1.5));
  }
  if (step < s.warmup)
    return s.lr * (double)(step + 1) / (double)(s.warmup + 1);
  if (s.schedule != ScheduleKind::Cosine)
    return s.lr;
  int64_t decay = s.decaySteps > 0 ? s.decaySteps : totalSteps;
  if (step > decay || decay <= s.warmup)
    return s.minLr;
  double ratio = (double)(step - s.warmup) / (double)(decay - s.warmup);
  return s.minLr + 0.5 * (1.0 + std::cos(M_PI * ratio)) * (s.lr - s.minLr);
}

} // namespace gptc
