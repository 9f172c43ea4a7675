// Lane kernels: the rows of a rows group (softmax, layernorm, cross-entropy)
// and full reductions (the loss) shared by the lanes of a warp.
//
// gptc-gpu-form-kernel-loops makes a rows group one thread per row: the
// thread walks its row once per op. Here `lanes` threads (32: one warp) share
// a row. Element e of the row (its dimensions past the rows, linearised) is
// lane e % lanes's, so neighbouring lanes touch neighbouring elements
// (coalesced), and each op is one of:
//
//   * elementwise over the row: lane l runs the op at its elements l,
//     l + lanes, ...;
//   * a reduction of the row into a per-row value (max, sum: the body yields
//     add, mul, max or min of the accumulator and a term): lane l folds its
//     elements into a partial from the combiner's identity; the partials are
//     combined by a butterfly (offsets lanes/2, ..., 1: every lane ends with
//     the same value, bit for bit, since each step combines two equal pairs
//     in either order), then combined with the value the output was filled
//     with (the fill itself is dropped: no lane reads what another lane
//     stores), and every lane stores the row's result;
//   * a per-row op (mean = sum / n, rstd): every lane runs it, storing the
//     same value.
//
// Lanes never wait for one another except in the butterfly, so every read of
// a buffer the kernel writes must be of a value the reading lane wrote
// itself: an element at the op's own element (the same row extent, the
// identity map), or a per-row value. Anything else stays one thread per row.
//
// The butterfly is gpu.shuffle xor for a GPU (LaneCollectives::Shuffle). For
// checking the kernel's arithmetic without a GPU (`gptc --gpu-kernels-on-cpu`)
// the same kernel is built with the lanes as a loop inside each row's
// iteration and the partials combined as a vector, halves by halves, in the
// butterfly's order (LaneCollectives::Loops): the same results, bit for bit.
#include "compiler/GPU/LaneKernels.h"
#include "compiler/GPU/KernelCode.h"
#include "compiler/GPU/KernelTags.h"
#include "compiler/Support/Buffers.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/ADT/DenseMap.h"

using namespace mlir;

namespace gptc::gpu {
namespace {

enum class Role { PerRow, Elementwise, Reduction };

struct LaneOp {
  mutable linalg::LinalgOp op; // interface methods are not const
  Role role = Role::PerRow;
  SmallVector<int64_t> inner; // trip counts of the dimensions past the rows
  Operation *combiner = nullptr;       // Reduction: the body's combining op
  Value fillValue;                     // Reduction: what its output was filled with
  bool droppedFill = false;            // a fill whose value a reduction takes
};

bool isIdentityOf(AffineMap map, unsigned dims) { return map.isIdentity() && map.getNumDims() == dims; }

/// (d0, ..., d[rows-1]) of an op with `dims` dimensions.
bool isRowProjection(AffineMap map, int64_t rows) {
  if (map.getNumResults() != rows)
    return false;
  for (int64_t i = 0; i < rows; ++i)
    if (map.getResult(i) != getAffineDimExpr(i, map.getContext()))
      return false;
  return true;
}

/// Classifies `ops`; on success fills `out`, else returns the reason.
std::optional<std::string> classify(ArrayRef<linalg::LinalgOp> ops, int64_t rows, SmallVectorImpl<LaneOp> &out) {
  for (linalg::LinalgOp op : ops) {
    LaneOp lane;
    lane.op = op;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    if ((int64_t)ranges.size() < rows)
      return std::string("an op has fewer dimensions than the rows");
    if (llvm::any_of(ranges, ShapedType::isDynamic))
      return std::string("a dynamic shape");
    lane.inner.assign(ranges.begin() + rows, ranges.end());
    bool anyReduction = llvm::any_of(llvm::ArrayRef(iterators).drop_front(rows),
                                     [](utils::IteratorType t) { return t == utils::IteratorType::reduction; });
    bool allReduction = llvm::all_of(llvm::ArrayRef(iterators).drop_front(rows),
                                     [](utils::IteratorType t) { return t == utils::IteratorType::reduction; });
    if (lane.inner.empty()) {
      lane.role = Role::PerRow;
      for (OpOperand &init : op.getDpsInitsMutable())
        if (!isRowProjection(op.getMatchingIndexingMap(&init), rows))
          return std::string("a per-row op writes another row's element");
    } else if (!anyReduction) {
      lane.role = Role::Elementwise;
      for (OpOperand &init : op.getDpsInitsMutable())
        if (!isIdentityOf(op.getMatchingIndexingMap(&init), ranges.size()))
          return std::string("an elementwise op writes its output in another order (a transpose)");
    } else {
      if (!allReduction)
        return std::string("a reduction keeps some of the dimensions past the rows");
      lane.role = Role::Reduction;
      lane.combiner = reductionCombiner(op);
      if (!lane.combiner)
        return std::string("a reduction's body is not add, mul, max or min of its accumulator and a term");
      OpOperand *init = op.getDpsInitOperand(0);
      if (!isRowProjection(op.getMatchingIndexingMap(init), rows))
        return std::string("a reduction's output is not indexed by the rows");
      if (!getElementTypeOrSelf(init->get().getType()).isF32())
        return std::string("a reduction that is not f32");
      // The fill of its output, earlier in the kernel, with nothing between
      // touching that buffer.
      Value buffer = init->get();
      for (LaneOp &earlier : llvm::reverse(out)) {
        auto fill = dyn_cast<linalg::FillOp>(earlier.op.getOperation());
        if (fill && fill.getDpsInitOperand(0)->get() == buffer) {
          lane.fillValue = fill.getDpsInputOperand(0)->get();
          earlier.droppedFill = true;
          break;
        }
        for (OpOperand &operand : earlier.op->getOpOperands())
          if (rootBuffer(operand.get()) == rootBuffer(buffer))
            return std::string("a reduction's output is used between its fill and it");
      }
      if (!lane.fillValue)
        return std::string("a reduction's output is not filled in the kernel");
    }
    out.push_back(std::move(lane));
  }
  if (llvm::all_of(out, [](const LaneOp &l) { return l.role == Role::PerRow; }))
    return std::string("no op runs along the row");
  return std::nullopt;
}

/// Every read of a buffer the kernel writes is a value the reading lane wrote.
std::optional<std::string> checkOwnership(ArrayRef<LaneOp> laneOps, int64_t rows) {
  // What each written buffer holds: elements over the row (with its extent)
  // or per-row values.
  struct Written {
    Value value;
    bool perRow;
    SmallVector<int64_t> inner;
  };
  llvm::DenseMap<Value, Written> written; // by root buffer
  for (const LaneOp &l : laneOps)
    for (OpOperand &init : l.op.getDpsInitsMutable()) {
      Written w{init.get(), l.role != Role::Elementwise, l.role == Role::Elementwise ? l.inner : SmallVector<int64_t>{}};
      auto [it, inserted] = written.try_emplace(rootBuffer(init.get()), w);
      if (!inserted && (it->second.value != w.value || it->second.perRow != w.perRow || it->second.inner != w.inner))
        return std::string("a buffer is written twice in different ways");
    }
  for (const LaneOp &l : laneOps) {
    unsigned dims = l.op.getNumLoops();
    for (OpOperand &operand : l.op->getOpOperands()) {
      auto it = written.find(rootBuffer(operand.get()));
      if (it == written.end())
        continue;
      const Written &w = it->second;
      if (operand.get() != w.value)
        return std::string("a view of a buffer the kernel writes is read");
      if (l.op.isDpsInit(&operand) && l.role != Role::Elementwise)
        continue; // a per-row result or the reduction's accumulator: not read
      AffineMap map = l.op.getMatchingIndexingMap(&operand);
      bool own = w.perRow ? isRowProjection(map, rows)
                          : (l.role != Role::PerRow && l.inner == w.inner && isIdentityOf(map, dims));
      if (!own)
        return std::string("an op reads an element another lane writes");
    }
  }
  return std::nullopt;
}

int64_t product(ArrayRef<int64_t> extents) {
  int64_t n = 1;
  for (int64_t e : extents)
    n *= e;
  return n;
}

/// for e = lane; e < |inner|; e += lanes: body(row ivs ++ element e's ivs),
/// carrying `init` (if any) through the iterations; returns the final value.
Value emitLaneStrided(OpBuilder &b, Location loc, ValueRange rowIvs, Value lane, int64_t lanes,
                      ArrayRef<int64_t> inner, Value init,
                      function_ref<Value(OpBuilder &, ValueRange, Value)> body) {
  Value end = b.create<arith::ConstantIndexOp>(loc, product(inner));
  Value step = b.create<arith::ConstantIndexOp>(loc, lanes);
  SmallVector<Value> inits;
  if (init)
    inits.push_back(init);
  auto loop = b.create<scf::ForOp>(loc, lane, end, step, inits,
                                   [&](OpBuilder &nested, Location l, Value e, ValueRange carried) {
                                     SmallVector<Value> ivs(rowIvs);
                                     llvm::append_range(ivs, delinearize(nested, l, e, inner));
                                     Value next = body(nested, ivs, init ? carried[0] : Value());
                                     nested.create<scf::YieldOp>(l, next ? ValueRange{next} : ValueRange{});
                                   });
  return init ? loop.getResult(0) : Value();
}

/// One lane's partial of a reduction: its elements folded from the identity.
Value emitPartial(OpBuilder &b, Location loc, const LaneOp &l, ValueRange rowIvs, Value lane, int64_t lanes) {
  Value identity = identityOf(b, loc, l.combiner, cast<FloatType>(b.getF32Type()));
  return emitLaneStrided(b, loc, rowIvs, lane, lanes, l.inner, identity,
                         [&](OpBuilder &nested, ValueRange ivs, Value acc) {
                           return emitReductionStep(nested, loc, l.op, ivs, acc);
                         });
}

/// Stores combine(fill, total) at the reduction's output element of the row.
void storeRowResult(OpBuilder &b, Location loc, const LaneOp &l, ValueRange rowIvs, Value total) {
  Value result = combine(b, loc, l.combiner, l.fillValue, total);
  OpOperand *init = l.op.getDpsInitOperand(0);
  SmallVector<Value> ivs(rowIvs);
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  ivs.append(l.inner.size(), zero); // the output map reads only the rows
  b.create<memref::StoreOp>(loc, result, init->get(), indicesOf(b, loc, l.op.getMatchingIndexingMap(init), ivs));
}

LogicalResult emitScalar(OpBuilder &b, Location loc, linalg::LinalgOp op, ValueRange ivs) {
  if (failed(cast<TilingInterface>(op.getOperation()).generateScalarImplementation(b, loc, ivs)))
    return op->emitError("cannot generate this op's scalar code for a GPU kernel");
  return success();
}

} // namespace

std::optional<std::string> whyNotLaneKernel(ArrayRef<linalg::LinalgOp> ops, int64_t rows) {
  SmallVector<LaneOp> laneOps;
  if (auto why = classify(ops, rows, laneOps))
    return why;
  return checkOwnership(laneOps, rows);
}

LogicalResult formLaneKernel(ArrayRef<linalg::LinalgOp> ops, int64_t rows, int64_t lanes,
                             LaneCollectives collectives, StringRef kernelClass) {
  SmallVector<LaneOp> laneOps;
  if (auto why = classify(ops, rows, laneOps))
    return ops.front()->emitError("not a lane kernel: ") << *why;
  linalg::LinalgOp last = ops.back();
  OpBuilder b(last);
  Location loc = last.getLoc();
  linalg::LinalgOp first = ops.front();
  SmallVector<int64_t> rowRanges(llvm::ArrayRef(first.getStaticLoopRanges()).take_front(rows));
  bool shuffle = collectives == LaneCollectives::Shuffle;
  SmallVector<int64_t> ranges(rowRanges);
  if (shuffle)
    ranges.push_back(lanes);
  if (kernelClass.empty())
    kernelClass = rows > 0 ? kKernelClassRowsWarp : kKernelClassReduceWarp;
  scf::ParallelOp loop = createKernelLoop(b, loc, ranges, kernelClass);
  SmallVector<Value> rowIvs(llvm::ArrayRef(loop.getInductionVars()).take_front(rows));
  b.setInsertionPoint(loop.getBody()->getTerminator());
  // Shuffle: the lane is the loop's last dimension. Loops: a loop per op.
  auto forEachLane = [&](function_ref<void(Value)> body) {
    if (shuffle)
      return body(loop.getInductionVars().back());
    auto lanesLoop = b.create<scf::ForOp>(loc, b.create<arith::ConstantIndexOp>(loc, 0),
                                          b.create<arith::ConstantIndexOp>(loc, lanes),
                                          b.create<arith::ConstantIndexOp>(loc, 1));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(lanesLoop.getBody()->getTerminator());
    body(lanesLoop.getInductionVar());
  };
  for (const LaneOp &l : laneOps) {
    if (l.droppedFill)
      continue;
    switch (l.role) {
    case Role::PerRow:
      if (failed(emitScalar(b, loc, l.op, rowIvs)))
        return failure();
      break;
    case Role::Elementwise: {
      LogicalResult emitted = success();
      forEachLane([&](Value lane) {
        emitLaneStrided(b, loc, rowIvs, lane, lanes, l.inner, Value(), [&](OpBuilder &nested, ValueRange ivs, Value) {
          if (failed(emitScalar(nested, loc, l.op, ivs)))
            emitted = failure();
          return Value();
        });
      });
      if (failed(emitted))
        return failure();
      break;
    }
    case Role::Reduction: {
      if (shuffle) {
        Value value = emitPartial(b, loc, l, rowIvs, loop.getInductionVars().back(), lanes);
        for (int64_t offset = lanes / 2; offset >= 1; offset /= 2) {
          auto other = b.create<mlir::gpu::ShuffleOp>(loc, value, (int32_t)offset, (int32_t)lanes,
                                                      mlir::gpu::ShuffleMode::XOR);
          value = combine(b, loc, l.combiner, value, other.getShuffleResult());
        }
        storeRowResult(b, loc, l, rowIvs, value);
        break;
      }
      // The butterfly's order in a vector of the partials: at each step
      // partial i (i < offset) is combined with partial i + offset, which is
      // what lane i computes with the xor shuffle (and every lane ends with
      // lane 0's).
      auto f32 = b.getF32Type();
      Value identity = identityOf(b, loc, l.combiner, cast<FloatType>(f32));
      Value none = b.create<vector::BroadcastOp>(loc, VectorType::get({lanes}, f32), identity);
      Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
      auto lanesLoop = b.create<scf::ForOp>(loc, zero, b.create<arith::ConstantIndexOp>(loc, lanes),
                                            b.create<arith::ConstantIndexOp>(loc, 1), ValueRange{none});
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(lanesLoop.getBody());
        Value lane = lanesLoop.getInductionVar();
        Value partial = emitPartial(b, loc, l, rowIvs, lane, lanes);
        Value partials =
            b.create<vector::InsertElementOp>(loc, partial, lanesLoop.getRegionIterArgs()[0], lane);
        b.create<scf::YieldOp>(loc, partials);
      }
      Value partials = lanesLoop.getResult(0);
      for (int64_t offset = lanes / 2; offset >= 1; offset /= 2) {
        SmallVector<int64_t> lowHalf, highHalf;
        for (int64_t i = 0; i < offset; ++i) {
          lowHalf.push_back(i);
          highHalf.push_back(offset + i);
        }
        Value low = b.create<vector::ShuffleOp>(loc, partials, partials, lowHalf);
        Value high = b.create<vector::ShuffleOp>(loc, partials, partials, highHalf);
        partials = combine(b, loc, l.combiner, low, high);
      }
      Value total = b.create<vector::ExtractOp>(loc, partials, ArrayRef<int64_t>{0});
      storeRowResult(b, loc, l, rowIvs, total);
      break;
    }
    }
  }
  for (const LaneOp &l : llvm::reverse(laneOps))
    l.op->erase();
  return success();
}

} // namespace gptc::gpu
