// gptc: compiles a model written in the gptc language into a training executable.
//
//   gptc model.dsl -o train          the whole story
//   gptc model.dsl --emit=STAGE      print one stage: ast | nn | grad | linalg | fused | llvm-dialect | llvm
//   gptc model.dsl --target=cuda[:sm_80|sm_90] [-o train | --emit=gpu|ptx]
//                                    the GPU executable (PTX embedded, the runtime's CUDA
//                                    backend), or its kernels: outlined or PTX
#include "compiler/Frontend/Lexer.h"
#include "compiler/Frontend/Manifest.h"
#include "compiler/Frontend/Parser.h"
#include "compiler/Frontend/Sema.h"
#include "compiler/GPU/PTX.h"
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

#include "llvm/Support/TargetSelect.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <chrono>
#include <cstdio>
#include <thread>

namespace {

/// What `--emit` asks for: a stage printed to stdout, or a file written to -o.
enum class Stage { Ast, Manifest, NN, Grad, Linalg, Fused, Gpu, Ptx, LLVMDialect, LLVM, Obj, Exe };
const std::vector<std::pair<Stage, std::string>> kStages = {
    {Stage::Ast, "ast"}, {Stage::Manifest, "manifest"}, {Stage::NN, "nn"},     {Stage::Grad, "grad"}, {Stage::Linalg, "linalg"}, {Stage::Fused, "fused"},
    {Stage::Gpu, "gpu"}, {Stage::Ptx, "ptx"},
    {Stage::LLVMDialect, "llvm-dialect"}, {Stage::LLVM, "llvm"}, {Stage::Obj, "obj"},   {Stage::Exe, "exe"}};

struct Options {
  std::string input, output = "train", dtype = "f32", gemm = "runtime", emitName = "exe";
  Stage emit = Stage::Exe;
  // -O2: -O3 gives no faster steps on the GPT examples and its unrolling makes
  // LLVM take minutes on a training step of a few layers (measured: 131 s vs 14 s).
  int optLevel = 2;
  std::string target = "cpu"; // --target: cpu, or cuda[:sm_XX]
  std::string gpuChip = "sm_80", cudaToolkit;
  std::string precision = "f32"; // --precision: of the GPU path's matmuls, f32 or bf16
  std::string buckets; // --buckets: "S:T,S:T,..." in place of the train section's
  int errorLimit = 20;
  bool remarks = false;
  bool noFuseAttention = false;
  bool gpuKernelsOnCPU = false; // --gpu-kernels-on-cpu
  bool timeStages = false;
  std::vector<std::string> defines;
};

/// --time-stages: the wall time of each compilation stage, on stderr.
class StageClock {
public:
  StageClock(bool on, std::string label) : on_(on), label_(std::move(label)) {}
  /// Prints the time since the previous lap (or the start) as stage `name`.
  void lap(const char *name) {
    auto now = std::chrono::steady_clock::now();
    if (on_)
      std::fprintf(stderr, "gptc: time%s: %-14s %6.2f s\n", label_.c_str(), name,
                   std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }

private:
  bool on_;
  std::string label_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

int fail(const std::string &message) {
  std::cerr << "gptc: error: " << message << "\n";
  return 1;
}

/// Returns an exit status, or -1 to go on.
int checkTarget(Options &opts);

int parseOptions(int argc, char **argv, Options &opts) {
  CLI::App app("gptc: compile a model (.dsl) into a training executable: gptc MODEL.dsl -o train", "gptc");
  bool version = false;
  app.add_flag("--version", version, "print the version");
  CLI::Option *output =
      app.add_option("-o,--output", opts.output, "output file (default: train, or MODEL.o for --emit=obj)");
  app.add_option("--emit", opts.emitName,
                 "stage to produce: ast | manifest | nn | grad | linalg | fused | llvm-dialect | llvm (printed), obj | exe "
                 "(written to -o); with --target=cuda: gpu (kernels outlined) | ptx (printed)");
  app.add_option("--target", opts.target,
                 "cpu (default) or cuda[:sm_80|sm_90] (CUDA kernels, sm_80 PTX by default, which also runs on sm_90)");
  app.add_option("-O,--opt-level", opts.optLevel, "optimisation level 0-3 (default 2): -O0 .. -O3");
  app.add_option("--dtype", opts.dtype, "float type: f32 (default) or f64 (for gradient checks)");
  app.add_option("-D,--define", opts.defines, "override a config constant or train setting: -D name=value")
      ->allow_extra_args(false); // one name=value per -D, so `-D a=1 model.dsl` leaves the model alone
  app.add_option("--error-limit", opts.errorLimit, "stop printing errors after N (default 20; 0: no limit)")
      ->check(gptc::cli::NonNegative);
  app.add_option("--buckets", opts.buckets,
                 "compile these (source, target) length buckets instead of the train section's: S:T,S:T,... "
                 "(fewer shapes compile faster)")
      ->type_name("S:T,...");
  app.add_option("--gemm", opts.gemm, "matmul code: runtime (call the runtime's GEMM, default) or loops");
  app.add_flag("--no-fuse-attention", opts.noFuseAttention,
               "keep attention as separate ops (matmul, softmax, ...) that store the [T, T] scores");
  app.add_flag("--gpu-kernels-on-cpu", opts.gpuKernelsOnCPU,
               "build a CPU executable from the GPU path's kernels (each kernel a parallel loop, GEMMs the CPU's): "
               "checks what the GPU kernels compute without a GPU");
  app.add_option("--precision", opts.precision,
                 "matmul precision of the GPU path (--target=cuda, --gpu-kernels-on-cpu): f32 (default) or bf16 "
                 "(operands rounded to bf16, f32 accumulation; weights, optimizer state and activations stay f32)");
  app.add_flag("--time-stages", opts.timeStages, "print the wall time of each compilation stage on stderr");
  app.add_flag("--remarks", opts.remarks,
               "explain, as remarks on stderr, every op that stays out of its producer's fusion group, and "
               "each step function's buffer plan (the most memory its temporaries hold at once)");
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
  return checkTarget(opts);
}

/// --target: cpu, or cuda[:sm_XX]. The CUDA toolkit is needed (for libdevice)
/// from the PTX on: --emit=ptx, and everything after it (the GPU executable).
int checkTarget(Options &opts) {
  bool gpuStage = opts.emit == Stage::Gpu || opts.emit == Stage::Ptx;
  if (opts.gpuKernelsOnCPU && opts.target != "cpu")
    return fail("--gpu-kernels-on-cpu builds a CPU executable: it takes no --target=" + opts.target);
  if (opts.precision != "f32" && opts.precision != "bf16")
    return fail("--precision must be f32 or bf16, got '" + opts.precision + "'");
  if (opts.precision == "bf16" && opts.dtype != "f32")
    return fail("--precision=bf16 rounds the matmuls of an f32 model: it takes no --dtype=" + opts.dtype);
  if (opts.precision == "bf16" && opts.target == "cpu" && !opts.gpuKernelsOnCPU)
    return fail("--precision=bf16 is for the GPU path: add --target=cuda (or --gpu-kernels-on-cpu, its kernels "
                "on the CPU)");
  if (opts.target == "cpu") {
    if (gpuStage)
      return fail("--emit=" + opts.emitName + " needs --target=cuda");
    return -1;
  }
  if (opts.target.rfind("cuda", 0) != 0 || (opts.target.size() > 4 && opts.target[4] != ':'))
    return fail("--target must be cpu or cuda[:sm_80|sm_90], got '" + opts.target + "'");
  if (opts.target.size() > 5)
    opts.gpuChip = opts.target.substr(5);
  if (opts.gpuChip != "sm_80" && opts.gpuChip != "sm_90")
    return fail("--target=cuda: the GPU architecture must be sm_80 or sm_90, got '" + opts.gpuChip + "'");
  if (opts.gemm != "runtime")
    return fail("--gemm=" + opts.gemm + " is for the CPU target; --target=cuda calls the runtime's GEMM (cuBLAS)");
  const char *home = std::getenv("CUDA_HOME");
  opts.cudaToolkit = home && *home ? home : "/usr/local/cuda";
  std::string libdevice = opts.cudaToolkit + "/nvvm/libdevice/libdevice.10.bc";
  if (opts.emit >= Stage::Ptx && !llvm::sys::fs::exists(libdevice))
    return fail("--target=cuda " + (opts.emit == Stage::Exe ? std::string("(the GPU executable)") : "--emit=" + opts.emitName) +
                " needs the CUDA toolkit's libdevice, not found at " + libdevice +
                " (install the CUDA toolkit, or set CUDA_HOME)");
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

/// The elaborations to compile: `checked` alone, or one per length bucket of
/// its train section (each with the bucket's lengths as its input lengths).
/// Every bucket must have the same parameters. False after an error (reported).
bool elaborateBuckets(gptc::Program &program, const gptc::CheckedProgram &checked,
                      const std::map<std::string, double> &defines, gptc::DiagnosticEngine &diags,
                      std::vector<gptc::CheckedProgram> &shapes) {
  const auto &buckets = checked.train.buckets;
  if (buckets.empty()) {
    shapes.push_back(checked);
    return true;
  }
  for (const std::vector<int64_t> &lengths : buckets) {
    std::map<std::string, double> bucketDefines = defines;
    for (size_t i = 0; i < 2; ++i)
      bucketDefines[checked.bucketLengths[i]] = (double)lengths[i];
    std::optional<gptc::CheckedProgram> shape = gptc::analyze(program, bucketDefines, diags);
    if (!shape) {
      std::cerr << "gptc: error: the model does not elaborate for the bucket (" << lengths[0] << ", " << lengths[1]
                << ") of 'buckets' (see above)\n";
      return false;
    }
    for (size_t p = 0; p < checked.params.size(); ++p)
      if (shape->params.size() != checked.params.size() || shape->params[p].shape != checked.params[p].shape) {
        std::cerr << "gptc: error: the parameters depend on the bucket lengths (" << checked.bucketLengths[0]
                  << ", " << checked.bucketLengths[1] << "): '" << checked.params[p].name
                  << "' changes shape; every bucket trains the same weights\n";
        return false;
      }
    shape->train.buckets = buckets; // the list compiled (gptc --buckets may have replaced the model's)
    shapes.push_back(std::move(*shape));
  }
  return true;
}

/// One elaboration of the model through every stage in its own MLIR context:
/// prints the stage --emit asks for, or writes the object files `objectPaths`
/// (the model's functions split among them, compiled side by side) whose entry
/// points end in `suffix` (a length bucket's), embedding `manifest` when given.
/// False after an error (reported).
bool compileShape(const Options &opts, const gptc::CheckedProgram &checked, const std::string &suffix,
                  const std::string *manifest, const std::vector<std::string> &objectPaths,
                  bool quietThreads = false) {
  StageClock clock(opts.timeStages, suffix.empty() ? "" : " (bucket" + suffix + ")");
  mlir::DialectRegistry registry;
  gptc::registerGptcDialects(registry);
  mlir::MLIRContext context(registry);
  if (quietThreads) // several shapes compile side by side: one thread each
    context.disableMultithreading();
  // Diagnostics from passes (--remarks, internal errors) point into the model.
  llvm::SourceMgr modelSource;
  if (auto text = llvm::MemoryBuffer::getFile(opts.input))
    modelSource.AddNewSourceBuffer(std::move(*text), llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler passDiagnostics(modelSource, &context, llvm::errs());
  context.printOpOnDiagnostic(false);
  gptc::MLIRGenOptions genOptions;
  genOptions.useF64 = opts.dtype == "f64";
  genOptions.fileName = opts.input;
  mlir::OwningOpRef<mlir::ModuleOp> module = gptc::mlirGen(context, checked, genOptions);
  if (!module)
    return false;
  clock.lap("mlirgen");
  auto printed = [&](Stage stage) {
    if (opts.emit != stage)
      return false;
    module->print(llvm::outs());
    return true;
  };
  if (printed(Stage::NN))
    return true;
  auto runStage = [&](llvm::function_ref<void(mlir::OpPassManager &)> build) {
    mlir::PassManager pm(&context);
    build(pm);
    if (failed(pm.run(*module))) {
      std::cerr << "gptc: internal error: a compiler pass failed (see the message above)\n";
      return false;
    }
    return true;
  };
  gptc::TrainStepOptions trainStep;
  // nn.attention has only a CPU lowering: the GPU path compiles attention
  // from its primitives (batched GEMMs and a softmax kernel).
  // --gpu-kernels-on-cpu takes every choice of the GPU path up to its kernels.
  const bool gpuPath = opts.target != "cpu" || opts.gpuKernelsOnCPU;
  trainStep.fuseAttention = !opts.noFuseAttention && !gpuPath;
  trainStep.remarks = opts.remarks;
  // The CPU step calls @grad and @apply_grads: their code is compiled once
  // (half the LLVM work). The GPU host code keeps one function per step.
  trainStep.callGrad = !gpuPath;
  trainStep.splitEncoder = checked.train.data == gptc::DataKind::Parallel; // translation: ./train translate
  if (!runStage([&](mlir::OpPassManager &pm) { gptc::buildTrainStepPipeline(pm, trainStep); }))
    return false;
  clock.lap("autodiff");
  if (printed(Stage::Grad))
    return true;
  gptc::LowerToLinalgOptions toLinalg;
  toLinalg.concatInPlace = !gpuPath;
  toLinalg.gemmEpilogues = !gpuPath; // see fusion.gemmEpilogues
  if (!runStage([&](mlir::OpPassManager &pm) { gptc::buildLowerToLinalgPipeline(pm, toLinalg); }))
    return false;
  clock.lap("to-linalg");
  if (printed(Stage::Linalg))
    return true;
  gptc::FusionOptions fusion;
  fusion.remarks = opts.remarks;
  // The runtime's GEMM runs an elementwise consumer on each finished tile of
  // C; cuBLAS takes no such callback (the GPU keeps them separate kernels).
  fusion.gemmEpilogues = !gpuPath;
  if (!runStage([&](mlir::OpPassManager &pm) { gptc::buildFusionPipeline(pm, fusion); }))
    return false;
  clock.lap("fusion");
  if (printed(Stage::Fused))
    return true;
  // The runtime reads names, shapes and settings from this string in the object.
  if (manifest)
    (*module)->setAttr("gptc.manifest", mlir::StringAttr::get(&context, *manifest));
  if (!suffix.empty())
    (*module)->setAttr("gptc.entry_suffix", mlir::StringAttr::get(&context, suffix));
  if (opts.target != "cpu") {
    // Kernels to PTX, then the host side to LLVM with the CPU path's entry
    // points: the executable links with the same runtime.
    gptc::GPUOptions gpu;
    gpu.chip = opts.gpuChip;
    gpu.toolkit = opts.cudaToolkit;
    gpu.bf16Matmuls = opts.precision == "bf16";
    if (!runStage([&](mlir::OpPassManager &pm) { gptc::buildLowerToGPUPipeline(pm, gpu); }))
      return false;
    clock.lap("to-gpu");
    if (printed(Stage::Gpu))
      return true;
    if (!runStage([&](mlir::OpPassManager &pm) { gptc::buildLowerToNVVMPipeline(pm, gpu); }))
      return false;
    clock.lap("to-ptx");
    if (opts.emit == Stage::Ptx) {
      llvm::outs() << gptc::collectPTX(*module);
      return true;
    }
    if (!runStage([](mlir::OpPassManager &pm) { gptc::buildLowerGPUHostToLLVMPipeline(pm); }))
      return false;
  } else if (opts.gpuKernelsOnCPU) {
    bool bf16 = opts.precision == "bf16";
    if (!runStage([&](mlir::OpPassManager &pm) { gptc::buildGPUKernelsOnCPUPipeline(pm, bf16); }))
      return false;
  } else {
    gptc::LowerToLLVMOptions lowering;
    lowering.gemm = opts.gemm == "runtime" ? gptc::GemmKind::Runtime : gptc::GemmKind::Loops;
    lowering.remarks = opts.remarks;
    if (!runStage([&](mlir::OpPassManager &pm) { gptc::buildLowerToLLVMPipeline(pm, lowering); }))
      return false;
  }
  clock.lap("to-llvm-dialect");
  if (printed(Stage::LLVMDialect))
    return true;

  std::string error;
  if (opts.emit == Stage::LLVM) {
    llvm::LLVMContext llvmContext;
    auto llvmModule = gptc::translateToLLVMIR(*module, llvmContext, opts.optLevel, error);
    if (!llvmModule) {
      std::cerr << "gptc: error: " << error << "\n";
      return false;
    }
    llvmModule->print(llvm::outs(), nullptr);
    return true;
  }
  if (!gptc::compileToObjects(*module, opts.optLevel, objectPaths, error,
                              [&](const char *stage) { clock.lap(stage); })) {
    std::cerr << "gptc: error: " << error << "\n";
    return false;
  }
  clock.lap("llvm");
  return true;
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

  if (!opts.buckets.empty()) {
    if (checked->train.buckets.empty())
      return fail("--buckets: the model's train section has no 'buckets' to replace");
    std::vector<std::vector<int64_t>> buckets;
    std::stringstream list(opts.buckets);
    for (std::string pair; std::getline(list, pair, ',');) {
      long long S = 0, T = 0;
      char colon = 0, extra = 0;
      if (std::sscanf(pair.c_str(), "%lld %c %lld %c", &S, &colon, &T, &extra) != 3 || colon != ':' || S < 1 ||
          T < 1)
        return fail("--buckets expects S:T pairs of positive lengths separated by commas, got '" + pair + "'");
      buckets.push_back({S, T});
    }
    if (buckets.empty() || buckets.size() > (size_t)gptc::kMaxBuckets)
      return fail("--buckets takes 1 to " + std::to_string(gptc::kMaxBuckets) + " buckets, got " +
                  std::to_string(buckets.size()));
    checked->train.buckets = buckets;
  }

  if (opts.emit == Stage::Manifest) { // what the runtime will read (`./train info` prints it back)
    std::cout << gptc::buildManifest(*checked, opts.dtype, opts.target != "cpu", opts.precision) << "\n";
    return 0;
  }
  // One elaboration per compiled shape: the model as written, or one per length
  // bucket (the bucket's lengths override the config constants of its inputs).
  std::vector<gptc::CheckedProgram> shapes;
  if (!elaborateBuckets(program, *checked, defines, diags, shapes))
    return 1;
  std::string manifest = gptc::buildManifest(shapes[0], opts.dtype, opts.target != "cpu", opts.precision);
  if (opts.emit < Stage::Obj) // a printed stage: the first shape's
    return compileShape(opts, shapes[0], "", &manifest, {}) ? 0 : 1;
  if (opts.emit == Stage::Obj && shapes.size() > 1)
    return fail("--emit=obj writes one object, but this model has " + std::to_string(shapes.size()) +
                " length buckets (one object each): build the executable instead");

  // Objects go to fresh temporary files (never over a file of the user's),
  // except --emit=obj's. The buckets compile in parallel, one per core; a
  // single shape is split into one part per core instead.
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  size_t partsPerShape = opts.emit == Stage::Exe && shapes.size() == 1 ? std::min(cores, 8u) : 1;
  std::vector<std::vector<std::string>> objects(shapes.size());
  for (size_t k = 0; k < shapes.size(); ++k) {
    if (opts.emit == Stage::Obj) {
      objects[k].push_back(opts.output);
      continue;
    }
    for (size_t part = 0; part < partsPerShape; ++part) {
      llvm::SmallString<128> tmp;
      if (std::error_code ec = llvm::sys::fs::createTemporaryFile("gptc-model", "o", tmp))
        return fail("cannot create a temporary object file: " + ec.message());
      objects[k].push_back(std::string(tmp));
    }
  }
  std::vector<std::string> allObjects;
  for (const auto &shapeObjects : objects)
    allObjects.insert(allObjects.end(), shapeObjects.begin(), shapeObjects.end());
  auto removeObjects = [&] {
    if (opts.emit != Stage::Obj)
      for (const std::string &o : allObjects)
        llvm::sys::fs::remove(o);
  };
  llvm::InitializeNativeTarget(); // once, before the threads that use it
  llvm::InitializeNativeTargetAsmPrinter();
  std::vector<char> compiled(shapes.size(), 0);
  size_t workers = std::max<size_t>(1, std::min<size_t>(shapes.size(), std::thread::hardware_concurrency()));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t k; (k = next++) < shapes.size();)
      compiled[k] = compileShape(opts, shapes[k], gptc::entry::bucketSuffix((int64_t)k), k == 0 ? &manifest : nullptr,
                                 objects[k], /*quietThreads=*/workers > 1);
  };
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w)
    threads.emplace_back(work);
  work();
  for (std::thread &t : threads)
    t.join();
  if (std::count(compiled.begin(), compiled.end(), 0) > 0) {
    removeObjects();
    return 1;
  }
  if (opts.emit == Stage::Obj)
    return 0;
  std::string error;
  StageClock linkClock(opts.timeStages, "");
  bool linked = gptc::linkExecutable(allObjects, runtimeDirectory(argv[0]), opts.output, error);
  removeObjects();
  if (!linked)
    return fail(error);
  linkClock.lap("link");
  return 0;
}
