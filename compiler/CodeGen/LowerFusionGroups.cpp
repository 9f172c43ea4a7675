// gptc-lower-fusion-groups (CPU): turns each nn.fusion_group into code and
// removes the group op.
//
//   * By default every group is inlined: its ops stay one loop nest each.
//   * row-blocks=1, "rows" groups: the group becomes one scf.forall over
//     blocks of rows (its leading `rows` dimensions; the last of them in
//     blocks of a divisor of its size, about kElementsPerTile elements a
//     block). Inside, every op of the group is tiled to the block
//     (TilingInterface::getTiledImplementation) and reads what the group
//     computed from the block's own tiles, so each op runs once per row, in
//     the group's order, while the block is in cache, and the group is one
//     parallel loop (one fork and one barrier) instead of one per op. A value
//     the group yields is written, tile by tile, into a slice of a shared
//     output of the scf.forall (one per destination chain: a fill and the
//     reduction that accumulates into it share one); a temporary (mean, rstd,
//     exp(x - max) of the block) is a tile of the block only. A group this
//     cannot express (an op that is not a linalg op, a destination used
//     twice) is inlined. Not the default: on the GPT steps it measured no
//     faster than inlining and used 12% more peak memory (docs/fusion.md).
//     It replaces a version built on scf::tileConsumerAndFuseProducersUsingSCF,
//     which recomputed a producer for each of its uses in the tile: 199 ms
//     per 4x4x128 GPT step against 54 ms inlined.
//   * "gemm", "reduction" and "elementwise" groups are one linalg op (plus
//     the fill of a GEMM's accumulator, which the GEMM call absorbs): inlined.
#include "compiler/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"

namespace gptc {
#define GEN_PASS_DEF_LOWERFUSIONGROUPS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;
using gptc::nn::FusionGroupOp;
using gptc::nn::FusionYieldOp;

namespace {

constexpr int64_t kElementsPerTile = 4096;

/// How a rows group is cut: the sizes of its `rows` leading loops and the
/// block of the last of them (the others go one by one).
struct RowBlocks {
  SmallVector<int64_t> rowSizes;
  int64_t block = 1;
};

/// The value a group value is computed into: each op writes its results into
/// its destination operands (DPS inits); a destination produced in the group
/// (a fill) continues that value's chain, one from outside starts a chain.
/// Each chain is one shared output of the scf.forall.
struct Chains {
  DenseMap<Value, Value> rootOf; // group value -> the outside value its chain starts from
  SmallVector<Value> roots;      // in order of first use
  DenseMap<Value, Value> lastOf; // root -> the chain's final value
  /// The roots of chains whose final value the group yields: they become the
  /// scf.forall's shared outputs (full size). The other chains are the
  /// group's temporaries and live in the block only.
  SmallVector<Value> sharedRoots() const {
    SmallVector<Value> shared;
    for (Value root : roots)
      if (yielded.contains(lastOf.lookup(root)))
        shared.push_back(root);
    return shared;
  }
  llvm::SmallPtrSet<Value, 8> yielded;
};

/// Checks that `ops` (the group's ops, in order) can be row-blocked and
/// returns the blocks, or std::nullopt (the group is then inlined).
std::optional<RowBlocks> planRowBlocks(ArrayRef<linalg::LinalgOp> ops, int64_t rows) {
  if (ops.empty() || rows < 1)
    return std::nullopt;
  RowBlocks plan;
  int64_t rowLength = 1;
  for (linalg::LinalgOp op : ops) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    if ((int64_t)ranges.size() < rows || !isa<TilingInterface>(op.getOperation()))
      return std::nullopt;
    if (plan.rowSizes.empty())
      plan.rowSizes.assign(ranges.begin(), ranges.begin() + rows);
    int64_t length = 1;
    for (int64_t d = 0; d < (int64_t)ranges.size(); ++d) {
      if (ShapedType::isDynamic(ranges[d]))
        return std::nullopt;
      if (d < rows && (ranges[d] != plan.rowSizes[d] || iterators[d] != utils::IteratorType::parallel))
        return std::nullopt;
      if (d >= rows)
        length *= ranges[d];
    }
    rowLength = std::max(rowLength, length);
  }
  int64_t last = plan.rowSizes.back();
  for (int64_t b = std::max<int64_t>(1, std::min(last, kElementsPerTile / rowLength)); b >= 1; --b)
    if (last % b == 0) {
      plan.block = b;
      break;
    }
  return plan;
}

/// The destination chains of `ops`, or std::nullopt when a destination is
/// shared (a group value used as a destination and by anything else, or an
/// outside value used by two ops of the group), or a yielded value is not the
/// final value of its chain.
std::optional<Chains> planChains(ArrayRef<linalg::LinalgOp> ops, Block &body, FusionYieldOp yield) {
  Chains chains;
  llvm::SmallPtrSet<Value, 8> outsideUsed;
  for (linalg::LinalgOp op : ops)
    for (OpOperand *input : op.getDpsInputOperands())
      if (input->get().getParentBlock() != &body)
        outsideUsed.insert(input->get());
  for (linalg::LinalgOp op : ops) {
    for (OpOperand &init : op.getDpsInitsMutable()) {
      Value dest = init.get();
      Value root;
      if (dest.getParentBlock() == &body) {
        if (!dest.hasOneUse())
          return std::nullopt;
        root = chains.rootOf.lookup(dest);
      } else {
        if (outsideUsed.contains(dest) || llvm::is_contained(chains.roots, dest))
          return std::nullopt;
        root = dest;
        chains.roots.push_back(root);
      }
      if (!root)
        return std::nullopt;
      Value result = op->getResult(init.getOperandNumber() - op.getNumDpsInputs());
      chains.rootOf[result] = root;
      chains.lastOf[root] = result;
    }
  }
  for (Value v : yield.getValues()) {
    if (chains.lastOf.lookup(chains.rootOf.lookup(v)) != v)
      return std::nullopt;
    chains.yielded.insert(v);
  }
  return chains;
}

/// The offsets and sizes of one block in the iteration space of an op with
/// loop ranges `ranges`: the block's rows, everything of the other loops.
void blockOfLoops(OpBuilder &b, ValueRange ivs, const RowBlocks &plan, ArrayRef<int64_t> ranges,
                  SmallVector<OpFoldResult> &offsets, SmallVector<OpFoldResult> &sizes) {
  int64_t rows = plan.rowSizes.size();
  for (int64_t d = 0; d < (int64_t)ranges.size(); ++d) {
    offsets.push_back(d < rows ? OpFoldResult(ivs[d]) : b.getIndexAttr(0));
    sizes.push_back(b.getIndexAttr(d < rows - 1 ? 1 : d == rows - 1 ? plan.block : ranges[d]));
  }
}

LogicalResult lowerRowsGroupToBlocks(IRRewriter &rewriter, FusionGroupOp group) {
  Block &body = group.getBody().front();
  auto yield = cast<FusionYieldOp>(body.getTerminator());
  int64_t rows = group.getRows();
  // Constants and empty tensors use nothing of the group: they move out.
  SmallVector<linalg::LinalgOp> ops;
  for (Operation &op : body.without_terminator()) {
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      ops.push_back(linalgOp);
      continue;
    }
    bool usesGroup = llvm::any_of(op.getOperands(), [&](Value v) { return v.getParentBlock() == &body; });
    if (usesGroup || op.getNumRegions() != 0)
      return failure();
  }
  std::optional<RowBlocks> plan = planRowBlocks(ops, rows);
  if (!plan)
    return failure();
  for (Operation &op : llvm::make_early_inc_range(body.without_terminator()))
    if (!isa<linalg::LinalgOp>(op))
      rewriter.moveOpBefore(&op, group);
  std::optional<Chains> chains = planChains(ops, body, yield);
  if (!chains)
    return failure();

  Location loc = group.getLoc();
  rewriter.setInsertionPoint(group);
  SmallVector<OpFoldResult> lbs, ubs, steps;
  for (int64_t d = 0; d < rows; ++d) {
    lbs.push_back(rewriter.getIndexAttr(0));
    ubs.push_back(rewriter.getIndexAttr(plan->rowSizes[d]));
    steps.push_back(rewriter.getIndexAttr(d == rows - 1 ? plan->block : 1));
  }
  SmallVector<Value> sharedRoots = chains->sharedRoots();
  auto forall = rewriter.create<scf::ForallOp>(loc, lbs, ubs, steps, sharedRoots, std::nullopt);
  SmallVector<Value> ivs(forall.getInductionVars());
  DenseMap<Value, Value> sharedOf; // root -> its block argument
  for (auto [root, arg] : llvm::zip(sharedRoots, forall.getRegionIterArgs()))
    sharedOf[root] = arg;
  llvm::SmallPtrSet<Value, 8> localRoots;
  for (Value root : chains->roots)
    if (!sharedOf.count(root))
      localRoots.insert(root);

  // Each op, tiled to the block; its operands' slices of group values become
  // (slices of) the block's tiles, its destinations' slices of chain roots
  // slices of the shared outputs.
  rewriter.setInsertionPoint(forall.getTerminator());
  DenseMap<Value, Value> tileOf;
  for (linalg::LinalgOp op : ops) {
    SmallVector<OpFoldResult> offsets, sizes;
    blockOfLoops(rewriter, ivs, *plan, op.getStaticLoopRanges(), offsets, sizes);
    FailureOr<TilingResult> tiled =
        cast<TilingInterface>(op.getOperation()).getTiledImplementation(rewriter, offsets, sizes);
    if (failed(tiled) || tiled->tiledOps.size() != 1) {
      rewriter.eraseOp(forall);
      return failure();
    }
    Operation *tiledOp = tiled->tiledOps.front();
    for (OpOperand &operand : tiledOp->getOpOperands()) {
      auto slice = operand.get().getDefiningOp<tensor::ExtractSliceOp>();
      if (!slice)
        continue;
      Value source = slice.getSource();
      if (Value shared = sharedOf.lookup(source); shared && !tileOf.count(source)) {
        rewriter.modifyOpInPlace(slice, [&] { slice.getSourceMutable().assign(shared); });
        continue;
      }
      if (localRoots.contains(source) && !tileOf.count(source)) {
        // A temporary: the block's own tile, never a slice of a full tensor.
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPoint(slice);
        auto type = cast<RankedTensorType>(slice.getType());
        rewriter.replaceOpWithNewOp<tensor::EmptyOp>(slice, type.getShape(), type.getElementType());
        continue;
      }
      Value tile = tileOf.lookup(source);
      if (!tile)
        continue;
      // The same slice, relative to the block: row offsets become 0.
      SmallVector<OpFoldResult> relOffsets = slice.getMixedOffsets();
      for (int64_t d = 0; d < rows && d < (int64_t)relOffsets.size(); ++d)
        relOffsets[d] = rewriter.getIndexAttr(0);
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(slice);
      Value sub = rewriter.create<tensor::ExtractSliceOp>(slice.getLoc(), cast<RankedTensorType>(slice.getType()),
                                                          tile, relOffsets, slice.getMixedSizes(),
                                                          slice.getMixedStrides());
      rewriter.modifyOpInPlace(tiledOp, [&] { operand.set(sub); });
      if (slice->use_empty())
        rewriter.eraseOp(slice);
    }
    for (auto [original, tile] : llvm::zip(op->getResults(), tiledOp->getResults()))
      tileOf[original] = tile;
  }

  // Each chain's final tile goes back into its shared output.
  rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
  for (auto [root, arg] : llvm::zip(sharedRoots, forall.getRegionIterArgs())) {
    Value tile = tileOf.lookup(chains->lastOf.lookup(root));
    auto type = cast<RankedTensorType>(root.getType());
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      offsets.push_back(d < rows ? OpFoldResult(ivs[d]) : rewriter.getIndexAttr(0));
      sizes.push_back(rewriter.getIndexAttr(cast<RankedTensorType>(tile.getType()).getDimSize(d)));
      strides.push_back(rewriter.getIndexAttr(1));
    }
    rewriter.create<tensor::ParallelInsertSliceOp>(loc, tile, arg, offsets, sizes, strides);
  }
  SmallVector<Value> results;
  for (Value v : yield.getValues())
    results.push_back(forall.getResult(llvm::find(sharedRoots, chains->rootOf.lookup(v)) - sharedRoots.begin()));
  rewriter.replaceOp(group, results);
  return success();
}

/// Moves the group's ops before it and replaces its results by what it yields.
void inlineGroup(IRRewriter &rewriter, FusionGroupOp group) {
  Block &body = group.getBody().front();
  auto yield = cast<FusionYieldOp>(body.getTerminator());
  SmallVector<Value> values(yield.getValues());
  rewriter.eraseOp(yield);
  rewriter.inlineBlockBefore(&body, group);
  rewriter.replaceOp(group, values);
}

struct LowerFusionGroupsPass : public gptc::impl::LowerFusionGroupsBase<LowerFusionGroupsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<FusionGroupOp> groups;
    getOperation()->walk([&](FusionGroupOp group) { groups.push_back(group); });
    IRRewriter rewriter(&getContext());
    for (FusionGroupOp group : groups) {
      if (rowBlocks && group.getKind() == "rows" && succeeded(lowerRowsGroupToBlocks(rewriter, group)))
        continue;
      inlineGroup(rewriter, group);
    }
  }
};

} // namespace
