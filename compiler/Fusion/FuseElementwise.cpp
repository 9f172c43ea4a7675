// gptc-fuse-elementwise: fuses chains of elementwise linalg.generic ops into
// one loop nest (one pass over memory), as linalg's elementwise fusion does,
// but never into a contraction: a matmul whose operand is computed inline is a
// generic loop nest that the runtime's GEMM can no longer take. So a
// producer is fused only into consumers whose loops are all parallel.
//
// Recompute or store: a producer with one use is always fused. One with
// several uses is fused into each of them (recomputed per consumer, never
// stored) when recomputing it costs no more than reading it back: it moves
// data (a broadcast, a transpose, a copy) or does at most
// kMaxRecomputedArith cheap arithmetic ops per element (no math-dialect
// function: an exp or a tanh per consumer costs more than a load). With
// gemm-epilogues (the CPU), a producer that reads a GEMM's output alone is
// stored, not recomputed: it becomes the GEMM's epilogue
// (gptc-form-fusion-groups), computed while the GEMM's tile is in cache, and
// its consumers then read one buffer (the sum) instead of two (C and the
// other addend).
#include "compiler/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace gptc {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

bool allParallel(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.getNumLoops() == linalgOp.getNumParallelLoops();
}

constexpr int kMaxRecomputedArith = 2;

/// Whether `producer` is cheaper to recompute in each consumer than to store
/// once and read back: all-parallel, one result, a body of at most
/// kMaxRecomputedArith arith ops (besides its yield).
bool cheapToRecompute(Operation *producer) {
  auto generic = dyn_cast<linalg::GenericOp>(producer);
  if (!generic || !allParallel(producer) || generic->getNumResults() != 1)
    return false;
  int arith = 0;
  for (Operation &op : generic.getBody()->without_terminator()) {
    if (op.getDialect()->getNamespace() != "arith")
      return false;
    ++arith;
  }
  return arith <= kMaxRecomputedArith;
}

/// Whether `op` is the only reader of a 2-D GEMM's output (looking through
/// reshapes): a GEMM epilogue to be.
bool readsSoleGemmOutput(Operation *op) {
  for (Value operand : op->getOperands()) {
    while (isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(operand.getDefiningOp()) &&
           operand.hasOneUse())
      operand = operand.getDefiningOp()->getOperand(0);
    if (isa_and_nonnull<linalg::MatmulOp, linalg::MatmulTransposeAOp, linalg::MatmulTransposeBOp>(
            operand.getDefiningOp()) &&
        operand.hasOneUse())
      return true;
  }
  return false;
}

struct FuseElementwisePass : public gptc::impl::FuseElementwiseBase<FuseElementwisePass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    bool keepEpilogues = gemmEpilogues;
    linalg::ControlFusionFn control = [keepEpilogues](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      if (!producer || !allParallel(fused->getOwner()))
        return false;
      if (producer->hasOneUse())
        return true;
      return cheapToRecompute(producer) && !(keepEpilogues && readsSoleGemmOutput(producer));
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, [](OpOperand *) { return false; });
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
