#include "compiler/Frontend/Sema.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace gptc {
namespace {

std::string shapeStr(const std::vector<int64_t> &shape) {
  return ExprType::tensor(ElemType::F32, shape).str().substr(3);
}

/// Binds a call's positional and keyword arguments to named slots.
struct BoundArgs {
  std::vector<const Expr *> slots; // null: not given
  bool ok = true;
};

class Sema {
public:
  Sema(DiagnosticEngine &diags) : diags_(diags) {}

  std::optional<CheckedProgram> run(Program &program, const std::map<std::string, double> &overrides) {
    CheckedProgram result;
    unparsed_ = &program.unparsedNames;
    blocks_ = &program.blocks;
    for (size_t i = 0; i < program.blocks.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (program.blocks[i].name == program.blocks[j].name)
          diags_.error(program.blocks[i].loc, "duplicate block '" + program.blocks[i].name + "'");
    checkConfig(program, overrides);
    if (!program.hasTrain) {
      if (!program.skippedTopLevel)
        diags_.error({}, "missing 'train' section (it gives at least the batch size)");
      poisoned_.insert("B"); // reported: uses of B stay silent
    } else {
      checkTrain(program, overrides, result.train);
    }
    if (program.models.empty()) {
      if (!program.skippedTopLevel)
        diags_.error({}, "no 'model' defined");
    } else {
      if (program.models.size() > 1)
        diags_.error(program.models[1].loc, "only one model per file is supported");
      checkModel(program.models[0], result);
    }
    if (diags_.hadErrors())
      return std::nullopt;
    result.config = constants_;
    return result;
  }

private:
  //===--------------------------------------------------------------------===//
  // config
  //===--------------------------------------------------------------------===//

  void checkConfig(Program &program, const std::map<std::string, double> &overrides) {
    for (Setting &s : program.config) {
      if (constants_.count(s.name)) {
        diags_.error(s.loc, "duplicate config constant '" + s.name + "'");
        continue;
      }
      ExprType t = check(*s.value);
      if (!t.isValid())
        continue;
      if (t.kind != ExprType::Constant) {
        diags_.error(s.value->loc, "config constant '" + s.name + "' must be a number, got " + t.str());
        continue;
      }
      double v = t.value;
      bool isInt = t.isInteger;
      if (auto it = overrides.find(s.name); it != overrides.end()) {
        v = it->second;
        isInt = v == std::floor(v);
      }
      constants_[s.name] = v;
      integral_[s.name] = isInt;
    }
    for (auto &[name, value] : overrides)
      if (!constants_.count(name) && !trainIntegers().count(name) && !trainNumbers().count(name) &&
          name != "warmup" && name != "decay_steps")
        diags_.error({}, "-D " + name + ": no config constant or train setting named '" + name + "'");
  }

  /// The integer train settings, where each is stored, and whether 0 is allowed.
  static const std::map<std::string, std::pair<int64_t TrainSettings::*, bool>> &trainIntegers() {
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
  static const std::map<std::string, double *(*)(TrainSettings &)> &trainNumbers() {
    static const std::map<std::string, double *(*)(TrainSettings &)> numbers = {
        {"lr", [](TrainSettings &t) { return &t.lr; }},
        {"weight_decay", [](TrainSettings &t) { return &t.weightDecay; }},
        {"clip", [](TrainSettings &t) { return &t.clip; }},
        {"min_lr", [](TrainSettings &t) { return &t.minLr; }}};
    return numbers;
  }

  //===--------------------------------------------------------------------===//
  // train
  //===--------------------------------------------------------------------===//

  std::optional<int64_t> positiveInt(const Setting &s, bool allowZero = false) {
    ExprType t = check(*s.value);
    if (!t.isValid())
      return std::nullopt;
    if (t.kind != ExprType::Constant || !t.isInteger || t.value < (allowZero ? 0 : 1)) {
      diags_.error(s.value->loc, "'" + s.name + "' must be " +
                                     (allowZero ? "a non-negative" : "a positive") +
                                     " integer, got " + t.str());
      return std::nullopt;
    }
    return (int64_t)t.value;
  }

  BoundArgs bind(const Expr &call, const std::vector<std::string> &names) {
    BoundArgs b;
    b.slots.assign(names.size(), nullptr);
    size_t positional = 0;
    for (size_t i = 0; i < call.args.size(); ++i) {
      const std::string &kw = call.argNames[i];
      size_t slot;
      if (kw.empty()) {
        slot = positional++;
        if (slot >= names.size()) {
          std::ostringstream os;
          os << "'" << call.name << "' takes at most " << names.size() << " argument"
             << (names.size() == 1 ? "" : "s") << ", got " << call.args.size();
          diags_.error(call.args[i]->loc, os.str());
          b.ok = false;
          return b;
        }
      } else {
        auto it = std::find(names.begin(), names.end(), kw);
        if (it == names.end()) {
          std::string known;
          for (auto &n : names)
            known += (known.empty() ? "" : ", ") + n;
          diags_.error(call.args[i]->loc, "'" + call.name + "' has no argument named '" + kw +
                                              "'" + (known.empty() ? "" : " (it takes: " + known + ")"));
          b.ok = false;
          continue;
        }
        slot = it - names.begin();
      }
      if (b.slots[slot]) {
        diags_.error(call.args[i]->loc, "argument '" + names[slot] + "' of '" + call.name + "' given twice");
        b.ok = false;
        continue;
      }
      b.slots[slot] = call.args[i].get();
    }
    return b;
  }

  std::optional<double> constArg(const Expr *e, const std::string &what) {
    ExprType t = check(const_cast<Expr &>(*e));
    if (!t.isValid())
      return std::nullopt;
    if (t.kind != ExprType::Constant) {
      diags_.error(e->loc, what + " must be a constant number, got " + t.str());
      return std::nullopt;
    }
    return t.value;
  }

  void checkTrain(Program &program, const std::map<std::string, double> &overrides, TrainSettings &train) {
    std::set<std::string> seen;
    for (Setting &s : program.train) {
      if (!seen.insert(s.name).second) {
        diags_.error(s.loc, "duplicate train setting '" + s.name + "'");
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
      } else if (s.name == "clip") {
        if (auto v = constArg(s.value.get(), "'clip' (the largest gradient norm)")) {
          if (*v < 0)
            diags_.error(s.value->loc, "'clip' must be 0 (off) or positive");
          else
            train.clip = *v;
        }
      } else {
        diags_.error(s.loc, "unknown train setting '" + s.name +
                                "' (expected batch, epochs, steps, seed, validation, eval_interval, "
                                "eval_iters, grad_accum, data, optimizer, schedule or clip)");
      }
    }
    for (auto &[name, slot] : trainNumbers())
      if (auto it = overrides.find(name); it != overrides.end())
        *slot(train) = it->second;
    if (auto it = overrides.find("warmup"); it != overrides.end())
      train.warmup = (int64_t)it->second;
    if (auto it = overrides.find("decay_steps"); it != overrides.end())
      train.decaySteps = (int64_t)it->second;
    // gptc -D batch=64 (and the other integer settings) override the file.
    for (auto &[name, slot] : trainIntegers()) {
      auto it = overrides.find(name);
      if (it == overrides.end())
        continue;
      double v = it->second;
      if (v != std::floor(v) || v < (slot.second ? 0 : 1)) {
        std::ostringstream os;
        os << "-D " << name << "=" << v << ": must be a " << (slot.second ? "non-negative" : "positive")
           << " integer";
        diags_.error({}, os.str());
        continue;
      }
      train.*(slot.first) = (int64_t)v;
      seen.insert(name);
    }
    if (!seen.count("batch")) {
      if (!unparsed_->count("batch"))
        diags_.error(program.trainLoc, "the 'train' section must set 'batch'");
      poisoned_.insert("B"); // already reported: uses of B stay silent
    } else if (train.batch > 0) {
      constants_["B"] = (double)train.batch;
      integral_["B"] = true;
    }
  }

  void checkData(Expr &e, TrainSettings &train) {
    if (e.kind != Expr::Call || (e.name != "idx_images" && e.name != "random" && e.name != "text" &&
                                 e.name != "tokens")) {
      diags_.error(e.loc, "expected a data source: idx_images(\"DIR\"), text(\"FILE\"), "
                          "tokens(\"DIR\") or random()");
      return;
    }
    train.data = *parseDataKind(e.name);
    if (e.name == "text" || e.name == "tokens") {
      BoundArgs b = bind(e, {e.name == "text" ? "file" : "dir"});
      train.dataDir = "";
      if (b.ok && b.slots[0]) {
        if (b.slots[0]->kind != Expr::String)
          diags_.error(b.slots[0]->loc, "'" + e.name + "' expects a path in quotes");
        else
          train.dataDir = b.slots[0]->name;
      }
      return;
    }
    if (e.name == "random") {
      bind(e, {});
      return;
    }
    BoundArgs b = bind(e, {"dir"});
    if (!b.ok || !b.slots[0])
      return;
    if (b.slots[0]->kind != Expr::String) {
      diags_.error(b.slots[0]->loc, "idx_images expects a directory name in quotes");
      return;
    }
    train.dataDir = b.slots[0]->name;
  }

  /// cosine(warmup = N, min_lr = X, decay_steps = N) | constant(warmup = N)
  void checkSchedule(Expr &e, TrainSettings &schedule) {
    if (e.kind != Expr::Call || (e.name != "cosine" && e.name != "constant")) {
      diags_.error(e.loc, "expected a schedule: cosine(warmup, min_lr, decay_steps) or constant(warmup)");
      return;
    }
    schedule.schedule = *parseScheduleKind(e.name);
    bool cosine = e.name == "cosine";
    BoundArgs b = bind(e, cosine ? std::vector<std::string>{"warmup", "min_lr", "decay_steps"}
                                 : std::vector<std::string>{"warmup"});
    if (!b.ok)
      return;
    if (b.slots[0])
      if (auto v = constArg(b.slots[0], "'warmup' (steps)"))
        schedule.warmup = (int64_t)*v;
    if (cosine && b.slots[1])
      if (auto v = constArg(b.slots[1], "'min_lr'"))
        schedule.minLr = *v;
    if (cosine && b.slots[2])
      if (auto v = constArg(b.slots[2], "'decay_steps'"))
        schedule.decaySteps = (int64_t)*v;
  }

  void checkOptimizer(Expr &e, TrainSettings &opt) {
    if (e.kind != Expr::Call || (e.name != "sgd" && e.name != "adamw")) {
      diags_.error(e.loc, "expected an optimizer: sgd(lr, momentum, weight_decay) or "
                          "adamw(lr, betas, eps, weight_decay)");
      return;
    }
    opt.optimizer = *parseOptimizerKind(e.name);
    if (e.name == "sgd") {
      BoundArgs b = bind(e, {"lr", "momentum", "weight_decay"});
      double *dst[] = {&opt.lr, &opt.momentum, &opt.weightDecay};
      for (int i = 0; i < 3; ++i)
        if (b.slots[i])
          if (auto v = constArg(b.slots[i], "'" + std::string(i == 0 ? "lr" : i == 1 ? "momentum" : "weight_decay") + "'"))
            *dst[i] = *v;
      if (!b.slots[0] && b.ok)
        diags_.error(e.loc, "sgd needs a learning rate: sgd(lr = ...)");
      return;
    }
    opt.weightDecay = kAdamWDefaultWeightDecay;
    BoundArgs b = bind(e, {"lr", "betas", "eps", "weight_decay"});
    if (b.slots[0])
      if (auto v = constArg(b.slots[0], "'lr'"))
        opt.lr = *v;
    if (!b.slots[0] && b.ok)
      diags_.error(e.loc, "adamw needs a learning rate: adamw(lr = ...)");
    if (const Expr *betas = b.slots[1]) {
      if (betas->kind != Expr::Tuple || betas->args.size() != 2) {
        diags_.error(betas->loc, "'betas' must be a pair such as (0.9, 0.999)");
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

  std::optional<std::pair<ElemType, std::vector<int64_t>>> checkTypeSpec(TypeSpec &spec) {
    bool ok = true;
    ElemType elem = ElemType::F32;
    if (spec.elem == "f32")
      elem = ElemType::F32;
    else if (spec.elem == "i32")
      elem = ElemType::I32;
    else {
      diags_.error(spec.loc, "unknown element type '" + spec.elem + "' (expected f32 or i32)");
      ok = false;
    }
    std::vector<int64_t> shape;
    for (ExprPtr &d : spec.dims) {
      ExprType t = check(*d);
      if (!t.isValid()) {
        ok = false;
        continue;
      }
      if (t.kind != ExprType::Constant || !t.isInteger || t.value < 1) {
        diags_.error(d->loc, "a dimension must be a positive integer constant, got " + t.str());
        ok = false;
        continue;
      }
      shape.push_back((int64_t)t.value);
    }
    double elements = 1;
    for (int64_t d : shape)
      elements *= (double)d;
    if (ok && elements > (double)(1ll << 32)) {
      diags_.error(spec.loc, "tensor of " + std::to_string((long long)elements) +
                                 " elements is larger than gptc supports (2^32)");
      ok = false;
    }
    if (!ok)
      return std::nullopt;
    return std::make_pair(elem, shape);
  }

  //===--------------------------------------------------------------------===//
  // The model and its blocks: statements run in order, building the graph
  //===--------------------------------------------------------------------===//

  void checkModel(ModelDecl &model, CheckedProgram &result) {
    result.model = &model;
    for (ModelInput &in : model.inputs) {
      auto spec = checkTypeSpec(in.type);
      if (locals_.count(in.name)) {
        diags_.error(in.loc, "duplicate input '" + in.name + "'");
        continue;
      }
      if (!spec) {
        locals_[in.name] = ExprType();
        continue;
      }
      if (result.train.batch > 0 && (spec->second.empty() || spec->second[0] != result.train.batch)) {
        diags_.error(in.type.loc, "model inputs are batches: the first dimension of '" + in.name +
                                      "' must be the batch size B (" + std::to_string(result.train.batch) +
                                      "), got " + ExprType::tensor(spec->first, spec->second).str());
        locals_[in.name] = ExprType();
        continue;
      }
      Node n{Node::Input};
      n.index = (int)result.inputs.size();
      n.loc = in.loc;
      locals_[in.name] = emit(n, ExprType::tensor(spec->first, spec->second));
      result.inputs.push_back({in.name, spec->first, spec->second});
    }
    runBody(model.body, nullptr);
    if (params_.empty() && !diags_.hadErrors())
      diags_.error(model.loc, "model '" + model.name + "' has no parameters to train");
    auto loss = locals_.find("loss");
    if (loss == locals_.end()) {
      if (!unparsed_->count("loss"))
        diags_.error(model.loc, "model '" + model.name + "' never assigns 'loss'");
    } else if (loss->second.isValid()) {
      const ExprType &t = loss->second;
      if (t.kind != ExprType::Tensor || !t.shape.empty() || t.elem != ElemType::F32)
        diags_.error(lossLoc_, "'loss' must be a scalar tensor (f32[]), got " + t.str());
      else
        result.loss = t.node;
    }
    if (auto out = locals_.find("out"); out != locals_.end() && out->second.isValid()) {
      const ExprType &t = out->second;
      if (t.kind != ExprType::Tensor || t.shape.size() < 2 || t.elem != ElemType::F32)
        diags_.error(outLoc_, "'out' (the prediction used for accuracy and sampling) must be an f32 "
                              "tensor of rank 2 or more, got " + t.str());
      else
        result.out = t.node;
    }
    result.params = params_;
    result.graph = graph_;
    result.hasDropout = dropouts_ > 0;
  }

  /// Runs statements. `returned` collects a block's results (null in the model).
  void runBody(std::vector<Stmt> &body, std::vector<ExprType> *returned) {
    for (Stmt &s : body) {
      switch (s.kind) {
      case Stmt::Param: checkParam(s); break;
      case Stmt::Assign: checkAssign(s); break;
      case Stmt::Repeat: checkRepeat(s, returned); break;
      case Stmt::Return:
        if (!returned) {
          diags_.error(s.loc, "'return' ends a block; a model's result is 'loss'");
          break;
        }
        if (&s != &body.back() || !repeatIndex_.empty()) {
          diags_.error(s.loc, "'return' must be the last statement of the block");
          break;
        }
        for (ExprPtr &r : s.results)
          returned->push_back(check(*r));
        break;
      }
    }
  }

  void checkAssign(Stmt &s) {
    ExprType t = check(*s.value);
    if (s.names.size() > 1) {
      if (t.isValid() && (t.kind != ExprType::Tuple || t.items.size() != s.names.size())) {
        std::ostringstream os;
        os << "cannot unpack " << (t.kind == ExprType::Tuple ? std::to_string(t.items.size()) + " values" : t.str())
           << " into " << s.names.size() << " names";
        diags_.error(s.value->loc, os.str());
        t = ExprType();
      }
      for (size_t i = 0; i < s.names.size(); ++i)
        bindLocal(s.names[i], s.nameLocs[i], t.isValid() ? t.items[i] : ExprType());
      return;
    }
    if (t.isValid() && t.kind == ExprType::Tuple && !t.items.empty()) {
      diags_.error(s.value->loc, "this gives " + std::to_string(t.items.size()) +
                                     " values; unpack them: a, b = ...");
      t = ExprType();
    } else if (t.isValid() && t.kind != ExprType::Tensor && t.kind != ExprType::Constant) {
      diags_.error(s.value->loc, "cannot assign " + t.str() + " to '" + s.names[0] + "'");
      t = ExprType();
    }
    bindLocal(s.names[0], s.nameLocs[0], t);
    if (s.names[0] == "loss")
      lossLoc_ = s.value->loc;
    if (s.names[0] == "out")
      outLoc_ = s.value->loc;
  }

  void bindLocal(const std::string &name, SourceLoc loc, const ExprType &t) {
    if (isParam_.count(name)) {
      diags_.error(loc, "cannot assign to parameter '" + name + "'");
      return;
    }
    locals_[name] = t;
  }

  void checkRepeat(Stmt &s, std::vector<ExprType> *returned) {
    ExprType count = check(*s.value);
    if (!count.isValid())
      return;
    if (count.kind != ExprType::Constant || !count.isInteger || count.value < 0) {
      diags_.error(s.value->loc, "'repeat' needs a non-negative integer count, got " + count.str());
      return;
    }
    for (int64_t i = 0; i < (int64_t)count.value; ++i) {
      repeatIndex_.push_back(i);
      runBody(s.body, returned);
      repeatIndex_.pop_back();
      if (diags_.hadErrors())
        break; // the same errors again on every pass
    }
  }

  void checkParam(Stmt &s) {
    const std::string &name = s.names[0];
    if (locals_.count(name) || isParam_.count(name)) {
      diags_.error(s.nameLocs[0], "'" + name + "' is already defined");
      return;
    }
    auto spec = checkTypeSpec(s.paramType);
    bool ok = spec.has_value();
    if (spec && spec->first != ElemType::F32) {
      diags_.error(s.paramType.loc, "parameters must be f32");
      ok = false;
    }
    std::vector<int64_t> shape = spec ? spec->second : std::vector<int64_t>{};
    InitSpec initSpec;
    Expr &init = *s.value;
    static const std::map<std::string, std::vector<std::string>> inits = {
        {"normal", {"mean", "std"}}, {"uniform", {"low", "high"}},
        {"zeros", {}}, {"ones", {}}, {"xavier", {}}};
    auto it = init.kind == Expr::Call ? inits.find(init.name) : inits.end();
    if (it == inits.end()) {
      diags_.error(init.loc, "expected an initializer: normal(mean, std), uniform(low, high), "
                             "zeros(), ones() or xavier()");
      ok = false;
    } else {
      initSpec.kind = init.name;
      BoundArgs b = bind(init, it->second);
      ok &= b.ok;
      if (init.name == "normal") {
        initSpec.a = 0;
        initSpec.b = 1;
      } else if (init.name == "uniform") {
        initSpec.a = -1;
        initSpec.b = 1;
      }
      for (size_t i = 0; i < b.slots.size(); ++i)
        if (b.slots[i]) {
          auto v = constArg(b.slots[i], "'" + it->second[i] + "'");
          if (!v)
            ok = false;
          else
            (i == 0 ? initSpec.a : initSpec.b) = *v;
        }
      if (init.name == "xavier" && spec && spec->second.size() < 2) {
        diags_.error(init.loc, "xavier() needs a parameter of rank 2 or more, got " + shapeStr(spec->second));
        ok = false;
      }
    }
    isParam_.insert(name);
    locals_[name] = ok ? makeParam(scope_ + name, shape, initSpec, s.loc) : ExprType();
  }

  //===--------------------------------------------------------------------===//
  // The graph
  //===--------------------------------------------------------------------===//

  /// Appends a node computing a value of type `t`; returns `t` naming it.
  ExprType emit(Node n, ExprType t) {
    t.node = -1;
    n.type = t;
    graph_.push_back(std::move(n));
    t.node = (int)graph_.size() - 1;
    return t;
  }

  ExprType emitOp(Node::Kind kind, SourceLoc loc, std::vector<int> operands, ExprType t,
                  std::vector<int64_t> ints = {}, double value = 0, std::string fn = "") {
    Node n{kind};
    n.loc = loc;
    n.operands = std::move(operands);
    n.ints = std::move(ints);
    n.value = value;
    n.fn = std::move(fn);
    return emit(std::move(n), std::move(t));
  }

  /// The node of an operand; a constant becomes a Scalar node.
  int nodeOf(const ExprType &t, SourceLoc loc) {
    if (t.kind == ExprType::Tensor)
      return t.node;
    Node n{Node::Scalar};
    n.loc = loc;
    n.value = t.value;
    return emit(n, t).node;
  }

  ExprType makeParam(const std::string &name, const std::vector<int64_t> &shape, const InitSpec &init,
                     SourceLoc loc) {
    for (const ParamInfo &p : params_)
      if (p.name == name) {
        diags_.error(loc, "a parameter named '" + name + "' already exists; give this layer "
                          "another name (name = ...)");
        return ExprType();
      }
    params_.push_back({name, loc, shape, init});
    Node n{Node::Param};
    n.index = (int)params_.size() - 1;
    n.loc = loc;
    return emit(n, ExprType::tensor(ElemType::F32, shape));
  }

  /// The scope prefix of a layer or block instance: `name = ...` if given,
  /// else the callee (with the repeat index inside `repeat`); a name used twice
  /// in one scope gets _1, _2, ...
  std::string instancePrefix(const std::string &callee, const Expr *explicitName) {
    std::string base = callee;
    if (explicitName) {
      base = explicitName->name;
    } else if (!repeatIndex_.empty()) {
      base += "." + std::to_string(repeatIndex_.back());
    }
    std::string name = base;
    for (int k = 1; !usedInstances_.insert(scope_ + name).second; ++k)
      name = base + "_" + std::to_string(k);
    return scope_ + name + ".";
  }

  /// `name = wte` (or "wte"): a layer's name.
  bool nameArg(const Expr *e) {
    if (!e || e->kind == Expr::Name || e->kind == Expr::String)
      return true;
    diags_.error(e->loc, "a layer's name must be a plain name, such as name = c_attn");
    return false;
  }

  //===--------------------------------------------------------------------===//
  // Blocks
  //===--------------------------------------------------------------------===//

  ExprType callBlock(Expr &e, ModelDecl &block) {
    std::vector<std::string> names;
    for (const ModelInput &in : block.inputs)
      names.push_back(in.name);
    names.push_back("name");
    BoundArgs b = bind(e, names);
    if (!b.ok)
      return ExprType();
    std::vector<ExprType> args;
    bool ok = true;
    for (size_t i = 0; i < block.inputs.size(); ++i) {
      if (!b.slots[i]) {
        diags_.error(e.loc, "block '" + block.name + "' needs its input '" + block.inputs[i].name + "'");
        return ExprType();
      }
      ExprType t = check(const_cast<Expr &>(*b.slots[i]));
      ok &= t.isValid();
      if (t.isValid() && !block.inputs[i].type.elem.empty()) {
        auto spec = checkTypeSpec(block.inputs[i].type);
        if (spec && (t.kind != ExprType::Tensor || t.elem != spec->first || t.shape != spec->second)) {
          diags_.error(b.slots[i]->loc, "input '" + block.inputs[i].name + "' of block '" + block.name +
                                            "' must be " + ExprType::tensor(spec->first, spec->second).str() +
                                            ", got " + t.str());
          ok = false;
        }
      }
      args.push_back(t);
    }
    if (!ok || !nameArg(b.slots.back()))
      return ExprType();
    if (std::find(activeBlocks_.begin(), activeBlocks_.end(), block.name) != activeBlocks_.end()) {
      diags_.error(e.loc, "block '" + block.name + "' calls itself; blocks cannot recurse");
      return ExprType();
    }
    // The block runs in a frame of its own: its inputs, config constants, and
    // params scoped under this instance's name.
    std::string prefix = instancePrefix(block.name, b.slots.back());
    auto savedLocals = std::move(locals_);
    auto savedParams = std::move(isParam_);
    auto savedRepeat = std::move(repeatIndex_);
    std::string savedScope = scope_;
    locals_.clear();
    isParam_.clear();
    repeatIndex_.clear();
    scope_ = prefix;
    for (size_t i = 0; i < args.size(); ++i)
      locals_[block.inputs[i].name] = args[i];
    activeBlocks_.push_back(block.name);
    std::vector<ExprType> returned;
    runBody(block.body, &returned);
    activeBlocks_.pop_back();
    locals_ = std::move(savedLocals);
    isParam_ = std::move(savedParams);
    repeatIndex_ = std::move(savedRepeat);
    scope_ = savedScope;
    if (block.body.empty() || block.body.back().kind != Stmt::Return) {
      diags_.error(block.loc, "block '" + block.name + "' must end with 'return'");
      return ExprType();
    }
    for (const ExprType &r : returned)
      if (!r.isValid())
        return ExprType();
    if (returned.size() == 1)
      return returned[0];
    ExprType t;
    t.kind = ExprType::Tuple;
    t.items = returned;
    return t;
  }

  //===--------------------------------------------------------------------===//
  // expressions
  //===--------------------------------------------------------------------===//

  ExprType check(Expr &e) {
    e.type = checkImpl(e);
    return e.type;
  }

  ExprType checkImpl(Expr &e) {
    switch (e.kind) {
    case Expr::Number: return ExprType::constant(e.number, e.isInteger);
    case Expr::String: {
      ExprType t;
      t.kind = ExprType::String;
      t.text = e.name;
      return t;
    }
    case Expr::Name: {
      if (auto it = locals_.find(e.name); it != locals_.end())
        return it->second; // an invalid type here was already reported
      if (auto it = constants_.find(e.name); it != constants_.end())
        return ExprType::constant(it->second, integral_[e.name]);
      if (e.name == "inf")
        return ExprType::constant(INFINITY, false);
      if (unparsed_->count(e.name) || poisoned_.count(e.name))
        return ExprType(); // its definition had an error, already reported
      if (e.name == "row" || e.name == "col")
        diags_.error(e.loc, "'" + e.name + "' is only defined in the condition of mask(x, condition, fill)");
      else
        diags_.error(e.loc, "undefined name '" + e.name + "'");
      return ExprType();
    }
    case Expr::Unary: {
      ExprType t = check(*e.args[0]);
      if (t.kind == ExprType::Constant)
        return ExprType::constant(-t.value, t.isInteger);
      if (t.kind == ExprType::Tensor) {
        if (!requireFloat(t, e.args[0]->loc, "unary '-'"))
          return ExprType();
        return emitOp(Node::Unary, e.loc, {t.node}, t, {}, 0, "neg");
      }
      return t.isValid() ? badOperand(e.loc, "unary '-'", t) : ExprType();
    }
    case Expr::Binary: return checkBinary(e);
    case Expr::Call: return checkCall(e);
    case Expr::Error:
      for (ExprPtr &a : e.args)
        check(*a);
      return ExprType(); // the lexer reported it
    case Expr::List:
    case Expr::Tuple: {
      ExprType t;
      t.kind = ExprType::Tuple;
      for (ExprPtr &a : e.args)
        check(*a);
      return t;
    }
    }
    return ExprType();
  }

  ExprType badOperand(SourceLoc loc, const std::string &op, const ExprType &t) {
    diags_.error(loc, op + " cannot take " + t.str());
    return ExprType();
  }

  bool requireFloat(const ExprType &t, SourceLoc loc, const std::string &what) {
    if (t.elem == ElemType::F32)
      return true;
    diags_.error(loc, what + " needs an f32 tensor, got " + t.str());
    return false;
  }

  static bool isComparison(char op) { return std::string("<>lgen").find(op) != std::string::npos; }

  static double fold(char op, double a, double b) {
    switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '^': return std::pow(a, b);
    case '<': return a < b;
    case '>': return a > b;
    case 'l': return a <= b;
    case 'g': return a >= b;
    case 'e': return a == b;
    case 'n': return a != b;
    }
    return 0;
  }

  static std::string opSpelling(char op) {
    switch (op) {
    case 'l': return "'<='";
    case 'g': return "'>='";
    case 'e': return "'=='";
    case 'n': return "'!='";
    }
    return std::string("'") + op + "'";
  }

  ExprType checkBinary(Expr &e) {
    ExprType l = check(*e.args[0]);
    ExprType r = check(*e.args[1]);
    if (!l.isValid() || !r.isValid())
      return ExprType();
    std::string opName = opSpelling(e.op);
    for (auto *t : {&l, &r})
      if (t->kind != ExprType::Constant && t->kind != ExprType::Tensor)
        return badOperand(e.loc, opName, *t);
    if (e.op == '^') {
      if (r.kind != ExprType::Constant) {
        diags_.error(e.args[1]->loc, "the exponent of '^' must be a constant, got " + r.str());
        return ExprType();
      }
      if (l.kind == ExprType::Constant)
        return ExprType::constant(std::pow(l.value, r.value), l.isInteger && r.isInteger && r.value >= 0);
      if (!requireFloat(l, e.args[0]->loc, "'^'"))
        return ExprType();
      return emitOp(Node::Pow, e.loc, {l.node}, l, {}, r.value);
    }
    if (l.kind == ExprType::Constant && r.kind == ExprType::Constant) {
      if (e.op == '@')
        return badOperand(e.loc, "'@'", l);
      if (e.op == '/' && r.value == 0) {
        diags_.error(e.loc, "division by zero in a constant expression");
        return ExprType();
      }
      bool isInt = (l.isInteger && r.isInteger && e.op != '/') || isComparison(e.op);
      double v = fold(e.op, l.value, r.value);
      if (e.op == '/' && l.isInteger && r.isInteger && std::fmod(l.value, r.value) == 0)
        isInt = true;
      return ExprType::constant(v, isInt);
    }
    if (isComparison(e.op)) {
      diags_.error(e.loc, "comparisons of tensors are not supported; compare positions in "
                          "mask(x, condition, fill), e.g. mask(scores, col > row, -inf)");
      return ExprType();
    }
    if (e.op == '@')
      return checkMatmul(e, l, r);
    if (l.kind == ExprType::Tensor && !requireFloat(l, e.args[0]->loc, opName))
      return ExprType();
    if (r.kind == ExprType::Tensor && !requireFloat(r, e.args[1]->loc, opName))
      return ExprType();
    ExprType result;
    if (l.kind == ExprType::Constant) {
      result = r;
    } else if (r.kind == ExprType::Constant) {
      result = l;
    } else {
      // Broadcasting: shapes align at the right; a missing leading dimension repeats.
      const auto &ls = l.shape, &rs = r.shape;
      size_t rank = std::max(ls.size(), rs.size());
      std::vector<int64_t> shape(rank);
      for (size_t i = 0; i < rank; ++i) {
        int64_t ld = i < ls.size() ? ls[ls.size() - 1 - i] : -1;
        int64_t rd = i < rs.size() ? rs[rs.size() - 1 - i] : -1;
        if (ld != -1 && rd != -1 && ld != rd) {
          diags_.error(e.loc, "shapes do not broadcast for " + opName + ": " + l.str() + " and " + r.str());
          return ExprType();
        }
        shape[rank - 1 - i] = ld != -1 ? ld : rd;
      }
      result = ExprType::tensor(ElemType::F32, shape);
    }
    return binary(e.op, e.loc, l, r, result);
  }

  ExprType binary(char op, SourceLoc loc, const ExprType &l, const ExprType &r, ExprType result) {
    int a = nodeOf(l, loc), b = nodeOf(r, loc);
    return emitOp(Node::Binary, loc, {a, b}, std::move(result), {}, 0, std::string(1, op));
  }

  ExprType scale(SourceLoc loc, const ExprType &t, double factor) {
    return binary('*', loc, t, ExprType::constant(factor, false), t);
  }

  /// [..., m, k] @ [..., k, n] with equal leading dims, or [..., m, k] @ [k, n].
  std::optional<std::vector<int64_t>> matmulShape(SourceLoc loc, const ExprType &l, const ExprType &r) {
    const auto &ls = l.shape, &rs = r.shape;
    if (ls.size() < 2 || rs.size() < 2 || (rs.size() != 2 && rs.size() != ls.size())) {
      diags_.error(loc, "'@' needs operands of rank 2 or more, of equal rank or with a rank-2 right "
                        "side (applied to every row), got " + l.str() + " @ " + r.str());
      return std::nullopt;
    }
    int64_t k1 = ls.back(), k2 = rs[rs.size() - 2];
    if (k1 != k2) {
      std::ostringstream os;
      os << "matmul shapes do not match: " << l.str() << " @ " << r.str() << " (inner dimensions " << k1
         << " and " << k2 << " differ)";
      diags_.error(loc, os.str());
      return std::nullopt;
    }
    if (rs.size() > 2 && !std::equal(ls.begin(), ls.end() - 2, rs.begin())) {
      diags_.error(loc, "batched matmul needs equal batch dimensions: " + l.str() + " @ " + r.str());
      return std::nullopt;
    }
    std::vector<int64_t> shape(ls.begin(), ls.end() - 1);
    shape.push_back(rs.back());
    return shape;
  }

  ExprType checkMatmul(Expr &e, const ExprType &l, const ExprType &r) {
    if (l.kind != ExprType::Tensor || r.kind != ExprType::Tensor)
      return badOperand(e.loc, "'@'", l.kind != ExprType::Tensor ? l : r);
    if (!requireFloat(l, e.args[0]->loc, "'@'") || !requireFloat(r, e.args[1]->loc, "'@'"))
      return ExprType();
    return matmul(e.loc, l, r);
  }

  ExprType matmul(SourceLoc loc, const ExprType &l, const ExprType &r) {
    auto shape = matmulShape(loc, l, r);
    if (!shape)
      return ExprType();
    return emitOp(Node::Matmul, loc, {l.node, r.node}, ExprType::tensor(ElemType::F32, *shape));
  }

  ExprType transposeLast2(SourceLoc loc, const ExprType &t) {
    std::vector<int64_t> perm(t.shape.size());
    for (size_t i = 0; i < perm.size(); ++i)
      perm[i] = i;
    std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
    return permuteTo(loc, t, perm);
  }

  ExprType permuteTo(SourceLoc loc, const ExprType &t, const std::vector<int64_t> &perm) {
    std::vector<int64_t> shape;
    for (int64_t p : perm)
      shape.push_back(t.shape[p]);
    return emitOp(Node::Transpose, loc, {t.node}, ExprType::tensor(t.elem, shape), perm);
  }

  ExprType reshapeTo(SourceLoc loc, const ExprType &t, std::vector<int64_t> shape) {
    return emitOp(Node::Reshape, loc, {t.node}, ExprType::tensor(t.elem, std::move(shape)));
  }

  std::optional<int64_t> axisArg(const Expr *e, int64_t rank, const std::string &fn) {
    auto v = constArg(e, "the axis of '" + fn + "'");
    if (!v)
      return std::nullopt;
    int64_t axis = (int64_t)*v;
    if (*v != std::floor(*v) || axis < -rank || axis >= rank) {
      std::ostringstream os;
      os << "axis " << *v << " is out of range for a rank-" << rank << " tensor in '" << fn << "'";
      diags_.error(e->loc, os.str());
      return std::nullopt;
    }
    return axis < 0 ? axis + rank : axis;
  }

  ExprType tensorArg(const Expr *e, const std::string &fn) {
    ExprType t = check(const_cast<Expr &>(*e));
    if (!t.isValid())
      return t;
    if (t.kind != ExprType::Tensor) {
      diags_.error(e->loc, "'" + fn + "' needs a tensor argument, got " + t.str());
      return ExprType();
    }
    return t;
  }

  /// A float tensor argument of rank >= minRank.
  ExprType floatArg(const Expr *e, const std::string &fn, size_t minRank = 0) {
    ExprType t = tensorArg(e, fn);
    if (!t.isValid() || !requireFloat(t, e->loc, "'" + fn + "'"))
      return ExprType();
    if (t.shape.size() < minRank) {
      diags_.error(e->loc, "'" + fn + "' needs a tensor of rank " + std::to_string(minRank) +
                               " or more, got " + t.str());
      return ExprType();
    }
    return t;
  }

  std::optional<int64_t> intArg(const Expr *e, const std::string &what, int64_t min = 1) {
    auto v = constArg(e, what);
    if (!v)
      return std::nullopt;
    if (*v != std::floor(*v) || *v < (double)min) {
      std::ostringstream os;
      os << what << " must be an integer of at least " << min << ", got " << *v;
      diags_.error(e->loc, os.str());
      return std::nullopt;
    }
    return (int64_t)*v;
  }

  /// sigmoid, relu, tanh, exp, log, sqrt, softplus, gelu: one tensor in, same shape out (constants fold).
  ExprType checkElementwiseCall(Expr &e) {
    BoundArgs b = bind(e, {"x"});
    if (!b.ok)
      return ExprType();
    if (!b.slots[0]) {
      diags_.error(e.loc, "'" + e.name + "' expects 1 argument, got 0");
      return ExprType();
    }
    ExprType t = check(const_cast<Expr &>(*b.slots[0]));
    if (t.kind == ExprType::Constant)
      return foldUnary(e, t.value);
    if (t.kind != ExprType::Tensor)
      return t.isValid() ? badOperand(e.loc, "'" + e.name + "'", t) : ExprType();
    if (!requireFloat(t, b.slots[0]->loc, "'" + e.name + "'"))
      return ExprType();
    return emitOp(Node::Unary, e.loc, {t.node}, t, {}, 0, e.name);
  }

  /// sum / mean over everything or one axis.
  ExprType checkReductionCall(Expr &e) {
    BoundArgs b = bind(e, {"x", "axis"});
    if (!b.ok || !requireArgs(e, b, 1))
      return ExprType();
    ExprType t = floatArg(b.slots[0], e.name);
    if (!t.isValid())
      return ExprType();
    std::vector<int64_t> axes;
    if (!b.slots[1]) {
      for (size_t i = 0; i < t.shape.size(); ++i)
        axes.push_back(i);
    } else {
      auto axis = axisArg(b.slots[1], t.shape.size(), e.name);
      if (!axis)
        return ExprType();
      axes.push_back(*axis);
    }
    std::vector<int64_t> shape;
    int64_t count = 1;
    for (size_t i = 0; i < t.shape.size(); ++i) {
      if (std::find(axes.begin(), axes.end(), (int64_t)i) == axes.end())
        shape.push_back(t.shape[i]);
      else
        count *= t.shape[i];
    }
    ExprType s = emitOp(Node::ReduceSum, e.loc, {t.node}, ExprType::tensor(ElemType::F32, shape), axes);
    return e.name == "mean" ? scale(e.loc, s, 1.0 / (double)count) : s;
  }

  /// softmax / log_softmax over an axis (default: the last); another axis is
  /// swapped to the end and back.
  ExprType checkSoftmaxCall(Expr &e) {
    BoundArgs b = bind(e, {"x", "axis"});
    if (!b.ok || !requireArgs(e, b, 1))
      return ExprType();
    ExprType t = floatArg(b.slots[0], e.name, 1);
    if (!t.isValid())
      return ExprType();
    int64_t last = t.shape.size() - 1, axis = last;
    if (b.slots[1]) {
      auto a = axisArg(b.slots[1], t.shape.size(), e.name);
      if (!a)
        return ExprType();
      axis = *a;
    }
    Node::Kind kind = e.name == "softmax" ? Node::Softmax : Node::LogSoftmax;
    if (axis == last)
      return emitOp(kind, e.loc, {t.node}, t);
    std::vector<int64_t> swap(t.shape.size());
    for (size_t i = 0; i < swap.size(); ++i)
      swap[i] = i;
    std::swap(swap[axis], swap[last]);
    ExprType moved = permuteTo(e.loc, t, swap);
    ExprType y = emitOp(kind, e.loc, {moved.node}, moved);
    return permuteTo(e.loc, y, swap);
  }

  /// transpose(x): swaps the last two dimensions; transpose(x, a, b) swaps a and b.
  ExprType checkTransposeCall(Expr &e) {
    BoundArgs b = bind(e, {"x", "a", "b"});
    if (!b.ok || !requireArgs(e, b, 1))
      return ExprType();
    ExprType t = floatArg(b.slots[0], "transpose");
    if (!t.isValid())
      return ExprType();
    if (t.shape.size() < 2) {
      diags_.error(e.loc, "'transpose' swaps two dimensions and needs rank 2 or more, got " + t.str());
      return ExprType();
    }
    int64_t n = t.shape.size();
    int64_t a = n - 2, c = n - 1;
    if (b.slots[1] || b.slots[2]) {
      if (!b.slots[1] || !b.slots[2]) {
        diags_.error(e.loc, "'transpose' takes both axes to swap, or none (the last two)");
        return ExprType();
      }
      auto x = axisArg(b.slots[1], n, "transpose"), y = axisArg(b.slots[2], n, "transpose");
      if (!x || !y)
        return ExprType();
      a = *x;
      c = *y;
    }
    std::vector<int64_t> perm(n);
    for (int64_t i = 0; i < n; ++i)
      perm[i] = i;
    std::swap(perm[a], perm[c]);
    return permuteTo(e.loc, t, perm);
  }

  /// permute(x, [p0, p1, ...]): result dimension i is x's dimension p_i.
  ExprType checkPermuteCall(Expr &e) {
    BoundArgs b = bind(e, {"x", "dims"});
    if (!b.ok || !requireArgs(e, b, 2))
      return ExprType();
    ExprType t = floatArg(b.slots[0], "permute");
    if (!t.isValid())
      return ExprType();
    const Expr *list = b.slots[1];
    int64_t n = t.shape.size();
    if (list->kind != Expr::List || (int64_t)list->args.size() != n) {
      diags_.error(list->loc, "'permute' expects a list of " + std::to_string(n) + " axes, such as [0, 2, 1, 3]");
      return ExprType();
    }
    std::vector<int64_t> perm;
    std::vector<bool> seen(n, false);
    for (const ExprPtr &d : list->args) {
      auto axis = axisArg(d.get(), n, "permute");
      if (!axis)
        return ExprType();
      if (seen[*axis]) {
        diags_.error(d->loc, "axis " + std::to_string(*axis) + " appears twice in 'permute'");
        return ExprType();
      }
      seen[*axis] = true;
      perm.push_back(*axis);
    }
    return permuteTo(e.loc, t, perm);
  }

  /// reshape(x, [dims]): same element count.
  ExprType checkReshapeCall(Expr &e) {
    BoundArgs b = bind(e, {"x", "shape"});
    if (!b.ok || !requireArgs(e, b, 2))
      return ExprType();
    ExprType t = floatArg(b.slots[0], "reshape");
    if (!t.isValid())
      return ExprType();
    const Expr *list = b.slots[1];
    if (list->kind != Expr::List) {
      diags_.error(list->loc, "'reshape' expects the new shape as a list, such as [B, 784]");
      return ExprType();
    }
    std::vector<int64_t> shape;
    int64_t count = 1, from = 1;
    for (const ExprPtr &d : list->args) {
      auto v = constArg(d.get(), "a dimension");
      if (!v)
        return ExprType();
      if (*v < 1 || *v != std::floor(*v)) {
        diags_.error(d->loc, "a dimension must be a positive integer");
        return ExprType();
      }
      shape.push_back((int64_t)*v);
      count *= (int64_t)*v;
    }
    for (int64_t d : t.shape)
      from *= d;
    if (count != from) {
      std::ostringstream os;
      os << "cannot reshape " << t.str() << " (" << from << " elements) to " << shapeStr(shape) << " ("
         << count << " elements)";
      diags_.error(e.loc, os.str());
      return ExprType();
    }
    return reshapeTo(e.loc, t, shape);
  }

  /// cross_entropy(logits [..., C], targets i32 [...]) -> scalar.
  ExprType checkCrossEntropyCall(Expr &e) {
    BoundArgs b = bind(e, {"logits", "targets"});
    if (!b.ok || !requireArgs(e, b, 2))
      return ExprType();
    ExprType logits = tensorArg(b.slots[0], e.name);
    ExprType targets = tensorArg(b.slots[1], e.name);
    if (!logits.isValid() || !targets.isValid())
      return ExprType();
    if (!requireFloat(logits, b.slots[0]->loc, "the logits of 'cross_entropy'"))
      return ExprType();
    if (targets.elem != ElemType::I32) {
      diags_.error(b.slots[1]->loc, "the targets of 'cross_entropy' must be class indices (i32), got " +
                                        targets.str() + "; for one-hot targets write "
                                        "-sum(y * log_softmax(logits)) / B");
      return ExprType();
    }
    std::vector<int64_t> rows(logits.shape.begin(), logits.shape.empty() ? logits.shape.end() : logits.shape.end() - 1);
    if (logits.shape.empty() || rows != targets.shape) {
      diags_.error(e.loc, "cross_entropy needs targets shaped like the logits without their last "
                          "dimension: logits " + logits.str() + ", targets " + targets.str());
      return ExprType();
    }
    return emitOp(Node::CrossEntropy, e.loc, {logits.node, targets.node}, ExprType::tensor(ElemType::F32, {}));
  }

  /// mse(a, b) -> scalar, a and b of one shape.
  ExprType checkMseCall(Expr &e) {
    BoundArgs b = bind(e, {"prediction", "target"});
    if (!b.ok || !requireArgs(e, b, 2))
      return ExprType();
    ExprType p = floatArg(b.slots[0], e.name);
    ExprType t = floatArg(b.slots[1], e.name);
    if (!p.isValid() || !t.isValid())
      return ExprType();
    if (p.shape != t.shape) {
      diags_.error(e.loc, "mse needs two tensors of one shape, got " + p.str() + " and " + t.str());
      return ExprType();
    }
    return emitOp(Node::Mse, e.loc, {p.node, t.node}, ExprType::tensor(ElemType::F32, {}));
  }

  //===--------------------------------------------------------------------===//
  // Layers: builtins that own params
  //===--------------------------------------------------------------------===//

  /// linear(x, out, bias = 1, std = 0.02, tied = W, name = ...): x @ weight + bias,
  /// weight [in, out] ~ normal(0, std) as GPT-2; with `tied = W` ([out, in], such
  /// as an embedding table) the layer uses transpose(W) instead of its own weight.
  ExprType checkLinearCall(Expr &e) {
    BoundArgs b = bind(e, {"x", "out", "bias", "std", "tied", "name"});
    if (!b.ok || !requireArgs(e, b, 1) || !nameArg(b.slots[5]))
      return ExprType();
    ExprType x = floatArg(b.slots[0], "linear", 1);
    if (!x.isValid())
      return ExprType();
    int64_t in = x.shape.back();
    ExprType tied;
    if (b.slots[4]) {
      tied = floatArg(b.slots[4], "linear");
      if (!tied.isValid())
        return ExprType();
      if (tied.shape.size() != 2 || tied.shape[1] != in) {
        diags_.error(b.slots[4]->loc, "a tied weight must be [out, " + std::to_string(in) + "], got " + tied.str());
        return ExprType();
      }
    }
    int64_t out = 0;
    if (b.slots[1]) {
      auto v = intArg(b.slots[1], "the output size of 'linear'");
      if (!v)
        return ExprType();
      out = *v;
    } else if (tied.isValid()) {
      out = tied.shape[0];
    } else {
      diags_.error(e.loc, "'linear' needs its output size: linear(x, out)");
      return ExprType();
    }
    if (tied.isValid() && tied.shape[0] != out) {
      diags_.error(b.slots[4]->loc, "a tied weight must be [" + std::to_string(out) + ", " + std::to_string(in) +
                                        "], got " + tied.str());
      return ExprType();
    }
    double bias = 1, std = 0.02;
    if (b.slots[2]) {
      auto v = constArg(b.slots[2], "'bias' (1 or 0)");
      if (!v)
        return ExprType();
      bias = *v;
    }
    if (b.slots[3]) {
      auto v = constArg(b.slots[3], "'std'");
      if (!v)
        return ExprType();
      std = *v;
    }
    std::string prefix = instancePrefix("linear", b.slots[5]);
    ExprType w = tied.isValid() ? transposeLast2(e.loc, tied)
                                : makeParam(prefix + "weight", {in, out}, InitSpec{"normal", 0, std}, e.loc);
    if (!w.isValid())
      return ExprType();
    ExprType y = matmul(e.loc, x, w);
    if (bias == 0 || !y.isValid())
      return y;
    ExprType bvec = makeParam(prefix + "bias", {out}, InitSpec{"zeros", 0, 0}, e.loc);
    return bvec.isValid() ? binary('+', e.loc, y, bvec, y) : ExprType();
  }

  /// embedding(indices, table) or embedding(indices, rows, dim, std = 0.02, name = ...).
  ExprType checkEmbeddingCall(Expr &e) {
    BoundArgs b = bind(e, {"indices", "rows", "dim", "std", "name"});
    if (!b.ok || !requireArgs(e, b, 2) || !nameArg(b.slots[4]))
      return ExprType();
    ExprType idx = tensorArg(b.slots[0], "embedding");
    if (!idx.isValid())
      return ExprType();
    if (idx.elem != ElemType::I32) {
      diags_.error(b.slots[0]->loc, "'embedding' looks up integer indices (i32), got " + idx.str());
      return ExprType();
    }
    ExprType second = check(const_cast<Expr &>(*b.slots[1]));
    if (!second.isValid())
      return ExprType();
    ExprType table;
    if (second.kind == ExprType::Tensor) {
      table = second;
      if (table.elem != ElemType::F32 || table.shape.size() != 2) {
        diags_.error(b.slots[1]->loc, "an embedding table must be f32[rows, dim], got " + table.str());
        return ExprType();
      }
    } else {
      auto rows = intArg(b.slots[1], "the rows of 'embedding'");
      if (!rows)
        return ExprType();
      if (!b.slots[2]) {
        diags_.error(e.loc, "'embedding' needs a table, or its rows and width: embedding(idx, rows, dim)");
        return ExprType();
      }
      auto dim = intArg(b.slots[2], "the width of 'embedding'");
      if (!dim)
        return ExprType();
      double std = 0.02;
      if (b.slots[3]) {
        auto v = constArg(b.slots[3], "'std'");
        if (!v)
          return ExprType();
        std = *v;
      }
      table = makeParam(instancePrefix("embedding", b.slots[4]) + "weight", {*rows, *dim},
                        InitSpec{"normal", 0, std}, e.loc);
      if (!table.isValid())
        return ExprType();
    }
    std::vector<int64_t> shape = idx.shape;
    shape.push_back(table.shape[1]);
    return emitOp(Node::Gather, e.loc, {table.node, idx.node}, ExprType::tensor(ElemType::F32, shape));
  }

  /// layernorm(x, eps = 1e-5, bias = 1, name = ...) over the last axis, with a
  /// gain (ones) and a bias (zeros) of x's width.
  ExprType checkLayernormCall(Expr &e) {
    BoundArgs b = bind(e, {"x", "eps", "bias", "name"});
    if (!b.ok || !requireArgs(e, b, 1) || !nameArg(b.slots[3]))
      return ExprType();
    ExprType x = floatArg(b.slots[0], "layernorm", 1);
    if (!x.isValid())
      return ExprType();
    double eps = 1e-5, bias = 1;
    if (b.slots[1]) {
      auto v = constArg(b.slots[1], "'eps'");
      if (!v)
        return ExprType();
      eps = *v;
    }
    if (b.slots[2]) {
      auto v = constArg(b.slots[2], "'bias' (1 or 0)");
      if (!v)
        return ExprType();
      bias = *v;
    }
    int64_t c = x.shape.back();
    std::string prefix = instancePrefix("layernorm", b.slots[3]);
    ExprType w = makeParam(prefix + "weight", {c}, InitSpec{"ones", 0, 0}, e.loc);
    std::vector<int> operands = {x.node, w.node};
    if (bias != 0) {
      ExprType bv = makeParam(prefix + "bias", {c}, InitSpec{"zeros", 0, 0}, e.loc);
      operands.push_back(bv.node);
    }
    if (!w.isValid())
      return ExprType();
    return emitOp(Node::LayerNorm, e.loc, operands, x, {}, eps);
  }

  //===--------------------------------------------------------------------===//
  // Attention pieces
  //===--------------------------------------------------------------------===//

  /// dropout(x, p): zeroes each element with probability p while training and
  /// scales the rest by 1 / (1 - p); the identity at evaluation. p defaults to
  /// the config constant `dropout`.
  ExprType checkDropoutCall(Expr &e) {
    BoundArgs b = bind(e, {"x", "p"});
    if (!b.ok || !requireArgs(e, b, 1))
      return ExprType();
    ExprType x = floatArg(b.slots[0], "dropout");
    if (!x.isValid())
      return ExprType();
    double p;
    if (b.slots[1]) {
      auto v = constArg(b.slots[1], "the probability of 'dropout'");
      if (!v)
        return ExprType();
      p = *v;
    } else if (constants_.count("dropout")) {
      p = constants_["dropout"];
    } else {
      diags_.error(e.loc, "'dropout' needs a probability: dropout(x, p), or a config constant 'dropout'");
      return ExprType();
    }
    return dropout(e.loc, x, p, b.slots[1] ? b.slots[1]->loc : e.loc);
  }

  ExprType dropout(SourceLoc loc, const ExprType &x, double p, SourceLoc pLoc) {
    if (!(p >= 0 && p < 1)) {
      std::ostringstream os;
      os << "a dropout probability must be in [0, 1), got " << p;
      diags_.error(pLoc, os.str());
      return ExprType();
    }
    if (p == 0)
      return x;
    return emitOp(Node::Dropout, loc, {x.node}, x, {dropouts_++}, p);
  }

  /// arange(n): i32[n] holding 0 .. n-1 (positions, for embedding).
  ExprType checkArangeCall(Expr &e) {
    BoundArgs b = bind(e, {"n"});
    if (!b.ok || !requireArgs(e, b, 1))
      return ExprType();
    auto n = intArg(b.slots[0], "the length of 'arange'");
    if (!n)
      return ExprType();
    return emitOp(Node::Arange, e.loc, {}, ExprType::tensor(ElemType::I32, {*n}));
  }

  /// split(x, n, axis = -1): n equal parts.
  ExprType checkSplitCall(Expr &e) {
    BoundArgs b = bind(e, {"x", "parts", "axis"});
    if (!b.ok || !requireArgs(e, b, 2))
      return ExprType();
    ExprType x = floatArg(b.slots[0], "split", 1);
    auto parts = x.isValid() ? intArg(b.slots[1], "the number of parts of 'split'") : std::nullopt;
    if (!parts)
      return ExprType();
    int64_t axis = x.shape.size() - 1;
    if (b.slots[2]) {
      auto a = axisArg(b.slots[2], x.shape.size(), "split");
      if (!a)
        return ExprType();
      axis = *a;
    }
    if (x.shape[axis] % *parts != 0) {
      std::ostringstream os;
      os << "'split' cannot cut dimension " << axis << " of " << x.str() << " into " << *parts << " equal parts";
      diags_.error(e.loc, os.str());
      return ExprType();
    }
    ExprType result;
    result.kind = ExprType::Tuple;
    std::vector<int64_t> shape = x.shape;
    shape[axis] /= *parts;
    for (int64_t i = 0; i < *parts; ++i)
      result.items.push_back(
          emitOp(Node::Slice, e.loc, {x.node}, ExprType::tensor(ElemType::F32, shape), {axis, i * shape[axis]}));
    return result;
  }

  /// concat([a, b, ...], axis = -1).
  ExprType checkConcatCall(Expr &e) {
    BoundArgs b = bind(e, {"tensors", "axis"});
    if (!b.ok || !requireArgs(e, b, 1))
      return ExprType();
    const Expr *list = b.slots[0];
    if (list->kind != Expr::List || list->args.empty()) {
      diags_.error(list->loc, "'concat' expects a list of tensors, such as concat([a, b], axis = -1)");
      return ExprType();
    }
    std::vector<ExprType> parts;
    for (const ExprPtr &item : list->args) {
      ExprType t = floatArg(item.get(), "concat", 1);
      if (!t.isValid())
        return ExprType();
      parts.push_back(t);
    }
    int64_t rank = parts[0].shape.size(), axis = rank - 1;
    if (b.slots[1]) {
      auto a = axisArg(b.slots[1], rank, "concat");
      if (!a)
        return ExprType();
      axis = *a;
    }
    std::vector<int64_t> shape = parts[0].shape;
    std::vector<int> operands = {parts[0].node};
    for (size_t i = 1; i < parts.size(); ++i) {
      std::vector<int64_t> s = parts[i].shape;
      bool ok = (int64_t)s.size() == rank;
      for (int64_t d = 0; ok && d < rank; ++d)
        ok = d == axis || s[d] == shape[d];
      if (!ok) {
        diags_.error(list->args[i]->loc, "'concat' needs shapes that differ only along axis " +
                                             std::to_string(axis) + ": " + parts[0].str() + " and " + parts[i].str());
        return ExprType();
      }
      shape[axis] += s[axis];
      operands.push_back(parts[i].node);
    }
    return emitOp(Node::Concat, e.loc, operands, ExprType::tensor(ElemType::F32, shape), {axis});
  }

  /// heads(x, n): [B, T, C] -> [B, n, T, C / n], each head's slice of the channels.
  ExprType checkHeadsCall(Expr &e) {
    BoundArgs b = bind(e, {"x", "n"});
    if (!b.ok || !requireArgs(e, b, 2))
      return ExprType();
    ExprType x = floatArg(b.slots[0], "heads");
    auto n = x.isValid() ? intArg(b.slots[1], "the number of heads") : std::nullopt;
    if (!n)
      return ExprType();
    if (x.shape.size() != 3 || x.shape[2] % *n != 0) {
      diags_.error(e.loc, "'heads' needs [B, T, C] with C divisible by " + std::to_string(*n) + ", got " + x.str());
      return ExprType();
    }
    ExprType split = reshapeTo(e.loc, x, {x.shape[0], x.shape[1], *n, x.shape[2] / *n});
    return permuteTo(e.loc, split, {0, 2, 1, 3});
  }

  /// merge_heads(x): [B, H, T, D] -> [B, T, H * D], the inverse of heads.
  ExprType checkMergeHeadsCall(Expr &e) {
    BoundArgs b = bind(e, {"x"});
    if (!b.ok || !requireArgs(e, b, 1))
      return ExprType();
    ExprType x = floatArg(b.slots[0], "merge_heads");
    if (!x.isValid())
      return ExprType();
    if (x.shape.size() != 4) {
      diags_.error(e.loc, "'merge_heads' needs [B, H, T, D], got " + x.str());
      return ExprType();
    }
    ExprType t = permuteTo(e.loc, x, {0, 2, 1, 3});
    return reshapeTo(e.loc, t, {x.shape[0], x.shape[2], x.shape[1] * x.shape[3]});
  }

  /// The condition of a mask at one (row, col) of the last two dimensions.
  std::optional<double> evalCondition(const Expr &e, int64_t row, int64_t col, bool report) {
    switch (e.kind) {
    case Expr::Number: return e.number;
    case Expr::Name:
      if (e.name == "row") return (double)row;
      if (e.name == "col") return (double)col;
      if (auto it = constants_.find(e.name); it != constants_.end()) return it->second;
      if (report)
        diags_.error(e.loc, "a mask condition can use row, col and config constants; '" + e.name + "' is none of them");
      return std::nullopt;
    case Expr::Unary: {
      auto v = evalCondition(*e.args[0], row, col, report);
      return v ? std::optional<double>(-*v) : std::nullopt;
    }
    case Expr::Binary: {
      auto a = evalCondition(*e.args[0], row, col, report);
      auto b = evalCondition(*e.args[1], row, col, report);
      if (!a || !b)
        return std::nullopt;
      if (e.op == '@') {
        if (report)
          diags_.error(e.loc, "'@' cannot appear in a mask condition");
        return std::nullopt;
      }
      return fold(e.op, *a, *b);
    }
    default:
      if (report)
        diags_.error(e.loc, "a mask condition is arithmetic and comparisons over row and col, "
                            "such as col > row");
      return std::nullopt;
    }
  }

  ExprType maskNode(SourceLoc loc, const ExprType &x, const Expr *condition, double fill) {
    int64_t rows = x.shape[x.shape.size() - 2], cols = x.shape.back();
    Node n{Node::Mask};
    n.loc = loc;
    n.operands = {x.node};
    n.value = fill;
    n.mask.resize(rows * cols);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        bool masked;
        if (!condition) {
          masked = c > r; // causal: a position sees itself and the past
        } else {
          auto v = evalCondition(*condition, r, c, r == 0 && c == 0);
          if (!v)
            return ExprType();
          masked = *v != 0;
        }
        n.mask[r * cols + c] = masked;
      }
    return emit(n, x);
  }

  /// mask(x, condition, fill): x where the condition over (row, col) of the
  /// last two dimensions is false, `fill` where it is true.
  ExprType checkMaskCall(Expr &e) {
    BoundArgs b = bind(e, {"x", "condition", "fill"});
    if (!b.ok || !requireArgs(e, b, e.name == "causal_mask" ? 1 : 3))
      return ExprType();
    ExprType x = floatArg(b.slots[0], e.name, 2);
    if (!x.isValid())
      return ExprType();
    if (e.name == "causal_mask") {
      if (b.slots[1] || b.slots[2]) {
        diags_.error(e.loc, "'causal_mask' takes only the scores; for another mask write mask(x, condition, fill)");
        return ExprType();
      }
      return maskNode(e.loc, x, nullptr, -INFINITY);
    }
    auto fill = constArg(b.slots[2], "the fill value of 'mask'");
    if (!fill)
      return ExprType();
    return maskNode(e.loc, x, b.slots[1], *fill);
  }

  /// attention(q, k, v, causal = 1, scale = 1 / sqrt(D), dropout = 0):
  /// softmax(mask(q @ transpose(k) * scale)) @ v, written out as primitives.
  ExprType checkAttentionCall(Expr &e) {
    BoundArgs b = bind(e, {"q", "k", "v", "causal", "scale", "dropout"});
    if (!b.ok || !requireArgs(e, b, 3))
      return ExprType();
    ExprType q = floatArg(b.slots[0], "attention", 2), k = floatArg(b.slots[1], "attention", 2),
             v = floatArg(b.slots[2], "attention", 2);
    if (!q.isValid() || !k.isValid() || !v.isValid())
      return ExprType();
    double causal = 1, scaleBy = 1 / std::sqrt((double)q.shape.back()), p = 0;
    if (b.slots[3]) {
      auto c = constArg(b.slots[3], "'causal' (1 or 0)");
      if (!c)
        return ExprType();
      causal = *c;
    }
    if (b.slots[4]) {
      auto s = constArg(b.slots[4], "'scale'");
      if (!s)
        return ExprType();
      scaleBy = *s;
    }
    if (b.slots[5]) {
      auto d = constArg(b.slots[5], "'dropout'");
      if (!d)
        return ExprType();
      p = *d;
    }
    ExprType scores = matmul(e.loc, q, transposeLast2(e.loc, k));
    if (!scores.isValid())
      return ExprType();
    scores = scale(e.loc, scores, scaleBy);
    if (causal != 0)
      scores = maskNode(e.loc, scores, nullptr, -INFINITY);
    ExprType weights = emitOp(Node::Softmax, e.loc, {scores.node}, scores);
    weights = dropout(e.loc, weights, p, b.slots[5] ? b.slots[5]->loc : e.loc);
    return weights.isValid() ? matmul(e.loc, weights, v) : ExprType();
  }

  /// A call of a block or a builtin function: each builtin has its shape rule above.
  ExprType checkCall(Expr &e) {
    for (ModelDecl &block : *blocks_)
      if (block.name == e.name)
        return callBlock(e, block);
    using Rule = ExprType (Sema::*)(Expr &);
    static const std::map<std::string, Rule> rules = {
        {"sigmoid", &Sema::checkElementwiseCall},  {"relu", &Sema::checkElementwiseCall},
        {"tanh", &Sema::checkElementwiseCall},     {"exp", &Sema::checkElementwiseCall},
        {"log", &Sema::checkElementwiseCall},      {"sqrt", &Sema::checkElementwiseCall},
        {"softplus", &Sema::checkElementwiseCall}, {"gelu", &Sema::checkElementwiseCall},
        {"sum", &Sema::checkReductionCall},        {"mean", &Sema::checkReductionCall},
        {"softmax", &Sema::checkSoftmaxCall},      {"log_softmax", &Sema::checkSoftmaxCall},
        {"transpose", &Sema::checkTransposeCall},  {"permute", &Sema::checkPermuteCall},
        {"reshape", &Sema::checkReshapeCall},      {"cross_entropy", &Sema::checkCrossEntropyCall},
        {"mse", &Sema::checkMseCall},              {"linear", &Sema::checkLinearCall},
        {"embedding", &Sema::checkEmbeddingCall},  {"layernorm", &Sema::checkLayernormCall},
        {"dropout", &Sema::checkDropoutCall},      {"arange", &Sema::checkArangeCall},
        {"split", &Sema::checkSplitCall},          {"concat", &Sema::checkConcatCall},
        {"heads", &Sema::checkHeadsCall},          {"merge_heads", &Sema::checkMergeHeadsCall},
        {"mask", &Sema::checkMaskCall},            {"causal_mask", &Sema::checkMaskCall},
        {"attention", &Sema::checkAttentionCall}};
    if (auto it = rules.find(e.name); it != rules.end())
      return (this->*it->second)(e);
    static const std::set<std::string> initializers = {"normal", "uniform", "zeros", "ones", "xavier"};
    if (initializers.count(e.name)) {
      diags_.error(e.loc, "'" + e.name + "' is an initializer; it can only follow 'param NAME: TYPE ='");
      return ExprType();
    }
    diags_.error(e.loc, "unknown function '" + e.name + "'");
    for (ExprPtr &a : e.args)
      check(*a);
    return ExprType();
  }

  bool requireArgs(const Expr &e, const BoundArgs &b, size_t required) {
    for (size_t i = 0; i < required; ++i)
      if (!b.slots[i]) {
        std::ostringstream os;
        os << "'" << e.name << "' expects " << required << " argument" << (required == 1 ? "" : "s")
           << ", got " << e.args.size();
        diags_.error(e.loc, os.str());
        return false;
      }
    return true;
  }

  ExprType foldUnary(Expr &e, double x) {
    double v = 0;
    if (e.name == "sigmoid") v = 1 / (1 + std::exp(-x));
    else if (e.name == "relu") v = x > 0 ? x : 0;
    else if (e.name == "tanh") v = std::tanh(x);
    else if (e.name == "exp") v = std::exp(x);
    else if (e.name == "softplus") v = std::log1p(std::exp(x));
    else if (e.name == "gelu") v = 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
    else if (e.name == "log" || e.name == "sqrt") {
      if (x < 0 || (e.name == "log" && x == 0)) {
        std::ostringstream os;
        os << e.name << "(" << x << ") is not a real number";
        diags_.error(e.loc, os.str());
        return ExprType();
      }
      v = e.name == "log" ? std::log(x) : std::sqrt(x);
    }
    return ExprType::constant(v, false);
  }

  DiagnosticEngine &diags_;
  const std::set<std::string> *unparsed_ = nullptr;
  std::vector<ModelDecl> *blocks_ = nullptr;
  std::map<std::string, double> constants_;
  std::map<std::string, bool> integral_;
  std::set<std::string> poisoned_; // names whose errors were reported (B without a batch)
  // The current frame: the model's or a block instance's names.
  std::map<std::string, ExprType> locals_;
  std::set<std::string> isParam_;
  std::string scope_;                 // "layer.0.attn." inside blocks, "" in the model
  std::vector<int64_t> repeatIndex_;  // the iteration of each enclosing repeat
  std::vector<std::string> activeBlocks_;
  std::set<std::string> usedInstances_;
  // What the elaboration builds.
  std::vector<Node> graph_;
  std::vector<ParamInfo> params_;
  int64_t dropouts_ = 0;
  SourceLoc lossLoc_, outLoc_;
};

} // namespace

std::optional<CheckedProgram> analyze(Program &program, const std::map<std::string, double> &overrides,
                                      DiagnosticEngine &diags) {
  return Sema(diags).run(program, overrides);
}

} // namespace gptc
