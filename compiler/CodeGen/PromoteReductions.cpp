// gptc-promote-reductions: a reduction loop keeps its accumulator in a register.
//
// convert-linalg-to-parallel-loops writes a reduction (a row's sum or max) as
//
//   scf.for %k { %a = memref.load %acc[%i]; %v = arith.addf %a, %x; memref.store %v, %acc[%i] }
//
// LLVM keeps %acc[%i] in memory: it cannot prove that the loop's other loads do
// not alias it, so every iteration loads and stores, and the loop stays scalar.
// This pass carries the accumulator through the loop instead (scf.for
// iter_args: one load before the loop, one store after) when the loop touches
// %acc nowhere else and every other buffer it uses provably lives elsewhere (a
// different memref.alloc, or a function argument against an alloc).
//
// The combining op (addf, mulf, maximumf, ...) also gets the `reassoc` flag, so
// LLVM's vectoriser may keep several partial results (one per vector lane) and
// combine them at the end. That fixes a summation order of its own, decided at
// compile time: results still do not depend on the thread count.
#include "compiler/Passes.h"

#include "mlir/Interfaces/ViewLikeInterface.h"

#include "compiler/Support/Buffers.h"

namespace gptc {
#define GEN_PASS_DEF_PROMOTEREDUCTIONS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;
using gptc::rootBuffer;

namespace {

bool isAllocation(Value root) {
  Operation *def = root.getDefiningOp();
  return def && isa<memref::AllocOp, memref::AllocaOp>(def);
}

/// Whether two root buffers are provably distinct memory.
bool distinct(Value a, Value b) {
  if (a == b)
    return false;
  if (isAllocation(a) && isAllocation(b))
    return true;
  // An allocation made in the function cannot be an argument's memory.
  return (isAllocation(a) && isa<BlockArgument>(b)) || (isAllocation(b) && isa<BlockArgument>(a));
}

struct Accumulator {
  mutable memref::LoadOp load; // op handles: const-ness of the pair is not the ops'
  mutable memref::StoreOp store;
};

/// The load/store pairs of `loop`'s body that can become iter_args.
SmallVector<Accumulator> findAccumulators(scf::ForOp loop) {
  SmallVector<Accumulator> found;
  // Opaque memory users (calls, pointers taken as integers) rule the loop out.
  bool opaque = false;
  loop.getBody()->walk([&](Operation *op) {
    if (isa<CallOpInterface, memref::ExtractAlignedPointerAsIndexOp>(op))
      opaque = true;
  });
  if (opaque)
    return found;
  Block *body = loop.getBody();
  for (Operation &op : *body) {
    auto load = dyn_cast<memref::LoadOp>(&op);
    if (!load || llvm::any_of(load.getIndices(), [&](Value i) { return !loop.isDefinedOutsideOfLoop(i); }) ||
        !loop.isDefinedOutsideOfLoop(load.getMemref()))
      continue;
    Value buffer = load.getMemref();
    memref::StoreOp store;
    bool ok = true;
    for (Operation *user : buffer.getUsers()) {
      if (!loop->isProperAncestor(user) || user == load.getOperation())
        continue;
      auto s = dyn_cast<memref::StoreOp>(user);
      if (!s || store || s->getBlock() != body || s.getIndices() != load.getIndices() ||
          !load->isBeforeInBlock(s)) {
        ok = false;
        break;
      }
      store = s;
    }
    if (!ok || !store)
      continue;
    // Every other buffer the loop uses must be provably different memory.
    Value root = rootBuffer(buffer);
    loop.getBody()->walk([&](Operation *user) {
      if (user == load.getOperation() || user == store.getOperation())
        return;
      for (Value operand : user->getOperands())
        if (isa<BaseMemRefType>(operand.getType()) && !distinct(root, rootBuffer(operand)))
          ok = false;
    });
    if (ok)
      found.push_back({load, store});
  }
  return found;
}

/// Rewrites `loop` to carry the accumulators; marks their combining ops reassoc.
void promote(scf::ForOp loop, ArrayRef<Accumulator> accumulators) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  SmallVector<Value> inits(loop.getInitArgs());
  for (const Accumulator &a : accumulators)
    inits.push_back(b.create<memref::LoadOp>(a.load.getLoc(), a.load.getMemref(), a.load.getIndices()));
  auto promoted = b.create<scf::ForOp>(loc, loop.getLowerBound(), loop.getUpperBound(), loop.getStep(), inits);
  Block *body = promoted.getBody();
  if (!body->empty()) // the builder adds a yield only without iter_args
    body->getTerminator()->erase();
  Block *old = loop.getBody();
  for (auto [from, to] : llvm::zip(old->getArguments(), body->getArguments()))
    from.replaceAllUsesWith(to);
  body->getOperations().splice(body->end(), old->getOperations());

  auto yield = cast<scf::YieldOp>(body->getTerminator());
  SmallVector<Value> yielded(yield.getOperands());
  unsigned first = loop.getNumRegionIterArgs() + 1; // after the induction variable and the old iter_args
  for (auto [i, a] : llvm::enumerate(accumulators)) {
    Value carried = body->getArgument(first + i);
    a.load.getResult().replaceAllUsesWith(carried);
    Value next = a.store.getValueToStore();
    if (Operation *combine = next.getDefiningOp())
      if (auto fastMath = dyn_cast<arith::ArithFastMathInterface>(combine))
        if (llvm::is_contained(combine->getOperands(), carried))
          combine->setAttr(fastMath.getFastMathAttrName(),
                           arith::FastMathFlagsAttr::get(combine->getContext(),
                                                         fastMath.getFastMathFlagsAttr().getValue() |
                                                             arith::FastMathFlags::reassoc));
    yielded.push_back(next);
  }
  OpBuilder yb(yield);
  yb.create<scf::YieldOp>(yield.getLoc(), yielded);
  yield.erase();

  b.setInsertionPointAfter(promoted);
  for (auto [i, a] : llvm::enumerate(accumulators)) {
    b.create<memref::StoreOp>(a.store.getLoc(), promoted.getResult(loop.getNumResults() + i),
                              a.store.getMemref(), a.store.getIndices());
    a.store.erase();
    a.load.erase();
  }
  loop.replaceAllUsesWith(promoted.getResults().take_front(loop.getNumResults()));
  loop.erase();
}

struct PromoteReductionsPass : public gptc::impl::PromoteReductionsBase<PromoteReductionsPass> {
  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    getOperation()->walk([&](scf::ForOp loop) { loops.push_back(loop); }); // inner loops first
    for (scf::ForOp loop : loops) {
      SmallVector<Accumulator> accumulators = findAccumulators(loop);
      if (!accumulators.empty())
        promote(loop, accumulators);
    }
  }
};

} // namespace
