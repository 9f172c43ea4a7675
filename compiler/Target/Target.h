// The last stage: LLVM dialect -> LLVM IR -> optimised object for the host CPU
// (with its vector features) -> linked with libgptc_runtime into `train`.
#ifndef GPTC_TARGET_TARGET_H
#define GPTC_TARGET_TARGET_H

#include "mlir/IR/BuiltinOps.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <memory>
#include <string>
#include <vector>

#include "llvm/ADT/STLFunctionalExtras.h"

namespace gptc {

/// Translates the module and runs LLVM's -O<optLevel> pipeline for the host.
std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &ctx,
                                                int optLevel, std::string &error);

/// Translates the module and writes it as one host object per path in
/// `objectPaths`: with several, its functions are split among them, and the
/// parts are optimised and compiled side by side, one thread each. `lap`, if
/// given, is called with "to-llvm-ir" once the module is LLVM IR (and split).
bool compileToObjects(mlir::ModuleOp module, int optLevel, const std::vector<std::string> &objectPaths,
                      std::string &error, llvm::function_ref<void(const char *)> lap = {});

/// Writes a host object file.
bool writeObjectFile(llvm::Module &module, int optLevel, const std::string &path, std::string &error);

/// Links `objectPath` with the runtime library into an executable at `outputPath`.
/// `runtimeDir` holds libgptc_runtime.a.
bool linkExecutable(const std::vector<std::string> &objectPaths, const std::string &runtimeDir,
                    const std::string &outputPath, std::string &error);

} // namespace gptc

#endif
