// The elaborated graph (Frontend/Graph.h) -> the nn dialect: one function
// @forward(params..., inputs...[, rng]) -> (loss[, out]). Composite layers
// (layernorm, gelu, concat) are written out in nn primitives here, so autodiff
// sees only ops with gradient rules.
#include "compiler/MLIRGen/MLIRGen.h"

#include "dialects/NN/IR/NNDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"

#include <cmath>

using namespace mlir;

namespace gptc {
namespace {

class MLIRGenImpl {
public:
  MLIRGenImpl(MLIRContext &ctx, const CheckedProgram &program, const MLIRGenOptions &options)
      : builder_(&ctx), program_(program), options_(options) {
    floatType_ = options.useF64 ? (Type)builder_.getF64Type() : (Type)builder_.getF32Type();
  }

  OwningOpRef<ModuleOp> generate() {
    ModuleOp module = ModuleOp::create(loc(program_.model->loc));
    module->setAttr("gptc.optimizer", builder_.getStringAttr(spelling(program_.train.optimizer)));
    if (program_.train.clip > 0) // the step computes the global gradient norm only when asked
      module->setAttr("gptc.clip", builder_.getUnitAttr());
    builder_.setInsertionPointToEnd(module.getBody());

    SmallVector<Type> argTypes;
    for (const ParamInfo &p : program_.params)
      argTypes.push_back(tensorType(ElemType::F32, p.shape));
    for (const InputInfo &in : program_.inputs)
      argTypes.push_back(tensorType(in.elem, in.shape));
    if (program_.hasDropout)
      argTypes.push_back(rngType());
    SmallVector<Type> resultTypes = {tensorType(ElemType::F32, {})};
    if (program_.out >= 0)
      resultTypes.push_back(tensorType(ElemType::F32, program_.outType().shape));

    auto func = builder_.create<func::FuncOp>(loc(program_.model->loc), "forward",
                                              builder_.getFunctionType(argTypes, resultTypes));
    Block *entry = func.addEntryBlock();
    size_t argIndex = 0;
    for (const ParamInfo &p : program_.params) {
      func.setArgAttr(argIndex, "gptc.param", builder_.getUnitAttr());
      func.setArgAttr(argIndex++, "gptc.name", builder_.getStringAttr(p.name));
    }
    for (const InputInfo &in : program_.inputs)
      func.setArgAttr(argIndex++, "gptc.name", builder_.getStringAttr(in.name));
    if (program_.hasDropout) {
      func.setArgAttr(argIndex, "gptc.name", builder_.getStringAttr("rng"));
      rng_ = entry->getArgument(argIndex++);
    }
    builder_.setInsertionPointToStart(entry);

    values_.resize(program_.graph.size());
    for (size_t i = 0; i < program_.graph.size(); ++i) {
      const Node &n = program_.graph[i];
      if (n.kind == Node::Input)
        values_[i] = entry->getArgument(program_.params.size() + n.index);
      else if (n.kind == Node::Param)
        values_[i] = entry->getArgument(n.index);
      else if (n.kind != Node::Scalar)
        values_[i] = gen(n);
    }
    SmallVector<Value> results = {values_[program_.loss]};
    if (program_.out >= 0)
      results.push_back(values_[program_.out]);
    builder_.create<func::ReturnOp>(loc(program_.model->loc), results);

    if (failed(verify(module))) {
      module.emitError("MLIRGen produced invalid IR");
      return nullptr;
    }
    return module;
  }

private:
  Location loc(SourceLoc l) {
    return FileLineColLoc::get(builder_.getStringAttr(options_.fileName), l.line, l.col);
  }

  RankedTensorType tensorType(ElemType elem, const std::vector<int64_t> &shape) {
    Type e = elem == ElemType::F32 ? floatType_ : (Type)builder_.getI32Type();
    return RankedTensorType::get(shape, e);
  }
  RankedTensorType rngType() { return RankedTensorType::get({2}, builder_.getI32Type()); }
  RankedTensorType typeOf(const Node &n) { return tensorType(n.type.elem, n.type.shape); }
  const Node &node(int i) { return program_.graph[i]; }

  Value splat(Location l, RankedTensorType type, double value) {
    return builder_.create<nn::ConstantOp>(l, type, value);
  }

  /// Operand `i` of `n` as a tensor of `type`: scalars splat, lower-rank
  /// tensors broadcast (aligned at the right).
  Value operandAs(const Node &n, size_t i, RankedTensorType type) {
    int id = n.operands[i];
    if (node(id).kind == Node::Scalar)
      return splat(loc(n.loc), type, node(id).value);
    return broadcastTo(loc(n.loc), values_[id], type);
  }

  Value broadcastTo(Location l, Value v, RankedTensorType type) {
    auto vt = cast<RankedTensorType>(v.getType());
    if (vt == type)
      return v;
    SmallVector<int64_t> dims;
    for (int64_t i = 0; i < vt.getRank(); ++i)
      dims.push_back(i + type.getRank() - vt.getRank());
    return builder_.create<nn::BroadcastOp>(l, type, v, dims);
  }

  Value operand(const Node &n, size_t i) { return values_[n.operands[i]]; }

  Value gen(const Node &n) {
    Location l = loc(n.loc);
    RankedTensorType type = typeOf(n);
    switch (n.kind) {
    case Node::Arange: {
      SmallVector<int32_t> values;
      for (int64_t i = 0; i < type.getDimSize(0); ++i)
        values.push_back((int32_t)i);
      return builder_.create<arith::ConstantOp>(l, DenseIntElementsAttr::get(type, values));
    }
    case Node::Unary: return genUnary(l, n.fn, operand(n, 0));
    case Node::Binary: {
      Value lhs = operandAs(n, 0, type), rhs = operandAs(n, 1, type);
      switch (n.fn[0]) {
      case '+': return builder_.create<nn::AddOp>(l, lhs, rhs);
      case '-': return builder_.create<nn::SubOp>(l, lhs, rhs);
      case '*': return builder_.create<nn::MulOp>(l, lhs, rhs);
      case '/': return builder_.create<nn::DivOp>(l, lhs, rhs);
      }
      break;
    }
    case Node::Pow: return builder_.create<nn::PowOp>(l, operand(n, 0), builder_.getF64FloatAttr(n.value));
    case Node::Matmul: return genMatmul(l, operand(n, 0), operand(n, 1), type);
    case Node::ReduceSum: return builder_.create<nn::ReduceSumOp>(l, operand(n, 0), n.ints);
    case Node::Transpose: return builder_.create<nn::TransposeOp>(l, operand(n, 0), n.ints);
    case Node::Reshape: return builder_.create<nn::ReshapeOp>(l, type, operand(n, 0));
    case Node::Softmax: return builder_.create<nn::SoftmaxOp>(l, operand(n, 0));
    case Node::LogSoftmax: return builder_.create<nn::LogSoftmaxOp>(l, operand(n, 0));
    case Node::CrossEntropy:
      return builder_.create<nn::CrossEntropyOp>(l, type, operand(n, 0), operand(n, 1));
    case Node::Mse: {
      Value diff = builder_.create<nn::SubOp>(l, operand(n, 0), operand(n, 1));
      Value sq = builder_.create<nn::MulOp>(l, diff, diff);
      auto dt = cast<RankedTensorType>(diff.getType());
      SmallVector<int64_t> all = llvm::to_vector(llvm::seq<int64_t>(0, dt.getRank()));
      Value s = builder_.create<nn::ReduceSumOp>(l, sq, all);
      return scaleBy(l, s, 1.0 / (double)dt.getNumElements());
    }
    case Node::Gather: return builder_.create<nn::GatherOp>(l, type, operand(n, 0), operand(n, 1));
    case Node::Slice:
      return builder_.create<nn::SliceOp>(l, type, operand(n, 0), n.ints[0], n.ints[1]);
    case Node::Concat: return genConcat(l, n, type);
    case Node::Mask: {
      int64_t rank = type.getRank();
      auto maskType = RankedTensorType::get({type.getDimSize(rank - 2), type.getDimSize(rank - 1)},
                                            builder_.getI1Type());
      SmallVector<bool> bits(n.mask.begin(), n.mask.end());
      auto mask = DenseElementsAttr::get(maskType, ArrayRef<bool>(bits));
      return builder_.create<nn::MaskFillOp>(l, operand(n, 0), mask, builder_.getF64FloatAttr(n.value));
    }
    case Node::Dropout:
      return builder_.create<nn::DropoutOp>(l, operand(n, 0), rng_, builder_.getF64FloatAttr(n.value),
                                            builder_.getI64IntegerAttr(n.ints[0]));
    case Node::LayerNorm: return genLayerNorm(l, n);
    case Node::Input: case Node::Param: case Node::Scalar: break;
    }
    llvm_unreachable("a graph node MLIRGen does not know");
  }

  Value genUnary(Location l, const std::string &fn, Value x) {
    if (fn == "neg") return builder_.create<nn::NegOp>(l, x);
    if (fn == "sigmoid") return builder_.create<nn::SigmoidOp>(l, x);
    if (fn == "relu") return builder_.create<nn::ReluOp>(l, x);
    if (fn == "tanh") return builder_.create<nn::TanhOp>(l, x);
    if (fn == "exp") return builder_.create<nn::ExpOp>(l, x);
    if (fn == "log") return builder_.create<nn::LogOp>(l, x);
    if (fn == "sqrt") return builder_.create<nn::SqrtOp>(l, x);
    if (fn == "softplus") return builder_.create<nn::SoftplusOp>(l, x);
    if (fn == "gelu") {
      // GPT-2's tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      auto t = cast<RankedTensorType>(x.getType());
      Value cube = builder_.create<nn::MulOp>(l, builder_.create<nn::MulOp>(l, x, x), x);
      Value inner = builder_.create<nn::AddOp>(l, x, scaleBy(l, cube, 0.044715));
      Value th = builder_.create<nn::TanhOp>(l, scaleBy(l, inner, std::sqrt(2.0 / M_PI)));
      Value onePlus = builder_.create<nn::AddOp>(l, th, splat(l, t, 1.0));
      return builder_.create<nn::MulOp>(l, scaleBy(l, x, 0.5), onePlus);
    }
    llvm_unreachable("unknown unary function");
  }

  /// Matmuls of any rank become nn.matmul of rank 2 or 3 with reshapes around.
  Value genMatmul(Location l, Value lhs, Value rhs, RankedTensorType type) {
    auto lt = cast<RankedTensorType>(lhs.getType());
    auto rt = cast<RankedTensorType>(rhs.getType());
    Type elem = lt.getElementType();
    int64_t m = lt.getDimSize(lt.getRank() - 2), k = lt.getDimSize(lt.getRank() - 1);
    int64_t n = rt.getDimSize(rt.getRank() - 1);
    if (rt.getRank() == 2) {
      if (lt.getRank() == 2)
        return builder_.create<nn::MatmulOp>(l, lhs, rhs, false, false);
      // [..., K] @ [K, N]: one [rows, K] @ [K, N] matmul.
      int64_t rows = lt.getNumElements() / k;
      Value flat = builder_.create<nn::ReshapeOp>(l, RankedTensorType::get({rows, k}, elem), lhs);
      Value product = builder_.create<nn::MatmulOp>(l, flat, rhs, false, false);
      return builder_.create<nn::ReshapeOp>(l, type, product);
    }
    if (lt.getRank() == 3)
      return builder_.create<nn::MatmulOp>(l, lhs, rhs, false, false);
    int64_t batch = lt.getNumElements() / (m * k);
    Value l3 = builder_.create<nn::ReshapeOp>(l, RankedTensorType::get({batch, m, k}, elem), lhs);
    Value r3 = builder_.create<nn::ReshapeOp>(l, RankedTensorType::get({batch, k, n}, elem), rhs);
    Value product = builder_.create<nn::MatmulOp>(l, l3, r3, false, false);
    return builder_.create<nn::ReshapeOp>(l, type, product);
  }

  /// concat = the sum of each part padded with zeros to the result's shape.
  Value genConcat(Location l, const Node &n, RankedTensorType type) {
    int64_t axis = n.ints[0], offset = 0;
    Value sum;
    for (size_t i = 0; i < n.operands.size(); ++i) {
      Value part = operand(n, i);
      Value padded = builder_.create<nn::PadOp>(l, type, part, axis, offset);
      offset += cast<RankedTensorType>(part.getType()).getDimSize(axis);
      sum = sum ? (Value)builder_.create<nn::AddOp>(l, sum, padded) : padded;
    }
    return sum;
  }

  /// (x - mean) / sqrt(var + eps) * weight + bias over the last axis (biased variance, as torch).
  Value genLayerNorm(Location l, const Node &n) {
    Value x = operand(n, 0);
    auto t = cast<RankedTensorType>(x.getType());
    int64_t last = t.getRank() - 1;
    double inv = 1.0 / (double)t.getDimSize(last);
    SmallVector<int64_t> keep = llvm::to_vector(llvm::seq<int64_t>(0, last));
    auto rowMean = [&](Value v) {
      Value s = builder_.create<nn::ReduceSumOp>(l, v, SmallVector<int64_t>{last});
      return builder_.create<nn::BroadcastOp>(l, t, scaleBy(l, s, inv), keep).getResult();
    };
    Value centered = builder_.create<nn::SubOp>(l, x, rowMean(x));
    Value var = rowMean(builder_.create<nn::MulOp>(l, centered, centered));
    Value rstd = builder_.create<nn::PowOp>(l, builder_.create<nn::AddOp>(l, var, splat(l, t, n.value)),
                                            builder_.getF64FloatAttr(-0.5));
    Value y = builder_.create<nn::MulOp>(l, centered, rstd);
    y = builder_.create<nn::MulOp>(l, y, broadcastTo(l, operand(n, 1), t));
    if (n.operands.size() > 2)
      y = builder_.create<nn::AddOp>(l, y, broadcastTo(l, operand(n, 2), t));
    return y;
  }

  Value scaleBy(Location l, Value v, double factor) {
    auto t = cast<RankedTensorType>(v.getType());
    return builder_.create<nn::MulOp>(l, v, splat(l, t, factor));
  }

  OpBuilder builder_;
  const CheckedProgram &program_;
  const MLIRGenOptions &options_;
  Type floatType_;
  std::vector<Value> values_;
  Value rng_;
};

} // namespace

OwningOpRef<ModuleOp> mlirGen(MLIRContext &context, const CheckedProgram &program,
                              const MLIRGenOptions &options) {
  context.loadDialect<nn::NNDialect, func::FuncDialect, arith::ArithDialect>();
  return MLIRGenImpl(context, program, options).generate();
}

} // namespace gptc
