// Matmuls go to the runtime's GEMM (a blocked, vectorised kernel) instead of
// scalar loops: GEMMs dominate a training step, everything around them is what
// the compiler fuses. Runs on buffers, after deallocation is placed, so passing
// raw pointers cannot confuse buffer analyses.
//
// A matmul with an epilogue (the elementwise op tagged gptc.gemm_epilogue by
// gptc-form-fusion-groups) becomes one call: the epilogue is outlined
// (GemmEpilogue.h) and the runtime runs it on each tile of C as the tile is
// finished, so C is read back from cache, not memory, and the epilogue is no
// loop nest (no parallel region) of its own.
#include "compiler/Conversion/LinalgToRuntimeCalls/GemmEpilogue.h"
#include "compiler/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "compiler/Support/Buffers.h"

namespace gptc {
#define GEN_PASS_DEF_MATMULTORUNTIMECALLS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;
using gptc::rootBuffer;

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

/// (a, b, c, batch, m, n, k, transpose_a, transpose_b, accumulate), and for
/// the epilogue form (..., epilogue function, context address).
func::FuncOp declareGemm(ModuleOp module, StringRef name, FunctionType epilogueType = {}) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder b(module.getBodyRegion());
  b.setInsertionPointToStart(module.getBody());
  Type index = b.getIndexType();
  SmallVector<Type> args(10, index);
  if (epilogueType)
    args.append({epilogueType, index});
  auto f = b.create<func::FuncOp>(module.getLoc(), name, b.getFunctionType(args, {}));
  f.setPrivate();
  return f;
}

/// The epilogue of `gemm` (2-D, its output `c`): the next linalg.generic
/// tagged gptc.gemm_epilogue, when it uses `c` element for element, writes
/// none of the GEMM's inputs, and only allocations, pure ops and frees of
/// buffers the epilogue does not use lie between them. The GEMM then runs
/// where the epilogue was, and the frees between them (`delayed`: a GEMM
/// input's among them) must move after it. Null otherwise.
linalg::GenericOp epilogueOf(Operation *gemm, SmallVectorImpl<Operation *> &delayed) {
  Value c = gemm->getOperand(2);
  llvm::SmallPtrSet<Value, 8> touched;
  for (Value operand : gemm->getOperands())
    touched.insert(rootBuffer(operand));
  for (Operation *op = gemm->getNextNode(); op; op = op->getNextNode()) {
    auto generic = dyn_cast<linalg::GenericOp>(op);
    if (generic && generic->hasAttr("gptc.gemm_epilogue")) {
      if (!gptc::canOutlineEpilogue(generic))
        return nullptr;
      bool readsC = false;
      for (OpOperand &operand : generic->getOpOperands()) {
        Value root = rootBuffer(operand.get());
        bool identity = generic.getMatchingIndexingMap(&operand).isIdentity();
        if (root == rootBuffer(c) && (operand.get() != c || !identity))
          return nullptr; // C read at other elements than the tile's
        readsC |= operand.get() == c; // as an input, or as the output it updates in place
        if (generic.isDpsInit(&operand) && root != rootBuffer(c) && touched.contains(root))
          return nullptr; // writes A or B while the GEMM reads them
      }
      for (Value operand : generic->getOperands())
        for (Operation *dealloc : delayed)
          if (rootBuffer(dealloc->getOperand(0)) == rootBuffer(operand))
            return nullptr;
      return readsC ? generic : nullptr;
    }
    if (isMemoryEffectFree(op) || isa<memref::AllocOp>(op))
      continue;
    // A load of anything but C (the epilogue's dropout seed) may run before
    // the GEMM.
    if (auto load = dyn_cast<memref::LoadOp>(op); load && rootBuffer(load.getMemRef()) != rootBuffer(c))
      continue;
    if (isa<memref::DeallocOp>(op)) {
      delayed.push_back(op);
      continue;
    }
    return nullptr;
  }
  return nullptr;
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
      SmallVector<Operation *> delayed;
      linalg::GenericOp epilogue = epilogues && !g.batched ? epilogueOf(op, delayed) : nullptr;
      func::FuncOp outlined = epilogue ? gptc::outlineEpilogue(module, epilogue) : nullptr;
      if (outlined)
        b.setInsertionPoint(epilogue); // everything the epilogue reads is ready there
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
      std::string suffix = elem.isF32() ? "_f32" : "_f64";
      if (outlined) {
        // The context: the epilogue's operand addresses, in operand order,
        // then the scalars its body reads from outside.
        SmallVector<Value> words;
        for (Value operand : epilogue->getOperands())
          words.push_back(b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, operand));
        for (Value scalar : *gptc::capturedScalars(epilogue))
          words.push_back(gptc::contextWord(b, loc, scalar));
        Value context = b.create<memref::AllocaOp>(loc, MemRefType::get({(int64_t)words.size()}, b.getIndexType()));
        for (auto [i, word] : llvm::enumerate(words))
          b.create<memref::StoreOp>(loc, word, context, ValueRange{b.create<arith::ConstantIndexOp>(loc, i)});
        args.push_back(b.create<func::ConstantOp>(loc, outlined.getFunctionType(), SymbolRefAttr::get(outlined)));
        args.push_back(b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, context));
        func::FuncOp callee =
            declareGemm(module, runtimePrefix + "_epilogue" + suffix, outlined.getFunctionType());
        auto call = b.create<func::CallOp>(loc, callee, args);
        for (Operation *dealloc : llvm::reverse(delayed))
          dealloc->moveAfter(call);
        epilogue->erase();
        op->erase();
        continue;
      }
      func::FuncOp callee = declareGemm(module, runtimePrefix + suffix);
      b.create<func::CallOp>(loc, callee, args);
      op->erase();
    }
  }
};

} // namespace
