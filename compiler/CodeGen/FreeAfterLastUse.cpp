// gptc-free-after-last-use: moves each buffer's memref.dealloc up to just
// after the buffer's last use.
//
// MLIR's ownership-based deallocation frees every buffer at the end of the
// block that allocated it. A training step is one long block, so every
// temporary of the forward and the backward pass stayed allocated until the
// step returned: the step's peak memory was the sum of all its buffers, not
// the most that is ever live at once (measured, 6x6x384 GPT at batch 64: 9.9 GB
// peak, where the tensors alive at any point never exceed 3.4 GB). Freed
// blocks go back to the heap (the runtime keeps them there, see
// runtime/src/main.cpp), so a later buffer of the same step reuses memory that
// is still in the cache instead of touching fresh pages.
//
// A dealloc moves only when it is safe to reason about locally: the buffer is
// a memref.alloc in the same block, and every use of the buffer or of a value
// derived from it (a view, a cast, a pointer, a loop result: every result of
// an op that takes it as an operand, but a load, counts as an alias) lies inside that block, in
// an op the dealloc then follows. A buffer that escapes the block (returned,
// yielded out, used by another block) keeps its dealloc where it was.
//
// With the option `remarks` (gptc --remarks), each function reports its
// buffer plan: the most bytes its top-level buffers hold at once, against
// the sum of them all (what it held before this pass).
#include "compiler/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/Support/FormatVariadic.h"

namespace gptc {
#define GEN_PASS_DEF_FREEAFTERLASTUSE
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

/// The op of `block` after which `buffer` (allocated in `block`) is no longer
/// used, directly or through an alias; null when some use is outside the
/// block, or the buffer escapes through a terminator of the block.
Operation *lastUseInBlock(Value buffer, Block *block, Operation *dealloc) {
  Operation *last = buffer.getDefiningOp();
  SmallVector<Value> aliases{buffer};
  llvm::SmallPtrSet<Value, 8> seen{buffer};
  while (!aliases.empty()) {
    Value value = aliases.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (user == dealloc)
        continue;
      Operation *inBlock = block->findAncestorOpInBlock(*user);
      if (!inBlock || inBlock->hasTrait<OpTrait::IsTerminator>())
        return nullptr;
      if (last->isBeforeInBlock(inBlock))
        last = inBlock;
      // Any result of a user may alias the buffer (a view, a cast, a raw
      // pointer for a runtime call), except a value loaded from it.
      if (!isa<memref::LoadOp>(user))
        for (Value result : user->getResults())
          if (seen.insert(result).second)
            aliases.push_back(result);
      // A region's yield of the buffer aliases the enclosing op's results.
      if (user->hasTrait<OpTrait::IsTerminator>() && user != inBlock)
        for (Value result : user->getParentOp()->getResults())
          if (seen.insert(result).second)
            aliases.push_back(result);
    }
  }
  return last;
}

/// Bytes of a statically shaped buffer, or 0.
int64_t bytesOf(MemRefType type) {
  if (!type.hasStaticShape() || !type.getElementType().isIntOrFloat())
    return 0;
  return type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
}

/// Remarks on `func`: the peak and the sum of the bytes of the buffers its
/// body allocates at the top level, in program order.
void remarkBufferPlan(func::FuncOp func) {
  if (func.isExternal())
    return;
  int64_t live = 0, peak = 0, total = 0;
  for (Operation &op : func.getBody().front()) {
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      int64_t bytes = bytesOf(alloc.getType());
      live += bytes;
      total += bytes;
      peak = std::max(peak, live);
    } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
      if (auto alloc = dealloc.getMemref().getDefiningOp<memref::AllocOp>();
          alloc && alloc->getBlock() == op.getBlock())
        live -= bytesOf(alloc.getType());
    }
  }
  if (total == 0)
    return;
  auto size = [](int64_t bytes) {
    if (bytes < 1024)
      return llvm::formatv("{0} bytes", bytes).str();
    return bytes < 1048576 ? llvm::formatv("{0:F1} KB", bytes / 1024.0).str()
                           : llvm::formatv("{0:F1} MB", bytes / 1048576.0).str();
  };
  func.emitRemark() << "buffer plan of @" << func.getSymName() << ": at most " << size(peak)
                    << " of temporaries live at once, " << size(total) << " allocated in all";
}

struct FreeAfterLastUsePass : gptc::impl::FreeAfterLastUseBase<FreeAfterLastUsePass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation()->walk([&](memref::DeallocOp op) { deallocs.push_back(op); });
    for (memref::DeallocOp dealloc : deallocs) {
      Value buffer = dealloc.getMemref();
      auto alloc = buffer.getDefiningOp<memref::AllocOp>();
      if (!alloc || alloc->getBlock() != dealloc->getBlock())
        continue;
      Operation *last = lastUseInBlock(buffer, dealloc->getBlock(), dealloc);
      if (last && last->isBeforeInBlock(dealloc))
        dealloc->moveAfter(last);
    }
    if (remarks)
      getOperation()->walk([](func::FuncOp func) { remarkBufferPlan(func); });
  }
};

} // namespace
