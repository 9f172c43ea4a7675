// Buffer-level helpers shared by the passes that work on memrefs.
#ifndef GPTC_COMPILER_SUPPORT_BUFFERS_H
#define GPTC_COMPILER_SUPPORT_BUFFERS_H

#include "mlir/IR/Value.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace gptc {

/// The buffer a memref value is a view of (through subviews, casts and
/// reshapes): its allocation, a function argument, or whatever op made it.
inline mlir::Value rootBuffer(mlir::Value memref) {
  while (auto view = memref.getDefiningOp<mlir::ViewLikeOpInterface>())
    memref = view.getViewSource();
  return memref;
}

} // namespace gptc

#endif // GPTC_COMPILER_SUPPORT_BUFFERS_H
