// gptc-form-foreach-groups: independent elementwise kernels that stand side
// by side become one kernel, an nn.fusion_group "foreach" (PyTorch's
// multi-tensor apply, as its fused AdamW does it).
//
// The optimizer's update is one elementwise group per parameter (AdamW: the
// new weight, m and v of one parameter in one loop nest), each over its own
// shape, none reading another's results. As separate kernels they cost one
// launch each on the GPU (52 for the 4x4x128 GPT) and one work-shared loop
// each on the CPU. A foreach group holds them all; its members keep their own
// iteration spaces:
//   * the CPU inlines the group (gptc-lower-fusion-groups), and its loops
//     become one parallel region with no barrier between members
//     (gptc-merge-parallel-regions: they touch different buffers);
//   * the GPU makes it one kernel over the members' elements laid end to end,
//     each thread finding its member by a binary search over their offsets
//     (gptc-gpu-form-kernel-loops).
//
// The rule: a run of "elementwise" groups (all-parallel linalg ops) and
// "reduction" groups (the global gradient norm's sums of squares by row), of
// static shapes, none of which uses a value of an earlier group of the run,
// and with nothing between two of them but scalar code and tensor.empty (pure
// ops with no tensor results but empty ones). The foreach group is placed
// where the last of them was, so a run ends before a group whose results are
// used before that point. Moving members later only past scalar code never
// lengthens a buffer's life by more than that code. A run of one stays as it
// is. Each op of a foreach group carries `gptc.foreach_member`, the index of
// the group it came from: the GPU runs a member's ops (a fill, then the
// reduction into it) together for each of the member's elements.
#include "compiler/Passes.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

namespace gptc {
#define GEN_PASS_DEF_FORMFOREACHGROUPS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;
using gptc::nn::FusionGroupOp;
using gptc::nn::FusionYieldOp;

namespace {

/// An elementwise group (all-parallel linalg ops) or a reduction group
/// (a reduction and the fill of its accumulator), of static shapes.
bool isMember(FusionGroupOp group) {
  bool elementwise = group.getKind() == "elementwise";
  if (!elementwise && group.getKind() != "reduction")
    return false;
  for (Operation &op : group.getBody().front().without_terminator()) {
    auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
    if (!linalgOp || linalgOp.hasDynamicShape() ||
        (elementwise && linalgOp.getNumLoops() != linalgOp.getNumParallelLoops()))
      return false;
  }
  return true;
}

/// Code that may lie between two members: scalar arithmetic, reads of single
/// elements, constants and empty tensors.
bool isBetween(Operation &op) {
  if (isa<tensor::EmptyOp>(op))
    return true;
  if (op.getNumRegions() != 0 || !isMemoryEffectFree(&op))
    return false;
  return llvm::none_of(op.getResultTypes(), [](Type t) { return isa<ShapedType>(t); });
}

/// Whether `op` (or an op nested in it) uses a result of one of `groups`.
bool usesResultOf(Operation *op, const llvm::SmallPtrSetImpl<Operation *> &groups) {
  bool uses = false;
  op->walk([&](Operation *inner) {
    for (Value operand : inner->getOperands())
      if (Operation *def = operand.getDefiningOp(); def && groups.contains(def))
        uses = true;
  });
  return uses;
}

/// Replaces `run` by one foreach group at the place of its last member.
void merge(ArrayRef<FusionGroupOp> run) {
  FusionGroupOp last = run.back();
  SmallVector<Type> types;
  for (FusionGroupOp group : run)
    llvm::append_range(types, group.getResultTypes());
  OpBuilder b(last);
  b.setInsertionPointAfter(last);
  auto foreach = b.create<FusionGroupOp>(last.getLoc(), types, "foreach", 0);
  Block *body = b.createBlock(&foreach.getBody());
  SmallVector<Value> yielded;
  for (auto [index, constGroup] : llvm::enumerate(run)) {
    FusionGroupOp group = constGroup;
    Block &members = group.getBody().front();
    auto yield = cast<FusionYieldOp>(members.getTerminator());
    llvm::append_range(yielded, yield.getValues());
    for (Operation &op : llvm::make_early_inc_range(members.without_terminator())) {
      op.setAttr(gptc::nn::kForeachMemberAttr, b.getI64IntegerAttr(index));
      op.moveBefore(body, body->end());
    }
  }
  b.setInsertionPointToEnd(body);
  b.create<FusionYieldOp>(last.getLoc(), yielded);
  unsigned next = 0;
  for (FusionGroupOp group : run) {
    for (Value result : group.getResults())
      result.replaceAllUsesWith(foreach.getResult(next++));
    group->erase();
  }
}

struct FormForeachGroupsPass : gptc::impl::FormForeachGroupsBase<FormForeachGroupsPass> {
  using FormForeachGroupsBase::FormForeachGroupsBase;

  void runOnOperation() override {
    getOperation().walk([&](func::FuncOp func) {
      if (!func.isExternal())
        formIn(func.getBody().front());
    });
  }

  void formIn(Block &block) {
    SmallVector<FusionGroupOp> run;
    llvm::SmallPtrSet<Operation *, 16> inRun;
    auto flush = [&] {
      if (run.size() >= 2) {
        if (remarks)
          run.back()->emitRemark() << "one foreach kernel for " << run.size() << " independent groups";
        merge(run);
      }
      run.clear();
      inRun.clear();
    };
    for (Operation &op : llvm::make_early_inc_range(block)) {
      auto group = dyn_cast<FusionGroupOp>(op);
      if (group && isMember(group)) {
        if (usesResultOf(group, inRun))
          flush();
        run.push_back(group);
        inRun.insert(group);
        continue;
      }
      if (!isBetween(op) || usesResultOf(&op, inRun))
        flush();
    }
    flush();
  }
};

} // namespace
