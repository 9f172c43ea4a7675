// A reduction over many rows as two kernels.
//
// A reduction over leading dimensions (a bias gradient: for c, out[c] =
// sum over the B*T rows r of g[r, c]) is, as one kernel, one thread per
// output element looping over every row: 384 threads for 16384 rows in the
// 6x6x384 GPT. Split in two, it is
//
//   partial[c, s] = the rows of slice s (rowsPerSlice of them) folded from
//                   the combiner's identity      (S x C threads, x along c)
//   out[c]        = the fill, then the S partials of column c
//
// with `partial` a buffer of its own, freed after the second kernel. The
// first kernel's threads read neighbouring columns of one row at a time
// (coalesced); each writes one partial, column-major, so that the second
// kernel reads each column's partials contiguously. With lanes (the GPU
// pipelines), the second kernel is a lane kernel (LaneKernels.cpp): a warp
// per output element, lane l folding partials l, l + 32, ..., then a
// butterfly, then the fill; without (or with no fill: the output's old value
// first), one thread per output element adds the slices in order. The sum's
// order is fixed by the slices and lanes, whatever the launch; it differs from
// the one-thread loop's by reassociation only (add, mul, max, min).
#include "compiler/GPU/SplitRowReductions.h"
#include "compiler/GPU/KernelCode.h"
#include "compiler/GPU/KernelTags.h"
#include "compiler/GPU/LaneKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace gptc::gpu {
namespace {

/// A kernel loop over `ranges` at `b` with `body(ivs)` inside.
void buildParallel(OpBuilder &b, Location loc, ArrayRef<int64_t> ranges, StringRef kernelClass,
                   function_ref<void(OpBuilder &, ValueRange)> body) {
  scf::ParallelOp loop = createKernelLoop(b, loc, ranges, kernelClass);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  body(b, loop.getInductionVars());
}

} // namespace

FailureOr<bool> splitRowReduction(ArrayRef<linalg::LinalgOp> ops, int64_t rowsPerSlice, int64_t lanes,
                                  LaneCollectives collectives) {
  if (rowsPerSlice <= 0 || ops.empty() || ops.size() > 2)
    return false;
  linalg::LinalgOp reduction = ops.back(), front = ops.front();
  linalg::FillOp fill;
  if (ops.size() == 2) {
    fill = dyn_cast<linalg::FillOp>(front.getOperation());
    if (!fill || fill.getDpsInitOperand(0)->get() != reduction.getDpsInitOperand(0)->get())
      return false;
  }
  // Leading reduction dimensions, then the output's, in order.
  SmallVector<utils::IteratorType> iterators = reduction.getIteratorTypesArray();
  int64_t reduced = 0;
  while (reduced < (int64_t)iterators.size() && iterators[reduced] == utils::IteratorType::reduction)
    ++reduced;
  if (reduced == 0 || llvm::any_of(llvm::ArrayRef(iterators).drop_front(reduced),
                                   [](utils::IteratorType t) { return t != utils::IteratorType::parallel; }))
    return false;
  if (reduction.getNumDpsInits() != 1)
    return false;
  OpOperand *init = reduction.getDpsInitOperand(0);
  AffineMap outMap = reduction.getMatchingIndexingMap(init);
  int64_t columnsRank = (int64_t)iterators.size() - reduced;
  if (columnsRank == 0 || outMap.getNumResults() != columnsRank)
    return false; // a full reduction is a lane kernel (LaneKernels.cpp)
  for (int64_t i = 0; i < columnsRank; ++i)
    if (outMap.getResult(i) != getAffineDimExpr(reduced + i, outMap.getContext()))
      return false;
  Operation *combiner = reductionCombiner(reduction);
  auto elementType = dyn_cast<FloatType>(getElementTypeOrSelf(init->get().getType()));
  if (!combiner || !elementType)
    return false;
  SmallVector<int64_t> ranges = reduction.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return false;
  SmallVector<int64_t> rowExtents(ranges.begin(), ranges.begin() + reduced);
  SmallVector<int64_t> columns(ranges.begin() + reduced, ranges.end());
  int64_t rows = 1;
  for (int64_t r : rowExtents)
    rows *= r;
  if (rows <= 2 * rowsPerSlice)
    return false;
  int64_t slices = (rows + rowsPerSlice - 1) / rowsPerSlice;

  OpBuilder b(reduction);
  Location loc = reduction.getLoc();
  SmallVector<int64_t> partialShape(columns);
  partialShape.push_back(slices);
  Value partial = b.create<memref::AllocOp>(loc, MemRefType::get(partialShape, elementType));
  // Kernel 1: each slice's rows folded, per column; threads over (slice,
  // columns), the columns last (contiguous in the rows read).
  SmallVector<int64_t> sliceRanges{slices};
  llvm::append_range(sliceRanges, columns);
  buildParallel(b, loc, sliceRanges, kKernelClassReduceSlices, [&](OpBuilder &k, ValueRange ivs) {
    Value slice = ivs.front();
    Value first = k.create<arith::MulIOp>(loc, slice, k.create<arith::ConstantIndexOp>(loc, rowsPerSlice));
    Value end = k.create<arith::MinUIOp>(
        loc, k.create<arith::AddIOp>(loc, first, k.create<arith::ConstantIndexOp>(loc, rowsPerSlice)),
        k.create<arith::ConstantIndexOp>(loc, rows));
    Value identity = identityOf(k, loc, combiner, elementType);
    auto loop = k.create<scf::ForOp>(loc, first, end, k.create<arith::ConstantIndexOp>(loc, 1), ValueRange{identity},
                                     [&](OpBuilder &f, Location l, Value row, ValueRange acc) {
                                       SmallVector<Value> all = delinearize(f, l, row, rowExtents);
                                       llvm::append_range(all, ivs.drop_front());
                                       f.create<scf::YieldOp>(l, emitReductionStep(f, l, reduction, all, acc[0]));
                                     });
    SmallVector<Value> at(ivs.drop_front());
    at.push_back(slice);
    k.create<memref::StoreOp>(loc, loop.getResult(0), partial, at);
  });
  // Kernel 2 as a lane kernel: the fill, then a reduction of each column's
  // partials (a row of `partial`).
  Value outBuffer = init->get();
  if (fill && lanes > 1) {
    MLIRContext *ctx = b.getContext();
    int64_t dims = columnsRank + 1;
    SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(dims, ctx),
                                AffineMap::getMultiDimIdentityMap(dims, ctx).getMajorSubMap(columnsRank)};
    SmallVector<utils::IteratorType> kinds(columnsRank, utils::IteratorType::parallel);
    kinds.push_back(utils::IteratorType::reduction);
    auto newFill = b.create<linalg::FillOp>(loc, fill.getDpsInputOperand(0)->get(), outBuffer);
    auto combineSlices = b.create<linalg::GenericOp>(
        loc, TypeRange{}, ValueRange{partial}, ValueRange{outBuffer}, maps, kinds,
        [&](OpBuilder &f, Location l, ValueRange args) {
          f.create<linalg::YieldOp>(l, combine(f, l, combiner, args[1], args[0]));
        });
    SmallVector<linalg::LinalgOp> laneOps{cast<linalg::LinalgOp>(newFill.getOperation()),
                                          cast<linalg::LinalgOp>(combineSlices.getOperation())};
    if (!whyNotLaneKernel(laneOps, columnsRank)) {
      if (failed(formLaneKernel(laneOps, columnsRank, lanes, collectives, kKernelClassReduceCombine)))
        return failure();
      b.setInsertionPoint(reduction);
      b.create<memref::DeallocOp>(loc, partial);
      for (linalg::LinalgOp op : llvm::reverse(ops))
        op->erase();
      return true;
    }
    combineSlices->erase();
    newFill->erase();
  }
  // Kernel 2, a thread per output element: the fill (or the output as it
  // was), then the slices in order.
  buildParallel(b, loc, columns, kKernelClassReduceCombine, [&](OpBuilder &k, ValueRange ivs) {
    Value start = fill ? fill.getDpsInputOperand(0)->get() : k.create<memref::LoadOp>(loc, outBuffer, ivs).getResult();
    auto loop = k.create<scf::ForOp>(loc, k.create<arith::ConstantIndexOp>(loc, 0),
                                     k.create<arith::ConstantIndexOp>(loc, slices),
                                     k.create<arith::ConstantIndexOp>(loc, 1), ValueRange{start},
                                     [&](OpBuilder &f, Location l, Value slice, ValueRange acc) {
                                       SmallVector<Value> at(ivs);
                                       at.push_back(slice);
                                       Value p = f.create<memref::LoadOp>(l, partial, at);
                                       f.create<scf::YieldOp>(l, combine(f, l, combiner, acc[0], p));
                                     });
    k.create<memref::StoreOp>(loc, loop.getResult(0), outBuffer, ivs);
  });
  b.create<memref::DeallocOp>(loc, partial);
  for (linalg::LinalgOp op : llvm::reverse(ops))
    op->erase();
  return true;
}

} // namespace gptc::gpu
