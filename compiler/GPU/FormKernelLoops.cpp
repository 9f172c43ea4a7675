// gptc-gpu-form-kernel-loops (GPU): one scf.parallel per kernel, on buffers.
//
// A fusion group is one kernel: its ops are rebuilt as one parallel loop over
// the dimensions they share, so the group's intermediate values never leave
// the thread that made them for another kernel launch. On buffers (after
// bufferization, GEMMs already runtime calls) the ops of one group carry the
// same `gptc.kernel` tag (gptc-gpu-mark-kernels):
//
//   * a rows group (softmax, layernorm, cross-entropy) shares its leading
//     `gptc.kernel_rows` dimensions: the kernel is parallel over rows, and
//     each op runs its other dimensions (the row's length, the reduction) as
//     sequential loops in the thread that owns the row, in the group's order;
//   * an elementwise or reduction group (an op, a fill and its reduction) is
//     parallel over the ops' parallel dimensions: for a reduction over rows
//     (a bias gradient) each thread owns one output element and loops over
//     the reduced dimensions;
//   * ops whose kernel dimensions (or, outside rows groups, the order in
//     which they write their outputs) do not agree are kernels of their own, as
//     are untagged linalg ops and memref.copy (bufferization's copies);
//   * a rows group with no reduction is not one: its rows buy nothing, and
//     one thread per row is little parallelism when the rows are few (the
//     head split of q, k, v shares only the batch dimension), so its ops
//     are parallel over all their dimensions, as an elementwise group's.
//
// A foreach group (gptc-form-foreach-groups: the optimizer's update of every
// parameter) is one kernel too (but for members split as reductions over
// many rows, below), though its members have different shapes: one
// parallel loop over all their elements laid end to end, in which each thread
// finds its member by a binary search over the members' offsets and runs that
// member's ops (a reduction member: the fill and the reduction into it) at
// its element.
//
// Code with no parallel loop (a rank-0 op, a full reduction, the embedding
// gradient's scatter-add written as scf.for, a scalar stored into a buffer)
// becomes a one-iteration scf.parallel: a kernel of one thread. Slow but
// correct, and nothing is left to run on the host (buffers live on the
// device); docs/gpu.md lists these as the kernels to rewrite.
//
// With lanes=32 (the GPU pipelines), a rows group or a full reduction with
// its fill whose ops allow it is a lane kernel instead: a warp per row, the
// row's reductions combined by shuffles (LaneKernels.cpp). With
// rows-per-slice=N, a reduction over many leading rows (a bias gradient) is
// two kernels: slices of N rows, then the slices (SplitRowReductions.cpp).
//
// The loop bodies are each op's own scalar code (TilingInterface's
// generateScalarImplementation), so every linalg op lowers the same way.
#include "compiler/GPU/KernelCode.h"
#include "compiler/GPU/KernelTags.h"
#include "compiler/GPU/LaneKernels.h"
#include "compiler/GPU/SplitRowReductions.h"
#include "compiler/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/MapVector.h"

namespace gptc {
#define GEN_PASS_DEF_GPUFORMKERNELLOOPS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

/// The loop dimensions of `op` the kernel runs in parallel.
SmallVector<int64_t> kernelDims(linalg::LinalgOp op) {
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  SmallVector<int64_t> dims;
  if (auto rows = op->getAttrOfType<IntegerAttr>(gptc::gpu::kKernelRowsAttr)) {
    int64_t r = rows.getInt();
    if (r <= (int64_t)iterators.size() &&
        llvm::all_of(llvm::ArrayRef(iterators).take_front(r),
                     [](utils::IteratorType t) { return t == utils::IteratorType::parallel; })) {
      for (int64_t d = 0; d < r; ++d)
        dims.push_back(d);
      return dims;
    }
  }
  for (auto [d, t] : llvm::enumerate(iterators))
    if (t == utils::IteratorType::parallel)
      dims.push_back(d);
  return dims;
}

/// The trip counts of `dims` of `op` (static shapes: every gptc tensor has one).
SmallVector<int64_t> rangesOf(linalg::LinalgOp op, ArrayRef<int64_t> dims) {
  SmallVector<int64_t> all = op.getStaticLoopRanges(), ranges;
  for (int64_t d : dims)
    ranges.push_back(all[d]);
  return ranges;
}

/// Whether iteration i of the kernel writes element i of each of `op`'s
/// outputs: every output is indexed by the kernel dimensions, in order. Ops
/// of one elementwise or reduction kernel must agree on this (a fill and the
/// reduction into its output); otherwise a thread could read what another
/// thread writes. Rows groups share their leading dimensions by construction.
bool writesInKernelOrder(linalg::LinalgOp op) {
  if (op->hasAttr(gptc::gpu::kKernelRowsAttr))
    return true;
  SmallVector<int64_t> dims = kernelDims(op);
  for (OpOperand &init : op.getDpsInitsMutable()) {
    AffineMap map = op.getMatchingIndexingMap(&init);
    if (map.getNumResults() != dims.size())
      return false;
    for (auto [result, d] : llvm::zip(map.getResults(), dims))
      if (result != getAffineDimExpr(d, op.getContext()))
        return false;
  }
  return true;
}

/// A producer whose output buffer only a transpose reads (the head split:
/// q, k or v sliced out of the qkv projection into [B, T, H, D], then
/// transposed to [B, H, T, D]) writes the transpose's output directly, in the
/// transposed order: one kernel instead of two, and no intermediate buffer
/// written and read again (25 MB each for nanoGPT's model). The producer must
/// be an all-parallel linalg.generic writing its one output at the loop's
/// indices without reading it; the buffer must have no other use than its
/// allocation and deallocation, which go too. Returns the new producer.
std::optional<linalg::GenericOp> foldTransposeIntoProducer(linalg::LinalgOp first, linalg::LinalgOp second) {
  auto producer = dyn_cast<linalg::GenericOp>(first.getOperation());
  auto transpose = dyn_cast<linalg::TransposeOp>(second.getOperation());
  if (!producer || !transpose || producer.getNumDpsInits() != 1 || producer.getNumLoops() != producer.getNumParallelLoops())
    return std::nullopt;
  OpOperand *init = producer.getDpsInitOperand(0);
  Value buffer = init->get();
  if (transpose.getInput() != buffer || !producer.getMatchingIndexingMap(init).isIdentity() ||
      !producer.getMatchingBlockArgument(init).use_empty())
    return std::nullopt;
  auto alloc = buffer.getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return std::nullopt;
  SmallVector<Operation *> deallocs;
  for (Operation *user : buffer.getUsers()) {
    if (user == producer.getOperation() || user == transpose.getOperation())
      continue;
    if (!isa<memref::DeallocOp>(user))
      return std::nullopt;
    deallocs.push_back(user);
  }
  // transpose: out[j] = in[permutation[j]], in = the producer's loop indices.
  MLIRContext *ctx = producer.getContext();
  SmallVector<unsigned> permutation(transpose.getPermutation().begin(), transpose.getPermutation().end());
  SmallVector<AffineMap> maps = producer.getIndexingMapsArray();
  maps.back() = AffineMap::getPermutationMap(permutation, ctx);
  OpBuilder b(transpose);
  auto fused = b.create<linalg::GenericOp>(producer.getLoc(), TypeRange{}, producer.getDpsInputs(),
                                           ValueRange{transpose.getInit()}, maps, producer.getIteratorTypesArray());
  fused->setDiscardableAttrs(producer->getDiscardableAttrDictionary());
  fused.getRegion().takeBody(producer.getRegion());
  transpose->erase();
  producer->erase();
  for (Operation *dealloc : deallocs)
    dealloc->erase();
  alloc->erase();
  return fused;
}

/// `ops` (one kernel, program order) with each producer-transpose pair that
/// foldTransposeIntoProducer allows folded into one op.
SmallVector<linalg::LinalgOp> foldTransposes(ArrayRef<linalg::LinalgOp> ops) {
  SmallVector<linalg::LinalgOp> folded;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (i + 1 < ops.size())
      if (std::optional<linalg::GenericOp> fused = foldTransposeIntoProducer(ops[i], ops[i + 1])) {
        folded.push_back(cast<linalg::LinalgOp>(fused->getOperation()));
        ++i;
        continue;
      }
    folded.push_back(ops[i]);
  }
  return folded;
}

/// Emits `op`'s scalar code at `b`, its `dims` given by `parallelIvs` and
/// its other dimensions as a sequential loop nest. Then erases `op`.
LogicalResult emitOpInKernel(OpBuilder &b, linalg::LinalgOp op, ArrayRef<int64_t> dims, ValueRange parallelIvs) {
  Location loc = op.getLoc();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<Value> lower, upper, steps;
  SmallVector<int64_t> sequentialDims;
  for (int64_t d = 0; d < (int64_t)ranges.size(); ++d) {
    if (llvm::is_contained(dims, d))
      continue;
    if (ShapedType::isDynamic(ranges[d]))
      return op->emitError("GPU kernels need static shapes");
    sequentialDims.push_back(d);
    lower.push_back(b.create<arith::ConstantIndexOp>(loc, 0));
    upper.push_back(b.create<arith::ConstantIndexOp>(loc, ranges[d]));
    steps.push_back(b.create<arith::ConstantIndexOp>(loc, 1));
  }
  LogicalResult emitted = success();
  scf::buildLoopNest(b, loc, lower, upper, steps, [&](OpBuilder &nested, Location l, ValueRange loopIvs) {
    SmallVector<Value> ivs(ranges.size());
    for (auto [d, iv] : llvm::zip(dims, parallelIvs))
      ivs[d] = iv;
    for (auto [d, iv] : llvm::zip(sequentialDims, loopIvs))
      ivs[d] = iv;
    emitted = cast<TilingInterface>(op.getOperation()).generateScalarImplementation(nested, l, ivs);
  });
  if (failed(emitted))
    return op->emitError("cannot generate this op's scalar code for a GPU kernel");
  op->erase();
  return success();
}

/// One kernel: `ops` (in program order, sharing kernel dimensions) as one
/// scf.parallel at the position of the last of them.
LogicalResult formOneKernel(ArrayRef<linalg::LinalgOp> ops) {
  linalg::LinalgOp first = ops.front(), last = ops.back();
  OpBuilder b(last);
  Location loc = last.getLoc();
  SmallVector<int64_t> ranges = rangesOf(first, kernelDims(first));
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return first->emitError("GPU kernels need static shapes");
  StringRef kernelClass = gptc::gpu::kKernelClassElementwise;
  if (first->hasAttr(gptc::gpu::kKernelRowsAttr))
    kernelClass = gptc::gpu::kKernelClassRows;
  else if (ops.size() == 1 && isa<linalg::CopyOp>(first.getOperation()))
    kernelClass = gptc::gpu::kKernelClassCopy;
  else if (llvm::any_of(ops, [](linalg::LinalgOp op) { return op.getNumReductionLoops() > 0; }))
    kernelClass = gptc::gpu::kKernelClassReduceThread;
  if (ranges.empty())
    kernelClass = gptc::gpu::kKernelClassOneThread;
  scf::ParallelOp loop = gptc::gpu::createKernelLoop(b, loc, ranges, kernelClass);
  SmallVector<Value> ivs; // none for a one-thread kernel
  if (!ranges.empty())
    ivs = loop.getInductionVars();
  for (linalg::LinalgOp op : ops) {
    b.setInsertionPoint(loop.getBody()->getTerminator());
    if (failed(emitOpInKernel(b, op, kernelDims(op), ivs)))
      return failure();
  }
  return success();
}

/// A member of a foreach kernel: the ops of one of the groups it merged, and
/// where its elements lie along the kernel's one parallel dimension.
struct ForeachMember {
  SmallVector<linalg::LinalgOp> ops;
  SmallVector<int64_t> ranges; // the member's kernel dimensions
  int64_t offset = 0, size = 1;
};

/// Emits, at `b`, the code of the member of `members[lo, hi)` that holds
/// element `iv`: a binary search over their offsets (nested scf.if), then
/// the member's ops at `iv - offset`, delinearised into its dimensions.
LogicalResult emitForeachMembers(OpBuilder &b, Location loc, Value iv, MutableArrayRef<ForeachMember> members,
                                 size_t lo, size_t hi) {
  auto constant = [&](int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v); };
  if (hi - lo == 1) {
    ForeachMember &member = members[lo];
    Value local = b.create<arith::SubIOp>(loc, iv, constant(member.offset));
    SmallVector<Value> ivs(member.ranges.size());
    for (int64_t d = (int64_t)member.ranges.size() - 1; d >= 0; --d) {
      if (d == 0) {
        ivs[d] = local;
        break;
      }
      Value range = constant(member.ranges[d]);
      ivs[d] = b.create<arith::RemUIOp>(loc, local, range);
      local = b.create<arith::DivUIOp>(loc, local, range);
    }
    for (linalg::LinalgOp op : member.ops)
      if (failed(emitOpInKernel(b, op, kernelDims(op), ivs)))
        return failure();
    return success();
  }
  size_t mid = (lo + hi) / 2;
  Value before = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ult, iv, constant(members[mid].offset));
  auto branch = b.create<scf::IfOp>(loc, before, /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(branch.thenBlock()->getTerminator());
  if (failed(emitForeachMembers(b, loc, iv, members, lo, mid)))
    return failure();
  b.setInsertionPoint(branch.elseBlock()->getTerminator());
  return emitForeachMembers(b, loc, iv, members, mid, hi);
}

/// The values a member's ops use that are defined outside them (its buffers,
/// views of them, host scalars): each becomes a kernel parameter.
llvm::SetVector<Value> externalValues(ArrayRef<linalg::LinalgOp> ops) {
  llvm::SetVector<Value> values;
  for (linalg::LinalgOp op : ops) {
    for (Value operand : op->getOperands())
      values.insert(operand);
    for (Region &region : op->getRegions())
      getUsedValuesDefinedAbove(region, values);
  }
  return values;
}

/// `ops` (in program order, sharing kernel dimensions) as one kernel, or as
/// several in order when they use more than `maxValues` values between them
/// (each a kernel parameter: PTX 7.0 takes 544 pointers; the gradient norm's
/// one-thread sum over a 48-layer GPT's 600 gradients would need more). Ops
/// split across kernels still run in order, each finished before the next
/// kernel starts.
LogicalResult formKernel(ArrayRef<linalg::LinalgOp> ops, int64_t maxValues) {
  SmallVector<linalg::LinalgOp> chunk;
  llvm::SetVector<Value> used;
  for (linalg::LinalgOp op : ops) {
    llvm::SetVector<Value> both = used, mine = externalValues(op);
    both.insert(mine.begin(), mine.end());
    if (maxValues > 0 && !chunk.empty() && (int64_t)both.size() > maxValues) {
      if (failed(formOneKernel(chunk)))
        return failure();
      chunk.clear();
      both = mine;
    }
    used = both;
    chunk.push_back(op);
  }
  return formOneKernel(chunk);
}

/// One kernel for a foreach group (`ops` carry gptc.foreach_member): its
/// members' elements laid end to end along one parallel loop, at the position
/// of the last op. Each thread runs the ops of the member its element is in.
/// A kernel takes one parameter per buffer (bare pointers), and PTX before
/// ISA 8.1 allows 4352 bytes of them (544 pointers): a group whose members
/// use more than `maxValues` values between them (AdamW's update of a
/// 12-layer GPT: 1000) is several kernels, members packed in order.
LogicalResult formForeachKernel(ArrayRef<linalg::LinalgOp> ops, int64_t maxValues) {
  llvm::MapVector<int64_t, SmallVector<linalg::LinalgOp>> byMember;
  for (linalg::LinalgOp op : ops)
    byMember[op->getAttrOfType<IntegerAttr>(gptc::nn::kForeachMemberAttr).getInt()].push_back(op);
  SmallVector<ForeachMember> members;
  int64_t total = 0;
  for (auto &[index, memberOps] : byMember) {
    ForeachMember member;
    member.ops = memberOps;
    member.ranges = rangesOf(memberOps.front(), kernelDims(memberOps.front()));
    for (linalg::LinalgOp op : memberOps)
      if (rangesOf(op, kernelDims(op)) != member.ranges || (memberOps.size() > 1 && !writesInKernelOrder(op)))
        return op->emitError("the ops of a foreach member do not share their kernel dimensions");
    if (llvm::any_of(member.ranges, ShapedType::isDynamic))
      return memberOps.front()->emitError("GPU kernels need static shapes");
    for (int64_t r : member.ranges)
      member.size *= r;
    member.offset = total;
    total += member.size;
    members.push_back(std::move(member));
  }
  // Members packed in order into kernels of at most maxValues values.
  SmallVector<SmallVector<ForeachMember>> kernels(1);
  llvm::SetVector<Value> used;
  for (ForeachMember &member : members) {
    llvm::SetVector<Value> mine = externalValues(member.ops);
    llvm::SetVector<Value> both = used;
    both.insert(mine.begin(), mine.end());
    if (maxValues > 0 && !kernels.back().empty() && (int64_t)both.size() > maxValues) {
      kernels.emplace_back();
      both = mine;
    }
    used = both;
    kernels.back().push_back(std::move(member));
  }
  Operation *last = ops.back();
  OpBuilder b(last);
  Location loc = last->getLoc();
  for (SmallVector<ForeachMember> &kernel : kernels) {
    int64_t offset = 0;
    for (ForeachMember &member : kernel) {
      member.offset = offset;
      offset += member.size;
    }
    b.setInsertionPoint(last);
    scf::ParallelOp loop = gptc::gpu::createKernelLoop(b, loc, {offset}, gptc::gpu::kKernelClassForeach);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    if (failed(emitForeachMembers(b, loc, loop.getInductionVars()[0], kernel, 0, kernel.size())))
      return failure();
  }
  return success();
}

/// A scatter-add nest (the embedding gradient, gptc-convert-nn-to-linalg's
/// `for n: row = clamp(indices[n]); for j: out[row, j] += updates[n, j]`)
/// becomes a kernel with one thread per column j, each adding its column's
/// updates in the order of n: threads touch disjoint columns, and every
/// element's sum keeps its order (the result of the one-thread loop, bit for
/// bit). Duplicate rows (a token seen twice) are why n stays sequential.
/// Over more than 2 x tokensPerSlice tokens, the tokens are split into
/// slices instead (splitScatterTokens). Returns false, changing nothing, for
/// any other loop.
/// The scatter-add's tokens in slices (the loop nest matched by
/// parallelizeScatterColumns, its update `out[row, j] = out[row, j] + x`):
/// a zeroed buffer partial[S, rows, columns]; one thread per (slice, column)
/// adding its slice's tokens, in order, into partial[slice]; then one thread
/// per element of out adding the slices in order. Returns false, changing
/// nothing, when the stored value is not such an addf, the bounds are not
/// constant, the tokens are too few, or the partial buffer would be larger
/// than 16M elements (a translation model's 5898-word vocabulary).
bool splitScatterTokens(scf::ForOp outer, scf::ForOp inner, memref::StoreOp store, int64_t tokensPerSlice) {
  auto constant = [](Value v) { return getConstantIntValue(v); };
  std::optional<int64_t> lo = constant(outer.getLowerBound()), hi = constant(outer.getUpperBound()),
                         step = constant(outer.getStep());
  auto outType = dyn_cast<MemRefType>(store.getMemRef().getType());
  if (tokensPerSlice <= 0 || !lo || !hi || !step || *lo != 0 || *step != 1 || !outType ||
      !outType.hasStaticShape() || outType.getRank() != 2 || !isa<FloatType>(outType.getElementType()))
    return false;
  auto add = store.getValue().getDefiningOp<arith::AddFOp>();
  if (!add || add->getParentOp() != inner)
    return false;
  memref::LoadOp old;
  for (Value operand : add->getOperands())
    if (auto load = operand.getDefiningOp<memref::LoadOp>();
        load && load.getMemRef() == store.getMemRef() && load.getIndices() == store.getIndices())
      old = load;
  if (!old || add.getLhs() == add.getRhs())
    return false;
  int64_t tokens = *hi, slices = (tokens + tokensPerSlice - 1) / tokensPerSlice;
  if (tokens <= 2 * tokensPerSlice || slices * outType.getNumElements() > (int64_t(1) << 24))
    return false;
  OpBuilder b(outer);
  Location loc = outer.getLoc();
  auto index = [&](int64_t v) -> Value { return b.create<arith::ConstantIndexOp>(loc, v); };
  int64_t rowsOut = outType.getDimSize(0), columnsOut = outType.getDimSize(1);
  Type element = outType.getElementType();
  Value partial = b.create<memref::AllocOp>(loc, MemRefType::get({slices, rowsOut, columnsOut}, element));
  Value zero = b.create<arith::ConstantOp>(loc, element, b.getFloatAttr(element, 0.0));
  // Kernel 1: partial = 0.
  auto zeroFill = b.create<scf::ParallelOp>(loc, ValueRange{index(0), index(0), index(0)},
                                            ValueRange{index(slices), index(rowsOut), index(columnsOut)},
                                            ValueRange{index(1), index(1), index(1)},
                                            [&](OpBuilder &k, Location l, ValueRange ivs) {
                                              k.create<memref::StoreOp>(l, zero, partial, ivs);
                                            });
  gptc::gpu::setKernelClass(zeroFill, gptc::gpu::kKernelClassScatter);
  // Kernel 2: each (slice, column) adds its slice's tokens in order.
  auto bySlice = b.create<scf::ParallelOp>(loc, ValueRange{index(0), inner.getLowerBound()},
                                           ValueRange{index(slices), inner.getUpperBound()},
                                           ValueRange{index(1), inner.getStep()});
  gptc::gpu::setKernelClass(bySlice, gptc::gpu::kKernelClassScatter);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(bySlice.getBody()->getTerminator());
    Value slice = bySlice.getInductionVars()[0];
    Value first = b.create<arith::MulIOp>(loc, slice, index(tokensPerSlice));
    Value end = b.create<arith::MinUIOp>(loc, b.create<arith::AddIOp>(loc, first, index(tokensPerSlice)), index(tokens));
    auto rows = b.create<scf::ForOp>(loc, first, end, index(1));
    IRMapping map;
    map.map(outer.getInductionVar(), rows.getInductionVar());
    map.map(inner.getInductionVar(), bySlice.getInductionVars()[1]);
    b.setInsertionPoint(rows.getBody()->getTerminator());
    for (Operation &op : outer.getBody()->without_terminator())
      if (&op != inner.getOperation())
        b.clone(op, map);
    auto partialIndices = [&](ValueRange indices) {
      SmallVector<Value> at{slice};
      for (Value i : indices)
        at.push_back(map.lookupOrDefault(i));
      return at;
    };
    for (Operation &op : inner.getBody()->without_terminator()) {
      if (&op == old.getOperation())
        map.map(old.getResult(), b.create<memref::LoadOp>(loc, partial, partialIndices(old.getIndices())));
      else if (&op == store.getOperation())
        b.create<memref::StoreOp>(loc, map.lookup(store.getValue()), partial, partialIndices(store.getIndices()));
      else
        b.clone(op, map);
    }
  }
  // Kernel 3: out = out + each slice, in order.
  Value outBuffer = store.getMemRef();
  auto combineSlices = b.create<scf::ParallelOp>(
      loc, ValueRange{index(0), index(0)}, ValueRange{index(rowsOut), index(columnsOut)}, ValueRange{index(1), index(1)},
      [&](OpBuilder &k, Location l, ValueRange ivs) {
        Value start = k.create<memref::LoadOp>(l, outBuffer, ivs);
        auto sum = k.create<scf::ForOp>(l, k.create<arith::ConstantIndexOp>(l, 0),
                                        k.create<arith::ConstantIndexOp>(l, slices),
                                        k.create<arith::ConstantIndexOp>(l, 1), ValueRange{start},
                                        [&](OpBuilder &f, Location fl, Value s, ValueRange acc) {
                                          Value p = f.create<memref::LoadOp>(fl, partial, ValueRange{s, ivs[0], ivs[1]});
                                          f.create<scf::YieldOp>(fl, ValueRange{f.create<arith::AddFOp>(fl, acc[0], p)});
                                        });
        k.create<memref::StoreOp>(l, sum.getResult(0), outBuffer, ivs);
      });
  gptc::gpu::setKernelClass(combineSlices, gptc::gpu::kKernelClassScatter);
  b.create<memref::DeallocOp>(loc, partial);
  outer->erase();
  return true;
}

bool parallelizeScatterColumns(scf::ForOp outer, int64_t tokensPerSlice) {
  if (outer.getNumResults() != 0)
    return false;
  auto readsOrPure = [](Operation &op) {
    return op.getNumRegions() == 0 && (isa<memref::LoadOp>(op) || isMemoryEffectFree(&op));
  };
  scf::ForOp inner;
  for (Operation &op : outer.getBody()->without_terminator()) {
    if (auto loop = dyn_cast<scf::ForOp>(op); loop && !inner) {
      inner = loop;
      continue;
    }
    if (!readsOrPure(op))
      return false;
  }
  if (!inner || inner.getNumResults() != 0 || inner->getNextNode() != outer.getBody()->getTerminator())
    return false;
  for (Value bound : {inner.getLowerBound(), inner.getUpperBound(), inner.getStep()})
    if (outer->isAncestor(bound.getParentBlock()->getParentOp()))
      return false;
  memref::StoreOp store;
  for (Operation &op : inner.getBody()->without_terminator()) {
    if (auto s = dyn_cast<memref::StoreOp>(op); s && !store) {
      store = s;
      continue;
    }
    if (!readsOrPure(op))
      return false;
  }
  Value column = inner.getInductionVar();
  if (!store || store.getIndices().empty() || store.getIndices().back() != column)
    return false;
  for (Value index : store.getIndices().drop_back())
    if (inner->isAncestor(index.getParentBlock()->getParentOp()))
      return false; // the row must not depend on the column
  // The stored buffer is read only at the element stored, inside the column loop.
  bool otherReads = false;
  outer->walk([&](memref::LoadOp load) {
    if (load.getMemRef() == store.getMemRef() &&
        (load->getParentOp() != inner || load.getIndices() != store.getIndices()))
      otherReads = true;
  });
  if (otherReads)
    return false;
  if (splitScatterTokens(outer, inner, store, tokensPerSlice))
    return true;
  OpBuilder b(outer);
  Location loc = outer.getLoc();
  auto columns = b.create<scf::ParallelOp>(loc, ValueRange{inner.getLowerBound()}, ValueRange{inner.getUpperBound()},
                                           ValueRange{inner.getStep()});
  gptc::gpu::setKernelClass(columns, gptc::gpu::kKernelClassScatter);
  b.setInsertionPoint(columns.getBody()->getTerminator());
  auto rows = b.create<scf::ForOp>(loc, outer.getLowerBound(), outer.getUpperBound(), outer.getStep());
  IRMapping map;
  map.map(outer.getInductionVar(), rows.getInductionVar());
  map.map(column, columns.getInductionVars()[0]);
  b.setInsertionPoint(rows.getBody()->getTerminator());
  for (Operation &op : outer.getBody()->without_terminator())
    if (&op != inner.getOperation())
      b.clone(op, map);
  for (Operation &op : inner.getBody()->without_terminator())
    b.clone(op, map);
  outer->erase();
  return true;
}

/// Moves `op` into a new one-thread kernel at its place.
void wrapInOneThreadKernel(Operation *op) {
  OpBuilder b(op);
  scf::ParallelOp loop = gptc::gpu::createKernelLoop(b, op->getLoc(), {}, gptc::gpu::kKernelClassOneThread);
  op->moveBefore(loop.getBody()->getTerminator());
}

/// The rows a lane kernel of `ops` would share: a rows group's, or none for
/// ops with no parallel dimension (a full reduction); nullopt otherwise.
std::optional<int64_t> laneRows(ArrayRef<linalg::LinalgOp> ops) {
  linalg::LinalgOp first = ops.front();
  if (first->hasAttr(gptc::gpu::kKernelRowsAttr))
    return (int64_t)kernelDims(first).size();
  if (kernelDims(first).empty())
    return 0;
  return std::nullopt;
}

struct GpuFormKernelLoopsPass : gptc::impl::GpuFormKernelLoopsBase<GpuFormKernelLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    gptc::gpu::LaneCollectives collectives;
    if (laneCollectives == "shuffle")
      collectives = gptc::gpu::LaneCollectives::Shuffle;
    else if (laneCollectives == "loops")
      collectives = gptc::gpu::LaneCollectives::Loops;
    else {
      getOperation().emitError("lane-collectives must be shuffle or loops, not ") << laneCollectives;
      return signalPassFailure();
    }
    if (lanes < 0 || (lanes & (lanes - 1)) != 0) {
      getOperation().emitError("lanes must be 0 or a power of two");
      return signalPassFailure();
    }
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    Block &body = func.getBody().front();
    // Copies are kernels too.
    for (Operation &op : llvm::make_early_inc_range(body))
      if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        OpBuilder b(copy);
        b.create<linalg::CopyOp>(copy.getLoc(), copy.getSource(), copy.getTarget());
        copy->erase();
      }
    // The kernels, each a list of ops in program order; untagged ops alone.
    llvm::MapVector<int64_t, SmallVector<linalg::LinalgOp>> kernels;
    int64_t untagged = -1;
    for (Operation &op : body) {
      auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
      if (!linalgOp)
        continue;
      if (!linalgOp.hasPureBufferSemantics()) {
        op.emitError("GPU kernels are formed on buffers: this op still works on tensors");
        return signalPassFailure();
      }
      auto tag = op.getAttrOfType<IntegerAttr>(gptc::gpu::kKernelAttr);
      kernels[tag ? tag.getInt() : untagged--].push_back(linalgOp);
    }
    for (auto &[id, groupOps] : kernels) {
      SmallVector<linalg::LinalgOp> ops = foldTransposes(groupOps);
      // A rows group with no reduction (the head split of q, k and v: a
      // slice and a transpose sharing only the batch dimension) shares its
      // rows for nothing: its ops are parallel over all their dimensions
      // (one kernel if they agree, else one each), not one thread per row.
      bool reduces = llvm::any_of(ops, [](linalg::LinalgOp op) { return op.getNumReductionLoops() > 0; });
      if (!reduces)
        for (linalg::LinalgOp op : ops)
          op->removeAttr(gptc::gpu::kKernelRowsAttr);
      linalg::LinalgOp first = ops.front();
      if (first->hasAttr(gptc::nn::kForeachMemberAttr)) {
        // A member reducing many rows (a layernorm's gain and bias
        // gradients) would be one thread per output element looping over
        // every row: it is split into two kernels of its own instead.
        llvm::MapVector<int64_t, SmallVector<linalg::LinalgOp>> byMember;
        for (linalg::LinalgOp op : ops)
          byMember[op->getAttrOfType<IntegerAttr>(gptc::nn::kForeachMemberAttr).getInt()].push_back(op);
        SmallVector<linalg::LinalgOp> rest;
        for (auto &[member, memberOps] : byMember) {
          FailureOr<bool> split = gptc::gpu::splitRowReduction(memberOps, rowsPerSlice, lanes, collectives);
          if (failed(split))
            return signalPassFailure();
          if (!*split)
            llvm::append_range(rest, memberOps);
        }
        if (!rest.empty() && failed(formForeachKernel(rest, maxKernelValues)))
          return signalPassFailure();
        continue;
      }
      SmallVector<int64_t> shared = rangesOf(first, kernelDims(first));
      bool agree = llvm::all_of(ops, [&](linalg::LinalgOp op) {
        return rangesOf(op, kernelDims(op)) == shared && (ops.size() == 1 || writesInKernelOrder(op));
      });
      if (agree && !first->hasAttr(gptc::gpu::kKernelRowsAttr)) {
        FailureOr<bool> split = gptc::gpu::splitRowReduction(ops, rowsPerSlice, lanes, collectives);
        if (failed(split))
          return signalPassFailure();
        if (*split)
          continue;
      }
      if (agree && lanes > 1) {
        std::optional<int64_t> rows = laneRows(ops);
        if (rows && !gptc::gpu::whyNotLaneKernel(ops, *rows)) {
          if (failed(gptc::gpu::formLaneKernel(ops, *rows, lanes, collectives)))
            return signalPassFailure();
          continue;
        }
      }
      if (agree) {
        if (failed(formKernel(ops, maxKernelValues)))
          return signalPassFailure();
        continue;
      }
      for (linalg::LinalgOp op : ops) // a kernel each
        if (failed(formOneKernel(op)))
          return signalPassFailure();
    }
    // What is left with a loop or a store of its own runs as one thread,
    // but for a scatter-add: one thread per column.
    int64_t tokensPerSlice = scatterRowsPerSlice > 0 ? scatterRowsPerSlice : rowsPerSlice;
    for (Operation &op : llvm::make_early_inc_range(body)) {
      if (auto loop = dyn_cast<scf::ForOp>(op); loop && parallelizeScatterColumns(loop, tokensPerSlice))
        continue;
      if (isa<scf::ForOp, scf::IfOp, scf::WhileOp, memref::StoreOp>(op))
        wrapInOneThreadKernel(&op);
    }
  }
};

} // namespace
