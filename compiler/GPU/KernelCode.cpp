// Scalar code shared by the GPU kernel builders (LaneKernels.cpp,
// SplitRowReductions.cpp): a linalg reduction's combiner, its body at given
// indices, index arithmetic.
#include "compiler/GPU/KernelCode.h"
#include "compiler/GPU/KernelTags.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace gptc::gpu {

/// The op that combines a reduction's accumulator with its term: the yielded
/// value, an addf, mulf, maximumf or minimumf of the output's block argument
/// (used nowhere else) and a value that does not depend on it.
Operation *reductionCombiner(linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumDpsInputs() < 1)
    return nullptr;
  Block *body = op.getBlock();
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield.getValues().size() != 1)
    return nullptr;
  Value acc = op.getRegionOutputArgs()[0];
  Operation *c = yield.getValues()[0].getDefiningOp();
  if (!c || c->getBlock() != body || !isa<arith::AddFOp, arith::MulFOp, arith::MaximumFOp, arith::MinimumFOp>(c))
    return nullptr;
  if (!acc.hasOneUse() || acc.use_begin()->getOwner() != c || c->getOperand(0) == c->getOperand(1))
    return nullptr;
  return c;
}

/// The combiner's identity, of `type`.
Value identityOf(OpBuilder &b, Location loc, Operation *combiner, FloatType type) {
  const llvm::fltSemantics &sem = type.getFloatSemantics();
  llvm::APFloat value = isa<arith::AddFOp>(combiner)      ? llvm::APFloat::getZero(sem)
                        : isa<arith::MulFOp>(combiner)    ? llvm::APFloat::getOne(sem)
                        : isa<arith::MaximumFOp>(combiner) ? llvm::APFloat::getInf(sem, /*Negative=*/true)
                                                          : llvm::APFloat::getInf(sem, /*Negative=*/false);
  return b.create<arith::ConstantFloatOp>(loc, value, type);
}

/// combiner's kind (and attributes) applied to (x, y).
Value combine(OpBuilder &b, Location loc, Operation *combiner, Value x, Value y) {
  OperationState state(loc, combiner->getName());
  state.addOperands({x, y});
  state.addTypes(x.getType());
  state.addAttributes(combiner->getAttrs());
  return b.create(state)->getResult(0);
}

/// The indices of `map` at `ivs`.
SmallVector<Value> indicesOf(OpBuilder &b, Location loc, AffineMap map, ValueRange ivs) {
  SmallVector<Value> indices;
  for (unsigned i = 0; i < map.getNumResults(); ++i) {
    AffineExpr e = map.getResult(i);
    if (auto dim = dyn_cast<AffineDimExpr>(e))
      indices.push_back(ivs[dim.getPosition()]);
    else
      indices.push_back(b.create<affine::AffineApplyOp>(loc, map.getSubMap({i}), ivs));
  }
  return indices;
}

/// The reduction body of `op` at `ivs` with `acc` as its accumulator: the
/// combined value it yields.
Value emitReductionStep(OpBuilder &b, Location loc, linalg::LinalgOp op, ValueRange ivs, Value acc) {
  IRMapping map;
  for (OpOperand *input : op.getDpsInputOperands()) {
    Value arg = op.getMatchingBlockArgument(input);
    if (!isa<MemRefType>(input->get().getType())) { // a scalar operand
      map.map(arg, input->get());
      continue;
    }
    map.map(arg, b.create<memref::LoadOp>(loc, input->get(),
                                          indicesOf(b, loc, op.getMatchingIndexingMap(input), ivs)));
  }
  map.map(op.getRegionOutputArgs()[0], acc);
  for (Operation &bodyOp : op.getBlock()->without_terminator()) {
    if (auto index = dyn_cast<linalg::IndexOp>(bodyOp)) {
      map.map(index.getResult(), ivs[index.getDim()]);
      continue;
    }
    b.clone(bodyOp, map);
  }
  return map.lookup(op.getBlock()->getTerminator()->getOperand(0));
}

/// The dimensions of element `linear` of a row with extents `inner`.
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear, ArrayRef<int64_t> inner) {
  SmallVector<Value> ivs(inner.size());
  for (int64_t d = (int64_t)inner.size() - 1; d >= 0; --d) {
    if (d == 0) {
      ivs[d] = linear;
      break;
    }
    Value extent = b.create<arith::ConstantIndexOp>(loc, inner[d]);
    ivs[d] = b.create<arith::RemUIOp>(loc, linear, extent);
    linear = b.create<arith::DivUIOp>(loc, linear, extent);
  }
  return ivs;
}

void setKernelClass(Operation *loop, StringRef kernelClass) {
  loop->setAttr(kKernelClassAttr, StringAttr::get(loop->getContext(), kernelClass));
}

scf::ParallelOp createKernelLoop(OpBuilder &b, Location loc, ArrayRef<int64_t> ranges, StringRef kernelClass) {
  SmallVector<int64_t> trips(ranges);
  if (trips.empty()) // no parallel dimension: one thread
    trips.push_back(1);
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0), one = b.create<arith::ConstantIndexOp>(loc, 1);
  SmallVector<Value> lower(trips.size(), zero), steps(trips.size(), one), upper;
  for (int64_t t : trips)
    upper.push_back(b.create<arith::ConstantIndexOp>(loc, t));
  auto loop = b.create<scf::ParallelOp>(loc, lower, upper, steps);
  setKernelClass(loop, kernelClass);
  return loop;
}

} // namespace gptc::gpu
