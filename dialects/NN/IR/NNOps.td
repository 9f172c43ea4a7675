#ifndef GPTC_NN_OPS_TD
#define GPTC_NN_OPS_TD

include "dialects/NN/IR/NNDialect.td"
include "dialects/NN/IR/NNInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def NN_FloatTensor : RankedTensorOf<[F32, F64]>;
def NN_IndexTensor : RankedTensorOf<[I32]>;

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

def NN_ConstantOp : NN_Op<"constant", [Pure]> {
  let summary = "A tensor whose every element is `value`";
  let arguments = (ins F64Attr:$value);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$value attr-dict `:` type($result)";
  let builders = [OpBuilder<(ins "::mlir::Type":$type, "double":$value), [{
    build($_builder, $_state, type, $_builder.getF64FloatAttr(value));
  }]>];
}

//===----------------------------------------------------------------------===//
// Elementwise ops: operands and result share one type.
//===----------------------------------------------------------------------===//

class NN_UnaryOp<string mnemonic, string summ> : NN_Op<mnemonic,
    [Pure, SameOperandsAndResultType, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = summ;
  let arguments = (ins NN_FloatTensor:$input);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

class NN_BinaryOp<string mnemonic, string summ> : NN_Op<mnemonic,
    [Pure, SameOperandsAndResultType, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = summ;
  let arguments = (ins NN_FloatTensor:$lhs, NN_FloatTensor:$rhs);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def NN_AddOp : NN_BinaryOp<"add", "elementwise lhs + rhs">;
def NN_SubOp : NN_BinaryOp<"sub", "elementwise lhs - rhs">;
def NN_MulOp : NN_BinaryOp<"mul", "elementwise lhs * rhs">;
def NN_DivOp : NN_BinaryOp<"div", "elementwise lhs / rhs">;

def NN_NegOp : NN_UnaryOp<"neg", "elementwise -x">;
def NN_SigmoidOp : NN_UnaryOp<"sigmoid", "elementwise 1 / (1 + exp(-x))">;
def NN_ReluOp : NN_UnaryOp<"relu", "elementwise max(x, 0)">;
def NN_TanhOp : NN_UnaryOp<"tanh", "elementwise tanh(x)">;
def NN_ExpOp : NN_UnaryOp<"exp", "elementwise exp(x)">;
def NN_LogOp : NN_UnaryOp<"log", "elementwise natural log">;
def NN_SqrtOp : NN_UnaryOp<"sqrt", "elementwise square root">;
def NN_SoftplusOp : NN_UnaryOp<"softplus", "elementwise log(1 + exp(x)), computed stably">;

def NN_PowOp : NN_Op<"pow",
    [Pure, SameOperandsAndResultType, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "elementwise x ^ exponent for a constant exponent";
  let arguments = (ins NN_FloatTensor:$input, F64Attr:$exponent);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input `,` $exponent attr-dict `:` type($result)";
}

def NN_ReluGradOp : NN_Op<"relu_grad", [Pure, SameOperandsAndResultType]> {
  let summary = "dy where x > 0, else 0 (the backward of relu)";
  let arguments = (ins NN_FloatTensor:$input, NN_FloatTensor:$grad);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input `,` $grad attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Shape ops
//===----------------------------------------------------------------------===//

def NN_BroadcastOp : NN_Op<"broadcast", [Pure, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "Broadcasts input to a larger shape";
  let description = [{
    `dims[i]` is the result dimension that input dimension `i` becomes (strictly
    increasing); every other result dimension is new and the input is repeated along it.
  }];
  let arguments = (ins NN_FloatTensor:$input, DenseI64ArrayAttr:$dims);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input `,` $dims attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def NN_ReduceSumOp : NN_Op<"reduce_sum", [Pure, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "Sums over `axes`, which are removed from the shape";
  let arguments = (ins NN_FloatTensor:$input, DenseI64ArrayAttr:$axes);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input `,` $axes attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "::llvm::ArrayRef<int64_t>":$axes)>];
}

def NN_TransposeOp : NN_Op<"transpose", [Pure, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "Permutes dimensions: result dim i is input dim permutation[i]";
  let arguments = (ins NN_FloatTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input `,` $permutation attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let builders = [OpBuilder<(ins "::mlir::Value":$input, "::llvm::ArrayRef<int64_t>":$permutation)>];
}

def NN_ReshapeOp : NN_Op<"reshape", [Pure, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "Reinterprets the row-major elements with a new shape";
  let arguments = (ins NN_FloatTensor:$input);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

def NN_MatmulOp : NN_Op<"matmul", [Pure, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "op(lhs) @ op(rhs), rank 2 or batched rank 3; op transposes the last two dims when asked";
  let arguments = (ins NN_FloatTensor:$lhs, NN_FloatTensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_lhs,
                       DefaultValuedAttr<BoolAttr, "false">:$transpose_rhs);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  let builders = [OpBuilder<(ins "::mlir::Value":$lhs, "::mlir::Value":$rhs,
                                 "bool":$transposeLhs, "bool":$transposeRhs)>];
  let extraClassDeclaration = [{
    /// The result type of op(lhs) @ op(rhs), or null when the shapes do not contract.
    static ::mlir::RankedTensorType inferResultType(::mlir::RankedTensorType lhs,
        ::mlir::RankedTensorType rhs, bool transposeLhs, bool transposeRhs);
  }];
}

//===----------------------------------------------------------------------===//
// Normalisations and losses (composite ops with hand-written backward rules)
//===----------------------------------------------------------------------===//

def NN_SoftmaxOp : NN_Op<"softmax",
    [Pure, SameOperandsAndResultType, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "softmax over the last dimension";
  let arguments = (ins NN_FloatTensor:$input);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def NN_LogSoftmaxOp : NN_Op<"log_softmax",
    [Pure, SameOperandsAndResultType, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "log(softmax(x)) over the last dimension, computed stably";
  let arguments = (ins NN_FloatTensor:$input);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def NN_CrossEntropyOp : NN_Op<"cross_entropy", [Pure, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "mean over rows of -log softmax(logits)[row, target[row]]";
  let description = [{
    logits: [..., C] floats; targets: [...] class indices (i32). Result: scalar mean.
  }];
  let arguments = (ins NN_FloatTensor:$logits, NN_IndexTensor:$targets);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$logits `,` $targets attr-dict `:` type($logits) `,` type($targets) `->` type($result)";
  let hasVerifier = 1;
}

def NN_CrossEntropyGradOp : NN_Op<"cross_entropy_grad", [Pure]> {
  let summary = "(softmax(logits) - onehot(targets)) * dloss / rows: the backward of cross_entropy";
  let arguments = (ins NN_FloatTensor:$logits, NN_IndexTensor:$targets, NN_FloatTensor:$grad);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$logits `,` $targets `,` $grad attr-dict `:` type($logits) `,` type($targets) `,` type($grad) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Optimizer updates (appended to the training step after autodiff)
//===----------------------------------------------------------------------===//

def NN_SgdUpdateOp : NN_Op<"sgd_update", [Pure,
    AllTypesMatch<["param", "grad", "velocity", "new_param", "new_velocity"]>]> {
  let summary = "SGD with momentum and L2 weight decay, as torch.optim.SGD";
  let description = [{
    hyper = [lr, momentum, weight_decay, ...]. With g' = grad + weight_decay * param
    (weight_decay applied only when `decay` is set):
    velocity' = momentum * velocity + g';  param' = param - lr * velocity'.
  }];
  let arguments = (ins NN_FloatTensor:$param, NN_FloatTensor:$grad, NN_FloatTensor:$velocity,
                       NN_FloatTensor:$hyper, BoolAttr:$decay);
  let results = (outs NN_FloatTensor:$new_param, NN_FloatTensor:$new_velocity);
  let assemblyFormat = "$param `,` $grad `,` $velocity `,` $hyper attr-dict `:` type($param) `,` type($hyper)";
  let hasVerifier = 1;
}

def NN_AdamWUpdateOp : NN_Op<"adamw_update", [Pure,
    AllTypesMatch<["param", "grad", "m", "v", "new_param", "new_m", "new_v"]>]> {
  let summary = "AdamW with decoupled weight decay, as torch.optim.AdamW";
  let description = [{
    hyper = [lr, beta1, beta2, eps, weight_decay, bias_correction1, bias_correction2,
    1 - beta1, 1 - beta2, ...] where bias_correction_i = 1 - beta_i^step; the host
    computes the differences in double, as torch does. Weight decay applies only when `decay` is set.
  }];
  let arguments = (ins NN_FloatTensor:$param, NN_FloatTensor:$grad, NN_FloatTensor:$m,
                       NN_FloatTensor:$v, NN_FloatTensor:$hyper, BoolAttr:$decay);
  let results = (outs NN_FloatTensor:$new_param, NN_FloatTensor:$new_m, NN_FloatTensor:$new_v);
  let assemblyFormat = "$param `,` $grad `,` $m `,` $v `,` $hyper attr-dict `:` type($param) `,` type($hyper)";
  let hasVerifier = 1;
}

#endif
