// Turns a checked program into the `nn` dialect: one function
//   func.func @forward(params..., inputs...) -> (loss[, out])
// whose params carry {gptc.param} and every argument a {gptc.name}.
#ifndef GPTC_MLIRGEN_MLIRGEN_H
#define GPTC_MLIRGEN_MLIRGEN_H

#include "compiler/Frontend/Sema.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace gptc {

struct MLIRGenOptions {
  bool useF64 = false; // --dtype=f64: every float is f64 (for gradient checks)
  std::string fileName;
};

mlir::OwningOpRef<mlir::ModuleOp> mlirGen(mlir::MLIRContext &context, const CheckedProgram &program,
                                          const MLIRGenOptions &options);

} // namespace gptc

#endif
