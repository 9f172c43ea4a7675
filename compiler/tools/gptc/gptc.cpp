// gptc: compiles a model written in the gptc language into a training executable.
//
//   gptc model.dsl -o train          the whole story
//   gptc model.dsl --emit=STAGE      print one stage: ast | nn | grad | linalg | fused | llvm-dialect | llvm
#include "compiler/Frontend/Lexer.h"
#include "compiler/Frontend/Manifest.h"
#include "compiler/Frontend/Parser.h"
#include "compiler/Frontend/Sema.h"
#include "compiler/MLIRGen/MLIRGen.h"
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Target/Target.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include "gptc/cli.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

/// What `--emit` asks for: a stage printed to stdout, or a file written to -o.
enum class Stage { Ast, Manifest, NN, Grad, Linalg, Fused, LLVMDialect, LLVM, Obj, Exe };
const std::vector<std::pair<Stage, std::string>> kStages = {
    {Stage::Ast, "ast"}, {Stage::Manifest, "manifest"}, {Stage::NN, "nn"},     {Stage::Grad, "grad"}, {Stage::Linalg, "linalg"}, {Stage::Fused, "fused"},
    {Stage::LLVMDialect, "llvm-dialect"}, {Stage::LLVM, "llvm"}, {Stage::Obj, "obj"},   {Stage::Exe, "exe"}};

struct Options {
  std::string input, output = "train", dtype = "f32", gemm = "runtime", emitName = "exe";
  Stage emit = Stage::Exe;
  // -O2: -O3 gives no faster steps on the GPT examples and its unrolling makes
  // LLVM take minutes on a training step of a few layers (measured: 131 s vs 14 s).
  int optLevel = 2;
  int errorLimit = 20;
  bool remarks = false;
  bool noFuseAttention = false;
  std::vector<std::string> defines;
};

int fail(const std::string &message) {
  std::cerr << "gptc: error: " << message << "\n";
  return 1;
}

/// Returns an exit status, or -1 to go on.
int parseOptions(int argc, char **argv, Options &opts) {
  CLI::App app("gptc: compile a model (.dsl) into a training executable: gptc MODEL.dsl -o train", "gptc");
  bool version = false;
  app.add_flag("--version", version, "print the version");
  CLI::Option *output =
      app.add_option("-o,--output", opts.output, "output file (default: train, or MODEL.o for --emit=obj)");
  app.add_option("--emit", opts.emitName,
                 "stage to produce: ast | manifest | nn | grad | linalg | fused | llvm-dialect | llvm (printed), obj | exe "
                 "(written to -o)");
  app.add_option("-O,--opt-level", opts.optLevel, "optimisation level 0-3 (default 2): -O0 .. -O3");
  app.add_option("--dtype", opts.dtype, "float type: f32 (default) or f64 (for gradient checks)");
  app.add_option("-D,--define", opts.defines, "override a config constant or train setting: -D name=value")
      ->allow_extra_args(false); // one name=value per -D, so `-D a=1 model.dsl` leaves the model alone
  app.add_option("--error-limit", opts.errorLimit, "stop printing errors after N (default 20; 0: no limit)")
      ->check(gptc::cli::NonNegative);
  app.add_option("--gemm", opts.gemm, "matmul code: runtime (call the runtime's GEMM, default) or loops");
  app.add_flag("--no-fuse-attention", opts.noFuseAttention,
               "keep attention as separate ops (matmul, softmax, ...) that store the [T, T] scores");
  app.add_flag("--remarks", opts.remarks, "explain, as remarks on stderr, every op that stays out of its producer's fusion group");
  app.add_option("model", opts.input, "the model to compile (MODEL.dsl)");
  if (int rc = gptc::cli::parse(app, argc, argv, "gptc"); rc >= 0)
    return rc;
  if (version) {
    std::cout << "gptc " << GPTC_VERSION << " (LLVM/MLIR " << LLVM_VERSION_STRING << ")\n";
    return 0;
  }
  if (opts.input.empty())
    return fail("no input file (usage: gptc MODEL.dsl -o train)");
  auto stage = std::find_if(kStages.begin(), kStages.end(), [&](auto &s) { return s.second == opts.emitName; });
  if (stage == kStages.end()) {
    std::string names;
    for (auto &s : kStages)
      names += (names.empty() ? "" : ", ") + s.second;
    return fail("unknown --emit stage '" + opts.emitName + "' (expected one of " + names + ")");
  }
  opts.emit = stage->first;
  if (opts.emit == Stage::Obj && output->count() == 0) { // MODEL.dsl -> MODEL.o
    std::string stem = opts.input.substr(opts.input.find_last_of('/') + 1);
    opts.output = stem.substr(0, stem.rfind('.')) + ".o";
  }
  if (opts.dtype != "f32" && opts.dtype != "f64")
    return fail("--dtype must be f32 or f64, got '" + opts.dtype + "'");
  if (opts.gemm != "runtime" && opts.gemm != "loops")
    return fail("--gemm must be runtime or loops, got '" + opts.gemm + "'");
  if (opts.optLevel < 0 || opts.optLevel > 3)
    return fail("-O must be 0, 1, 2 or 3");
  return -1; // go on
}

bool parseDefines(const std::vector<std::string> &defines, std::map<std::string, double> &out) {
  for (const std::string &d : defines) {
    size_t eq = d.find('=');
    char *end = nullptr;
    double v = eq == std::string::npos ? 0 : std::strtod(d.c_str() + eq + 1, &end);
    if (eq == std::string::npos || eq == 0 || end == d.c_str() + eq + 1 || *end != '\0') {
      std::cerr << "gptc: error: -D expects name=number, got '" << d << "'\n";
      return false;
    }
    out[d.substr(0, eq)] = v;
  }
  return true;
}

std::string runtimeDirectory(const char *argv0) {
  static int anchor;
  std::string exe = llvm::sys::fs::getMainExecutable(argv0, &anchor);
  llvm::SmallString<256> dir(llvm::sys::path::parent_path(exe));
  llvm::sys::path::append(dir, "..", "lib");
  return std::string(dir);
}

} // namespace

int main(int argc, char **argv) {
  Options opts;
  if (int rc = parseOptions(argc, argv, opts); rc >= 0)
    return rc;
  std::map<std::string, double> defines;
  if (!parseDefines(opts.defines, defines))
    return 1;

  std::ifstream in(opts.input, std::ios::binary);
  if (!in) {
    std::cerr << "gptc: error: cannot open '" << opts.input << "'\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  gptc::SourceFile file(opts.input, text.str());
  gptc::DiagnosticEngine diags(file, std::cerr);
  diags.setErrorLimit(opts.errorLimit);

  std::vector<gptc::Token> tokens = gptc::lex(file, diags);
  gptc::Program program = gptc::parseProgram(tokens, diags);
  if (opts.emit == Stage::Ast && !diags.hadErrors()) {
    gptc::printAST(program, std::cout);
    return 0;
  }
  // Sema runs after syntax errors too (the parser recorded what they swallowed),
  // so independent errors in one file are all reported in one run.
  std::optional<gptc::CheckedProgram> checked = gptc::analyze(program, defines, diags);
  if (diags.hadErrors()) {
    std::cerr << diags.errorCount() << " error" << (diags.errorCount() == 1 ? "" : "s") << " generated.\n";
    return 1;
  }

  if (opts.emit == Stage::Manifest) { // what the runtime will read (`./train info` prints it back)
    std::cout << gptc::buildManifest(*checked, opts.dtype) << "\n";
    return 0;
  }
  mlir::DialectRegistry registry;
  gptc::registerGptcDialects(registry);
  mlir::MLIRContext context(registry);
  // Diagnostics from passes (--remarks, internal errors) point into the model.
  llvm::SourceMgr modelSource;
  if (auto text = llvm::MemoryBuffer::getFile(opts.input))
    modelSource.AddNewSourceBuffer(std::move(*text), llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler passDiagnostics(modelSource, &context, llvm::errs());
  context.printOpOnDiagnostic(false);
  gptc::MLIRGenOptions genOptions;
  genOptions.useF64 = opts.dtype == "f64";
  genOptions.fileName = opts.input;
  mlir::OwningOpRef<mlir::ModuleOp> module = gptc::mlirGen(context, *checked, genOptions);
  if (!module)
    return 1;
  if (opts.emit == Stage::NN) {
    module->print(llvm::outs());
    return 0;
  }

  auto runStage = [&](llvm::function_ref<mlir::LogicalResult(mlir::OpPassManager &)> build) {
    mlir::PassManager pm(&context);
    if (failed(build(pm)) || failed(pm.run(*module))) {
      std::cerr << "gptc: internal error: a compiler pass failed (see the message above)\n";
      return false;
    }
    return true;
  };
  gptc::TrainStepOptions trainStep;
  trainStep.fuseAttention = !opts.noFuseAttention;
  trainStep.remarks = opts.remarks;
  if (!runStage([&](mlir::OpPassManager &pm) { gptc::buildTrainStepPipeline(pm, trainStep); return mlir::success(); }))
    return 1;
  if (opts.emit == Stage::Grad) {
    module->print(llvm::outs());
    return 0;
  }
  if (!runStage([](mlir::OpPassManager &pm) { gptc::buildLowerToLinalgPipeline(pm); return mlir::success(); }))
    return 1;
  if (opts.emit == Stage::Linalg) {
    module->print(llvm::outs());
    return 0;
  }
  gptc::FusionOptions fusion;
  fusion.remarks = opts.remarks;
  if (!runStage([&](mlir::OpPassManager &pm) { gptc::buildFusionPipeline(pm, fusion); return mlir::success(); }))
    return 1;
  if (opts.emit == Stage::Fused) {
    module->print(llvm::outs());
    return 0;
  }
  // The runtime reads names, shapes and settings from this string in the object.
  (*module)->setAttr("gptc.manifest",
                     mlir::StringAttr::get(&context, gptc::buildManifest(*checked, opts.dtype)));
  gptc::LowerToLLVMOptions lowering;
  lowering.gemm = opts.gemm == "runtime" ? gptc::GemmKind::Runtime : gptc::GemmKind::Loops;
  if (!runStage([&](mlir::OpPassManager &pm) { gptc::buildLowerToLLVMPipeline(pm, lowering); return mlir::success(); }))
    return 1;
  if (opts.emit == Stage::LLVMDialect) {
    module->print(llvm::outs());
    return 0;
  }

  llvm::LLVMContext llvmContext;
  std::string error;
  auto llvmModule = gptc::translateToLLVMIR(*module, llvmContext, opts.optLevel, error);
  if (!llvmModule) {
    std::cerr << "gptc: error: " << error << "\n";
    return 1;
  }
  if (opts.emit == Stage::LLVM) {
    llvmModule->print(llvm::outs(), nullptr);
    return 0;
  }
  // The object for the linker goes to a fresh temporary file: never over a
  // file of the user's.
  std::string objectPath = opts.output;
  if (opts.emit != Stage::Obj) {
    llvm::SmallString<128> tmp;
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile("gptc-model", "o", tmp)) {
      std::cerr << "gptc: error: cannot create a temporary object file: " << ec.message() << "\n";
      return 1;
    }
    objectPath = std::string(tmp);
  }
  if (!gptc::writeObjectFile(*llvmModule, opts.optLevel, objectPath, error)) {
    std::cerr << "gptc: error: " << error << "\n";
    return 1;
  }
  if (opts.emit == Stage::Obj)
    return 0;
  bool linked = gptc::linkExecutable(objectPath, runtimeDirectory(argv[0]), opts.output, error);
  llvm::sys::fs::remove(objectPath);
  if (!linked) {
    std::cerr << "gptc: error: " << error << "\n";
    return 1;
  }
  return 0;
}
