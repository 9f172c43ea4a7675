// The builtin functions of the DSL and the operators on tensors. Each family
// file (the families of Conversion/NNToLinalg/) holds a builtin's shape rule
// next to its expansion into primitive graph nodes (Graph.h), so composite
// layers (linear, layernorm, gelu, attention, ...) are written out here and
// nowhere else; MLIRGen maps each primitive node to its nn op.
#ifndef GPTC_FRONTEND_BUILTINS_BUILTINS_H
#define GPTC_FRONTEND_BUILTINS_BUILTINS_H

#include "compiler/Frontend/Graph.h"

#include <optional>
#include <string>
#include <vector>

namespace gptc::sema {

class Checker;

enum class Builtin {
  // Elementwise.cpp
  Sigmoid, Relu, Tanh, Exp, Log, Sqrt, Softplus, Gelu,
  // Reduction.cpp
  Sum, Mean, Softmax, LogSoftmax, CrossEntropy, Mse, Layernorm,
  // Linear.cpp
  Linear,
  // DataMovement.cpp
  Transpose, Permute, Reshape, Heads, MergeHeads,
  // Indexing.cpp
  Embedding, Arange, Sinusoidal, Split, Concat, Mask, CausalMask, PaddingMask, Dropout,
  // Attention.cpp
  Attention,
};

/// The DSL's name of `b`: "log_softmax".
const char *spelling(Builtin b);
std::optional<Builtin> parseBuiltin(const std::string &name);

/// Builtins.cpp: checks a call of `b` and appends its expansion to the graph.
/// Returns its type, or an invalid type after an error (reported).
ExprType checkBuiltinCall(Checker &c, Builtin b, Expr &call);

//===----------------------------------------------------------------------===//
// The rules of each builtin, by family (the dispatch table is in Builtins.cpp)
//===----------------------------------------------------------------------===//

using BuiltinRule = ExprType (*)(Checker &c, Builtin b, Expr &call);

// Elementwise.cpp
ExprType checkUnaryCall(Checker &c, Builtin b, Expr &call);
// Reduction.cpp
ExprType checkReductionCall(Checker &c, Builtin b, Expr &call);
ExprType checkSoftmaxCall(Checker &c, Builtin b, Expr &call);
ExprType checkCrossEntropyCall(Checker &c, Builtin b, Expr &call);
ExprType checkMseCall(Checker &c, Builtin b, Expr &call);
ExprType checkLayernormCall(Checker &c, Builtin b, Expr &call);
// Linear.cpp
ExprType checkLinearCall(Checker &c, Builtin b, Expr &call);
// DataMovement.cpp
ExprType checkTransposeCall(Checker &c, Builtin b, Expr &call);
ExprType checkPermuteCall(Checker &c, Builtin b, Expr &call);
ExprType checkReshapeCall(Checker &c, Builtin b, Expr &call);
ExprType checkHeadsCall(Checker &c, Builtin b, Expr &call);
ExprType checkMergeHeadsCall(Checker &c, Builtin b, Expr &call);
// Indexing.cpp
ExprType checkEmbeddingCall(Checker &c, Builtin b, Expr &call);
ExprType checkArangeCall(Checker &c, Builtin b, Expr &call);
ExprType checkSinusoidalCall(Checker &c, Builtin b, Expr &call);
ExprType checkSplitCall(Checker &c, Builtin b, Expr &call);
ExprType checkConcatCall(Checker &c, Builtin b, Expr &call);
ExprType checkMaskCall(Checker &c, Builtin b, Expr &call);
ExprType checkPaddingMaskCall(Checker &c, Builtin b, Expr &call);
ExprType checkDropoutCall(Checker &c, Builtin b, Expr &call);
// Attention.cpp
ExprType checkAttentionCall(Checker &c, Builtin b, Expr &call);

//===----------------------------------------------------------------------===//
// Operators on tensors (constants fold in Sema/ConstantFold.cpp)
//===----------------------------------------------------------------------===//

// Elementwise.cpp
/// -x
ExprType checkNegation(Checker &c, Expr &e, const ExprType &x);
/// x + y, x - y, x * y, x / y with broadcasting (one side may be a constant).
ExprType checkArithmetic(Checker &c, Expr &e, const ExprType &l, const ExprType &r);
/// x ^ p with a constant p.
ExprType checkPower(Checker &c, Expr &e, const ExprType &x, double p);
// Linear.cpp
/// x @ y
ExprType checkMatmulOperator(Checker &c, Expr &e, const ExprType &l, const ExprType &r);

//===----------------------------------------------------------------------===//
// Expansions the families share: each appends primitive nodes, its operands
// already checked
//===----------------------------------------------------------------------===//

// Elementwise.cpp
ExprType unary(Checker &c, Node::Kind kind, SourceLoc loc, const ExprType &x);
/// Add, Sub, Mul or Div of two tensors or a tensor and a constant, of type `result`.
ExprType binary(Checker &c, Node::Kind kind, SourceLoc loc, const ExprType &l, const ExprType &r,
                ExprType result);
ExprType scale(Checker &c, SourceLoc loc, const ExprType &x, double factor);
ExprType power(Checker &c, SourceLoc loc, const ExprType &x, double p);
// Reduction.cpp
ExprType reduceSum(Checker &c, SourceLoc loc, const ExprType &x, const std::vector<int64_t> &axes);
// Linear.cpp
/// x @ y: [..., m, k] @ [..., k, n] with equal leading dims, or [..., m, k] @ [k, n].
ExprType matmul(Checker &c, SourceLoc loc, const ExprType &l, const ExprType &r);
// DataMovement.cpp
/// Result dimension i is x's dimension perm[i].
ExprType permute(Checker &c, SourceLoc loc, const ExprType &x, const std::vector<int64_t> &perm);
ExprType transposeLast2(Checker &c, SourceLoc loc, const ExprType &x);
ExprType reshape(Checker &c, SourceLoc loc, const ExprType &x, std::vector<int64_t> shape);
/// x's dimension i becomes dimension dims[i] of `shape`.
ExprType broadcast(Checker &c, SourceLoc loc, const ExprType &x, std::vector<int64_t> shape,
                   std::vector<int64_t> dims);
// Indexing.cpp
/// `fill` where the condition over (row, col) of the last two dims holds;
/// no condition: the causal mask (col > row).
ExprType maskFill(Checker &c, SourceLoc loc, const ExprType &x, const Expr *condition, double fill);
/// p in [0, 1) (else reported at pLoc); p = 0 is the identity.
ExprType dropout(Checker &c, SourceLoc loc, const ExprType &x, double p, SourceLoc pLoc);

} // namespace gptc::sema

#endif
