// The train section: batch size, length, data source, optimizer, schedule and
// clipping, into the contract's TrainSettings (runtime/include/gptc/contract.h).
// `-D` overrides the integer settings, lr, weight_decay, clip, min_lr, warmup
// and decay_steps; the batch size becomes the constant B of the model.
#include "compiler/Frontend/Sema/Checker.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace gptc::sema {
namespace {

/// The integer train settings, where each is stored, and whether 0 is allowed.
const std::map<std::string, std::pair<int64_t TrainSettings::*, bool>> &trainIntegers() {
  static const std::map<std::string, std::pair<int64_t TrainSettings::*, bool>> integers = {
      {"batch", {&TrainSettings::batch, false}},     {"epochs", {&TrainSettings::epochs, true}},
      {"steps", {&TrainSettings::steps, true}},      {"seed", {&TrainSettings::seed, true}},
      {"validation", {&TrainSettings::validation, true}},
      {"eval_interval", {&TrainSettings::evalInterval, true}},
      {"eval_iters", {&TrainSettings::evalIters, true}},
      {"grad_accum", {&TrainSettings::gradAccum, false}}};
  return integers;
}

/// The train settings -D can set to any number, and where each is stored.
const std::map<std::string, double *(*)(TrainSettings &)> &trainNumbers() {
  static const std::map<std::string, double *(*)(TrainSettings &)> numbers = {
      {"lr", [](TrainSettings &t) { return &t.lr; }},
      {"weight_decay", [](TrainSettings &t) { return &t.weightDecay; }},
      {"clip", [](TrainSettings &t) { return &t.clip; }},
      {"min_lr", [](TrainSettings &t) { return &t.minLr; }}};
  return numbers;
}

/// The schedule's step counts -D can set.
const std::map<std::string, int64_t TrainSettings::*> &trainStepCounts() {
  static const std::map<std::string, int64_t TrainSettings::*> counts = {
      {"warmup", &TrainSettings::warmup}, {"decay_steps", &TrainSettings::decaySteps}};
  return counts;
}

} // namespace

bool isOverridableTrainSetting(const std::string &name) {
  return trainIntegers().count(name) || trainNumbers().count(name) || trainStepCounts().count(name);
}

std::optional<int64_t> Checker::positiveInt(const Setting &s, bool allowZero) {
  ExprType t = check(*s.value);
  if (!t.isValid())
    return std::nullopt;
  std::optional<int64_t> v = t.kind == ExprType::Constant && t.isInteger ? exactInt64(t.value) : std::nullopt;
  if (!v || *v < (allowZero ? 0 : 1)) {
    error(s.value->loc, "'" + s.name + "' must be " + (allowZero ? "a non-negative" : "a positive") +
                            " integer, got " + t.str());
    return std::nullopt;
  }
  return v;
}

void Checker::checkTrain(Program &program, const std::map<std::string, double> &overrides,
                         TrainSettings &train) {
  std::set<std::string> seen;
  for (Setting &s : program.train) {
    if (!seen.insert(s.name).second) {
      error(s.loc, "duplicate train setting '" + s.name + "'");
      continue;
    }
    const auto &integers = trainIntegers();
    if (auto it = integers.find(s.name); it != integers.end()) {
      if (auto v = positiveInt(s, /*allowZero=*/it->second.second))
        train.*(it->second.first) = *v;
    } else if (s.name == "data") {
      checkData(*s.value, train);
    } else if (s.name == "optimizer") {
      checkOptimizer(*s.value, train);
    } else if (s.name == "schedule") {
      checkSchedule(*s.value, train);
    } else if (s.name == "buckets") {
      bucketsLoc_ = s.value->loc;
      checkBuckets(*s.value, train);
    } else if (s.name == "clip") {
      if (auto v = constArg(s.value.get(), "'clip' (the largest gradient norm)")) {
        if (*v < 0)
          error(s.value->loc, "'clip' must be 0 (off) or positive");
        else
          train.clip = *v;
      }
    } else {
      error(s.loc, "unknown train setting '" + s.name +
                       "' (expected batch, epochs, steps, seed, validation, eval_interval, "
                       "eval_iters, grad_accum, data, optimizer, schedule, clip or buckets)");
    }
  }
  for (auto &[name, slot] : trainNumbers())
    if (auto it = overrides.find(name); it != overrides.end())
      *slot(train) = it->second;
  for (auto &[name, slot] : trainStepCounts()) {
    auto it = overrides.find(name);
    if (it == overrides.end())
      continue;
    std::optional<int64_t> v = exactInt64(it->second);
    if (!v || *v < 0) {
      std::ostringstream os;
      os << "-D " << name << "=" << it->second << ": must be a non-negative integer (steps)";
      error({}, os.str());
      continue;
    }
    train.*slot = *v;
  }
  // gptc -D batch=64 (and the other integer settings) override the file.
  for (auto &[name, slot] : trainIntegers()) {
    auto it = overrides.find(name);
    if (it == overrides.end())
      continue;
    std::optional<int64_t> v = exactInt64(it->second);
    if (!v || *v < (slot.second ? 0 : 1)) {
      std::ostringstream os;
      os << "-D " << name << "=" << it->second << ": must be a "
         << (slot.second ? "non-negative" : "positive") << " integer";
      error({}, os.str());
      continue;
    }
    train.*(slot.first) = *v;
    seen.insert(name);
  }
  if (!seen.count("batch")) {
    if (!unparsed_->count("batch"))
      error(program.trainLoc, "the 'train' section must set 'batch'");
    poisoned_.insert("B"); // already reported: uses of B stay silent
  } else if (train.batch > 0) {
    constants_["B"] = (double)train.batch;
    integral_["B"] = true;
  }
}

/// idx_images("DIR") | text("FILE") | tokens("DIR") | random() | parallel("DIR", ...)
void Checker::checkData(Expr &e, TrainSettings &train) {
  std::optional<DataKind> kind = e.kind == Expr::Call ? parseDataKind(e.name) : std::nullopt;
  if (!kind) {
    error(e.loc, "expected a data source: idx_images(\"DIR\"), text(\"FILE\"), tokens(\"DIR\"), "
                 "parallel(\"DIR\", src = \"de\", tgt = \"en\") or random()");
    return;
  }
  train.data = *kind;
  if (*kind == DataKind::Random) {
    bind(e, {});
    return;
  }
  if (*kind == DataKind::Parallel) {
    checkParallelData(e, train);
    return;
  }
  BoundArgs b = bind(e, {*kind == DataKind::Text ? "file" : "dir"});
  if (*kind != DataKind::IdxImages)
    train.dataDir = "";
  if (!b.ok || !b.slots[0])
    return;
  if (b.slots[0]->kind != Expr::String) {
    error(b.slots[0]->loc, *kind == DataKind::IdxImages ? "idx_images expects a directory name in quotes"
                                                        : "'" + e.name + "' expects a path in quotes");
    return;
  }
  train.dataDir = b.slots[0]->name;
}

/// parallel("DIR", src = "de", tgt = "en", min_count = 2, src_vocab = N,
/// tgt_vocab = M, shared_vocab = 0): sentence pairs DIR/{train,val,test_2016_flickr}.{src,tgt}[.gz].
void Checker::checkParallelData(Expr &e, TrainSettings &train) {
  BoundArgs b = bind(e, {"dir", "src", "tgt", "min_count", "src_vocab", "tgt_vocab", "shared_vocab"});
  if (!b.ok)
    return;
  auto quoted = [&](Expr *arg, std::string &into, const char *what) {
    if (!arg)
      return;
    if (arg->kind != Expr::String)
      error(arg->loc, std::string("'parallel' expects ") + what + " in quotes");
    else
      into = arg->name;
  };
  train.dataDir = "";
  quoted(b.slots[0], train.dataDir, "the corpus directory");
  quoted(b.slots[1], train.srcLang, "the source language's file suffix (src = \"de\")");
  quoted(b.slots[2], train.tgtLang, "the target language's file suffix (tgt = \"en\")");
  if (b.slots[3])
    if (auto n = intArg(b.slots[3], "'min_count'", 1))
      train.minCount = *n;
  if (b.slots[4])
    if (auto n = intArg(b.slots[4], "'src_vocab' (the most source words kept, with the 4 specials)", 5))
      train.srcVocab = *n;
  if (b.slots[5])
    if (auto n = intArg(b.slots[5], "'tgt_vocab' (the most target words kept, with the 4 specials)", 5))
      train.tgtVocab = *n;
  if (b.slots[6])
    if (auto v = constArg(b.slots[6], "'shared_vocab' (1 or 0)"))
      train.sharedVocab = *v != 0;
  // The caps keep every token id inside the model's embedding tables.
  if (!b.slots[4] || !b.slots[5])
    error(e.loc, "'parallel' needs the vocabulary sizes the model's embeddings have: src_vocab = N, tgt_vocab = M "
                 "(the loader keeps at most that many tokens of each language)");
}

/// buckets = [(S1, T1), (S2, T2), ...]: the (source, target) lengths the model
/// is compiled for, one set of step functions each.
void Checker::checkBuckets(Expr &e, TrainSettings &train) {
  if (e.kind != Expr::List || e.args.empty() || (int64_t)e.args.size() > kMaxBuckets) {
    error(e.loc, "'buckets' must be a list of 1 to " + std::to_string(kMaxBuckets) +
                     " (source length, target length) pairs, such as [(16, 16), (32, 32)]");
    return;
  }
  train.buckets.clear();
  for (ExprPtr &pair : e.args) {
    if (pair->kind != Expr::Tuple || pair->args.size() != 2) {
      error(pair->loc, "a bucket is a (source length, target length) pair");
      return;
    }
    std::vector<int64_t> lengths;
    for (ExprPtr &len : pair->args)
      if (auto n = intArg(len.get(), "a bucket length"))
        lengths.push_back(*n);
    if (lengths.size() != 2)
      return;
    for (const std::vector<int64_t> &seen : train.buckets)
      if (seen == lengths)
        error(pair->loc, "duplicate bucket (" + std::to_string(lengths[0]) + ", " + std::to_string(lengths[1]) + ")");
    train.buckets.push_back(lengths);
  }
}

/// A schedule's step count: a non-negative integer int64 can hold.
std::optional<int64_t> Checker::stepCount(Expr *e, const std::string &what) {
  std::optional<double> v = constArg(e, "'" + what + "' (steps)");
  if (!v)
    return std::nullopt;
  std::optional<int64_t> n = *v == std::floor(*v) ? exactInt64(*v) : std::nullopt;
  if (!n || *n < 0) {
    std::ostringstream os;
    os << "'" << what << "' must be a non-negative integer (steps), got " << *v;
    error(e->loc, os.str());
    return std::nullopt;
  }
  return n;
}

/// cosine(warmup = N, min_lr = X, decay_steps = N) | constant(warmup = N) |
/// noam(d_model, warmup = N, scale = X)
void Checker::checkSchedule(Expr &e, TrainSettings &schedule) {
  std::optional<ScheduleKind> kind = e.kind == Expr::Call ? parseScheduleKind(e.name) : std::nullopt;
  if (!kind) {
    error(e.loc, "expected a schedule: cosine(warmup, min_lr, decay_steps), constant(warmup) or "
                 "noam(d_model, warmup, scale)");
    return;
  }
  schedule.schedule = *kind;
  if (*kind == ScheduleKind::Noam) {
    // scale * d_model^-0.5 * min(n^-0.5, n * warmup^-1.5): the paper's schedule.
    BoundArgs b = bind(e, {"d_model", "warmup", "scale"});
    if (!b.ok || !requireArgs(e, b, 1))
      return;
    if (auto d = intArg(b.slots[0], "'d_model' (the model width)", 1))
      schedule.noamDModel = (double)*d;
    schedule.warmup = 4000;
    if (b.slots[1])
      if (auto v = stepCount(b.slots[1], "warmup"))
        schedule.warmup = std::max<int64_t>(*v, 1);
    if (b.slots[2])
      if (auto v = constArg(b.slots[2], "'scale'"))
        schedule.noamScale = *v;
    return;
  }
  bool cosine = *kind == ScheduleKind::Cosine;
  BoundArgs b = bind(e, cosine ? std::vector<std::string>{"warmup", "min_lr", "decay_steps"}
                               : std::vector<std::string>{"warmup"});
  if (!b.ok)
    return;
  if (b.slots[0])
    if (auto v = stepCount(b.slots[0], "warmup"))
      schedule.warmup = *v;
  if (cosine && b.slots[1])
    if (auto v = constArg(b.slots[1], "'min_lr'"))
      schedule.minLr = *v;
  if (cosine && b.slots[2])
    if (auto v = stepCount(b.slots[2], "decay_steps"))
      schedule.decaySteps = *v;
}

/// sgd(lr, momentum, weight_decay) | adamw(lr, betas, eps, weight_decay)
void Checker::checkOptimizer(Expr &e, TrainSettings &opt) {
  std::optional<OptimizerKind> kind = e.kind == Expr::Call ? parseOptimizerKind(e.name) : std::nullopt;
  if (!kind) {
    error(e.loc, "expected an optimizer: sgd(lr, momentum, weight_decay) or adamw(lr, betas, eps, weight_decay)");
    return;
  }
  opt.optimizer = *kind;
  if (*kind == OptimizerKind::Sgd) {
    std::vector<std::string> names = {"lr", "momentum", "weight_decay"};
    BoundArgs b = bind(e, names);
    double *dst[] = {&opt.lr, &opt.momentum, &opt.weightDecay};
    for (size_t i = 0; i < names.size(); ++i)
      if (b.slots[i])
        if (auto v = constArg(b.slots[i], "'" + names[i] + "'"))
          *dst[i] = *v;
    if (!b.slots[0] && b.ok)
      error(e.loc, "sgd needs a learning rate: sgd(lr = ...)");
    return;
  }
  opt.weightDecay = kAdamWDefaultWeightDecay;
  BoundArgs b = bind(e, {"lr", "betas", "eps", "weight_decay"});
  if (b.slots[0])
    if (auto v = constArg(b.slots[0], "'lr'"))
      opt.lr = *v;
  if (!b.slots[0] && b.ok)
    error(e.loc, "adamw needs a learning rate: adamw(lr = ...)");
  if (Expr *betas = b.slots[1]) {
    if (betas->kind != Expr::Tuple || betas->args.size() != 2) {
      error(betas->loc, "'betas' must be a pair such as (0.9, 0.999)");
    } else {
      if (auto v = constArg(betas->args[0].get(), "beta1"))
        opt.beta1 = *v;
      if (auto v = constArg(betas->args[1].get(), "beta2"))
        opt.beta2 = *v;
    }
  }
  if (b.slots[2])
    if (auto v = constArg(b.slots[2], "'eps'"))
      opt.eps = *v;
  if (b.slots[3])
    if (auto v = constArg(b.slots[3], "'weight_decay'"))
      opt.weightDecay = *v;
}

} // namespace gptc::sema
