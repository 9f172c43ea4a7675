// gptc: compiles a model written in the gptc language into a training executable.
//
//   gptc model.dsl -o train          the whole story
//   gptc model.dsl --emit=STAGE      print one stage: ast | nn | grad | linalg | llvm-dialect | llvm
#include "compiler/Frontend/Lexer.h"
#include "compiler/Frontend/Manifest.h"
#include "compiler/Frontend/Parser.h"
#include "compiler/Frontend/Sema.h"
#include "compiler/MLIRGen/MLIRGen.h"
#include "compiler/Pipelines/Pipelines.h"
#include "compiler/Target/Target.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;

namespace {

struct Options {
  std::string input, output = "train", emit = "exe", dtype = "f32", gemm = "runtime";
  // -O2: -O3 gives no faster steps on the GPT examples and its unrolling makes
  // LLVM take minutes on a training step of a few layers (measured: 131 s vs 14 s).
  int optLevel = 2;
  std::vector<std::string> defines;
};

const std::vector<std::string> kStages = {"ast", "nn", "grad", "linalg", "llvm-dialect", "llvm", "obj", "exe"};

int parseOptions(int argc, char **argv, Options &opts) {
  po::options_description visible("gptc: compile a model (.dsl) into a training executable\n\n"
                                  "usage: gptc MODEL.dsl [-o train] [options]\n\noptions");
  visible.add_options()
      ("help,h", "print this help")
      ("version", "print the version")
      ("output,o", po::value(&opts.output), "output file (default: train, or MODEL.o for --emit=obj)")
      ("emit", po::value(&opts.emit),
       "stage to produce: ast | nn | grad | linalg | llvm-dialect | llvm (printed), obj | exe (written to -o)")
      ("opt-level,O", po::value(&opts.optLevel), "optimisation level 0-3 (default 2): -O0 .. -O3")
      ("dtype", po::value(&opts.dtype), "float type: f32 (default) or f64 (for gradient checks)")
      ("define,D", po::value(&opts.defines)->composing(), "override a config constant or train setting: -D name=value")
      ("gemm", po::value(&opts.gemm), "matmul code: runtime (call the runtime's GEMM, default) or loops");
  po::options_description hidden;
  hidden.add_options()("input", po::value(&opts.input));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("input", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error &e) {
    std::cerr << "gptc: error: " << e.what() << "\n(run gptc --help for the options)\n";
    return 1;
  }
  if (vm.count("help")) {
    std::cout << visible << "\n";
    return 0;
  }
  if (vm.count("version")) {
    std::cout << "gptc " << GPTC_VERSION << " (LLVM/MLIR " << LLVM_VERSION_STRING << ")\n";
    return 0;
  }
  if (opts.emit == "obj" && !vm.count("output")) { // MODEL.dsl -> MODEL.o
    std::string stem = opts.input.substr(opts.input.find_last_of('/') + 1);
    opts.output = stem.substr(0, stem.rfind('.')) + ".o";
  }
  if (opts.input.empty()) {
    std::cerr << "gptc: error: no input file (usage: gptc MODEL.dsl -o train)\n";
    return 1;
  }
  if (std::find(kStages.begin(), kStages.end(), opts.emit) == kStages.end()) {
    std::cerr << "gptc: error: unknown --emit stage '" << opts.emit << "' (expected one of "
              << llvm::join(kStages, ", ") << ")\n";
    return 1;
  }
  if (opts.dtype != "f32" && opts.dtype != "f64") {
    std::cerr << "gptc: error: --dtype must be f32 or f64, got '" << opts.dtype << "'\n";
    return 1;
  }
  if (opts.gemm != "runtime" && opts.gemm != "loops") {
    std::cerr << "gptc: error: --gemm must be runtime or loops, got '" << opts.gemm << "'\n";
    return 1;
  }
  if (opts.optLevel < 0 || opts.optLevel > 3) {
    std::cerr << "gptc: error: -O must be 0, 1, 2 or 3\n";
    return 1;
  }
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

  std::vector<gptc::Token> tokens = gptc::lex(file, diags);
  gptc::Program program = gptc::parseProgram(tokens, diags);
  if (opts.emit == "ast" && !diags.hadErrors()) {
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

  mlir::DialectRegistry registry;
  gptc::registerGptcDialects(registry);
  gptc::registerGptcPassesAndPipelines(); // the lowering pipeline is parsed from text
  mlir::MLIRContext context(registry);
  gptc::MLIRGenOptions genOptions;
  genOptions.useF64 = opts.dtype == "f64";
  genOptions.fileName = opts.input;
  mlir::OwningOpRef<mlir::ModuleOp> module = gptc::mlirGen(context, *checked, genOptions);
  if (!module)
    return 1;
  if (opts.emit == "nn") {
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
  if (!runStage([](mlir::OpPassManager &pm) { gptc::buildTrainStepPipeline(pm); return mlir::success(); }))
    return 1;
  if (opts.emit == "grad") {
    module->print(llvm::outs());
    return 0;
  }
  if (!runStage([](mlir::OpPassManager &pm) { gptc::buildLowerToLinalgPipeline(pm); return mlir::success(); }))
    return 1;
  if (opts.emit == "linalg") {
    module->print(llvm::outs());
    return 0;
  }
  // The runtime reads names, shapes and settings from this string in the object.
  (*module)->setAttr("gptc.manifest",
                     mlir::StringAttr::get(&context, gptc::buildManifest(*checked, opts.dtype)));
  gptc::LoweringOptions lowering;
  lowering.runtimeGemm = opts.gemm == "runtime";
  if (!runStage([&](mlir::OpPassManager &pm) { return gptc::buildLowerToLLVMPipeline(pm, lowering); }))
    return 1;
  if (opts.emit == "llvm-dialect") {
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
  if (opts.emit == "llvm") {
    llvmModule->print(llvm::outs(), nullptr);
    return 0;
  }
  // The object for the linker goes to a fresh temporary file: never over a
  // file of the user's.
  std::string objectPath = opts.output;
  if (opts.emit != "obj") {
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
  if (opts.emit == "obj")
    return 0;
  bool linked = gptc::linkExecutable(objectPath, runtimeDirectory(argv[0]), opts.output, error);
  llvm::sys::fs::remove(objectPath);
  if (!linked) {
    std::cerr << "gptc: error: " << error << "\n";
    return 1;
  }
  return 0;
}
