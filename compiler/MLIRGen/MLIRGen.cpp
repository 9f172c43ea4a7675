#include "compiler/MLIRGen/MLIRGen.h"

#include "dialects/NN/IR/NNDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

#include <map>

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
    module->setAttr("gptc.optimizer", builder_.getStringAttr(program_.train.optimizer.kind));
    builder_.setInsertionPointToEnd(module.getBody());

    SmallVector<Type> argTypes;
    for (const ParamInfo &p : program_.params)
      argTypes.push_back(tensorType(ElemType::F32, p.shape));
    for (const InputInfo &in : program_.inputs)
      argTypes.push_back(tensorType(in.elem, in.shape));
    SmallVector<Type> resultTypes = {tensorType(ElemType::F32, {})};
    if (program_.out)
      resultTypes.push_back(tensorType(ElemType::F32, program_.out->type.shape));

    auto func = builder_.create<func::FuncOp>(loc(program_.model->loc), "forward",
                                              builder_.getFunctionType(argTypes, resultTypes));
    Block *entry = func.addEntryBlock();
    size_t argIndex = 0;
    for (const ParamInfo &p : program_.params) {
      func.setArgAttr(argIndex, "gptc.param", builder_.getUnitAttr());
      func.setArgAttr(argIndex, "gptc.name", builder_.getStringAttr(p.name));
      env_[p.name] = entry->getArgument(argIndex++);
    }
    for (const InputInfo &in : program_.inputs) {
      func.setArgAttr(argIndex, "gptc.name", builder_.getStringAttr(in.name));
      env_[in.name] = entry->getArgument(argIndex++);
    }
    builder_.setInsertionPointToStart(entry);

    Value lossValue, outValue;
    for (const Stmt &s : program_.model->body) {
      if (s.kind != Stmt::Assign || s.value->type.kind != ExprType::Tensor)
        continue; // params are arguments; constants are folded where used
      Value v = genTensor(*s.value);
      env_[s.names[0]] = v;
      if (s.value.get() == program_.loss)
        lossValue = v;
      if (s.value.get() == program_.out)
        outValue = v;
    }
    SmallVector<Value> results = {lossValue};
    if (program_.out)
      results.push_back(outValue);
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

  RankedTensorType typeOf(const Expr &e) { return tensorType(e.type.elem, e.type.shape); }

  Value splat(Location l, RankedTensorType type, double value) {
    return builder_.create<nn::ConstantOp>(l, type, value);
  }

  /// A tensor operand of an op whose result is `type`: constants become splats,
  /// lower-rank tensors are broadcast (aligned at the right).
  Value operandAs(const Expr &e, RankedTensorType type) {
    Location l = loc(e.loc);
    if (e.type.kind == ExprType::Constant)
      return splat(l, type, e.type.value);
    Value v = genTensor(e);
    auto vt = cast<RankedTensorType>(v.getType());
    if (vt == type)
      return v;
    SmallVector<int64_t> dims;
    for (int64_t i = 0; i < vt.getRank(); ++i)
      dims.push_back(i + type.getRank() - vt.getRank());
    return builder_.create<nn::BroadcastOp>(l, type, v, dims);
  }

  Value genTensor(const Expr &e) {
    Location l = loc(e.loc);
    RankedTensorType type = typeOf(e);
    switch (e.kind) {
    case Expr::Name: return env_.at(e.name);
    case Expr::Unary: return builder_.create<nn::NegOp>(l, genTensor(*e.args[0]));
    case Expr::Binary: return genBinary(e, type);
    case Expr::Call: return genCall(e, type);
    default: break;
    }
    llvm_unreachable("Sema gave a tensor type to a non-tensor expression");
  }

  Value genBinary(const Expr &e, RankedTensorType type) {
    Location l = loc(e.loc);
    if (e.op == '^')
      return builder_.create<nn::PowOp>(l, genTensor(*e.args[0]),
                                        builder_.getF64FloatAttr(e.args[1]->type.value));
    if (e.op == '@')
      return genMatmul(e, type);
    Value lhs = operandAs(*e.args[0], type);
    Value rhs = operandAs(*e.args[1], type);
    switch (e.op) {
    case '+': return builder_.create<nn::AddOp>(l, lhs, rhs);
    case '-': return builder_.create<nn::SubOp>(l, lhs, rhs);
    case '*': return builder_.create<nn::MulOp>(l, lhs, rhs);
    case '/': return builder_.create<nn::DivOp>(l, lhs, rhs);
    }
    llvm_unreachable("unknown binary operator");
  }

  Value genMatmul(const Expr &e, RankedTensorType type) {
    Location l = loc(e.loc);
    Value lhs = genTensor(*e.args[0]);
    Value rhs = genTensor(*e.args[1]);
    auto lt = cast<RankedTensorType>(lhs.getType());
    auto rt = cast<RankedTensorType>(rhs.getType());
    if (lt.getRank() == rt.getRank())
      return builder_.create<nn::MatmulOp>(l, lhs, rhs, false, false);
    // [B, T, K] @ [K, N]: one [B*T, K] @ [K, N] matmul.
    auto flat = RankedTensorType::get({lt.getDimSize(0) * lt.getDimSize(1), lt.getDimSize(2)},
                                      lt.getElementType());
    Value flatLhs = builder_.create<nn::ReshapeOp>(l, flat, lhs);
    Value product = builder_.create<nn::MatmulOp>(l, flatLhs, rhs, false, false);
    return builder_.create<nn::ReshapeOp>(l, type, product);
  }

  Value scaleBy(Location l, Value v, double factor) {
    auto t = cast<RankedTensorType>(v.getType());
    return builder_.create<nn::MulOp>(l, v, splat(l, t, factor));
  }

  Value genCall(const Expr &e, RankedTensorType type) {
    Location l = loc(e.loc);
    const std::string &f = e.name;
    if (f == "sigmoid") return builder_.create<nn::SigmoidOp>(l, genTensor(*e.args[0]));
    if (f == "relu") return builder_.create<nn::ReluOp>(l, genTensor(*e.args[0]));
    if (f == "tanh") return builder_.create<nn::TanhOp>(l, genTensor(*e.args[0]));
    if (f == "exp") return builder_.create<nn::ExpOp>(l, genTensor(*e.args[0]));
    if (f == "log") return builder_.create<nn::LogOp>(l, genTensor(*e.args[0]));
    if (f == "sqrt") return builder_.create<nn::SqrtOp>(l, genTensor(*e.args[0]));
    if (f == "softplus") return builder_.create<nn::SoftplusOp>(l, genTensor(*e.args[0]));
    if (f == "softmax") return builder_.create<nn::SoftmaxOp>(l, genTensor(*e.args[0]));
    if (f == "log_softmax") return builder_.create<nn::LogSoftmaxOp>(l, genTensor(*e.args[0]));
    if (f == "transpose")
      return builder_.create<nn::TransposeOp>(l, genTensor(*e.args[0]), e.resolved);
    if (f == "reshape") return builder_.create<nn::ReshapeOp>(l, type, genTensor(*e.args[0]));
    if (f == "sum" || f == "mean") {
      Value x = genTensor(*e.args[0]);
      Value s = builder_.create<nn::ReduceSumOp>(l, x, e.resolved);
      if (f == "sum")
        return s;
      auto xt = cast<RankedTensorType>(x.getType());
      int64_t count = 1;
      for (int64_t axis : e.resolved)
        count *= xt.getDimSize(axis);
      return scaleBy(l, s, 1.0 / (double)count);
    }
    if (f == "cross_entropy")
      return builder_.create<nn::CrossEntropyOp>(l, type, genTensor(*e.args[0]),
                                                 genTensor(*e.args[1]));
    if (f == "mse") {
      Value diff = builder_.create<nn::SubOp>(l, genTensor(*e.args[0]), genTensor(*e.args[1]));
      Value sq = builder_.create<nn::MulOp>(l, diff, diff);
      auto dt = cast<RankedTensorType>(diff.getType());
      SmallVector<int64_t> all = llvm::to_vector(llvm::seq<int64_t>(0, dt.getRank()));
      Value s = builder_.create<nn::ReduceSumOp>(l, sq, all);
      return scaleBy(l, s, 1.0 / (double)dt.getNumElements());
    }
    llvm_unreachable("Sema accepted an unknown function");
  }

  OpBuilder builder_;
  const CheckedProgram &program_;
  const MLIRGenOptions &options_;
  Type floatType_;
  std::map<std::string, Value> env_;
};

} // namespace

OwningOpRef<ModuleOp> mlirGen(MLIRContext &context, const CheckedProgram &program,
                              const MLIRGenOptions &options) {
  context.loadDialect<nn::NNDialect, func::FuncDialect>();
  return MLIRGenImpl(context, program, options).generate();
}

} // namespace gptc
