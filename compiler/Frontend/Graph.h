// The model as Sema elaborates it: blocks inlined with their own params,
// `repeat` unrolled, builtin layers expanded into params and a few primitive
// operations. A flat list of typed nodes in evaluation order; MLIRGen turns
// each node into nn ops. Nothing here knows about MLIR.
#ifndef GPTC_FRONTEND_GRAPH_H
#define GPTC_FRONTEND_GRAPH_H

#include "compiler/Frontend/AST.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gptc {

struct Node {
  enum Kind {
    Input,        // index: model input position
    Param,        // index: position in CheckedProgram::params
    Scalar,       // value: a number used as a tensor operand (splat to the user's shape)
    Arange,       // i32[n]: 0, 1, ..., n-1
    Unary,        // fn: neg sigmoid relu tanh exp log sqrt softplus gelu
    Binary,       // fn: + - * / (operands broadcast, aligned at the right)
    Pow,          // value: the constant exponent
    Matmul,       // operands of rank >= 2; equal leading dims, or rank n @ rank 2
    ReduceSum,    // ints: the axes summed away
    Transpose,    // ints: the permutation (result dim i = operand dim ints[i])
    Reshape,      // the new shape is the node's type
    Softmax,      // over the last axis
    LogSoftmax,   // over the last axis
    CrossEntropy, // (logits [..., C], targets i32[...]) -> mean over rows
    Mse,          // (prediction, target) -> mean squared error
    Gather,       // (table [V, C], indices i32[...]) -> [..., C]: an embedding lookup
    Slice,        // ints: {axis, start}; the size is the node's type
    Concat,       // ints: {axis}
    Mask,         // value: fill; mask: [rows, cols] of the last two dims, 1 = filled
    Dropout,      // value: p; ints: {salt} (each dropout draws its own mask)
    LayerNorm,    // (x, weight[, bias]) over the last axis; value: eps
  } kind;
  std::string fn;
  std::vector<int> operands;
  ExprType type;
  std::vector<int64_t> ints;
  double value = 0;
  std::vector<uint8_t> mask;
  int index = -1;
  SourceLoc loc;
};

} // namespace gptc

#endif
