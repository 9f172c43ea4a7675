// gptc-forward-call-results: a call writes straight into its caller's
// out-params instead of into temporaries that are then copied there.
//
// When @train_step calls @grad and @apply_grads (gptc-apply-optimizer
// {call-grad}), buffer-results-to-out-params gives each call result a fresh
// buffer of the caller and copies it into the caller's out-param at the end:
// a copy of every new parameter and optimizer state tensor each step (three
// times the model's size). Here the out-param takes the temporary's place.
//
// The rewrite is local and needs no alias analysis: the copy's target is an
// out-param of the function (an argument of its entry block used by this copy
// alone, so nothing reads or writes it before), the copy and the source, a
// memref.alloc of the same type, are in the function's entry block (not in a
// loop), and every other use of the source comes before the copy (after it,
// the temporary and the out-param would differ).
#include "compiler/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace gptc {
#define GEN_PASS_DEF_FORWARDCALLRESULTS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

/// True when `copy` can be removed by letting its source's writers write its
/// target directly.
bool isForwardable(memref::CopyOp copy) {
  auto target = dyn_cast<BlockArgument>(copy.getTarget());
  auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
  if (!target || !alloc || !target.hasOneUse() || alloc->getBlock() != copy->getBlock())
    return false;
  auto func = dyn_cast<func::FuncOp>(target.getOwner()->getParentOp());
  // In the function's entry block: not in a loop, where the copy would run
  // once per iteration.
  if (!func || target.getOwner() != &func.getBody().front() || copy->getBlock() != target.getOwner() ||
      alloc.getType() != target.getType())
    return false;
  for (Operation *user : alloc->getUsers())
    if (user != copy && !user->isBeforeInBlock(copy))
      return false;
  return true;
}

struct ForwardCallResultsPass : gptc::impl::ForwardCallResultsBase<ForwardCallResultsPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) {
      if (isForwardable(copy))
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      Value target = copy.getTarget();
      Operation *alloc = copy.getSource().getDefiningOp();
      copy->erase();
      // The out-param is an argument: it dominates every use of the alloc.
      alloc->getResult(0).replaceAllUsesWith(target);
      alloc->erase();
    }
  }
};

} // namespace
