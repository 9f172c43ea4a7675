// A GEMM epilogue as a function the runtime's GEMM calls on each finished tile
// of C (gptc_gemm_epilogue_fn in runtime/include/gptc/abi.h).
#ifndef GPTC_CONVERSION_GEMMEPILOGUE_H
#define GPTC_CONVERSION_GEMMEPILOGUE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"

#include <optional>

namespace gptc {

/// The scalars `epilogue`'s body reads from outside it that are not
/// constants (a dropout's seed), or std::nullopt when it reads anything else
/// from outside (a tensor, a value of another type).
std::optional<llvm::SmallVector<mlir::Value>> capturedScalars(mlir::linalg::GenericOp epilogue);

/// Whether `epilogue` (an all-parallel 2-D linalg.generic on buffers) can be
/// outlined: every operand a static, identity-layout memref, and nothing read
/// from outside its body but constants and scalars.
bool canOutlineEpilogue(mlir::linalg::GenericOp epilogue);

/// Outlines `epilogue` into a private function of `module`
///   (context, row, col, rows, cols) -> ()
/// that runs it on rows [row, row + rows) x columns [col, col + cols) of its
/// iteration space. `context` is the address of an array of 64-bit words:
/// the aligned address of each operand of `epilogue`, in operand order, then
/// the bits of each of its capturedScalars (contextWord). The function is
/// tagged gptc.serial: the runtime calls it from its own threads.
mlir::func::FuncOp outlineEpilogue(mlir::ModuleOp module, mlir::linalg::GenericOp epilogue);

/// `scalar` (an integer, index or float of at most 64 bits) as an index whose
/// low bits are its bits: what the context array holds for it.
mlir::Value contextWord(mlir::OpBuilder &b, mlir::Location loc, mlir::Value scalar);

} // namespace gptc

#endif
