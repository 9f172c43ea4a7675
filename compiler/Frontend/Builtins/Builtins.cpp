// The builtin table: each builtin's name and the rule that checks and expands
// a call of it.
#include "compiler/Frontend/Builtins/Builtins.h"

#include <iterator>

namespace gptc::sema {
namespace {

struct BuiltinInfo {
  Builtin builtin;
  const char *name;
  BuiltinRule rule;
};

constexpr BuiltinInfo kBuiltins[] = {
    // Elementwise.cpp
    {Builtin::Sigmoid, "sigmoid", checkUnaryCall},
    {Builtin::Relu, "relu", checkUnaryCall},
    {Builtin::Tanh, "tanh", checkUnaryCall},
    {Builtin::Exp, "exp", checkUnaryCall},
    {Builtin::Log, "log", checkUnaryCall},
    {Builtin::Sqrt, "sqrt", checkUnaryCall},
    {Builtin::Softplus, "softplus", checkUnaryCall},
    {Builtin::Gelu, "gelu", checkUnaryCall},
    // Reduction.cpp
    {Builtin::Sum, "sum", checkReductionCall},
    {Builtin::Mean, "mean", checkReductionCall},
    {Builtin::Softmax, "softmax", checkSoftmaxCall},
    {Builtin::LogSoftmax, "log_softmax", checkSoftmaxCall},
    {Builtin::CrossEntropy, "cross_entropy", checkCrossEntropyCall},
    {Builtin::Mse, "mse", checkMseCall},
    {Builtin::Layernorm, "layernorm", checkLayernormCall},
    // Linear.cpp
    {Builtin::Linear, "linear", checkLinearCall},
    // DataMovement.cpp
    {Builtin::Transpose, "transpose", checkTransposeCall},
    {Builtin::Permute, "permute", checkPermuteCall},
    {Builtin::Reshape, "reshape", checkReshapeCall},
    {Builtin::Heads, "heads", checkHeadsCall},
    {Builtin::MergeHeads, "merge_heads", checkMergeHeadsCall},
    // Indexing.cpp
    {Builtin::Embedding, "embedding", checkEmbeddingCall},
    {Builtin::Arange, "arange", checkArangeCall},
    {Builtin::Sinusoidal, "sinusoidal", checkSinusoidalCall},
    {Builtin::Split, "split", checkSplitCall},
    {Builtin::Concat, "concat", checkConcatCall},
    {Builtin::Mask, "mask", checkMaskCall},
    {Builtin::CausalMask, "causal_mask", checkMaskCall},
    {Builtin::PaddingMask, "padding_mask", checkPaddingMaskCall},
    {Builtin::Dropout, "dropout", checkDropoutCall},
    // Attention.cpp
    {Builtin::Attention, "attention", checkAttentionCall},
};

constexpr bool inEnumOrder() {
  for (size_t i = 0; i < std::size(kBuiltins); ++i)
    if (kBuiltins[i].builtin != static_cast<Builtin>(i))
      return false;
  return std::size(kBuiltins) == static_cast<size_t>(Builtin::Attention) + 1;
}
static_assert(inEnumOrder(), "kBuiltins lists every builtin, in the enum's order");

const BuiltinInfo &info(Builtin b) { return kBuiltins[static_cast<size_t>(b)]; }

} // namespace

const char *spelling(Builtin b) { return info(b).name; }

std::optional<Builtin> parseBuiltin(const std::string &name) {
  for (const BuiltinInfo &entry : kBuiltins)
    if (name == entry.name)
      return entry.builtin;
  return std::nullopt;
}

ExprType checkBuiltinCall(Checker &c, Builtin b, Expr &call) { return info(b).rule(c, b, call); }

} // namespace gptc::sema
