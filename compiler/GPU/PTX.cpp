#include "compiler/GPU/PTX.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace gptc {

std::string collectPTX(mlir::ModuleOp module) {
  std::string ptx;
  module.walk([&](mlir::gpu::BinaryOp binary) {
    for (mlir::Attribute object : binary.getObjects()) {
      llvm::StringRef text = mlir::cast<mlir::gpu::ObjectAttr>(object).getObject().getValue();
      ptx += text.rtrim('\0').str();
    }
  });
  return ptx;
}

} // namespace gptc
