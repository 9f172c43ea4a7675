// The PTX of a module after gpu-module-to-binary{format=isa}: the text the
// CUDA runtime backend loads (cuModuleLoadDataEx) and ptxas assembles.
#ifndef GPTC_GPU_PTX_H
#define GPTC_GPU_PTX_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace gptc {

/// The PTX of every gpu.binary in `module`, in order (one per gpu.module;
/// gptc makes one, @gptc_kernels), without the trailing NUL.
std::string collectPTX(mlir::ModuleOp module);

} // namespace gptc

#endif
