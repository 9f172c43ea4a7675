// Elaboration: statements run in order and build the graph. A block call is
// inlined (its statements run again in a frame of their own, its params scoped
// under the instance's name), `repeat` is unrolled, and params are created
// where they are declared.
#include "compiler/Frontend/Parser.h"
#include "compiler/Frontend/Sema/Checker.h"

#include <algorithm>
#include <sstream>

namespace gptc::sema {

//===----------------------------------------------------------------------===//
// The graph
//===----------------------------------------------------------------------===//

ExprType Checker::emit(Node n, ExprType t) {
  // Every tensor's element count fits in int64: later stages multiply
  // dimensions freely.
  if (t.kind == ExprType::Tensor && !elementCount(t.shape))
    error(n.loc, "this gives " + t.str() + ", which has more elements than int64 can count");
  t.node = -1;
  n.type = t;
  graph_.push_back(std::move(n));
  t.node = (int)graph_.size() - 1;
  return t;
}

ExprType Checker::emitOp(Node::Kind kind, SourceLoc loc, std::vector<int> operands, ExprType t,
                         std::vector<int64_t> ints, double value) {
  Node n{kind};
  n.loc = loc;
  n.operands = std::move(operands);
  n.ints = std::move(ints);
  n.value = value;
  return emit(std::move(n), std::move(t));
}

int Checker::nodeOf(const ExprType &t, SourceLoc loc) {
  if (t.kind == ExprType::Tensor)
    return t.node;
  Node n{Node::Scalar};
  n.loc = loc;
  n.value = t.value;
  return emit(n, t).node;
}

ExprType Checker::makeParam(const std::string &name, const std::vector<int64_t> &shape, const InitSpec &init,
                            SourceLoc loc) {
  for (const ParamInfo &p : params_)
    if (p.name == name) {
      error(loc, "a parameter named '" + name + "' already exists; give this layer another name (name = ...)");
      return ExprType();
    }
  params_.push_back({name, loc, shape, init});
  Node n{Node::Param};
  n.index = (int)params_.size() - 1;
  n.loc = loc;
  return emit(n, ExprType::tensor(ElemType::F32, shape));
}

/// `name = ...` if given, else the callee (with the repeat index inside
/// `repeat`); a name used twice in one scope gets _1, _2, ...
std::string Checker::instancePrefix(const std::string &callee, const Expr *explicitName) {
  std::string base = callee;
  if (explicitName)
    base = explicitName->name;
  else if (!repeatIndex_.empty())
    base += "." + std::to_string(repeatIndex_.back());
  std::string name = base;
  for (int k = 1; !usedInstances_.insert(scope_ + name).second; ++k)
    name = base + "_" + std::to_string(k);
  return scope_ + name + ".";
}

//===----------------------------------------------------------------------===//
// Types and statements
//===----------------------------------------------------------------------===//

/// `f32[B, 784]`: positive integer dimensions, at most 2^32 elements.
std::optional<std::pair<ElemType, std::vector<int64_t>>> Checker::checkTypeSpec(TypeSpec &spec) {
  bool ok = true;
  ElemType elem = ElemType::F32;
  if (spec.elem == "f32")
    elem = ElemType::F32;
  else if (spec.elem == "i32")
    elem = ElemType::I32;
  else {
    error(spec.loc, "unknown element type '" + spec.elem + "' (expected f32 or i32)");
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
      error(d->loc, "a dimension must be a positive integer constant, got " + t.str());
      ok = false;
      continue;
    }
    std::optional<int64_t> dim = exactInt64(t.value);
    if (!dim) {
      error(d->loc, "dimension " + t.str() + " is too large for int64");
      ok = false;
      continue;
    }
    shape.push_back(*dim);
  }
  if (!ok)
    return std::nullopt;
  std::optional<int64_t> elements = elementCount(shape);
  if (!elements) {
    error(spec.loc, "tensor " + ExprType::tensor(elem, shape).str() +
                        " has more elements than int64 can count (gptc supports 2^32)");
    return std::nullopt;
  }
  if (*elements > (int64_t(1) << 32)) {
    error(spec.loc, "tensor of " + std::to_string(*elements) + " elements is larger than gptc supports (2^32)");
    return std::nullopt;
  }
  return std::make_pair(elem, shape);
}

void Checker::runBody(std::vector<Stmt> &body, std::vector<ExprType> *returned) {
  for (Stmt &s : body) {
    switch (s.kind) {
    case Stmt::Param: checkParam(s); break;
    case Stmt::Assign: checkAssign(s); break;
    case Stmt::Repeat: checkRepeat(s, returned); break;
    case Stmt::Return:
      if (!returned) {
        error(s.loc, "'return' ends a block; a model's result is 'loss'");
        break;
      }
      if (&s != &body.back() || !repeatIndex_.empty()) {
        error(s.loc, "'return' must be the last statement of the block");
        break;
      }
      for (ExprPtr &r : s.results)
        returned->push_back(check(*r));
      break;
    }
  }
}

void Checker::checkAssign(Stmt &s) {
  ExprType t = check(*s.value);
  if (s.names.size() > 1) {
    if (t.isValid() && (t.kind != ExprType::Tuple || t.items.size() != s.names.size())) {
      std::ostringstream os;
      os << "cannot unpack " << (t.kind == ExprType::Tuple ? std::to_string(t.items.size()) + " values" : t.str())
         << " into " << s.names.size() << " names";
      error(s.value->loc, os.str());
      t = ExprType();
    }
    for (size_t i = 0; i < s.names.size(); ++i)
      bindLocal(s.names[i], s.nameLocs[i], t.isValid() ? t.items[i] : ExprType());
    return;
  }
  if (t.isValid() && t.kind == ExprType::Tuple && !t.items.empty()) {
    error(s.value->loc, "this gives " + std::to_string(t.items.size()) + " values; unpack them: a, b = ...");
    t = ExprType();
  } else if (t.isValid() && t.kind != ExprType::Tensor && t.kind != ExprType::Constant) {
    error(s.value->loc, "cannot assign " + t.str() + " to '" + s.names[0] + "'");
    t = ExprType();
  }
  bindLocal(s.names[0], s.nameLocs[0], t);
  if (s.names[0] == "loss")
    lossLoc_ = s.value->loc;
  if (s.names[0] == "out")
    outLoc_ = s.value->loc;
}

void Checker::bindLocal(const std::string &name, SourceLoc loc, const ExprType &t) {
  if (isParam_.count(name)) {
    error(loc, "cannot assign to parameter '" + name + "'");
    return;
  }
  locals_[name] = t;
}

void Checker::checkRepeat(Stmt &s, std::vector<ExprType> *returned) {
  ExprType count = check(*s.value);
  if (!count.isValid())
    return;
  if (count.kind != ExprType::Constant || !count.isInteger || count.value < 0 || !exactInt64(count.value)) {
    error(s.value->loc, "'repeat' needs a non-negative integer count, got " + count.str());
    return;
  }
  for (int64_t i = 0; i < *exactInt64(count.value); ++i) {
    repeatIndex_.push_back(i);
    runBody(s.body, returned);
    repeatIndex_.pop_back();
    if (diags_.hadErrors())
      break; // the same errors again on every pass
  }
}

/// param NAME: f32[...] = normal(mean, std) | uniform(low, high) | zeros() | ones() | xavier()
void Checker::checkParam(Stmt &s) {
  const std::string &name = s.names[0];
  if (locals_.count(name) || isParam_.count(name)) {
    error(s.nameLocs[0], "'" + name + "' is already defined");
    return;
  }
  auto spec = checkTypeSpec(s.paramType);
  bool ok = spec.has_value();
  if (spec && spec->first != ElemType::F32) {
    error(s.paramType.loc, "parameters must be f32");
    ok = false;
  }
  std::vector<int64_t> shape = spec ? spec->second : std::vector<int64_t>{};
  InitSpec initSpec;
  Expr &init = *s.value;
  std::optional<InitKind> kind = init.kind == Expr::Call ? parseInitKind(init.name) : std::nullopt;
  if (!kind) {
    error(init.loc, "expected an initializer: normal(mean, std), uniform(low, high), zeros(), ones() or xavier()");
    ok = false;
  } else {
    std::vector<std::string> argNames;
    initSpec.kind = *kind;
    if (*kind == InitKind::Normal) {
      argNames = {"mean", "std"};
      initSpec.a = 0;
      initSpec.b = 1;
    } else if (*kind == InitKind::Uniform) {
      argNames = {"low", "high"};
      initSpec.a = -1;
      initSpec.b = 1;
    }
    BoundArgs b = bind(init, argNames);
    ok &= b.ok;
    for (size_t i = 0; i < b.slots.size(); ++i)
      if (b.slots[i]) {
        auto v = constArg(b.slots[i], "'" + argNames[i] + "'");
        if (!v)
          ok = false;
        else
          (i == 0 ? initSpec.a : initSpec.b) = *v;
      }
    if (*kind == InitKind::Xavier && spec && spec->second.size() < 2) {
      error(init.loc, "xavier() needs a parameter of rank 2 or more, got " + shapeStr(spec->second));
      ok = false;
    }
  }
  isParam_.insert(name);
  locals_[name] = ok ? makeParam(scope_ + name, shape, initSpec, s.loc) : ExprType();
}

//===----------------------------------------------------------------------===//
// Blocks
//===----------------------------------------------------------------------===//

/// A block call: its inputs (checked against their declared types), then its
/// statements inlined in a frame of their own; the result is what it returns.
ExprType Checker::callBlock(Expr &e, ModelDecl &block) {
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
      error(e.loc, "block '" + block.name + "' needs its input '" + block.inputs[i].name + "'");
      return ExprType();
    }
    ExprType t = check(*b.slots[i]);
    ok &= t.isValid();
    if (t.isValid() && !block.inputs[i].type.elem.empty()) {
      auto spec = checkTypeSpec(block.inputs[i].type);
      if (spec && (t.kind != ExprType::Tensor || t.elem != spec->first || t.shape != spec->second)) {
        error(b.slots[i]->loc, "input '" + block.inputs[i].name + "' of block '" + block.name + "' must be " +
                                   ExprType::tensor(spec->first, spec->second).str() + ", got " + t.str());
        ok = false;
      }
    }
    args.push_back(t);
  }
  if (!ok || !nameArg(b.slots.back()))
    return ExprType();
  if ((int)activeBlocks_.size() >= kMaxNestingDepth) { // each call is a level of Sema's recursion
    error(e.loc, "block calls nest more than " + std::to_string(kMaxNestingDepth) + " levels deep");
    return ExprType();
  }
  if (std::find(activeBlocks_.begin(), activeBlocks_.end(), block.name) != activeBlocks_.end()) {
    error(e.loc, "block '" + block.name + "' calls itself; blocks cannot recurse");
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
    error(block.loc, "block '" + block.name + "' must end with 'return'");
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

} // namespace gptc::sema
