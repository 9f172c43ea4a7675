// gptc-gpu-sink-host-scalars (GPU): scalars a kernel needs are computed in the
// kernel, not on the host.
//
// On the GPU every buffer is device memory, so host code may not load from
// one. After bufferization a few scalars are still host code: the
// hyperparameters read from `hyper` (learning rate, betas, the step), the
// gradient-clipping scale computed from the global norm, the constants of a
// fused op. Each kernel (a top-level scf.parallel, gptc-gpu-form-kernel-loops)
// that uses such a value gets its own copy of the value's computation at the
// start of its body: every thread re-reads a few scalars from memory that is
// in cache, instead of a round trip through the host per step.
//
// Only values that are not memrefs, defined by pure ops or memref.load, are
// sunk. A load moves later in the program (to the kernel), so it is sunk only
// when no op between the load and the kernel uses the loaded buffer (or a
// view of the same allocation) other than to load from it. Host ops left
// without uses go; the verifier (gptc-check-host-launches-only) reports
// whatever could not be sunk.
#include "compiler/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

#include "compiler/Support/Buffers.h"

namespace gptc {
#define GEN_PASS_DEF_GPUSINKHOSTSCALARS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;
using gptc::rootBuffer;

namespace {

/// Whether an op strictly between `from` and `to` (one block) may write the
/// allocation `root`: any use of a view of it but a load counts.
bool touchedBetween(Value root, Operation *from, Operation *to) {
  for (Operation *op = from->getNextNode(); op && op != to; op = op->getNextNode()) {
    bool touches = false;
    op->walk([&](Operation *nested) {
      if (isa<memref::LoadOp>(nested) || isa<ViewLikeOpInterface>(nested))
        return;
      for (Value operand : nested->getOperands())
        if (isa<MemRefType>(operand.getType()) && rootBuffer(operand) == root)
          touches = true;
    });
    if (touches)
      return true;
  }
  return false;
}

/// Whether `value` (defined outside `kernel`) can be recomputed inside it.
bool isSinkable(Value value, scf::ParallelOp kernel) {
  Operation *def = value.getDefiningOp();
  if (!def || def->getBlock() != kernel->getBlock() || def->getNumRegions() != 0)
    return false;
  if (llvm::any_of(def->getResultTypes(), [](Type t) { return isa<MemRefType>(t); }))
    return false;
  if (auto load = dyn_cast<memref::LoadOp>(def))
    return !touchedBetween(rootBuffer(load.getMemref()), load, kernel);
  return isPure(def);
}

/// Clones the computation of `value` (and of the values it needs) at `b`.
Value sink(Value value, scf::ParallelOp kernel, OpBuilder &b, IRMapping &cloned) {
  if (Value done = cloned.lookupOrNull(value))
    return done;
  Operation *def = value.getDefiningOp();
  for (Value operand : def->getOperands())
    if (!cloned.contains(operand) && isSinkable(operand, kernel))
      sink(operand, kernel, b, cloned);
  b.clone(*def, cloned);
  return cloned.lookup(value);
}

struct GpuSinkHostScalarsPass : gptc::impl::GpuSinkHostScalarsBase<GpuSinkHostScalarsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &body = func.getBody().front();
    for (auto kernel : llvm::make_early_inc_range(body.getOps<scf::ParallelOp>())) {
      llvm::SetVector<Value> used;
      getUsedValuesDefinedAbove(kernel.getRegion(), kernel.getRegion(), used);
      OpBuilder b = OpBuilder::atBlockBegin(kernel.getBody());
      IRMapping cloned;
      for (Value value : used) {
        if (!isSinkable(value, kernel))
          continue;
        Value inside = sink(value, kernel, b, cloned);
        value.replaceUsesWithIf(inside, [&](OpOperand &use) { return kernel->isProperAncestor(use.getOwner()); });
      }
    }
    // Host computations that only fed kernels are dead now.
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
      if (op.use_empty() && op.getNumResults() > 0 && op.getNumRegions() == 0 &&
          (isPure(&op) || isa<memref::LoadOp>(op)))
        op.erase();
  }
};

} // namespace
