#include "compiler/Target/Target.h"

#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
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
#include "llvm/Transforms/Utils/Cloning.h"

#include <thread>

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

/// Runs LLVM's -O<optLevel> pipeline for the host on `module`.
static void optimize(llvm::Module &module, llvm::TargetMachine &tm, int optLevel) {
  if (optLevel <= 0)
    return;
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = optLevel >= 2;
  tuning.SLPVectorization = optLevel >= 2;
  llvm::PassBuilder pb(&tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  // LLVM's x86 cost model vectorises for 256-bit registers on AVX-512 hosts
  // unless told otherwise (to avoid the frequency drop of older Xeons); the
  // kernels here are short bursts between GEMMs, so they use the full width.
  if (tm.getMCSubtargetInfo()->checkFeatures("+avx512f"))
    for (llvm::Function &f : module)
      if (!f.isDeclaration())
        f.addFnAttr("prefer-vector-width", "512");
  llvm::OptimizationLevel level = optLevel == 1   ? llvm::OptimizationLevel::O1
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                  : llvm::OptimizationLevel::O3;
  pb.buildPerModuleDefaultPipeline(level).run(module, mam);
}

/// The LLVM IR of `module` for the host, not optimised yet.
static std::unique_ptr<llvm::Module> translate(mlir::ModuleOp module, llvm::LLVMContext &ctx,
                                               llvm::TargetMachine &tm, std::string &error) {
  auto llvmModule = mlir::translateModuleToLLVMIR(module, ctx, "gptc_model");
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    return nullptr;
  }
  llvmModule->setTargetTriple(tm.getTargetTriple().str());
  llvmModule->setDataLayout(tm.createDataLayout());
  return llvmModule;
}

std::unique_ptr<llvm::Module> translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &ctx,
                                                int optLevel, std::string &error) {
  auto tm = hostTargetMachine(optLevel, error);
  if (!tm)
    return nullptr;
  auto llvmModule = translate(module, ctx, *tm, error);
  if (llvmModule)
    optimize(*llvmModule, *tm, optLevel);
  return llvmModule;
}

/// Optimises one part (bitcode) in a context of its own and writes its object.
static bool compilePart(llvm::StringRef bitcode, int optLevel, const std::string &path, std::string &error) {
  llvm::LLVMContext ctx;
  auto part = llvm::parseBitcodeFile(llvm::MemoryBufferRef(bitcode, "gptc_model_part"), ctx);
  if (!part) {
    error = "reading a module part back: " + llvm::toString(part.takeError());
    return false;
  }
  auto tm = hostTargetMachine(optLevel, error);
  if (!tm)
    return false;
  optimize(**part, *tm, optLevel);
  return writeObjectFile(**part, optLevel, path, error);
}

/// Splits `module` into `count` modules that take about equally long to
/// compile: functions go largest first (in instructions) to the part with the
/// fewest instructions so far. (LLVM's SplitModule deals them round robin,
/// which gave one part 1.6x the other's instructions: the step's serial
/// functions are a few large ones among a thousand small kernels.) Local
/// symbols become hidden globals so that parts can refer to each other's;
/// global variables are defined in the first part and declared in the others.
static std::vector<std::unique_ptr<llvm::Module>> splitByInstructions(llvm::Module &module, unsigned count) {
  unsigned unnamed = 0;
  for (llvm::GlobalValue &value : module.global_values()) {
    if (value.hasLocalLinkage()) {
      value.setLinkage(llvm::GlobalValue::ExternalLinkage);
      value.setVisibility(llvm::GlobalValue::HiddenVisibility);
    }
    if (!value.hasName())
      value.setName("__gptc_part_unnamed_" + std::to_string(unnamed++));
  }
  std::vector<std::pair<unsigned, llvm::Function *>> functions;
  for (llvm::Function &f : module)
    if (!f.isDeclaration())
      functions.push_back({f.getInstructionCount(), &f});
  std::stable_sort(functions.begin(), functions.end(), [](auto &a, auto &b) { return a.first > b.first; });
  std::vector<uint64_t> load(count, 0);
  llvm::DenseMap<const llvm::Function *, unsigned> owner;
  for (auto [size, f] : functions) {
    unsigned lightest = std::min_element(load.begin(), load.end()) - load.begin();
    owner[f] = lightest;
    load[lightest] += size;
  }
  std::vector<std::unique_ptr<llvm::Module>> parts;
  for (unsigned p = 0; p < count; ++p) {
    llvm::ValueToValueMapTy map;
    parts.push_back(llvm::CloneModule(module, map, [&](const llvm::GlobalValue *value) {
      if (auto *f = llvm::dyn_cast<llvm::Function>(value))
        return owner.lookup(f) == p;
      return p == 0;
    }));
  }
  return parts;
}

bool compileToObjects(mlir::ModuleOp module, int optLevel, const std::vector<std::string> &objectPaths,
                      std::string &error, llvm::function_ref<void(const char *)> lap) {
  llvm::LLVMContext ctx;
  auto tm = hostTargetMachine(optLevel, error);
  if (!tm)
    return false;
  auto whole = translate(module, ctx, *tm, error);
  if (!whole)
    return false;
  if (objectPaths.size() == 1) {
    if (lap)
      lap("to-llvm-ir");
    optimize(*whole, *tm, optLevel);
    return writeObjectFile(*whole, optLevel, objectPaths[0], error);
  }
  // Each part travels as bitcode to a thread with its own LLVMContext
  // (contexts are not shared between threads).
  std::vector<llvm::SmallVector<char, 0>> parts;
  for (std::unique_ptr<llvm::Module> &part : splitByInstructions(*whole, objectPaths.size())) {
    llvm::raw_svector_ostream os(parts.emplace_back());
    llvm::WriteBitcodeToFile(*part, os);
  }
  whole.reset();
  if (lap)
    lap("to-llvm-ir");
  std::vector<std::string> errors(parts.size());
  std::vector<char> ok(parts.size(), 0);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < parts.size(); ++i)
    threads.emplace_back([&, i] {
      ok[i] = compilePart(llvm::StringRef(parts[i].data(), parts[i].size()), optLevel, objectPaths[i], errors[i]);
    });
  for (std::thread &t : threads)
    t.join();
  for (size_t i = 0; i < parts.size(); ++i)
    if (!ok[i]) {
      error = errors[i];
      return false;
    }
  return true;
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
