// Indexing, slicing and masking: gather (embedding lookups) reads the table
// inside a linalg.generic; scatter_add (its backward) is a loop nest over the
// rows; slice/pad/mask_fill/dropout are linalg.generic ops that fuse with
// their neighbours.
#include "compiler/Conversion/NNToLinalg/Patterns.h"

#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace gptc;
using namespace gptc::lowering;

namespace {

/// An i32 index as an `index` clamped to [0, size).
Value clampedIndex(OpBuilder &b, Location loc, Value i32, int64_t size) {
  Value i = b.create<arith::IndexCastOp>(loc, b.getIndexType(), i32);
  Value zero = b.create<arith::ConstantIndexOp>(loc, 0);
  Value last = b.create<arith::ConstantIndexOp>(loc, size - 1);
  return b.create<arith::MinSIOp>(loc, b.create<arith::MaxSIOp>(loc, i, zero), last);
}

struct GatherPattern : public OpConversionPattern<nn::GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::GatherOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = op.getResult().getType();
    unsigned rank = type.getRank();
    Value table = adaptor.getTable();
    int64_t rows = op.getTable().getType().getDimSize(0);
    auto results = parallelGeneric(
        rewriter, op.getLoc(), adaptor.getIndices(), {dropLastDimMap(getContext(), rank)}, TypeRange{type},
        [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          Value row = clampedIndex(b, l, a[0], rows);
          Value col = b.create<linalg::IndexOp>(l, rank - 1);
          return {b.create<tensor::ExtractOp>(l, table, ValueRange{row, col})};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// for n: for c: result[indices[n], c] += updates[n, c]
struct ScatterAddPattern : public OpConversionPattern<nn::ScatterAddOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::ScatterAddOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getResult().getType();
    auto updatesType = op.getUpdates().getType();
    int64_t width = type.getDimSize(1), count = updatesType.getNumElements() / width;
    // Flatten indices to [N] and updates to [N, C].
    auto flatIndicesType = RankedTensorType::get({count}, rewriter.getI32Type());
    auto flatUpdatesType = RankedTensorType::get({count, width}, updatesType.getElementType());
    SmallVector<ReassociationIndices> toVector(1), toRows(2);
    for (int64_t i = 0; i < op.getIndices().getType().getRank(); ++i)
      toVector[0].push_back(i);
    toRows[0] = toVector[0];
    toRows[1].push_back(updatesType.getRank() - 1);
    Value indices = adaptor.getIndices(), updates = adaptor.getUpdates();
    if (toVector[0].size() != 1) {
      indices = rewriter.create<tensor::CollapseShapeOp>(loc, flatIndicesType, indices, toVector);
      updates = rewriter.create<tensor::CollapseShapeOp>(loc, flatUpdatesType, updates, toRows);
    }
    Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value one = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value n = rewriter.create<arith::ConstantIndexOp>(loc, count);
    Value c = rewriter.create<arith::ConstantIndexOp>(loc, width);
    Value init = filled(rewriter, loc, type, 0.0);
    auto rowsLoop = rewriter.create<scf::ForOp>(
        loc, zero, n, one, ValueRange{init}, [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
          Value row = clampedIndex(b, l, b.create<tensor::ExtractOp>(l, indices, ValueRange{i}), type.getDimSize(0));
          auto colsLoop = b.create<scf::ForOp>(
              l, zero, c, one, acc, [&](OpBuilder &ib, Location il, Value j, ValueRange inner) {
                Value old = ib.create<tensor::ExtractOp>(il, inner[0], ValueRange{row, j});
                Value add = ib.create<tensor::ExtractOp>(il, updates, ValueRange{i, j});
                Value sum = ib.create<arith::AddFOp>(il, old, add);
                Value next = ib.create<tensor::InsertOp>(il, sum, inner[0], ValueRange{row, j});
                ib.create<scf::YieldOp>(il, next);
              });
          b.create<scf::YieldOp>(l, colsLoop.getResults());
        });
    rewriter.replaceOp(op, rowsLoop.getResults());
    return success();
  }
};

/// A contiguous copy of the part: each element reads input[..., i + start, ...].
struct SlicePattern : public OpConversionPattern<nn::SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = op.getResult().getType();
    Value input = adaptor.getInput();
    int64_t axis = op.getAxis(), start = op.getStart();
    auto results = parallelGeneric(rewriter, op.getLoc(), ValueRange{}, {}, TypeRange{type},
                                   [&](OpBuilder &b, Location l, ValueRange) -> SmallVector<Value> {
                                     SmallVector<Value> at;
                                     for (int64_t d = 0; d < type.getRank(); ++d) {
                                       Value i = b.create<linalg::IndexOp>(l, d);
                                       if (d == axis)
                                         i = b.create<arith::AddIOp>(l, i, b.create<arith::ConstantIndexOp>(l, start));
                                       at.push_back(i);
                                     }
                                     return {b.create<tensor::ExtractOp>(l, input, at)};
                                   });
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// The part as a view (tensor.extract_slice: a subview once bufferized) and
/// an elementwise copy of it, which fusion takes into the part's consumer:
/// q, k and v's transposes into heads read the qkv projection in place (CPU;
/// the GPU's kernels take identity-layout buffers only, so it keeps the
/// copy above).
struct SliceAsViewPattern : public OpConversionPattern<nn::SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = op.getResult().getType();
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0)), sizes, strides(rank, rewriter.getIndexAttr(1));
    offsets[op.getAxis()] = rewriter.getIndexAttr(op.getStart());
    for (int64_t d : type.getShape())
      sizes.push_back(rewriter.getIndexAttr(d));
    Value part = rewriter.create<tensor::ExtractSliceOp>(op.getLoc(), type, adaptor.getInput(), offsets, sizes,
                                                         strides);
    auto results = parallelGeneric(rewriter, op.getLoc(), ValueRange{part}, {}, TypeRange{type},
                                   [](OpBuilder &, Location, ValueRange args) -> SmallVector<Value> {
                                     return {args[0]};
                                   });
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// result[i] = input[..., i_axis - start, ...] inside the part, else 0; one
/// pass writing every element (no copy into a view).
struct PadPattern : public OpConversionPattern<nn::PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::PadOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = op.getResult().getType();
    Value input = adaptor.getInput();
    int64_t axis = op.getAxis(), start = op.getStart();
    int64_t size = op.getInput().getType().getDimSize(axis);
    auto results = parallelGeneric(
        rewriter, op.getLoc(), ValueRange{}, {}, TypeRange{type},
        [&](OpBuilder &b, Location l, ValueRange) -> SmallVector<Value> {
          SmallVector<Value> at;
          Value inside;
          for (int64_t d = 0; d < type.getRank(); ++d) {
            Value i = b.create<linalg::IndexOp>(l, d);
            if (d == axis) {
              Value shifted = b.create<arith::SubIOp>(l, i, b.create<arith::ConstantIndexOp>(l, start));
              Value lo = b.create<arith::ConstantIndexOp>(l, 0), hi = b.create<arith::ConstantIndexOp>(l, size - 1);
              inside = b.create<arith::AndIOp>(
                  l, b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, shifted, lo),
                  b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sle, shifted, hi));
              i = b.create<arith::MinSIOp>(l, b.create<arith::MaxSIOp>(l, shifted, lo), hi);
            }
            at.push_back(i);
          }
          Value v = b.create<tensor::ExtractOp>(l, input, at);
          return {b.create<arith::SelectOp>(l, inside, v, scalar(b, l, type.getElementType(), 0.0))};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// The reassociation shared by `inputs` when each is a reshape (nn.reshape:
/// collapse_shape, or expand_shape of a collapse_shape) of a tensor that it
/// collapses, and those tensors differ only in the outermost dim of the group
/// that becomes `axis`; `sources` are those tensors. Empty otherwise.
SmallVector<ReassociationIndices> expandedAxis(ArrayRef<Value> inputs, int64_t axis,
                                               SmallVector<Value> &sources) {
  SmallVector<ReassociationIndices> groups;
  for (Value input : inputs) {
    Value source;
    if (auto collapse = input.getDefiningOp<tensor::CollapseShapeOp>())
      source = collapse.getSrc();
    else if (auto expand = input.getDefiningOp<tensor::ExpandShapeOp>())
      if (auto collapse = expand.getSrc().getDefiningOp<tensor::CollapseShapeOp>())
        source = collapse.getSrc();
    if (!source)
      return {};
    auto sourceShape = cast<RankedTensorType>(source.getType()).getShape();
    auto merge = getReassociationIndicesForCollapse(sourceShape, cast<RankedTensorType>(input.getType()).getShape());
    if (!merge || (!groups.empty() && *merge != groups))
      return {};
    if (groups.empty())
      groups = *merge;
    ArrayRef<int64_t> first = cast<RankedTensorType>(sources.empty() ? source.getType() : sources.front().getType())
                                  .getShape();
    for (size_t d = 0; d < sourceShape.size(); ++d)
      if (d != (size_t)groups[axis].front() && sourceShape[d] != first[d])
        return {};
    sources.push_back(source);
  }
  // Only worth it when the axis' group really merges dims.
  if (groups[axis].size() < 2)
    return {};
  return groups;
}

/// The inputs inserted into slices of one tensor. The inserts are chained in
/// the order the inputs are computed and the tensor.empty comes before the
/// first of them, so that eliminate-empty-tensors can make each input's
/// producer write straight into its slice (no copy once bufferized).
struct ConcatPattern : public OpConversionPattern<nn::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::ConcatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getResult().getType();
    int64_t rank = type.getRank(), axis = op.getAxis();
    struct Part {
      Value value;
      int64_t start;
    };
    // Parts that are all collapse_shapes of one kind (merged heads:
    // [B, T, H, D] -> [B, T, H * D]) are concatenated before the collapse,
    // along the outermost dim of the axis' group, so that their producers
    // can write into the result too.
    SmallVector<Value> inputs(adaptor.getInputs()), sources;
    SmallVector<ReassociationIndices> merged = expandedAxis(inputs, axis, sources);
    RankedTensorType insertType = type;
    if (!merged.empty()) {
      inputs = sources;
      int64_t outer = merged[axis].front(), total = 0;
      for (Value input : inputs)
        total += cast<RankedTensorType>(input.getType()).getDimSize(outer);
      SmallVector<int64_t> shape(cast<RankedTensorType>(inputs.front().getType()).getShape());
      shape[outer] = total;
      insertType = RankedTensorType::get(shape, type.getElementType());
      rank = shape.size();
      axis = outer;
    }
    SmallVector<Part> parts;
    int64_t start = 0;
    for (Value input : inputs) {
      parts.push_back({input, start});
      start += cast<RankedTensorType>(input.getType()).getDimSize(axis);
    }
    Block *block = op->getBlock();
    // Where a part is computed: its defining op in this block (block
    // arguments and values from outside come first).
    auto definedAt = [&](Value v) -> Operation * {
      Operation *def = v.getDefiningOp();
      return def ? block->findAncestorOpInBlock(*def) : nullptr;
    };
    auto before = [&](const Part &x, const Part &y) {
      Operation *a = definedAt(x.value), *b = definedAt(y.value);
      if (!a || !b)
        return !a && b;
      return a->isBeforeInBlock(b);
    };
    llvm::stable_sort(parts, before);
    OpBuilder::InsertionGuard guard(rewriter);
    if (Operation *first = definedAt(parts.front().value))
      rewriter.setInsertionPoint(first);
    else
      rewriter.setInsertionPointToStart(block);
    Value result = empty(rewriter, loc, insertType);
    rewriter.setInsertionPoint(op);
    for (const Part &part : parts) {
      auto partType = cast<RankedTensorType>(part.value.getType());
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0)), sizes, strides(rank, rewriter.getIndexAttr(1));
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(rewriter.getIndexAttr(partType.getDimSize(d)));
      offsets[axis] = rewriter.getIndexAttr(part.start);
      if (Operation *def = definedAt(part.value); def && definedAt(result) && definedAt(result)->isBeforeInBlock(def))
        rewriter.setInsertionPointAfter(def); // right after the part (and the previous insert)
      result = rewriter.create<tensor::InsertSliceOp>(loc, part.value, result, offsets, sizes, strides);
    }
    if (!merged.empty()) {
      rewriter.setInsertionPoint(op);
      result = rewriter.create<tensor::CollapseShapeOp>(loc, type, result, merged);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// result[..., j, ...] = the part j lies in, read at j - its start: one pass
/// writing every element, like pad (the GPU form: one thread per element).
struct ConcatAsOneGenericPattern : public OpConversionPattern<nn::ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::ConcatOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = op.getResult().getType();
    int64_t rank = type.getRank(), axis = op.getAxis();
    ValueRange inputs = adaptor.getInputs();
    auto results = parallelGeneric(
        rewriter, op.getLoc(), ValueRange{}, {}, TypeRange{type},
        [&](OpBuilder &b, Location l, ValueRange) -> SmallVector<Value> {
          SmallVector<Value> at;
          for (int64_t d = 0; d < rank; ++d)
            at.push_back(b.create<linalg::IndexOp>(l, d));
          Value j = at[axis], value;
          int64_t start = 0;
          for (Value input : inputs) {
            int64_t size = cast<RankedTensorType>(input.getType()).getDimSize(axis);
            // The index into this part, clamped so that every read is in bounds.
            Value shifted = b.create<arith::SubIOp>(l, j, b.create<arith::ConstantIndexOp>(l, start));
            Value lo = b.create<arith::ConstantIndexOp>(l, 0), hi = b.create<arith::ConstantIndexOp>(l, size - 1);
            SmallVector<Value> partAt(at);
            partAt[axis] = b.create<arith::MinSIOp>(l, b.create<arith::MaxSIOp>(l, shifted, lo), hi);
            Value v = b.create<tensor::ExtractOp>(l, input, partAt);
            Value inPart = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sge, j,
                                                   b.create<arith::ConstantIndexOp>(l, start));
            value = value ? b.create<arith::SelectOp>(l, inPart, v, value).getResult() : v;
            start += size;
          }
          return {value};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct MaskFillPattern : public OpConversionPattern<nn::MaskFillOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::MaskFillOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getResult().getType();
    unsigned rank = type.getRank();
    // The mask as bytes (one per position), read at the last two indices.
    auto bits = cast<DenseElementsAttr>(op.getMask());
    SmallVector<int8_t> bytes;
    for (bool bit : bits.getValues<bool>())
      bytes.push_back(bit);
    auto maskType = RankedTensorType::get(bits.getType().getShape(), rewriter.getI8Type());
    Value mask = rewriter.create<arith::ConstantOp>(loc, DenseElementsAttr::get(maskType, ArrayRef<int8_t>(bytes)));
    AffineMap lastTwo = AffineMap::get(rank, 0, {rewriter.getAffineDimExpr(rank - 2), rewriter.getAffineDimExpr(rank - 1)},
                                       getContext());
    double fillValue = op.getFill().convertToDouble();
    auto results = parallelGeneric(
        rewriter, loc, ValueRange{adaptor.getInput(), mask}, {rewriter.getMultiDimIdentityMap(rank), lastTwo},
        TypeRange{type}, [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          Value zero = b.create<arith::ConstantIntOp>(l, 0, 8);
          Value masked = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, a[1], zero);
          return {b.create<arith::SelectOp>(l, masked, scalar(b, l, type.getElementType(), fillValue), a[0])};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct PaddingMaskPattern : public OpConversionPattern<nn::PaddingMaskOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::PaddingMaskOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getResult().getType();
    unsigned rank = type.getRank();
    // tokens[b, j] is read at (b, ..., i, j).
    AffineMap batchAndKey = AffineMap::get(
        rank, 0, {rewriter.getAffineDimExpr(0), rewriter.getAffineDimExpr(rank - 1)}, getContext());
    double fillValue = op.getFill().convertToDouble();
    int64_t pad = (int64_t)op.getPad();
    auto results = parallelGeneric(
        rewriter, loc, ValueRange{adaptor.getInput(), adaptor.getTokens()},
        {rewriter.getMultiDimIdentityMap(rank), batchAndKey}, TypeRange{type},
        [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          Value padId = b.create<arith::ConstantIntOp>(l, pad, a[1].getType());
          Value isPad = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, a[1], padId);
          return {b.create<arith::SelectOp>(l, isPad, scalar(b, l, type.getElementType(), fillValue), a[0])};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

struct DropoutPattern : public OpConversionPattern<nn::DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(nn::DropoutOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = op.getResult().getType();
    unsigned rank = type.getRank();
    Type elem = type.getElementType();
    double p = op.getP().convertToDouble();
    Value c0 = rewriter.create<arith::ConstantIndexOp>(loc, 0);
    Value c1 = rewriter.create<arith::ConstantIndexOp>(loc, 1);
    Value seed = rewriter.create<tensor::ExtractOp>(loc, adaptor.getRng(), ValueRange{c0});
    Value training = rewriter.create<tensor::ExtractOp>(loc, adaptor.getRng(), ValueRange{c1});
    // key = mix(seed ^ mix(salt)): each dropout op and each step draws its own mask.
    Value salt = rewriter.create<arith::ConstantIntOp>(loc, (int64_t)(uint32_t)(op.getSalt() * 0x9E3779B9ULL + 1), 32);
    Value key = mix32(rewriter, loc, rewriter.create<arith::XOrIOp>(loc, seed, mix32(rewriter, loc, salt)));
    Value isTraining = rewriter.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, training,
                                                      rewriter.create<arith::ConstantIntOp>(loc, 0, 32));
    uint64_t threshold = (uint64_t)std::min(p * 4294967296.0, 4294967295.0);
    auto results = parallelGeneric(
        rewriter, loc, adaptor.getInput(), {}, TypeRange{type},
        [&](OpBuilder &b, Location l, ValueRange a) -> SmallVector<Value> {
          // The row-major position of this element.
          Value linear = b.create<arith::ConstantIndexOp>(l, 0);
          for (unsigned d = 0; d < rank; ++d) {
            Value dim = b.create<arith::ConstantIndexOp>(l, type.getDimSize(d));
            linear = b.create<arith::AddIOp>(l, b.create<arith::MulIOp>(l, linear, dim),
                                             b.create<linalg::IndexOp>(l, d));
          }
          Value pos = b.create<arith::IndexCastOp>(l, b.getI32Type(), linear);
          Value h = mix32(b, l, b.create<arith::XOrIOp>(l, mix32(b, l, pos), key));
          Value keep = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::uge, h,
                                               b.create<arith::ConstantIntOp>(l, (int64_t)threshold, 32));
          Value scaled = b.create<arith::MulFOp>(l, a[0], scalar(b, l, elem, 1.0 / (1.0 - p)));
          Value dropped = b.create<arith::SelectOp>(l, keep, scaled, scalar(b, l, elem, 0.0));
          return {b.create<arith::SelectOp>(l, isTraining, dropped, a[0])};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void gptc::populateIndexingPatterns(RewritePatternSet &patterns, bool concatInPlace) {
  patterns.add<GatherPattern, ScatterAddPattern, PadPattern, MaskFillPattern, PaddingMaskPattern, DropoutPattern>(
      patterns.getContext());
  if (concatInPlace)
    patterns.add<ConcatPattern, SliceAsViewPattern>(patterns.getContext());
  else
    patterns.add<ConcatAsOneGenericPattern, SlicePattern>(patterns.getContext());
}
