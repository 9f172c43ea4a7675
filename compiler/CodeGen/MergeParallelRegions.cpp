// gptc-merge-parallel-regions: one fork for a run of kernels, and no barrier
// between kernels that do not touch each other's buffers.
//
// Input: convert-scf-to-openmp's output, where every parallel kernel is an
// omp.parallel holding one omp.wsloop, and small kernels (gptc-parallelize-
// loops left them sequential) are scf.for nests between them. Each
// omp.parallel wakes the thread team and ends in a join; each omp.wsloop ends
// in a barrier of its own besides.
//
// A run of kernels in one block becomes one omp.parallel:
//   * consecutive omp.parallel ops join it, their work-shared loops in order;
//   * what lies between them moves out of the way when that cannot change
//     what any kernel sees: ops without memory effects and memref.alloc move
//     before the run, memref.dealloc after it, a memref.load before it when no
//     kernel of the run writes that buffer, and a small kernel (a sequential
//     scf.for nest that gptc-parallelize-loops found too small to share) before
//     it when it touches no buffer the run's kernels so far write, and writes
//     none they read: it runs on the calling thread before the fork (as an
//     omp.single inside the region it cost more than it saved on the MLP's
//     40-microsecond steps). An alloc after a moved dealloc
//     ends the run (both would be live at once: the buffer plan's peak would
//     grow). Anything else (a GEMM call, a store, a loop with results) ends
//     the run.
// Then every work-shared construct of a parallel region loses its barrier
// (nowait) when no construct after it, up to the next barrier, reads a buffer
// it writes or writes a buffer it reads or writes; the last one always does
// (the region's join is a barrier). Buffers are told apart by their root
// allocation (through view ops): distinct allocations, globals and function
// arguments never overlap (the runtime passes each buffer its own memory). A
// construct that calls a function or touches memory it cannot name keeps its
// barrier.
//
// Which thread computes which iterations is unchanged (static schedules of
// the same loops), so results stay the same for any thread count.
#include "compiler/Passes.h"

#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace gptc {
#define GEN_PASS_DEF_MERGEPARALLELREGIONS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

/// The memory a memref value is a view of: its allocation or argument, or
/// the global's name (every memref.get_global of one global is the same
/// memory).
const void *rootBuffer(Value memref) {
  while (Operation *def = memref.getDefiningOp()) {
    if (auto global = dyn_cast<memref::GetGlobalOp>(def))
      return global.getNameAttr().getAsOpaquePointer();
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      break;
    memref = view.getViewSource();
  }
  return memref.getAsOpaquePointer();
}

/// The buffers a construct reads and writes.
struct Accesses {
  llvm::SmallPtrSet<const void *, 8> reads, writes;
  bool unknown = false; // touches memory it cannot name

  static Accesses of(Operation *construct) {
    Accesses a;
    construct->walk([&](Operation *op) {
      // Containers (the construct itself, loops) have their body's effects.
      if (op == construct || op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        return;
      auto effects = dyn_cast<MemoryEffectOpInterface>(op);
      if (!effects) {
        a.unknown = true;
        return;
      }
      SmallVector<MemoryEffects::EffectInstance> list;
      effects.getEffects(list);
      for (const MemoryEffects::EffectInstance &effect : list) {
        Value value = effect.getValue();
        if (!value) {
          a.unknown = true;
          continue;
        }
        // A buffer the construct allocates itself (an alloca) is its own.
        if (construct->isProperAncestor(value.getParentBlock()->getParentOp()) ||
            value.getParentBlock()->getParentOp() == construct)
          continue;
        if (isa<MemoryEffects::Read>(effect.getEffect()))
          a.reads.insert(rootBuffer(value));
        else if (isa<MemoryEffects::Write>(effect.getEffect()))
          a.writes.insert(rootBuffer(value));
        else
          a.unknown = true;
      }
    });
    return a;
  }

  /// Whether `later` may not start before this construct has finished on
  /// every thread.
  bool conflictsWith(const Accesses &later) const {
    if (unknown || later.unknown)
      return true;
    for (const void *w : writes)
      if (later.reads.contains(w) || later.writes.contains(w))
        return true;
    for (const void *r : reads)
      if (later.writes.contains(r))
        return true;
    return false;
  }
};

/// The work-shared constructs of a parallel region's body, in order, or
/// nothing when the body holds anything else (then it is left alone).
SmallVector<Operation *> constructsOf(omp::ParallelOp region) {
  SmallVector<Operation *> constructs;
  for (Operation &op : region.getRegion().front()) {
    if (isa<omp::TerminatorOp>(op))
      continue;
    if (auto loop = dyn_cast<omp::WsloopOp>(op); loop && loop.getReductionVars().empty()) {
      constructs.push_back(&op);
      continue;
    }
    if (isa<omp::SingleOp>(op)) {
      constructs.push_back(&op);
      continue;
    }
    return {};
  }
  return constructs;
}

void setNowait(Operation *construct) {
  if (auto loop = dyn_cast<omp::WsloopOp>(construct))
    loop.setNowait(true);
  else if (auto single = dyn_cast<omp::SingleOp>(construct))
    single.setNowait(true);
}

bool hasNowait(Operation *construct) {
  if (auto loop = dyn_cast<omp::WsloopOp>(construct))
    return loop.getNowait();
  return cast<omp::SingleOp>(construct).getNowait();
}

/// Drops every barrier of `region` that nothing after it needs.
void removeBarriers(omp::ParallelOp region) {
  SmallVector<Operation *> constructs = constructsOf(region);
  if (constructs.empty())
    return;
  std::vector<Accesses> accesses;
  for (Operation *c : constructs)
    accesses.push_back(Accesses::of(c));
  // Backwards: a construct needs its barrier if a later one, up to and
  // including the next one that keeps its barrier, conflicts with it.
  for (int i = (int)constructs.size() - 1; i >= 0; --i) {
    bool needsBarrier = false;
    for (int j = i + 1; j < (int)constructs.size(); ++j) {
      if (accesses[i].conflictsWith(accesses[j])) {
        needsBarrier = true;
        break;
      }
      if (!hasNowait(constructs[j]))
        break;
    }
    if (!needsBarrier)
      setNowait(constructs[i]);
  }
}

/// A run of kernels to become one parallel region, with what must move out
/// of its way.
struct Run {
  SmallVector<Operation *> members;             // the omp.parallel ops, in order
  SmallVector<Operation *> before, after;       // ops to move before / after the run
  llvm::SmallPtrSet<const void *, 8> written, read; // buffers the run's kernels write / read
  bool unknown = false, freedAny = false;          // unknown: a kernel touches memory it cannot name

  void addKernel(Operation *op) {
    members.push_back(op);
    Accesses a = Accesses::of(op);
    unknown |= a.unknown;
    written.insert(a.writes.begin(), a.writes.end());
    read.insert(a.reads.begin(), a.reads.end());
  }
};

/// A small kernel that may run before the run: a sequential loop nest with
/// no results that touches only memory it can name, none of which the run's
/// kernels so far write, and writes nothing they read.
bool isIndependentSmallKernel(const Run &run, Operation *op) {
  auto loop = dyn_cast<scf::ForOp>(op);
  if (!loop || loop.getNumResults() != 0 || run.unknown)
    return false;
  Accesses a = Accesses::of(op);
  if (a.unknown)
    return false;
  for (const void *w : a.writes)
    if (run.written.contains(w) || run.read.contains(w))
      return false;
  for (const void *r : a.reads)
    if (run.written.contains(r))
      return false;
  return true;
}

/// Whether `op`, found after the run's last kernel, can move out of its way
/// (recording where); false ends the run.
bool moveAside(Run &run, Operation *op) {
  if (op->getNumRegions() == 0 && isMemoryEffectFree(op)) {
    run.before.push_back(op);
    return true;
  }
  if (isIndependentSmallKernel(run, op)) {
    run.before.push_back(op);
    return true;
  }
  if (isa<memref::AllocOp>(op) && !run.freedAny) {
    run.before.push_back(op);
    return true;
  }
  if (isa<memref::DeallocOp>(op)) {
    run.after.push_back(op);
    run.freedAny = true;
    return true;
  }
  if (auto load = dyn_cast<memref::LoadOp>(op))
    if (!run.unknown && !run.written.contains(rootBuffer(load.getMemRef()))) {
      run.before.push_back(op);
      return true;
    }
  return false;
}

/// Makes the run one omp.parallel (its members' constructs in order).
void merge(Run &run) {
  Operation *first = run.members.front(), *last = run.members.back();
  for (Operation *op : run.before)
    op->moveBefore(first);
  for (Operation *op : llvm::reverse(run.after))
    op->moveAfter(last);
  OpBuilder b(first);
  auto merged = b.create<omp::ParallelOp>(first->getLoc());
  Block *body = b.createBlock(&merged.getRegion());
  for (Operation *member : run.members) {
    auto region = cast<omp::ParallelOp>(member);
    Block &from = region.getRegion().front();
    body->getOperations().splice(body->end(), from.getOperations(), from.begin(), std::prev(from.end()));
    region.erase();
  }
  b.setInsertionPointToEnd(body);
  b.create<omp::TerminatorOp>(merged.getLoc());
}

/// Finds the runs of `block` and merges those of two parallel regions or more.
void mergeRuns(Block &block) {
  std::vector<Run> runs;
  std::optional<Run> current;
  auto close = [&] {
    if (current && current->members.size() >= 2)
      runs.push_back(std::move(*current));
    current.reset();
  };
  for (Operation &op : block) {
    auto region = dyn_cast<omp::ParallelOp>(op);
    if (region && !constructsOf(region).empty()) {
      if (!current)
        current.emplace();
      current->addKernel(&op);
      continue;
    }
    if (current && moveAside(*current, &op))
      continue;
    close();
  }
  close();
  for (Run &run : runs) {
    // What was moved aside after the run's last region stays where it is.
    Operation *last = run.members.back();
    llvm::erase_if(run.before, [&](Operation *op) { return last->isBeforeInBlock(op); });
    llvm::erase_if(run.after, [&](Operation *op) { return last->isBeforeInBlock(op); });
    merge(run);
  }
}

struct MergeParallelRegionsPass : public gptc::impl::MergeParallelRegionsBase<MergeParallelRegionsPass> {
  void runOnOperation() override {
    SmallVector<Block *> blocks;
    getOperation()->walk([&](Block *block) {
      if (!block->getParentOp()->getParentOfType<omp::ParallelOp>() && !isa<omp::ParallelOp>(block->getParentOp()))
        blocks.push_back(block);
    });
    for (Block *block : blocks)
      mergeRuns(*block);
    getOperation()->walk([](omp::ParallelOp region) { removeBarriers(region); });
  }
};

} // namespace
