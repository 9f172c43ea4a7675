// Indexing, slicing and masking: embedding (a gather), arange, split (slices),
// concat (zero-padded parts added), mask / causal_mask, and dropout.
#include "compiler/Frontend/Sema/Checker.h"

#include <cmath>
#include <sstream>

namespace gptc::sema {

/// embedding(indices, table) or embedding(indices, rows, dim, std = 0.02, name = ...).
ExprType checkEmbeddingCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"indices", "rows", "dim", "std", "name"});
  if (!args.ok || !c.requireArgs(call, args, 2) || !c.nameArg(args.slots[4]))
    return ExprType();
  ExprType idx = c.tensorArg(args.slots[0], "embedding");
  if (!idx.isValid())
    return ExprType();
  if (idx.elem != ElemType::I32) {
    c.error(args.slots[0]->loc, "'embedding' looks up integer indices (i32), got " + idx.str());
    return ExprType();
  }
  ExprType second = c.check(*args.slots[1]);
  if (!second.isValid())
    return ExprType();
  ExprType table;
  if (second.kind == ExprType::Tensor) {
    table = second;
    if (table.elem != ElemType::F32 || table.shape.size() != 2) {
      c.error(args.slots[1]->loc, "an embedding table must be f32[rows, dim], got " + table.str());
      return ExprType();
    }
  } else {
    auto rows = c.intArg(args.slots[1], "the rows of 'embedding'");
    if (!rows)
      return ExprType();
    if (!args.slots[2]) {
      c.error(call.loc, "'embedding' needs a table, or its rows and width: embedding(idx, rows, dim)");
      return ExprType();
    }
    auto dim = c.intArg(args.slots[2], "the width of 'embedding'");
    if (!dim)
      return ExprType();
    double std = 0.02;
    if (args.slots[3]) {
      auto v = c.constArg(args.slots[3], "'std'");
      if (!v)
        return ExprType();
      std = *v;
    }
    table = c.makeParam(c.instancePrefix("embedding", args.slots[4]) + "weight", {*rows, *dim},
                        InitSpec{InitKind::Normal, 0, std}, call.loc);
    if (!table.isValid())
      return ExprType();
  }
  std::vector<int64_t> shape = idx.shape;
  shape.push_back(table.shape[1]);
  return c.emitOp(Node::Gather, call.loc, {table.node, idx.node}, ExprType::tensor(ElemType::F32, shape));
}

/// arange(n): i32[n] holding 0 .. n-1 (positions, for embedding).
ExprType checkArangeCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"n"});
  if (!args.ok || !c.requireArgs(call, args, 1))
    return ExprType();
  auto n = c.intArg(args.slots[0], "the length of 'arange'");
  if (!n)
    return ExprType();
  return c.emitOp(Node::Arange, call.loc, {}, ExprType::tensor(ElemType::I32, {*n}));
}

/// sinusoidal(T, d): the Transformer paper's positional encoding, a constant
/// f32[T, d] (not a parameter): row pos, column 2i is sin(pos / 10000^(2i/d)),
/// column 2i + 1 is cos(pos / 10000^(2i/d)).
ExprType checkSinusoidalCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"length", "width"});
  if (!args.ok || !c.requireArgs(call, args, 2))
    return ExprType();
  auto length = c.intArg(args.slots[0], "the length of 'sinusoidal' (positions)");
  auto width = length ? c.intArg(args.slots[1], "the width of 'sinusoidal' (d_model)") : std::nullopt;
  if (!width)
    return ExprType();
  Node n{Node::Constant};
  n.loc = call.loc;
  n.data.resize(*length * *width);
  for (int64_t pos = 0; pos < *length; ++pos)
    for (int64_t col = 0; col < *width; ++col) {
      double angle = (double)pos / std::pow(10000.0, (double)(col - col % 2) / (double)*width);
      n.data[pos * *width + col] = col % 2 == 0 ? std::sin(angle) : std::cos(angle);
    }
  return c.emit(n, ExprType::tensor(ElemType::F32, {*length, *width}));
}

/// split(x, n, axis = -1): n equal parts, each a slice.
ExprType checkSplitCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"x", "parts", "axis"});
  if (!args.ok || !c.requireArgs(call, args, 2))
    return ExprType();
  ExprType x = c.floatArg(args.slots[0], "split", 1);
  auto parts = x.isValid() ? c.intArg(args.slots[1], "the number of parts of 'split'") : std::nullopt;
  if (!parts)
    return ExprType();
  int64_t axis = x.shape.size() - 1;
  if (args.slots[2]) {
    auto a = c.axisArg(args.slots[2], x.shape.size(), "split");
    if (!a)
      return ExprType();
    axis = *a;
  }
  if (x.shape[axis] % *parts != 0) {
    std::ostringstream os;
    os << "'split' cannot cut dimension " << axis << " of " << x.str() << " into " << *parts << " equal parts";
    c.error(call.loc, os.str());
    return ExprType();
  }
  ExprType result;
  result.kind = ExprType::Tuple;
  std::vector<int64_t> shape = x.shape;
  shape[axis] /= *parts;
  for (int64_t i = 0; i < *parts; ++i)
    result.items.push_back(c.emitOp(Node::Slice, call.loc, {x.node}, ExprType::tensor(ElemType::F32, shape),
                                    {axis, i * shape[axis]}));
  return result;
}

/// concat([a, b, ...], axis = -1): the sum of each part padded with zeros to
/// the result's shape.
ExprType checkConcatCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"tensors", "axis"});
  if (!args.ok || !c.requireArgs(call, args, 1))
    return ExprType();
  const Expr *list = args.slots[0];
  if (list->kind != Expr::List || list->args.empty()) {
    c.error(list->loc, "'concat' expects a list of tensors, such as concat([a, b], axis = -1)");
    return ExprType();
  }
  std::vector<ExprType> parts;
  for (const ExprPtr &item : list->args) {
    ExprType t = c.floatArg(item.get(), "concat", 1);
    if (!t.isValid())
      return ExprType();
    parts.push_back(t);
  }
  int64_t rank = parts[0].shape.size(), axis = rank - 1;
  if (args.slots[1]) {
    auto a = c.axisArg(args.slots[1], rank, "concat");
    if (!a)
      return ExprType();
    axis = *a;
  }
  std::vector<int64_t> shape = parts[0].shape;
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::vector<int64_t> &s = parts[i].shape;
    bool ok = (int64_t)s.size() == rank;
    for (int64_t d = 0; ok && d < rank; ++d)
      ok = d == axis || s[d] == shape[d];
    if (!ok) {
      c.error(list->args[i]->loc, "'concat' needs shapes that differ only along axis " + std::to_string(axis) +
                                      ": " + parts[0].str() + " and " + parts[i].str());
      return ExprType();
    }
    if (__builtin_add_overflow(shape[axis], s[axis], &shape[axis])) {
      c.error(call.loc, "'concat' gives a dimension larger than int64 holds");
      return ExprType();
    }
  }
  ExprType result = ExprType::tensor(ElemType::F32, shape), sum;
  int64_t offset = 0;
  for (const ExprType &part : parts) {
    ExprType padded = c.emitOp(Node::Pad, call.loc, {part.node}, result, {axis, offset});
    offset += part.shape[axis];
    sum = sum.isValid() ? binary(c, Node::Add, call.loc, sum, padded, result) : padded;
  }
  return sum;
}

ExprType maskFill(Checker &c, SourceLoc loc, const ExprType &x, const Expr *condition, double fill) {
  int64_t rows = x.shape[x.shape.size() - 2], cols = x.shape.back();
  Node n{Node::Mask};
  n.loc = loc;
  n.operands = {x.node};
  n.value = fill;
  if (condition) {
    auto mask = c.maskOf(*condition, rows, cols);
    if (!mask)
      return ExprType();
    n.mask = std::move(*mask);
  } else {
    n.mask.resize(rows * cols);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t col = 0; col < cols; ++col)
        n.mask[r * cols + col] = col > r; // causal: a position sees itself and the past
  }
  return c.emit(n, x);
}

/// mask(x, condition, fill): x where the condition over (row, col) of the
/// last two dimensions is false, `fill` where it is true. causal_mask(x):
/// -inf above the diagonal.
ExprType checkMaskCall(Checker &c, Builtin b, Expr &call) {
  BoundArgs args = c.bind(call, {"x", "condition", "fill"});
  if (!args.ok || !c.requireArgs(call, args, b == Builtin::CausalMask ? 1 : 3))
    return ExprType();
  ExprType x = c.floatArg(args.slots[0], call.name, 2);
  if (!x.isValid())
    return ExprType();
  if (b == Builtin::CausalMask) {
    if (args.slots[1] || args.slots[2]) {
      c.error(call.loc, "'causal_mask' takes only the scores; for another mask write mask(x, condition, fill)");
      return ExprType();
    }
    return maskFill(c, call.loc, x, nullptr, -INFINITY);
  }
  auto fill = c.constArg(args.slots[2], "the fill value of 'mask'");
  if (!fill)
    return ExprType();
  return maskFill(c, call.loc, x, args.slots[1], *fill);
}

/// padding_mask(x, tokens, pad = 0): -inf wherever the key's token is `pad`.
/// x: [B, ..., Tq, Tk] scores; tokens: i32 [B, Tk], the ids of the keys'
/// positions (the source sentence for cross-attention). Every query of batch
/// entry b stops seeing the padding keys of sentence b.
ExprType checkPaddingMaskCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"x", "tokens", "pad"});
  if (!args.ok || !c.requireArgs(call, args, 2))
    return ExprType();
  ExprType x = c.floatArg(args.slots[0], call.name, 2);
  ExprType tokens = c.tensorArg(args.slots[1], call.name);
  if (!x.isValid() || !tokens.isValid())
    return ExprType();
  if (tokens.elem != ElemType::I32 || tokens.shape.size() != 2 || tokens.shape[0] != x.shape[0] ||
      tokens.shape[1] != x.shape.back()) {
    c.error(args.slots[1]->loc, "padding_mask needs token ids i32[" + std::to_string(x.shape[0]) + ", " +
                                    std::to_string(x.shape.back()) +
                                    "] (the batch, then one per key) for scores " + x.str() + ", got " +
                                    tokens.str());
    return ExprType();
  }
  int64_t pad = 0;
  if (args.slots[2]) {
    auto id = c.intArg(args.slots[2], "'pad' (a token id)", 0);
    if (!id)
      return ExprType();
    pad = *id;
  }
  return c.emitOp(Node::PaddingMask, call.loc, {x.node, tokens.node}, x, {pad}, -INFINITY);
}

ExprType dropout(Checker &c, SourceLoc loc, const ExprType &x, double p, SourceLoc pLoc) {
  if (!(p >= 0 && p < 1)) {
    std::ostringstream os;
    os << "a dropout probability must be in [0, 1), got " << p;
    c.error(pLoc, os.str());
    return ExprType();
  }
  if (p == 0)
    return x;
  return c.emitOp(Node::Dropout, loc, {x.node}, x, {c.nextDropoutSalt()}, p);
}

/// dropout(x, p): zeroes each element with probability p while training and
/// scales the rest by 1 / (1 - p); the identity at evaluation. p defaults to
/// the config constant `dropout`.
ExprType checkDropoutCall(Checker &c, Builtin, Expr &call) {
  BoundArgs args = c.bind(call, {"x", "p"});
  if (!args.ok || !c.requireArgs(call, args, 1))
    return ExprType();
  ExprType x = c.floatArg(args.slots[0], "dropout");
  if (!x.isValid())
    return ExprType();
  double p;
  if (args.slots[1]) {
    auto v = c.constArg(args.slots[1], "the probability of 'dropout'");
    if (!v)
      return ExprType();
    p = *v;
  } else if (auto configured = c.constant("dropout")) {
    p = *configured;
  } else {
    c.error(call.loc, "'dropout' needs a probability: dropout(x, p), or a config constant 'dropout'");
    return ExprType();
  }
  return dropout(c, call.loc, x, p, args.slots[1] ? args.slots[1]->loc : call.loc);
}

} // namespace gptc::sema
