// gptc-lower-fusion-groups (CPU): turns each nn.fusion_group into code and
// removes the group op.
//
//   * By default every group is inlined: its ops stay one loop nest each.
//   * tile-rows=1, "rows" groups: the group's last op is tiled over blocks of rows (its
//     leading `rows` dimensions; the last of them in blocks of about
//     kElementsPerTile / row length) with an scf.forall, and every other op of
//     the group that it depends on is fused into that loop
//     (scf::tileConsumerAndFuseProducersUsingSCF): one parallel loop whose
//     iteration computes, say, a block's max, exp, sum and divide while the
//     block is in cache. Values the group yields to the outside (layernorm's
//     mean and rstd, kept for backward) are yielded by the loop too.
//     Not the default: scf::tileConsumerAndFuseProducersUsingSCF fuses a
//     producer once per in-tile use (exp(x - max) is computed for the sum and
//     again for the divide) and the per-block temporaries become a malloc per
//     tile in the worker threads: the 4x4x128 GPT step measured 199 ms with
//     it against 54 ms without (docs/fusion.md).
//   * "gemm", "reduction" and "elementwise" groups are one linalg op (plus
//     the fill of a GEMM's accumulator, which the GEMM call absorbs): inlined.
#include "compiler/Passes.h"

#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
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

/// Tile sizes for `root`: 1 for the leading rows-1 dimensions, a block of the
/// last row dimension, 0 (untiled) for the rest.
SmallVector<OpFoldResult> rowTileSizes(OpBuilder &b, linalg::LinalgOp root, int64_t rows) {
  SmallVector<int64_t> ranges = root.getStaticLoopRanges();
  int64_t rowLength = 1;
  for (int64_t i = rows; i < (int64_t)ranges.size(); ++i)
    rowLength *= std::max<int64_t>(1, ranges[i]);
  int64_t block = std::clamp<int64_t>(kElementsPerTile / rowLength, 1, std::max<int64_t>(1, ranges[rows - 1]));
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i < (int64_t)ranges.size(); ++i)
    sizes.push_back(b.getIndexAttr(i < rows - 1 ? 1 : i == rows - 1 ? block : 0));
  return sizes;
}

LogicalResult tileRowsGroup(IRRewriter &rewriter, FusionGroupOp group) {
  Block &body = group.getBody().front();
  auto yield = cast<FusionYieldOp>(body.getTerminator());
  auto root = dyn_cast_or_null<linalg::LinalgOp>(yield->getPrevNode());
  if (!root || group.getRows() < 1)
    return success();
  llvm::SmallPtrSet<Operation *, 8> members;
  for (Operation &op : body.without_terminator())
    members.insert(&op);
  llvm::SmallPtrSet<Value, 8> escaping(yield.getValues().begin(), yield.getValues().end());

  scf::SCFTileAndFuseOptions options;
  rewriter.setInsertionPoint(root);
  options.tilingOptions.setTileSizes(rowTileSizes(rewriter, root, group.getRows()));
  options.tilingOptions.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  options.setFusionControlFn([&](tensor::ExtractSliceOp, OpResult producer, bool isDestination) {
    bool fuse = members.contains(producer.getOwner());
    return std::make_tuple(fuse, fuse && !isDestination && escaping.contains(producer));
  });
  auto tiled = scf::tileConsumerAndFuseProducersUsingSCF(
      rewriter, cast<TilingInterface>(root.getOperation()), options);
  if (failed(tiled))
    return root->emitError("cannot tile this rows fusion group");
  // Only the group's results change: the untiled originals left in the group
  // are dead once the yield no longer uses them (canonicalisation drops them).
  for (auto [original, replacement] : tiled->replacements)
    rewriter.replaceUsesWithIf(original, replacement, [&](OpOperand &use) { return use.getOwner() == yield; });
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
      if (tileRows && group.getKind() == "rows" && failed(tileRowsGroup(rewriter, group)))
        return signalPassFailure();
      inlineGroup(rewriter, group);
    }
  }
};

} // namespace
