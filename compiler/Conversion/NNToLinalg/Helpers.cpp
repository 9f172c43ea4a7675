#include "compiler/Conversion/NNToLinalg/Patterns.h"

using namespace mlir;

namespace gptc::lowering {

Value empty(OpBuilder &b, Location loc, RankedTensorType type) {
  return b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType());
}

Value scalar(OpBuilder &b, Location loc, Type t, double value) {
  return b.create<arith::ConstantOp>(loc, t, b.getFloatAttr(t, value));
}

Value filled(OpBuilder &b, Location loc, RankedTensorType type, double value) {
  Value v = scalar(b, loc, type.getElementType(), value);
  return b.create<linalg::FillOp>(loc, v, empty(b, loc, type)).getResult(0);
}

SmallVector<Value> parallelGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                                   ArrayRef<AffineMap> inputMaps, TypeRange outTypes,
                                   BodyBuilder body) {
  auto shape = cast<RankedTensorType>(outTypes.front());
  unsigned rank = shape.getRank();
  SmallVector<AffineMap> maps;
  for (unsigned i = 0; i < inputs.size(); ++i)
    maps.push_back(inputMaps.empty() ? b.getMultiDimIdentityMap(rank) : inputMaps[i]);
  SmallVector<Value> outs;
  for (Type t : outTypes) {
    maps.push_back(b.getMultiDimIdentityMap(rank));
    outs.push_back(empty(b, loc, cast<RankedTensorType>(t)));
  }
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, outTypes, inputs, outs, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> results = body(nb, nloc, args.take_front(inputs.size()));
        nb.create<linalg::YieldOp>(nloc, results);
      });
  return generic.getResults();
}

AffineMap dropLastDimMap(MLIRContext *ctx, unsigned rank) {
  SmallVector<AffineExpr> exprs;
  for (unsigned i = 0; i + 1 < rank; ++i)
    exprs.push_back(getAffineDimExpr(i, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value reduceLastDim(OpBuilder &b, Location loc, Value input, double init,
                    function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto type = cast<RankedTensorType>(input.getType());
  unsigned rank = type.getRank();
  auto rowType = RankedTensorType::get(type.getShape().drop_back(), type.getElementType());
  Value acc = filled(b, loc, rowType, init);
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank), dropLastDimMap(b.getContext(), rank)};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{rowType}, ValueRange{input}, ValueRange{acc}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        nb.create<linalg::YieldOp>(nloc, combine(nb, nloc, args[1], args[0]));
      });
  return generic.getResult(0);
}

} // namespace gptc::lowering

/// A 32-bit integer hash (lowbias32): dropout's counter-based mask.
Value gptc::lowering::mix32(OpBuilder &b, Location l, Value x) {
  auto c = [&](uint32_t v) { return b.create<arith::ConstantIntOp>(l, (int64_t)v, 32); };
  x = b.create<arith::XOrIOp>(l, x, b.create<arith::ShRUIOp>(l, x, c(16)));
  x = b.create<arith::MulIOp>(l, x, c(0x7feb352dU));
  x = b.create<arith::XOrIOp>(l, x, b.create<arith::ShRUIOp>(l, x, c(15)));
  x = b.create<arith::MulIOp>(l, x, c(0x846ca68bU));
  return b.create<arith::XOrIOp>(l, x, b.create<arith::ShRUIOp>(l, x, c(16)));
}
