// A call's arguments: binding positional and keyword arguments to named
// slots, and the checks every rule shares (a constant, an integer, an axis, a
// float tensor). Also the int64 arithmetic of shapes, which must not wrap.
#include "compiler/Frontend/Sema/Checker.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace gptc::sema {

std::string shapeStr(const std::vector<int64_t> &shape) {
  return ExprType::tensor(ElemType::F32, shape).str().substr(3);
}

std::optional<int64_t> exactInt64(double v) {
  // 2^63 is the first double past int64's range; NaN fails every comparison.
  if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0) || v != std::floor(v))
    return std::nullopt;
  return (int64_t)v;
}

std::optional<int64_t> elementCount(const std::vector<int64_t> &shape) {
  int64_t count = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(count, d, &count))
      return std::nullopt;
  return count;
}

BoundArgs Checker::bind(Expr &call, const std::vector<std::string> &names) {
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
        error(call.args[i]->loc, os.str());
        b.ok = false;
        return b;
      }
    } else {
      auto it = std::find(names.begin(), names.end(), kw);
      if (it == names.end()) {
        std::string known;
        for (auto &n : names)
          known += (known.empty() ? "" : ", ") + n;
        error(call.args[i]->loc, "'" + call.name + "' has no argument named '" + kw + "'" +
                                     (known.empty() ? "" : " (it takes: " + known + ")"));
        b.ok = false;
        continue;
      }
      slot = it - names.begin();
    }
    if (b.slots[slot]) {
      error(call.args[i]->loc, "argument '" + names[slot] + "' of '" + call.name + "' given twice");
      b.ok = false;
      continue;
    }
    b.slots[slot] = call.args[i].get();
  }
  return b;
}

bool Checker::requireArgs(const Expr &call, const BoundArgs &b, size_t required) {
  for (size_t i = 0; i < required; ++i)
    if (!b.slots[i]) {
      std::ostringstream os;
      os << "'" << call.name << "' expects " << required << " argument" << (required == 1 ? "" : "s")
         << ", got " << call.args.size();
      error(call.loc, os.str());
      return false;
    }
  return true;
}

std::optional<double> Checker::constArg(Expr *e, const std::string &what) {
  ExprType t = check(*e);
  if (!t.isValid())
    return std::nullopt;
  if (t.kind != ExprType::Constant) {
    error(e->loc, what + " must be a constant number, got " + t.str());
    return std::nullopt;
  }
  return t.value;
}

std::optional<int64_t> Checker::intArg(Expr *e, const std::string &what, int64_t min) {
  auto v = constArg(e, what);
  if (!v)
    return std::nullopt;
  std::optional<int64_t> i = exactInt64(*v);
  if (!i || *i < min) {
    std::ostringstream os;
    os << what << " must be an integer of at least " << min;
    if (*v == std::floor(*v) && *v > 0)
      os << " that fits in int64";
    os << ", got " << *v;
    error(e->loc, os.str());
    return std::nullopt;
  }
  return i;
}

std::optional<int64_t> Checker::axisArg(Expr *e, int64_t rank, const std::string &fn) {
  auto v = constArg(e, "the axis of '" + fn + "'");
  if (!v)
    return std::nullopt;
  std::optional<int64_t> axis = exactInt64(*v);
  if (!axis || *axis < -rank || *axis >= rank) {
    std::ostringstream os;
    os << "axis " << *v << " is out of range for a rank-" << rank << " tensor in '" << fn << "'";
    error(e->loc, os.str());
    return std::nullopt;
  }
  return *axis < 0 ? *axis + rank : *axis;
}

ExprType Checker::tensorArg(Expr *e, const std::string &fn) {
  ExprType t = check(*e);
  if (!t.isValid())
    return t;
  if (t.kind != ExprType::Tensor) {
    error(e->loc, "'" + fn + "' needs a tensor argument, got " + t.str());
    return ExprType();
  }
  return t;
}

ExprType Checker::floatArg(Expr *e, const std::string &fn, size_t minRank) {
  ExprType t = tensorArg(e, fn);
  if (!t.isValid() || !requireFloat(t, e->loc, "'" + fn + "'"))
    return ExprType();
  if (t.shape.size() < minRank) {
    error(e->loc, "'" + fn + "' needs a tensor of rank " + std::to_string(minRank) + " or more, got " + t.str());
    return ExprType();
  }
  return t;
}

bool Checker::requireFloat(const ExprType &t, SourceLoc loc, const std::string &what) {
  if (t.elem == ElemType::F32)
    return true;
  error(loc, what + " needs an f32 tensor, got " + t.str());
  return false;
}

ExprType Checker::badOperand(SourceLoc loc, const std::string &op, const ExprType &t) {
  error(loc, op + " cannot take " + t.str());
  return ExprType();
}

bool Checker::nameArg(const Expr *e) {
  if (!e || e->kind == Expr::Name || e->kind == Expr::String)
    return true;
  error(e->loc, "a layer's name must be a plain name, such as name = c_attn");
  return false;
}

} // namespace gptc::sema
