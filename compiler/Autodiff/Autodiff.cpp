// Reverse-mode automatic differentiation over the nn dialect.
//
// On immutable tensors the tape is just the forward SSA values: @grad is a copy
// of @forward with the backward ops appended after it, in reverse program order.
#include "compiler/Passes.h"

#include "mlir/IR/IRMapping.h"

namespace gptc {
#define GEN_PASS_DEF_AUTODIFF
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;
using namespace gptc;

namespace {

class AdjointMap {
public:
  /// Adds `contribution` to the adjoint of `v` (a value used several times
  /// receives the sum of the adjoints of its uses).
  void accumulate(OpBuilder &b, Location loc, Value v, Value contribution) {
    auto it = adjoints_.find(v);
    if (it == adjoints_.end()) {
      adjoints_[v] = contribution;
      return;
    }
    it->second = b.create<nn::AddOp>(loc, it->second, contribution);
  }
  Value lookup(Value v) const { return adjoints_.lookup(v); }

private:
  DenseMap<Value, Value> adjoints_;
};

LogicalResult buildGradFunction(func::FuncOp forward) {
  OpBuilder b(forward);
  b.setInsertionPointAfter(forward);
  auto grad = cast<func::FuncOp>(b.clone(*forward));
  grad.setSymName("grad");
  Block &body = grad.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  Value loss = ret.getOperand(0);
  Location loc = ret.getLoc();

  b.setInsertionPoint(ret);
  AdjointMap adjoints;
  adjoints.accumulate(b, loc, loss, b.create<nn::ConstantOp>(loc, loss.getType(), 1.0));

  SmallVector<Operation *> forwardOps;
  for (Operation &op : body.without_terminator())
    forwardOps.push_back(&op);
  for (Operation *op : llvm::reverse(forwardOps)) {
    SmallVector<Value> resultAdjoints;
    bool needed = false;
    for (Value r : op->getResults()) {
      Value a = adjoints.lookup(r);
      needed |= (bool)a;
      resultAdjoints.push_back(a);
    }
    if (!needed || op->getNumOperands() == 0)
      continue;
    auto rule = dyn_cast<nn::GradOpInterface>(op);
    if (!rule)
      return op->emitOpError("has no derivative rule, but the loss depends on it");
    for (auto [i, a] : llvm::enumerate(resultAdjoints))
      if (!a)
        resultAdjoints[i] = b.create<nn::ConstantOp>(op->getLoc(), op->getResult(i).getType(), 0.0);
    SmallVector<Value> operandAdjoints = rule.buildAdjoints(b, resultAdjoints);
    if (operandAdjoints.size() != op->getNumOperands())
      return op->emitOpError("derivative rule returned ")
             << operandAdjoints.size() << " adjoints for " << op->getNumOperands() << " operands";
    for (auto [operand, adjoint] : llvm::zip(op->getOperands(), operandAdjoints)) {
      if (!adjoint)
        continue;
      if (adjoint.getType() != operand.getType())
        return op->emitOpError("derivative rule built an adjoint of type ")
               << adjoint.getType() << " for an operand of type " << operand.getType();
      adjoints.accumulate(b, op->getLoc(), operand, adjoint);
    }
  }

  SmallVector<Value> results = {loss};
  SmallVector<Type> resultTypes = {loss.getType()};
  for (BlockArgument arg : body.getArguments()) {
    if (!grad.getArgAttr(arg.getArgNumber(), "gptc.param"))
      continue;
    Value g = adjoints.lookup(arg);
    if (!g) // a parameter the loss does not depend on has a zero gradient
      g = b.create<nn::ConstantOp>(loc, arg.getType(), 0.0);
    results.push_back(g);
    resultTypes.push_back(arg.getType());
  }
  b.create<func::ReturnOp>(loc, results);
  ret.erase();
  grad.setFunctionType(b.getFunctionType(grad.getArgumentTypes(), resultTypes));
  grad.setAllResultAttrs(ArrayRef<DictionaryAttr>{});
  return success();
}

struct AutodiffPass : public gptc::impl::AutodiffBase<AutodiffPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward) {
      module.emitError("gptc-autodiff needs a function named @forward");
      return signalPassFailure();
    }
    if (module.lookupSymbol("grad")) {
      module.emitError("gptc-autodiff: the module already has a @grad");
      return signalPassFailure();
    }
    auto lossType = forward.getFunctionType().getNumResults() > 0
                        ? dyn_cast<RankedTensorType>(forward.getFunctionType().getResult(0))
                        : nullptr;
    if (!lossType || lossType.getRank() != 0) {
      forward.emitOpError("must return a scalar loss tensor as its first result");
      return signalPassFailure();
    }
    if (failed(buildGradFunction(forward)))
      return signalPassFailure();
  }
};

} // namespace
