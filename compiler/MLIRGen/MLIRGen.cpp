// The elaborated graph (Frontend/Graph.h) -> the nn dialect: one function
// @forward(params..., inputs...[, rng]) -> (loss[, out]), each node the nn op
// of its primitive. Composite layers were already written out in primitives
// by Frontend/Builtins/, so autodiff sees only ops with gradient rules.
#include "compiler/MLIRGen/MLIRGen.h"

#include "dialects/NN/IR/NNDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"

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

  /// The nn op of one primitive node.
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
    case Node::Constant: {
      if (type.getElementType().isF64())
        return builder_.create<arith::ConstantOp>(l, DenseElementsAttr::get(type, ArrayRef<double>(n.data)));
      SmallVector<float> values(n.data.begin(), n.data.end());
      return builder_.create<arith::ConstantOp>(l, DenseElementsAttr::get(type, ArrayRef<float>(values)));
    }
    case Node::Neg: return builder_.create<nn::NegOp>(l, operand(n, 0));
    case Node::Sigmoid: return builder_.create<nn::SigmoidOp>(l, operand(n, 0));
    case Node::Relu: return builder_.create<nn::ReluOp>(l, operand(n, 0));
    case Node::Tanh: return builder_.create<nn::TanhOp>(l, operand(n, 0));
    case Node::Exp: return builder_.create<nn::ExpOp>(l, operand(n, 0));
    case Node::Log: return builder_.create<nn::LogOp>(l, operand(n, 0));
    case Node::Sqrt: return builder_.create<nn::SqrtOp>(l, operand(n, 0));
    case Node::Softplus: return builder_.create<nn::SoftplusOp>(l, operand(n, 0));
    case Node::Gelu: return builder_.create<nn::GeluOp>(l, operand(n, 0));
    case Node::Add: case Node::Sub: case Node::Mul: case Node::Div: return genArithmetic(l, n, type);
    case Node::Pow: return builder_.create<nn::PowOp>(l, operand(n, 0), builder_.getF64FloatAttr(n.value));
    case Node::Matmul: return builder_.create<nn::MatmulOp>(l, operand(n, 0), operand(n, 1), false, false);
    case Node::ReduceSum: return builder_.create<nn::ReduceSumOp>(l, operand(n, 0), n.ints);
    case Node::Broadcast: return builder_.create<nn::BroadcastOp>(l, type, operand(n, 0), n.ints);
    case Node::Transpose: return builder_.create<nn::TransposeOp>(l, operand(n, 0), n.ints);
    case Node::Reshape: return builder_.create<nn::ReshapeOp>(l, type, operand(n, 0));
    case Node::Softmax: return builder_.create<nn::SoftmaxOp>(l, operand(n, 0));
    case Node::LogSoftmax: return builder_.create<nn::LogSoftmaxOp>(l, operand(n, 0));
    case Node::Normalize:
      return builder_.create<nn::NormalizeOp>(l, operand(n, 0), builder_.getF64FloatAttr(n.value));
    case Node::CrossEntropy:
      return builder_.create<nn::CrossEntropyOp>(
          l, type, operand(n, 0), operand(n, 1),
          n.ints[0] >= 0 ? builder_.getI64IntegerAttr(n.ints[0]) : IntegerAttr(),
          n.value != 0 ? builder_.getF64FloatAttr(n.value) : FloatAttr());
    case Node::Gather: return builder_.create<nn::GatherOp>(l, type, operand(n, 0), operand(n, 1));
    case Node::Slice:
      return builder_.create<nn::SliceOp>(l, type, operand(n, 0), n.ints[0], n.ints[1]);
    case Node::Pad: return builder_.create<nn::PadOp>(l, type, operand(n, 0), n.ints[0], n.ints[1]);
    case Node::PaddingMask:
      return builder_.create<nn::PaddingMaskOp>(l, type, operand(n, 0), operand(n, 1),
                                                builder_.getI64IntegerAttr(n.ints[0]),
                                                builder_.getF64FloatAttr(n.value));
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
    case Node::Input: case Node::Param: case Node::Scalar: break;
    }
    llvm_unreachable("a graph node without an nn op");
  }

  Value genArithmetic(Location l, const Node &n, RankedTensorType type) {
    // Two statements: the left operand's broadcast comes first in the IR.
    Value lhs = operandAs(n, 0, type);
    Value rhs = operandAs(n, 1, type);
    switch (n.kind) {
    case Node::Add: return builder_.create<nn::AddOp>(l, lhs, rhs);
    case Node::Sub: return builder_.create<nn::SubOp>(l, lhs, rhs);
    case Node::Mul: return builder_.create<nn::MulOp>(l, lhs, rhs);
    default: return builder_.create<nn::DivOp>(l, lhs, rhs);
    }
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
