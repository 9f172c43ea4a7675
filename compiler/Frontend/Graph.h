// The model as Sema elaborates it: blocks inlined with their own params,
// `repeat` unrolled, and every builtin expanded (Frontend/Builtins/) into
// params and primitive operations. A flat list of typed nodes in evaluation
// order; MLIRGen turns each node into the nn op of its primitive, one to one.
// Nothing here knows about MLIR.
#ifndef GPTC_FRONTEND_GRAPH_H
#define GPTC_FRONTEND_GRAPH_H

#include "compiler/Frontend/AST.h"

#include <cstdint>
#include <vector>

namespace gptc {

struct Node {
  enum Kind {
    Input,  // index: model input position
    Param,  // index: position in CheckedProgram::params
    Scalar, // value: a number used as an operand of Add..Div (splat to the node's shape)
    Arange, // i32[n]: 0, 1, ..., n-1
    Constant, // data: the values of a constant float tensor, row-major (sinusoidal positions)
    // Elementwise, one operand.
    Neg, Sigmoid, Relu, Tanh, Exp, Log, Sqrt, Softplus,
    Gelu, // GPT-2's tanh approximation, one composite op (its backward keeps only x)
    // Elementwise, two operands; a lower-rank operand broadcasts to the node's
    // shape aligned at the right, a Scalar splats.
    Add, Sub, Mul, Div,
    Pow,          // value: the constant exponent
    Matmul,       // [m, k] @ [k, n] or [b, m, k] @ [b, k, n]
    ReduceSum,    // ints: the axes summed away
    Broadcast,    // ints: the result dimension each operand dimension becomes
    Transpose,    // ints: the permutation (result dim i = operand dim ints[i])
    Reshape,      // the new shape is the node's type
    Softmax,      // over the last axis
    LogSoftmax,   // over the last axis
    Normalize,    // value: eps; (x - mean) / sqrt(var + eps) over the last axis (layernorm's core,
                  // one composite op whose backward recomputes the row statistics from x)
    CrossEntropy, // (logits [..., C], targets i32[...]) -> mean over rows; ints: {ignored class or -1};
                  // value: label smoothing
    Gather,       // (table [V, C], indices i32[...]) -> [..., C]: an embedding lookup
    Slice,        // ints: {axis, start}; the size is the node's type
    Pad,          // ints: {axis, offset}: zeros around the operand up to the node's shape
    Mask,         // value: fill; mask: [rows, cols] of the last two dims, 1 = filled
    PaddingMask,  // (x [B, ..., Tk], tokens i32[B, Tk]); value: fill; ints: {pad}: fill where the token is pad
    Dropout,      // value: p; ints: {salt} (each dropout draws its own mask)
  } kind;
  std::vector<int> operands;
  ExprType type;
  std::vector<int64_t> ints;
  double value = 0;
  std::vector<uint8_t> mask;
  std::vector<double> data;
  int index = -1;
  SourceLoc loc;
};

} // namespace gptc

#endif
