#include "compiler/Conversion/LinalgToRuntimeCalls/GemmEpilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;

namespace gptc {

namespace {

bool isPlainBuffer(Value v) {
  auto t = dyn_cast<MemRefType>(v.getType());
  return t && t.hasStaticShape() && t.getLayout().isIdentity();
}

/// The memref of static, identity-layout type `type` whose data starts at
/// `address` (an !llvm.ptr): its descriptor built in the LLVM dialect and cast
/// to the memref type, a cast that memref-to-llvm's own casts cancel.
Value bufferAt(OpBuilder &b, Location loc, Value address, MemRefType type) {
  MLIRContext *context = b.getContext();
  Type i64 = b.getI64Type(), ptr = LLVM::LLVMPointerType::get(context);
  int64_t rank = type.getRank();
  SmallVector<Type> fields = {ptr, ptr, i64};
  if (rank > 0) {
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
    fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
  }
  auto descriptorType = LLVM::LLVMStructType::getLiteral(context, fields);
  Value descriptor = b.create<LLVM::UndefOp>(loc, descriptorType);
  auto constant = [&](int64_t v) { return b.create<LLVM::ConstantOp>(loc, i64, v); };
  descriptor = b.create<LLVM::InsertValueOp>(loc, descriptor, address, ArrayRef<int64_t>{0});
  descriptor = b.create<LLVM::InsertValueOp>(loc, descriptor, address, ArrayRef<int64_t>{1});
  descriptor = b.create<LLVM::InsertValueOp>(loc, descriptor, constant(0), ArrayRef<int64_t>{2});
  int64_t stride = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    descriptor = b.create<LLVM::InsertValueOp>(loc, descriptor, constant(type.getDimSize(d)), ArrayRef<int64_t>{3, d});
    descriptor = b.create<LLVM::InsertValueOp>(loc, descriptor, constant(stride), ArrayRef<int64_t>{4, d});
    stride *= type.getDimSize(d);
  }
  return b.create<UnrealizedConversionCastOp>(loc, type, descriptor).getResult(0);
}

} // namespace

/// A scalar the context array can carry in one 64-bit word.
bool isWordScalar(Type type) {
  return type.isIndex() || (type.isIntOrFloat() && type.getIntOrFloatBitWidth() <= 64);
}

std::optional<SmallVector<Value>> capturedScalars(linalg::GenericOp epilogue) {
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(epilogue.getRegion(), captured);
  SmallVector<Value> scalars;
  for (Value v : captured) {
    if (isa_and_nonnull<arith::ConstantOp>(v.getDefiningOp()))
      continue;
    if (!isWordScalar(v.getType()))
      return std::nullopt;
    scalars.push_back(v);
  }
  return scalars;
}

bool canOutlineEpilogue(linalg::GenericOp epilogue) {
  return epilogue.hasPureBufferSemantics() && epilogue.getNumLoops() == 2 &&
         epilogue.getNumReductionLoops() == 0 && llvm::all_of(epilogue->getOperands(), isPlainBuffer) &&
         capturedScalars(epilogue).has_value();
}

Value contextWord(OpBuilder &b, Location loc, Value scalar) {
  Type type = scalar.getType();
  if (type.isIndex())
    return scalar;
  if (auto floatType = dyn_cast<FloatType>(type))
    scalar = b.create<arith::BitcastOp>(loc, b.getIntegerType(floatType.getWidth()), scalar);
  if (scalar.getType().getIntOrFloatBitWidth() < 64)
    scalar = b.create<arith::ExtUIOp>(loc, b.getI64Type(), scalar);
  return b.create<arith::IndexCastOp>(loc, b.getIndexType(), scalar);
}

/// The scalar of type `type` whose bits are the low bits of `word` (an i64):
/// contextWord's inverse.
Value fromContextWord(OpBuilder &b, Location loc, Value word, Type type) {
  if (type.isIndex())
    return b.create<arith::IndexCastOp>(loc, type, word);
  unsigned width = type.getIntOrFloatBitWidth();
  if (width < 64)
    word = b.create<arith::TruncIOp>(loc, b.getIntegerType(width), word);
  if (isa<FloatType>(type))
    word = b.create<arith::BitcastOp>(loc, type, word);
  return word;
}

func::FuncOp outlineEpilogue(ModuleOp module, linalg::GenericOp epilogue) {
  MLIRContext *context = module.getContext();
  Location loc = epilogue.getLoc();
  OpBuilder b(context);
  b.setInsertionPointToEnd(module.getBody());
  std::string name;
  for (int i = 0; name.empty() || module.lookupSymbol(name); ++i)
    name = "gptc_gemm_epilogue_" + std::to_string(i);
  Type index = b.getIndexType();
  auto fn = b.create<func::FuncOp>(loc, name, b.getFunctionType(SmallVector<Type>(5, index), {}));
  fn.setPrivate();
  fn->setAttr("gptc.serial", b.getUnitAttr());
  // Internal to this object: every bucket's module (one object each) has its
  // own gptc_gemm_epilogue_0, ...
  fn->setAttr("llvm.linkage",
              LLVM::LinkageAttr::get(context, LLVM::linkage::Linkage::Internal));
  Block *body = fn.addEntryBlock();
  b.setInsertionPointToStart(body);

  // The operands' buffers, from the context array of addresses.
  Type ptr = LLVM::LLVMPointerType::get(context);
  Value contextAddress = b.create<arith::IndexCastOp>(loc, b.getI64Type(), body->getArgument(0));
  Value addresses = b.create<LLVM::IntToPtrOp>(loc, ptr, contextAddress);
  IRMapping mapping;
  for (auto [i, operand] : llvm::enumerate(epilogue->getOperands())) {
    Value slot = b.create<LLVM::GEPOp>(loc, ptr, ptr, addresses, ArrayRef<LLVM::GEPArg>{(int32_t)i});
    Value address = b.create<LLVM::LoadOp>(loc, ptr, slot);
    mapping.map(operand, bufferAt(b, loc, address, cast<MemRefType>(operand.getType())));
  }
  int64_t slot = epilogue->getNumOperands();
  for (Value scalar : *capturedScalars(epilogue)) {
    Value address = b.create<LLVM::GEPOp>(loc, ptr, b.getI64Type(), addresses, ArrayRef<LLVM::GEPArg>{(int32_t)slot++});
    Value word = b.create<LLVM::LoadOp>(loc, b.getI64Type(), address);
    mapping.map(scalar, fromContextWord(b, loc, word, scalar.getType()));
  }
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(epilogue.getRegion(), captured);
  for (Value constant : captured)
    if (!mapping.contains(constant))
      b.clone(*constant.getDefiningOp(), mapping);

  // The whole op on the outlined buffers, then its tile.
  auto whole = cast<linalg::GenericOp>(b.clone(*epilogue, mapping));
  whole->removeAttr("gptc.gemm_epilogue");
  SmallVector<OpFoldResult> offsets = {body->getArgument(1), body->getArgument(2)};
  SmallVector<OpFoldResult> sizes = {body->getArgument(3), body->getArgument(4)};
  FailureOr<TilingResult> tiled =
      cast<TilingInterface>(whole.getOperation()).getTiledImplementation(b, offsets, sizes);
  if (failed(tiled)) {
    fn.erase();
    return nullptr;
  }
  whole.erase();
  b.create<func::ReturnOp>(loc);
  return fn;
}

} // namespace gptc
