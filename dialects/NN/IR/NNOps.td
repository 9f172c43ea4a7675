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

def NN_AddOp : NN_BinaryOp<"add", "elementwise lhs + rhs"> { let hasCanonicalizer = 1; }
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
def NN_GeluOp : NN_UnaryOp<"gelu",
    "GPT-2's GELU, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))); its backward (nn.gelu_grad) needs only x">;

def NN_GeluGradOp : NN_Op<"gelu_grad", [Pure, SameOperandsAndResultType]> {
  let summary = "dy * gelu'(x): the backward of nn.gelu, from x alone";
  let arguments = (ins NN_FloatTensor:$input, NN_FloatTensor:$grad);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input `,` $grad attr-dict `:` type($result)";
}

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
  let hasCanonicalizer = 1;
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
  let hasVerifier = 1; // rank >= 1: a scalar has no last dimension
}

def NN_LogSoftmaxOp : NN_Op<"log_softmax",
    [Pure, SameOperandsAndResultType, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "log(softmax(x)) over the last dimension, computed stably";
  let arguments = (ins NN_FloatTensor:$input);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1; // rank >= 1: a scalar has no last dimension
}

def NN_NormalizeOp : NN_Op<"normalize",
    [Pure, SameOperandsAndResultType, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "(x - mean) / sqrt(var + eps) over the last dimension: layernorm without its gain and bias";
  let description = [{
    mean and the biased variance are taken over each row (the last dimension),
    as torch's layer_norm. The backward (nn.normalize_grad) needs only x: it
    recomputes the row statistics, so nothing [rows, C]-sized is kept.
  }];
  let arguments = (ins NN_FloatTensor:$input, F64Attr:$eps);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input `,` $eps attr-dict `:` type($result)";
  let hasVerifier = 1; // rank >= 1
}

def NN_NormalizeGradOp : NN_Op<"normalize_grad", [Pure, SameOperandsAndResultType]> {
  let summary = "the backward of nn.normalize: rstd * (dy - mean(dy) - xhat * mean(dy * xhat)) per row";
  let arguments = (ins NN_FloatTensor:$input, NN_FloatTensor:$grad, F64Attr:$eps);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input `,` $grad `,` $eps attr-dict `:` type($result)";
}

def NN_CrossEntropyOp : NN_Op<"cross_entropy", [Pure, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "mean over rows of -log softmax(logits)[row, target[row]]";
  let description = [{
    logits: [..., C] floats; targets: [...] class indices (i32). Result: scalar mean.

    `ignore_index`: rows whose target is this class count for nothing, and the
    mean is over the other rows (0 when every row is ignored). `smoothing` e:
    the target distribution is (1 - e) onehot(target) + e / C, so a row's loss
    is logsumexp(row) - (1 - e) row[target] - e * mean(row) (torch's
    cross_entropy with ignore_index and label_smoothing).
  }];
  let arguments = (ins NN_FloatTensor:$logits, NN_IndexTensor:$targets,
                       OptionalAttr<I64Attr>:$ignore_index, OptionalAttr<F64Attr>:$smoothing);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$logits `,` $targets attr-dict `:` type($logits) `,` type($targets) `->` type($result)";
  let hasVerifier = 1;
}

def NN_CrossEntropyGradOp : NN_Op<"cross_entropy_grad", [Pure]> {
  let summary = "(softmax(logits) - onehot(targets)) * dloss / rows: the backward of cross_entropy";
  let description = [{
    With cross_entropy's `ignore_index` and `smoothing`: ignored rows get 0,
    the others (softmax - (1 - e) onehot - e / C) * dloss / (rows not ignored).
  }];
  let arguments = (ins NN_FloatTensor:$logits, NN_IndexTensor:$targets, NN_FloatTensor:$grad,
                       OptionalAttr<I64Attr>:$ignore_index, OptionalAttr<F64Attr>:$smoothing);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$logits `,` $targets `,` $grad attr-dict `:` type($logits) `,` type($targets) `,` type($grad) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Indexing, slicing and masking (embeddings, attention heads, causal masks)
//===----------------------------------------------------------------------===//

def NN_GatherOp : NN_Op<"gather", [Pure, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "Rows of a table: result[i..., :] = table[indices[i...], :] (an embedding lookup)";
  let description = [{
    table: [V, C]; indices: [...] i32 in [0, V) (out-of-range indices are clamped);
    result: [..., C].
  }];
  let arguments = (ins NN_FloatTensor:$table, NN_IndexTensor:$indices);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$table `,` $indices attr-dict `:` type($table) `,` type($indices) `->` type($result)";
  let hasVerifier = 1;
}

def NN_ScatterAddOp : NN_Op<"scatter_add", [Pure]> {
  let summary = "Sums rows into a table: result[v, :] = sum of updates[i..., :] where indices[i...] == v";
  let description = [{
    The backward of gather. indices: [...] i32; updates: [..., C]; result: [V, C].
  }];
  let arguments = (ins NN_IndexTensor:$indices, NN_FloatTensor:$updates);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$indices `,` $updates attr-dict `:` type($indices) `,` type($updates) `->` type($result)";
  let hasVerifier = 1;
}

def NN_SliceOp : NN_Op<"slice", [Pure, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "A contiguous part along one axis: result = input[..., start : start + size, ...]";
  let description = [{ The size along `axis` is the result's; every other dimension is kept. }];
  let arguments = (ins NN_FloatTensor:$input, I64Attr:$axis, I64Attr:$start);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def NN_PadOp : NN_Op<"pad", [Pure, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "Zeros of the result's shape with input placed at `start` along `axis` (the backward of slice)";
  let arguments = (ins NN_FloatTensor:$input, I64Attr:$axis, I64Attr:$start);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def NN_ConcatOp : NN_Op<"concat", [Pure, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "The inputs one after another along `axis` (every other dimension equal)";
  let description = [{
    The backward of split, formed by the canonicaliser from the sum of pads
    that tile the result (`pad(a) + pad(b) + pad(c)`): each input is copied
    once into its part, where the pads would read every input at every element.
  }];
  let arguments = (ins Variadic<NN_FloatTensor>:$inputs, I64Attr:$axis);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs) `->` type($result)";
  let hasVerifier = 1;
}

def NN_MaskFillOp : NN_Op<"mask_fill",
    [Pure, SameOperandsAndResultType, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "`fill` where mask is true, else input; mask covers the last two dimensions";
  let description = [{
    mask: a constant i1 tensor [rows, cols] matching the input's last two
    dimensions, repeated over the leading ones. A causal mask is true above the
    diagonal (col > row), with fill = -inf before a softmax.
  }];
  let arguments = (ins NN_FloatTensor:$input, ElementsAttr:$mask, F64Attr:$fill);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input `,` $mask `,` $fill attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def NN_PaddingMaskOp : NN_Op<"padding_mask",
    [Pure, AllTypesMatch<["input", "result"]>, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "`fill` where the key's token is padding: a mask that depends on the batch's token ids";
  let description = [{
    input: [B, ..., Tq, Tk] (attention scores); tokens: [B, Tk] i32, the key
    positions' token ids. result[b, ..., i, j] = fill where tokens[b, j] == pad,
    else input[b, ..., i, j]. Before a softmax, fill = -inf hides padding keys
    from every query. The backward is the same op with fill 0.
  }];
  let arguments = (ins NN_FloatTensor:$input, NN_IndexTensor:$tokens, I64Attr:$pad, F64Attr:$fill);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input `,` $tokens attr-dict `:` type($result) `,` type($tokens)";
  let hasVerifier = 1;
}

def NN_DropoutOp : NN_Op<"dropout",
    [Pure, AllTypesMatch<["input", "result"]>, DeclareOpInterfaceMethods<GradOpInterface>]> {
  let summary = "Inverted dropout with a counter-based mask";
  let description = [{
    rng = [seed, training]. While training, element i is kept when
    hash(seed, salt, i) >= p * 2^32 and scaled by 1 / (1 - p), else zeroed; with
    training = 0 the op is the identity. The mask depends only on (seed, salt, i),
    so the backward is the same op applied to the incoming gradient.
  }];
  let arguments = (ins NN_FloatTensor:$input, NN_IndexTensor:$rng, F64Attr:$p, I64Attr:$salt);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$input `,` $rng attr-dict `:` type($input) `,` type($rng)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Fused attention (formed by gptc-form-attention from the user's primitives)
//===----------------------------------------------------------------------===//

def NN_AttentionOp : NN_Op<"attention", [Pure, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<GradOpInterface>,
    SingleBlockImplicitTerminator<"ScoreYieldOp">]> {
  let summary = "softmax(mask(score(q k^T))) v in one kernel that never stores the scores";
  let description = [{
    q: [..., Tq, D], k: [..., Tk, D], v: [..., Tk, Dv] (the leading dims are
    the batch, e.g. batch * heads). For each query row:
      raw[j] = q . k[j];  s[j] = score(raw[j]), -inf where mask[i, j];
      out = sum_j dropout(softmax(s))[j] * v[j];  lse = logsumexp(s).
    `score` is the user's elementwise score expression (a scale, a square, a
    negation ...), one scalar in, one out. `mask` ([Tq, Tk] i1, true = hidden)
    is the constant of the nn.mask_fill it replaces; `keys` ([B, Tk] i32)
    with `key_pad` are the token ids of an nn.padding_mask it replaces: B
    divides the product N of the batch dims (B = batch, N = batch * heads),
    and key j of batch entry n is hidden where keys[n / (N / B), j] ==
    key_pad; `dropout`/`salt`/`rng` are those of the
    nn.dropout on the weights (same counter-based mask, so the result is the
    same as the unfused ops'). `lse` is kept for the backward
    (nn.attention_grad), which recomputes the scores from it.
    A row whose keys are all masked gives zeros (lse = -inf).
  }];
  let arguments = (ins NN_FloatTensor:$q, NN_FloatTensor:$k, NN_FloatTensor:$v,
                       Optional<NN_IndexTensor>:$rng, Optional<NN_IndexTensor>:$keys,
                       OptionalAttr<ElementsAttr>:$mask, OptionalAttr<I64Attr>:$key_pad,
                       DefaultValuedAttr<F64Attr, "0.0">:$dropout,
                       DefaultValuedAttr<I64Attr, "0">:$salt);
  let results = (outs NN_FloatTensor:$out, NN_FloatTensor:$lse);
  let regions = (region SizedRegion<1>:$score);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`rng` $rng^ `:` type($rng))? (`keys` $keys^ `:` type($keys))? attr-dict
    `:` type($q) `,` type($k) `,` type($v) `->` type($out) `,` type($lse) `score` $score
  }];
  let hasVerifier = 1;
}

def NN_AttentionGradOp : NN_Op<"attention_grad", [Pure, AttrSizedOperandSegments,
    SingleBlockImplicitTerminator<"ScoreYieldOp">]> {
  let summary = "the backward of nn.attention: (dq, dk, dv) from dout, recomputing the scores from lse";
  let description = [{
    Operands and attributes as nn.attention, plus its results out and lse and
    the incoming gradient dout ([..., Tq, Dv]). Per query row i:
      p[j] = exp(score(raw[j]) - lse[i]) (0 where masked), pd = dropout(p),
      dv[j] += pd[j] dout[i];  dp[j] = dropout(dout[i] . v[j]);
      ds[j] = p[j] (dp[j] - dout[i] . out[i]);  draw[j] = ds[j] score'(raw[j]);
      dq[i] = sum_j draw[j] k[j];  dk[j] += draw[j] q[i].
  }];
  let arguments = (ins NN_FloatTensor:$q, NN_FloatTensor:$k, NN_FloatTensor:$v,
                       NN_FloatTensor:$out, NN_FloatTensor:$lse, NN_FloatTensor:$dout,
                       Optional<NN_IndexTensor>:$rng, Optional<NN_IndexTensor>:$keys,
                       OptionalAttr<ElementsAttr>:$mask, OptionalAttr<I64Attr>:$key_pad,
                       DefaultValuedAttr<F64Attr, "0.0">:$dropout,
                       DefaultValuedAttr<I64Attr, "0">:$salt);
  let results = (outs NN_FloatTensor:$dq, NN_FloatTensor:$dk, NN_FloatTensor:$dv);
  let regions = (region SizedRegion<1>:$score);
  let assemblyFormat = [{
    $q `,` $k `,` $v `,` $out `,` $lse `,` $dout (`rng` $rng^ `:` type($rng))? (`keys` $keys^ `:` type($keys))? attr-dict
    `:` type($q) `,` type($k) `,` type($v) `,` type($out) `,` type($lse) `,` type($dout)
    `->` type($dq) `,` type($dk) `,` type($dv) `score` $score
  }];
  let hasVerifier = 1;
}

def NN_ScoreYieldOp : NN_Op<"score_yield",
    [Terminator, ParentOneOf<["AttentionOp", "AttentionGradOp"]>, Pure]> {
  let summary = "the transformed score of an attention's score region";
  let arguments = (ins AnyFloat:$value);
  let builders = [OpBuilder<(ins), [{ /* filled in by the region's builder */ }]>];
  let assemblyFormat = "$value attr-dict `:` type($value)";
}

//===----------------------------------------------------------------------===//
// Optimizer updates (appended to the training step after autodiff)
//===----------------------------------------------------------------------===//

def NN_SumSquaresOp : NN_Op<"sum_squares", [Pure]> {
  let summary = "The sum of the squares of every element of every input (the global gradient norm, squared)";
  let description = [{
    One pass over the inputs: each is read once and accumulated into one
    scalar, in input order (no squared copy of any input, no partial sums).
  }];
  let arguments = (ins Variadic<NN_FloatTensor>:$inputs);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` type($inputs) `->` type($result)";
  let hasVerifier = 1;
}

def NN_ClipScaleOp : NN_Op<"clip_scale", [Pure, AllTypesMatch<["sumsq", "result"]>]> {
  let summary = "The factor that clips gradients to a global norm, as torch.nn.utils.clip_grad_norm_";
  let description = [{
    sumsq: the sum of the squares of every gradient; max_norm = hyper[hyper::kClipMaxNorm]
    (the slots of `hyper` are named in runtime/include/gptc/contract.h).
    Result: min(1, max_norm / (sqrt(sumsq) + 1e-6)), or 1 when max_norm is 0 (no clipping).
  }];
  let arguments = (ins NN_FloatTensor:$sumsq, NN_FloatTensor:$hyper);
  let results = (outs NN_FloatTensor:$result);
  let assemblyFormat = "$sumsq `,` $hyper attr-dict `:` type($sumsq) `,` type($hyper)";
  let hasVerifier = 1;
}

def NN_SgdUpdateOp : NN_Op<"sgd_update", [Pure,
    AllTypesMatch<["param", "grad", "velocity", "new_param", "new_velocity"]>]> {
  let summary = "SGD with momentum and L2 weight decay, as torch.optim.SGD";
  let description = [{
    hyper slots kSgdLr, kSgdMomentum, kSgdWeightDecay (gptc/contract.h). With g' = grad + weight_decay * param
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
    hyper slots kAdamLr, kAdamBeta1, kAdamBeta2, kAdamEps, kAdamWeightDecay,
    kAdamBiasCorrection1/2 (1 - beta_i^step), kAdamOneMinusBeta1/2 (gptc/contract.h); the host
    computes the differences in double, as torch does. Weight decay applies only when `decay` is set.
  }];
  let arguments = (ins NN_FloatTensor:$param, NN_FloatTensor:$grad, NN_FloatTensor:$m,
                       NN_FloatTensor:$v, NN_FloatTensor:$hyper, BoolAttr:$decay);
  let results = (outs NN_FloatTensor:$new_param, NN_FloatTensor:$new_m, NN_FloatTensor:$new_v);
  let assemblyFormat = "$param `,` $grad `,` $m `,` $v `,` $hyper attr-dict `:` type($param) `,` type($hyper)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Fusion groups (linalg on tensors, after gptc-form-fusion-groups)
//===----------------------------------------------------------------------===//

def NN_FusionGroupOp : NN_Op<"fusion_group",
    [SingleBlockImplicitTerminator<"FusionYieldOp">, RecursiveMemoryEffects]> {
  let summary = "the ops of one kernel: one region = one pass over its iteration space";
  let description = [{
    Formed by gptc-form-fusion-groups on linalg-on-tensors IR; the rules are in
    docs/fusion.md. `kind` says how the group is code-generated:
      * "gemm": a contraction (and the fill of its accumulator); the runtime's
        packed GEMM on the CPU.
      * "rows": ops over the same leading parallel dimensions (the rows), such
        as a softmax or a layernorm: reductions along each row and the
        elementwise ops before and after them. One parallel loop over blocks
        of `rows` rows; inside it every op runs over its part of the block,
        so the intermediates of a block stay in cache.
      * "reduction": one reduction alone (e.g. a bias gradient, summed over
        the batch).
      * "elementwise": one elementwise loop nest (fused by
        gptc-fuse-elementwise).
      * "foreach": independent elementwise loop nests, each over its own
        shape, as one kernel (the optimizer's update of every parameter;
        gptc-form-foreach-groups). rows is 0.
    `rows` is the number of leading parallel dimensions the ops share.
    The region uses values from above; its yielded values are the group's
    results, the values that ops outside the group use.
  }];
  let arguments = (ins StrAttr:$kind, I64Attr:$rows);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$kind `rows` `(` $rows `)` (`->` type($results)^)? attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

def NN_FusionYieldOp : NN_Op<"fusion_yield",
    [Terminator, HasParent<"FusionGroupOp">, Pure]> {
  let summary = "the results of a fusion group";
  let arguments = (ins Variadic<AnyType>:$values);
  let builders = [OpBuilder<(ins), [{ /* no values */ }]>];
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif
