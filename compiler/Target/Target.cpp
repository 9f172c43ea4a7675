#include "compiler/Target/Target.h"

#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

namespace gptc {

static std::unique_ptr<llvm::TargetMachine> hostTargetMachine(int optLevel, std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::string triple = llvm::sys::getDefaultTargetTriple();
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  llvm::SubtargetFeatures features;
  for (auto &[feature, enabled] : llvm::sys::getHostCPUFeatures())
    features.AddFeature(feature, enabled);
  llvm::CodeGenOptLevel level = optLevel <= 0   ? llvm::CodeGenOptLevel::None
                                : optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                : optLevel == 2 ? llvm::CodeGenOptLevel::Default
                                                : llvm::CodeGenOptLevel::Aggressive;
  llvm::TargetOptions options;
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, llvm::sys::getHostCPUName(), features.getString(), options, llvm::Reloc::PIC_,
      std::nullopt, level));
}

std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &ctx,
                                                int optLevel, std::string &error) {
  auto llvmModule = mlir::translateModuleToLLVMIR(module, ctx, "gptc_model");
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    return nullptr;
  }
  auto tm = hostTargetMachine(optLevel, error);
  if (!tm)
    return nullptr;
  llvmModule->setTargetTriple(tm->getTargetTriple().str());
  llvmModule->setDataLayout(tm->createDataLayout());
  if (optLevel > 0) {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PipelineTuningOptions tuning;
    tuning.LoopVectorization = optLevel >= 2;
    tuning.SLPVectorization = optLevel >= 2;
    llvm::PassBuilder pb(tm.get(), tuning);
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    llvm::OptimizationLevel level = optLevel == 1   ? llvm::OptimizationLevel::O1
                                    : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                    : llvm::OptimizationLevel::O3;
    pb.buildPerModuleDefaultPipeline(level).run(*llvmModule, mam);
  }
  return llvmModule;
}

bool writeObjectFile(llvm::Module &module, int optLevel, const std::string &path, std::string &error) {
  auto tm = hostTargetMachine(optLevel, error);
  if (!tm)
    return false;
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot write " + path + ": " + ec.message();
    return false;
  }
  llvm::legacy::PassManager pm;
  if (tm->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile)) {
    error = "the host target cannot emit object files";
    return false;
  }
  pm.run(module);
  os.flush();
  return true;
}

bool linkExecutable(const std::vector<std::string> &objectPaths, const std::string &runtimeDir,
                    const std::string &outputPath, std::string &error) {
  std::string linker;
  for (const char *candidate : {"c++", "g++", "clang++"}) {
    if (auto found = llvm::sys::findProgramByName(candidate)) {
      linker = *found;
      break;
    }
  }
  if (linker.empty()) {
    error = "no C++ linker driver (c++, g++ or clang++) found on PATH";
    return false;
  }
  std::string runtimeLib = runtimeDir + "/libgptc_runtime.a";
  if (!llvm::sys::fs::exists(runtimeLib)) {
    error = "runtime library not found at " + runtimeLib;
    return false;
  }
  std::string ompLibrary = GPTC_OMP_LIBRARY;
  std::string ompDir = llvm::sys::path::parent_path(ompLibrary).str();
  std::vector<std::string> argStorage = {linker};
  argStorage.insert(argStorage.end(), objectPaths.begin(), objectPaths.end());
  for (std::string arg : {runtimeLib, std::string("-o"), outputPath, ompLibrary, "-Wl,-rpath," + ompDir,
                          std::string("-lz"), std::string("-lm"), std::string("-lpthread")})
    argStorage.push_back(arg);
  std::vector<llvm::StringRef> args(argStorage.begin(), argStorage.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(linker, args, std::nullopt, {}, 0, 0, &message);
  if (rc != 0) {
    error = "linking failed (" + linker + " exited with " + std::to_string(rc) + ")" +
            (message.empty() ? "" : ": " + message);
    return false;
  }
  return true;
}

} // namespace gptc
