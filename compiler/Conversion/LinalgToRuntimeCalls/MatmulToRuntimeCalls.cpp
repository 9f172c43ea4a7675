// Matmuls go to the runtime's GEMM (a blocked, vectorised kernel) instead of
// scalar loops: GEMMs dominate a training step, everything around them is what
// the compiler fuses. Runs on buffers, after deallocation is placed, so passing
// raw pointers cannot confuse buffer analyses.
#include "compiler/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace gptc {
#define GEN_PASS_DEF_MATMULTORUNTIMECALLS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

struct GemmShape {
  bool batched, transposeA, transposeB;
};

std::optional<GemmShape> classify(Operation *op) {
  if (isa<linalg::MatmulOp>(op)) return GemmShape{false, false, false};
  if (isa<linalg::MatmulTransposeAOp>(op)) return GemmShape{false, true, false};
  if (isa<linalg::MatmulTransposeBOp>(op)) return GemmShape{false, false, true};
  if (isa<linalg::BatchMatmulOp>(op)) return GemmShape{true, false, false};
  if (isa<linalg::BatchMatmulTransposeAOp>(op)) return GemmShape{true, true, false};
  if (isa<linalg::BatchMatmulTransposeBOp>(op)) return GemmShape{true, false, true};
  return std::nullopt;
}

bool isPlainBuffer(Value v) {
  auto t = dyn_cast<MemRefType>(v.getType());
  return t && t.hasStaticShape() && t.getLayout().isIdentity();
}

/// The linalg.fill that zeroes `gemm`'s output right before it (only
/// side-effect-free ops in between), or null. The GEMM then overwrites C
/// instead of accumulating into it, and the fill (a full pass over C) goes.
linalg::FillOp zeroFillBefore(Operation *gemm) {
  Operation *prev = gemm->getPrevNode();
  while (prev && isMemoryEffectFree(prev))
    prev = prev->getPrevNode();
  auto fill = dyn_cast_or_null<linalg::FillOp>(prev);
  if (!fill || !fill.hasPureBufferSemantics() || fill.getOutputs()[0] != gemm->getOperand(2))
    return nullptr;
  if (!matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
    return nullptr;
  return fill;
}

func::FuncOp declareGemm(ModuleOp module, StringRef name) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToStart(module.getBody());
  Type index = b.getIndexType();
  // (a, b, c, batch, m, n, k, transpose_a, transpose_b, accumulate)
  SmallVector<Type> args(10, index);
  auto f = b.create<func::FuncOp>(module.getLoc(), name, b.getFunctionType(args, {}));
  f.setPrivate();
  return f;
}

struct MatmulToRuntimeCallsPass
    : public gptc::impl::MatmulToRuntimeCallsBase<MatmulToRuntimeCallsPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> gemms;
    module.walk([&](linalg::LinalgOp op) {
      if (classify(op) && op.hasPureBufferSemantics() &&
          llvm::all_of(op->getOperands(), isPlainBuffer))
        gemms.push_back(op);
    });
    for (Operation *op : gemms) {
      GemmShape g = *classify(op);
      OpBuilder b(op);
      Location loc = op->getLoc();
      auto cType = cast<MemRefType>(op->getOperand(2).getType());
      auto aType = cast<MemRefType>(op->getOperand(0).getType());
      Type elem = cType.getElementType();
      if (!elem.isF32() && !elem.isF64())
        continue;
      int64_t rank = cType.getRank();
      int64_t batch = g.batched ? cType.getDimSize(0) : 1;
      int64_t m = cType.getDimSize(rank - 2), n = cType.getDimSize(rank - 1);
      int64_t k = g.transposeA ? aType.getDimSize(rank - 2) : aType.getDimSize(rank - 1);
      bool accumulate = true;
      if (linalg::FillOp fill = zeroFillBefore(op)) {
        fill->erase();
        accumulate = false;
      }
      SmallVector<Value> args;
      for (Value operand : op->getOperands())
        args.push_back(b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, operand));
      DenseMap<int64_t, Value> constants;
      for (int64_t v : {batch, m, n, k, (int64_t)g.transposeA, (int64_t)g.transposeB, (int64_t)accumulate}) {
        Value &c = constants[v];
        if (!c)
          c = b.create<arith::ConstantIndexOp>(loc, v);
        args.push_back(c);
      }
      func::FuncOp callee = declareGemm(module, runtimePrefix + (elem.isF32() ? "_f32" : "_f64"));
      b.create<func::CallOp>(loc, callee, args);
      op->erase();
    }
  }
};

} // namespace
