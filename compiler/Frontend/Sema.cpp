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
    checkConfig(program, overrides);
    if (!program.hasTrain) {
      if (!program.skippedTopLevel)
        diags_.error({}, "missing 'train' section (it gives at least the batch size)");
      locals_["B"] = ExprType(); // reported: uses of B stay silent
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
      if (!constants_.count(name) && !trainIntegers().count(name))
        diags_.error({}, "-D " + name + ": no config constant or integer train setting named '" +
                             name + "'");
  }

  /// The integer train settings, where each is stored, and whether 0 is allowed.
  static const std::map<std::string, std::pair<int64_t TrainSpec::*, bool>> &trainIntegers() {
    static const std::map<std::string, std::pair<int64_t TrainSpec::*, bool>> integers = {
        {"batch", {&TrainSpec::batch, false}},     {"epochs", {&TrainSpec::epochs, true}},
        {"steps", {&TrainSpec::steps, true}},      {"seed", {&TrainSpec::seed, true}},
        {"validation", {&TrainSpec::validation, true}}};
    return integers;
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

  void checkTrain(Program &program, const std::map<std::string, double> &overrides, TrainSpec &train) {
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
        checkOptimizer(*s.value, train.optimizer);
      } else {
        diags_.error(s.loc, "unknown train setting '" + s.name +
                                "' (expected batch, epochs, steps, seed, validation, data or optimizer)");
      }
    }
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
      locals_["B"] = ExprType(); // already reported: uses of B stay silent
    } else if (train.batch > 0) {
      constants_["B"] = (double)train.batch;
      integral_["B"] = true;
    }
  }

  void checkData(Expr &e, TrainSpec &train) {
    if (e.kind != Expr::Call || (e.name != "idx_images" && e.name != "random")) {
      diags_.error(e.loc, "expected a data source: idx_images(\"DIR\") or random()");
      return;
    }
    train.data = e.name;
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
    train.dataPath = b.slots[0]->name;
  }

  void checkOptimizer(Expr &e, OptimizerSpec &opt) {
    if (e.kind != Expr::Call || (e.name != "sgd" && e.name != "adamw")) {
      diags_.error(e.loc, "expected an optimizer: sgd(lr, momentum, weight_decay) or "
                          "adamw(lr, betas, eps, weight_decay)");
      return;
    }
    opt.kind = e.name;
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
    opt.weightDecay = 0.01; // torch.optim.AdamW's default
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

  //===--------------------------------------------------------------------===//
  // model
  //===--------------------------------------------------------------------===//

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
      locals_[in.name] = ExprType::tensor(spec->first, spec->second);
      result.inputs.push_back({in.name, spec->first, spec->second});
    }
    for (Stmt &s : model.body) {
      if (s.kind == Stmt::Param) {
        checkParam(s, result);
        continue;
      }
      const std::string &name = s.names[0];
      ExprType t = check(*s.value);
      if (t.isValid() && t.kind != ExprType::Tensor && t.kind != ExprType::Constant) {
        diags_.error(s.value->loc, "cannot assign " + t.str() + " to '" + name + "'");
        t = ExprType();
      }
      if (isParam_.count(name)) {
        diags_.error(s.nameLocs[0], "cannot assign to parameter '" + name + "'");
        continue;
      }
      locals_[name] = t;
      if (name == "loss")
        result.loss = s.value.get();
      else if (name == "out")
        result.out = s.value.get();
    }
    if (result.params.empty() && !diags_.hadErrors())
      diags_.error(model.loc, "model '" + model.name + "' has no parameters to train");
    if (!result.loss) {
      if (!unparsed_->count("loss"))
        diags_.error(model.loc, "model '" + model.name + "' never assigns 'loss'");
    } else if (result.loss->type.isValid()) {
      const ExprType &t = result.loss->type;
      if (t.kind != ExprType::Tensor || !t.shape.empty() || t.elem != ElemType::F32)
        diags_.error(result.loss->loc, "'loss' must be a scalar tensor (f32[]), got " + t.str());
    }
    if (result.out && result.out->type.isValid()) {
      const ExprType &t = result.out->type;
      if (t.kind != ExprType::Tensor || t.shape.size() != 2 || t.elem != ElemType::F32)
        diags_.error(result.out->loc, "'out' (the prediction used for accuracy) must be a rank-2 "
                                      "f32 tensor [batch, classes], got " + t.str());
    }
  }

  void checkParam(Stmt &s, CheckedProgram &result) {
    const std::string &name = s.names[0];
    if (locals_.count(name) || isParam_.count(name)) {
      diags_.error(s.nameLocs[0], "'" + name + "' is already defined");
      return;
    }
    auto spec = checkTypeSpec(s.paramType);
    ParamInfo p;
    p.name = name;
    p.loc = s.loc;
    bool ok = spec.has_value();
    if (spec && spec->first != ElemType::F32) {
      diags_.error(s.paramType.loc, "parameters must be f32");
      ok = false;
    }
    if (spec)
      p.shape = spec->second;
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
      p.init.kind = init.name;
      BoundArgs b = bind(init, it->second);
      ok &= b.ok;
      if (init.name == "normal") {
        p.init.a = 0;
        p.init.b = 1;
      } else if (init.name == "uniform") {
        p.init.a = -1;
        p.init.b = 1;
      }
      for (size_t i = 0; i < b.slots.size(); ++i)
        if (b.slots[i]) {
          auto v = constArg(b.slots[i], "'" + it->second[i] + "'");
          if (!v)
            ok = false;
          else
            (i == 0 ? p.init.a : p.init.b) = *v;
        }
      if (init.name == "xavier" && spec && spec->second.size() < 2) {
        diags_.error(init.loc, "xavier() needs a parameter of rank 2 or more, got " + shapeStr(spec->second));
        ok = false;
      }
    }
    isParam_.insert(name);
    locals_[name] = ok ? ExprType::tensor(ElemType::F32, p.shape) : ExprType();
    if (ok)
      result.params.push_back(p);
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
      if (unparsed_->count(e.name))
        return ExprType(); // its definition had a syntax error, already reported
      diags_.error(e.loc, "undefined name '" + e.name + "'");
      return ExprType();
    }
    case Expr::Unary: {
      ExprType t = check(*e.args[0]);
      if (t.kind == ExprType::Constant)
        return ExprType::constant(-t.value, t.isInteger);
      if (t.kind == ExprType::Tensor)
        return requireFloat(t, e.args[0]->loc, "unary '-'") ? t : ExprType();
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
      for (ExprPtr &a : e.args)
        check(*a);
      ExprType t;
      t.kind = ExprType::Tuple;
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

  static double fold(char op, double a, double b) {
    switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '^': return std::pow(a, b);
    }
    return 0;
  }

  ExprType checkBinary(Expr &e) {
    ExprType l = check(*e.args[0]);
    ExprType r = check(*e.args[1]);
    if (!l.isValid() || !r.isValid())
      return ExprType();
    std::string opName = std::string("'") + e.op + "'";
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
      return requireFloat(l, e.args[0]->loc, "'^'") ? l : ExprType();
    }
    if (l.kind == ExprType::Constant && r.kind == ExprType::Constant) {
      if (e.op == '@')
        return badOperand(e.loc, "'@'", l);
      if (e.op == '/' && r.value == 0) {
        diags_.error(e.loc, "division by zero in a constant expression");
        return ExprType();
      }
      bool isInt = l.isInteger && r.isInteger && e.op != '/';
      double v = fold(e.op, l.value, r.value);
      if (e.op == '/' && l.isInteger && r.isInteger && std::fmod(l.value, r.value) == 0)
        isInt = true;
      return ExprType::constant(v, isInt);
    }
    if (e.op == '@')
      return checkMatmul(e, l, r);
    if (l.kind == ExprType::Tensor && !requireFloat(l, e.args[0]->loc, opName))
      return ExprType();
    if (r.kind == ExprType::Tensor && !requireFloat(r, e.args[1]->loc, opName))
      return ExprType();
    if (l.kind == ExprType::Constant)
      return r;
    if (r.kind == ExprType::Constant)
      return l;
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
    return ExprType::tensor(ElemType::F32, shape);
  }

  ExprType checkMatmul(Expr &e, const ExprType &l, const ExprType &r) {
    if (l.kind != ExprType::Tensor || r.kind != ExprType::Tensor)
      return badOperand(e.loc, "'@'", l.kind != ExprType::Tensor ? l : r);
    if (!requireFloat(l, e.args[0]->loc, "'@'") || !requireFloat(r, e.args[1]->loc, "'@'"))
      return ExprType();
    const auto &ls = l.shape, &rs = r.shape;
    bool ranksOk = (ls.size() == 2 && rs.size() == 2) || (ls.size() == 3 && rs.size() == 3) ||
                   (ls.size() == 3 && rs.size() == 2);
    if (!ranksOk) {
      diags_.error(e.loc, "'@' needs rank-2 or rank-3 operands (rank 3 @ rank 2 applies the "
                          "matrix to every row), got " + l.str() + " @ " + r.str());
      return ExprType();
    }
    int64_t k1 = ls.back(), k2 = rs[rs.size() - 2];
    if (k1 != k2) {
      std::ostringstream os;
      os << "matmul shapes do not match: " << l.str() << " @ " << r.str()
         << " (inner dimensions " << k1 << " and " << k2 << " differ)";
      diags_.error(e.loc, os.str());
      return ExprType();
    }
    if (ls.size() == 3 && rs.size() == 3 && ls[0] != rs[0]) {
      diags_.error(e.loc, "batched matmul needs equal batch sizes: " + l.str() + " @ " + r.str());
      return ExprType();
    }
    std::vector<int64_t> shape(ls.begin(), ls.end() - 1);
    shape.push_back(rs.back());
    return ExprType::tensor(ElemType::F32, shape);
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

  /// sigmoid, relu, tanh, exp, log, sqrt, softplus: one tensor in, same shape out (constants fold).
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
    return requireFloat(t, b.slots[0]->loc, "'" + e.name + "'") ? t : ExprType();
  }

  /// sum / mean over everything or one axis.
  ExprType checkReductionCall(Expr &e) {
    BoundArgs b = bind(e, {"x", "axis"});
    if (!b.ok || !requireArgs(e, b, 1))
      return ExprType();
    ExprType t = tensorArg(b.slots[0], e.name);
    if (!t.isValid() || !requireFloat(t, b.slots[0]->loc, "'" + e.name + "'"))
      return ExprType();
    e.resolved.clear();
    if (!b.slots[1]) {
      for (size_t i = 0; i < t.shape.size(); ++i)
        e.resolved.push_back(i);
      return ExprType::tensor(ElemType::F32, {});
    }
    auto axis = axisArg(b.slots[1], t.shape.size(), e.name);
    if (!axis)
      return ExprType();
    e.resolved.push_back(*axis);
    std::vector<int64_t> shape = t.shape;
    shape.erase(shape.begin() + *axis);
    return ExprType::tensor(ElemType::F32, shape);
  }

  /// softmax / log_softmax over the last axis.
  ExprType checkSoftmaxCall(Expr &e) {
    BoundArgs b = bind(e, {"x", "axis"});
    if (!b.ok || !requireArgs(e, b, 1))
      return ExprType();
    ExprType t = tensorArg(b.slots[0], e.name);
    if (!t.isValid() || !requireFloat(t, b.slots[0]->loc, "'" + e.name + "'"))
      return ExprType();
    if (t.shape.empty()) {
      diags_.error(e.loc, "'" + e.name + "' needs a tensor of rank 1 or more, got " + t.str());
      return ExprType();
    }
    if (b.slots[1]) {
      auto axis = axisArg(b.slots[1], t.shape.size(), e.name);
      if (!axis)
        return ExprType();
      if (*axis != (int64_t)t.shape.size() - 1) {
        diags_.error(b.slots[1]->loc, "'" + e.name + "' is supported over the last axis only");
        return ExprType();
      }
    }
    return t;
  }

  /// transpose: swaps the last two dimensions.
  ExprType checkTransposeCall(Expr &e) {
    BoundArgs b = bind(e, {"x"});
    if (!b.ok || !requireArgs(e, b, 1))
      return ExprType();
    ExprType t = tensorArg(b.slots[0], e.name);
    if (!t.isValid() || !requireFloat(t, b.slots[0]->loc, "'transpose'"))
      return ExprType();
    if (t.shape.size() < 2) {
      diags_.error(e.loc, "'transpose' swaps the last two dimensions and needs rank 2 or more, got " + t.str());
      return ExprType();
    }
    size_t n = t.shape.size();
    e.resolved.clear();
    for (size_t i = 0; i < n; ++i)
      e.resolved.push_back(i);
    std::swap(e.resolved[n - 1], e.resolved[n - 2]);
    std::swap(t.shape[n - 1], t.shape[n - 2]);
    return t;
  }

  /// reshape(x, [dims]): same element count.
  ExprType checkReshapeCall(Expr &e) {
    BoundArgs b = bind(e, {"x", "shape"});
    if (!b.ok || !requireArgs(e, b, 2))
      return ExprType();
    ExprType t = tensorArg(b.slots[0], e.name);
    if (!t.isValid() || !requireFloat(t, b.slots[0]->loc, "'reshape'"))
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
      os << "cannot reshape " << t.str() << " (" << from << " elements) to " << shapeStr(shape)
         << " (" << count << " elements)";
      diags_.error(e.loc, os.str());
      return ExprType();
    }
    e.resolved = shape;
    return ExprType::tensor(ElemType::F32, shape);
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
    return ExprType::tensor(ElemType::F32, {});
  }

  /// mse(a, b) -> scalar, a and b of one shape.
  ExprType checkMseCall(Expr &e) {
    BoundArgs b = bind(e, {"prediction", "target"});
    if (!b.ok || !requireArgs(e, b, 2))
      return ExprType();
    ExprType p = tensorArg(b.slots[0], e.name);
    ExprType t = tensorArg(b.slots[1], e.name);
    if (!p.isValid() || !t.isValid())
      return ExprType();
    if (!requireFloat(p, b.slots[0]->loc, "'mse'") || !requireFloat(t, b.slots[1]->loc, "'mse'"))
      return ExprType();
    if (p.shape != t.shape) {
      diags_.error(e.loc, "mse needs two tensors of one shape, got " + p.str() + " and " + t.str());
      return ExprType();
    }
    return ExprType::tensor(ElemType::F32, {});
  }

  /// A call of a builtin function: each has its shape rule below.
  ExprType checkCall(Expr &e) {
    using Rule = ExprType (Sema::*)(Expr &);
    static const std::map<std::string, Rule> rules = {
        {"sigmoid", &Sema::checkElementwiseCall}, {"relu", &Sema::checkElementwiseCall},
        {"tanh", &Sema::checkElementwiseCall},    {"exp", &Sema::checkElementwiseCall},
        {"log", &Sema::checkElementwiseCall},     {"sqrt", &Sema::checkElementwiseCall},
        {"softplus", &Sema::checkElementwiseCall}, {"sum", &Sema::checkReductionCall},
        {"mean", &Sema::checkReductionCall},      {"softmax", &Sema::checkSoftmaxCall},
        {"log_softmax", &Sema::checkSoftmaxCall}, {"transpose", &Sema::checkTransposeCall},
        {"reshape", &Sema::checkReshapeCall},     {"cross_entropy", &Sema::checkCrossEntropyCall},
        {"mse", &Sema::checkMseCall}};
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
  std::map<std::string, double> constants_;
  std::map<std::string, bool> integral_;
  std::map<std::string, ExprType> locals_;
  std::set<std::string> isParam_;
};

} // namespace

std::optional<CheckedProgram> analyze(Program &program, const std::map<std::string, double> &overrides,
                                      DiagnosticEngine &diags) {
  return Sema(diags).run(program, overrides);
}

} // namespace gptc
