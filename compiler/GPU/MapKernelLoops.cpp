// gptc-gpu-map-kernel-loops (GPU): each kernel loop becomes a grid of blocks of
// threads.
//
// Input: one scf.parallel per kernel at the top of each host function
// (gptc-gpu-form-kernel-loops). The loop is tiled with scf's parallel-loop
// tiling into a loop over tiles (blocks) and a loop within a tile (threads),
// and the mapping attribute convert-parallel-loops-to-gpu reads is set:
//
//   * threads x run along the loop's last dimension, the contiguous one of
//     every row-major buffer, so a warp's loads and stores are coalesced
//     (gpu-map-parallel-loops maps the first dimension to x instead);
//   * a block has up to block-size threads: the last dimension takes up to
//     all of them (a power of two covering it), the one before takes what is
//     left, then the third: a [rows, 10] loop gets 16 x 16 threads, not 16;
//   * a loop of more than three dimensions first has its leading ones
//     merged into one (delinearised in the body), so that every dimension
//     is spread over the grid: attention's softmax over [B, H, T] rows of T
//     was a grid of H x T/8 blocks, each thread looping over the B batch
//     entries (6 x 32 blocks for nanoGPT's 64 x 6 x 256 x 256);
//   * the tile loop's three dimensions are blocks x, y, z (x the last). A
//     grid of more than 65535 blocks along y or z (the driver's limit there)
//     is made one-dimensional instead: the whole loop merged into x.
//
// The kernels' classes (gptc.kernel_class, KernelTags.h) are listed in order
// on the function (gptc.kernel_classes) for gptc-gpu-merge-kernel-modules.
//
// Tiles need not divide the loop: with no-min-max-bounds the tile loop stays
// full size and an scf.if guards the body. (An affine.min bound would make
// convert-parallel-loops-to-gpu leave the loop on the host, silently.)
#include "compiler/GPU/KernelCode.h"
#include "compiler/GPU/KernelTags.h"
#include "compiler/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"

namespace gptc {
#define GEN_PASS_DEF_GPUMAPKERNELLOOPS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

/// Replaces `loop` (nested in a kernel) by sequential scf.for loops.
void makeSequential(scf::ParallelOp loop) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  IRMapping ivs;
  SmallVector<Value> inductionVars = loop.getInductionVars();
  for (auto [iv, lo, hi, st] : llvm::zip(inductionVars, loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    auto forOp = b.create<scf::ForOp>(loc, lo, hi, st);
    ivs.map(iv, forOp.getInductionVar());
    b.setInsertionPointToStart(forOp.getBody());
  }
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, ivs);
  loop->erase();
}

/// `loop` with its dimensions [0, rank - keep) merged into one (the first),
/// the last `keep` as they were: the merged induction variable is
/// delinearised (row-major) into the old ones at the start of the body.
scf::ParallelOp mergeLeadingDims(scf::ParallelOp loop, ArrayRef<int64_t> trips, int64_t keep) {
  int64_t rank = (int64_t)trips.size(), merged = rank - keep;
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  auto index = [&](int64_t v) -> Value { return b.create<arith::ConstantIndexOp>(loc, v); };
  int64_t mergedTrips = 1;
  for (int64_t d = 0; d < merged; ++d)
    mergedTrips *= trips[d];
  SmallVector<Value> lower{index(0)}, upper{index(mergedTrips)}, steps{index(1)};
  for (int64_t d = merged; d < rank; ++d) {
    lower.push_back(index(0));
    upper.push_back(index(trips[d]));
    steps.push_back(index(1));
  }
  auto collapsed = b.create<scf::ParallelOp>(loc, lower, upper, steps);
  collapsed->setDiscardableAttrs(loop->getDiscardableAttrDictionary());
  OpBuilder body = OpBuilder::atBlockBegin(collapsed.getBody());
  SmallVector<Value> newIvs = collapsed.getInductionVars();
  SmallVector<Value> oldIvs = gptc::gpu::delinearize(body, loc, newIvs.front(), trips.take_front(merged));
  llvm::append_range(oldIvs, ArrayRef<Value>(newIvs).drop_front());
  IRMapping map;
  for (auto [old, now, lo] : llvm::zip(loop.getInductionVars(), oldIvs, loop.getLowerBound())) {
    std::optional<int64_t> l = getConstantIntValue(lo);
    map.map(old, l && *l == 0 ? now : body.create<arith::AddIOp>(loc, now, lo).getResult());
  }
  for (Operation &op : loop.getBody()->without_terminator())
    body.clone(op, map);
  loop->erase();
  return collapsed;
}

int64_t powerOfTwoAtLeast(int64_t n) {
  int64_t p = 1;
  while (p < n)
    p *= 2;
  return p;
}

int64_t product(ArrayRef<int64_t> extents) {
  int64_t p = 1;
  for (int64_t e : extents)
    p *= e;
  return p;
}

/// Whether blocks of `tile` over `trips` (at most three dimensions, the last
/// on x) need more than the driver's 65535 blocks along y or z.
bool exceedsGridLimits(ArrayRef<int64_t> trips, ArrayRef<int64_t> tile) {
  constexpr int64_t kMaxGridYZ = 65535;
  for (int64_t d = 0; d + 1 < (int64_t)trips.size(); ++d)
    if ((trips[d] + tile[d] - 1) / tile[d] > kMaxGridYZ)
      return true;
  return false;
}

/// Threads per block along each dimension of a loop with these trip counts.
SmallVector<int64_t> blockShape(ArrayRef<int64_t> trips, int64_t blockSize) {
  SmallVector<int64_t> tile(trips.size(), 1);
  int64_t left = blockSize;
  for (int64_t d = (int64_t)trips.size() - 1, mapped = 0; d >= 0 && mapped < 3; --d, ++mapped) {
    tile[d] = std::min(left, powerOfTwoAtLeast(trips[d]));
    left /= tile[d];
  }
  return tile;
}

/// Maps the last three dimensions of `loop` to x, y, z of `first` (BlockX or
/// ThreadX), the others to sequential loops.
LogicalResult mapLoop(scf::ParallelOp loop, gpu::Processor first) {
  MLIRContext *ctx = loop.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(1, ctx);
  int64_t rank = loop.getNumLoops();
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t fromLast = rank - 1 - d;
    gpu::Processor processor =
        fromLast < 3 ? static_cast<gpu::Processor>(static_cast<int64_t>(first) + fromLast) : gpu::Processor::Sequential;
    mapping.push_back(gpu::ParallelLoopDimMappingAttr::get(ctx, processor, identity, identity));
  }
  return gpu::setMappingAttr(loop, mapping);
}

struct GpuMapKernelLoopsPass : gptc::impl::GpuMapKernelLoopsBase<GpuMapKernelLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    SmallVector<scf::ParallelOp> kernels(func.getBody().front().getOps<scf::ParallelOp>());
    // Each kernel's class, in order, for gptc-gpu-merge-kernel-modules to
    // put on its launch (the gpu.launch made of the loop keeps no attribute).
    SmallVector<Attribute> classes;
    for (scf::ParallelOp kernel : kernels) {
      auto kernelClass = kernel->getAttrOfType<StringAttr>(gptc::gpu::kKernelClassAttr);
      classes.push_back(kernelClass ? kernelClass : StringAttr::get(func.getContext(), "kernel"));
    }
    if (!kernels.empty())
      func->setAttr(gptc::gpu::kKernelClassesAttr, ArrayAttr::get(func.getContext(), classes));
    for (scf::ParallelOp kernel : kernels) {
      SmallVector<scf::ParallelOp> nested;
      kernel.getBody()->walk([&](scf::ParallelOp inner) { nested.push_back(inner); });
      for (scf::ParallelOp inner : llvm::reverse(nested)) // innermost first
        makeSequential(inner);
      SmallVector<int64_t> trips;
      for (auto [lo, hi, st] : llvm::zip(kernel.getLowerBound(), kernel.getUpperBound(), kernel.getStep())) {
        std::optional<int64_t> l = getConstantIntValue(lo), h = getConstantIntValue(hi), s = getConstantIntValue(st);
        if (!l || !h || !s || *s != 1) {
          kernel.emitError("a GPU kernel loop needs constant bounds and unit steps");
          return signalPassFailure();
        }
        trips.push_back(*h - *l);
      }
      if (kernel.getNumResults() != 0) {
        kernel.emitError("a GPU kernel loop must have no results");
        return signalPassFailure();
      }
      if (trips.size() > 3) {
        kernel = mergeLeadingDims(kernel, trips, 2);
        SmallVector<int64_t> three{product(ArrayRef<int64_t>(trips).drop_back(2)), trips[trips.size() - 2],
                                   trips.back()};
        trips = three;
      }
      SmallVector<int64_t> tile = blockShape(trips, blockSize);
      if (exceedsGridLimits(trips, tile)) {
        kernel = mergeLeadingDims(kernel, trips, 0);
        trips = {product(trips)};
        tile = blockShape(trips, blockSize);
      }
      auto [blocks, threads] = scf::tileParallelLoop(kernel, tile, /*noMinMaxBounds=*/true);
      if (failed(mapLoop(blocks, gpu::Processor::BlockX)) || failed(mapLoop(threads, gpu::Processor::ThreadX))) {
        blocks.emitError("cannot map this kernel loop to the GPU grid");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
