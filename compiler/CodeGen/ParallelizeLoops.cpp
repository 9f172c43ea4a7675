// gptc-parallelize-loops: decides which loop nests run on all cores.
//
// Input: buffer-level loops from convert-linalg-to-parallel-loops, where every
// linalg op is a nest whose parallel dimensions are scf.parallel. Output: at
// most one scf.parallel per nest, the outermost, and only where the nest does
// enough work to pay for waking the other threads; every other scf.parallel
// becomes a sequential scf.for nest. convert-scf-to-openmp then turns each
// remaining scf.parallel into one OpenMP work-shared loop (static schedule).
//
// A parallel nest keeps its innermost dimension sequential (an scf.for inside
// the parallel loop over the others) when the others give every thread work:
// OpenMP would otherwise linearise all the dimensions into one loop whose
// every iteration divides the index back into coordinates, which the vectoriser
// cannot widen (measured: the exp over [128, 24, 5898] logits ran as scalar
// code with a division per element).
//
// A function tagged gptc.serial (one the runtime calls from its threads: a
// GEMM epilogue) keeps every nest sequential.
//
// Each iteration of a parallel loop writes its own elements and reduces over
// its own dimensions, so the result does not depend on how iterations are
// split among threads: training is bit-identical for any thread count.
#include "compiler/Passes.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"

namespace gptc {
#define GEN_PASS_DEF_PARALLELIZELOOPS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

/// Trip count of one dimension, or nullopt when a bound is not a constant.
std::optional<int64_t> tripCount(Value lower, Value upper, Value step) {
  auto lo = getConstantIntValue(lower), hi = getConstantIntValue(upper), st = getConstantIntValue(step);
  if (!lo || !hi || !st || *st <= 0)
    return std::nullopt;
  return *hi > *lo ? (*hi - *lo + *st - 1) / *st : 0;
}

/// Iterations of the innermost loop bodies under `op` (a loop, or a block of
/// sequential loops, which add up). Unknown bounds count as large.
int64_t workIn(Block &block);

constexpr int64_t kUnknown = int64_t(1) << 40;

/// a * b for counts in [0, kUnknown], saturating at kUnknown (two unknown
/// trip counts multiplied would overflow int64 and read as no work at all).
int64_t countTimes(int64_t a, int64_t b) {
  if (a == 0 || b == 0)
    return 0;
  return a > kUnknown / b ? kUnknown : std::min(kUnknown, a * b);
}

int64_t workOf(Operation *op) {
  int64_t trips = 1;
  if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
    for (auto [lo, hi, st] : llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep()))
      trips = countTimes(trips, tripCount(lo, hi, st).value_or(kUnknown));
    return countTimes(trips, std::max<int64_t>(1, workIn(*loop.getBody())));
  }
  if (auto loop = dyn_cast<scf::ForOp>(op)) {
    trips = tripCount(loop.getLowerBound(), loop.getUpperBound(), loop.getStep()).value_or(kUnknown);
    return countTimes(trips, std::max<int64_t>(1, workIn(*loop.getBody())));
  }
  return 0;
}

int64_t workIn(Block &block) {
  int64_t total = 0;
  for (Operation &op : block)
    total = std::min(kUnknown, total + workOf(&op));
  return total;
}

/// Replaces `loop` by scf.for loops, one per dimension, outermost first.
void makeSequential(scf::ParallelOp loop) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  IRMapping ivs;
  Block *body = nullptr;
  for (auto [iv, lo, hi, st] :
       llvm::zip(loop.getInductionVars(), loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    auto forOp = b.create<scf::ForOp>(loc, lo, hi, st);
    ivs.map(iv, forOp.getInductionVar());
    body = forOp.getBody();
    b.setInsertionPointToStart(body);
  }
  // Move the body's operations (not its scf.reduce terminator) into the
  // innermost scf.for, before its yield.
  Block &from = *loop.getBody();
  for (Value iv : loop.getInductionVars())
    iv.replaceAllUsesWith(ivs.lookup(iv));
  body->getOperations().splice(std::prev(body->end()), from.getOperations(), from.begin(),
                               std::prev(from.end()));
  loop.erase();
}

/// The leading dimensions of a parallel loop give this many iterations at
/// least before its innermost dimension becomes sequential (enough for any
/// thread count to share).
constexpr int64_t kMinParallelRows = 64;

/// Moves the innermost dimension of `loop` into an scf.for inside it when the
/// other dimensions have at least kMinParallelRows iterations.
void keepInnermostSequential(scf::ParallelOp loop) {
  unsigned dims = loop.getNumLoops();
  if (dims < 2)
    return;
  int64_t rows = 1;
  for (unsigned d = 0; d + 1 < dims; ++d) {
    auto trips = tripCount(loop.getLowerBound()[d], loop.getUpperBound()[d], loop.getStep()[d]);
    if (!trips)
      return;
    rows *= *trips;
  }
  if (rows < kMinParallelRows)
    return;
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto outer = b.create<scf::ParallelOp>(loc, loop.getLowerBound().drop_back(), loop.getUpperBound().drop_back(),
                                         loop.getStep().drop_back());
  b.setInsertionPointToStart(outer.getBody());
  auto inner = b.create<scf::ForOp>(loc, loop.getLowerBound().back(), loop.getUpperBound().back(),
                                    loop.getStep().back());
  Block &from = *loop.getBody();
  for (unsigned d = 0; d + 1 < dims; ++d)
    loop.getInductionVars()[d].replaceAllUsesWith(outer.getInductionVars()[d]);
  loop.getInductionVars().back().replaceAllUsesWith(inner.getInductionVar());
  Block *body = inner.getBody();
  body->getOperations().splice(std::prev(body->end()), from.getOperations(), from.begin(), std::prev(from.end()));
  loop.erase();
}

struct ParallelizeLoopsPass : public gptc::impl::ParallelizeLoopsBase<ParallelizeLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> sequential, parallel;
    // A function the runtime calls from its own threads (a GEMM epilogue)
    // runs sequentially.
    getOperation()->walk([&](scf::ParallelOp loop) {
      if (loop.getNumResults() != 0)
        return;
      auto fn = loop->getParentOfType<func::FuncOp>();
      bool serial = fn && fn->hasAttr("gptc.serial");
      bool nested = loop->getParentOfType<scf::ParallelOp>() || loop->getParentOfType<scf::ForOp>();
      if (serial || nested || workOf(loop) < minWork)
        sequential.push_back(loop);
      else
        parallel.push_back(loop);
    });
    for (scf::ParallelOp loop : sequential) // inner loops first (post-order)
      makeSequential(loop);
    for (scf::ParallelOp loop : parallel)
      keepInnermostSequential(loop);
  }
};

} // namespace
