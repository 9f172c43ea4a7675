// The C ABI between generated code and the runtime: for each step function
// `void gptc_NAME(void **buffers)`, one pointer per memref argument in order
// (inputs, then the out-params that buffer-results-to-out-params appended),
// and the manifest string `const char gptc_manifest[]`. A module compiled for
// length bucket k > 0 (module attribute gptc.entry_suffix = "_k") renames its
// step functions NAME_k and exports gptc_NAME_k, so the buckets' objects link
// into one executable. A module compiled for the GPU also exports its PTX and
// kernel names (gptc_cuda_ptx, gptc_cuda_kernels: gptc/contract.h).
#include "compiler/Passes.h"
#include "gptc/contract.h"

namespace gptc {
#define GEN_PASS_DEF_EMITENTRYPOINTS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

struct EmitEntryPointsPass : public gptc::impl::EmitEntryPointsBase<EmitEntryPointsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToEnd(module.getBody());
    auto ptrType = LLVM::LLVMPointerType::get(&getContext());
    auto voidType = LLVM::LLVMVoidType::get(&getContext());
    std::string suffix;
    if (auto attr = module->getAttrOfType<StringAttr>("gptc.entry_suffix")) {
      suffix = attr.getValue().str();
      module->removeAttr("gptc.entry_suffix");
    }

    for (StringRef name : {gptc::entry::kForward, gptc::entry::kGrad, gptc::entry::kTrainStep,
                           gptc::entry::kApplyGrads, gptc::entry::kEncode, gptc::entry::kDecode,
                           gptc::entry::kDecodeStep}) {
      auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
      if (!fn)
        continue;
      if (!suffix.empty()) { // @train_step may call @grad and @apply_grads
        auto renamed = StringAttr::get(&getContext(), name + suffix);
        if (failed(SymbolTable::replaceAllSymbolUses(fn, renamed, module)))
          return signalPassFailure();
        fn.setSymName(renamed);
      }
      auto fnType = fn.getFunctionType();
      if (!isa<LLVM::LLVMVoidType>(fnType.getReturnType()) ||
          llvm::any_of(fnType.getParams(), [](Type t) { return !isa<LLVM::LLVMPointerType>(t); })) {
        fn.emitOpError("must take only pointers and return nothing (lower with bare-pointer "
                       "memrefs and buffer-results-to-out-params)");
        return signalPassFailure();
      }
      Location loc = fn.getLoc();
      auto entry = b.create<LLVM::LLVMFuncOp>(loc, (gptc::entry::kPrefix + name + suffix).str(),
                                              LLVM::LLVMFunctionType::get(voidType, {ptrType}));
      Block *body = entry.addEntryBlock(b);
      OpBuilder eb = OpBuilder::atBlockBegin(body);
      Value buffers = body->getArgument(0);
      SmallVector<Value> args;
      for (unsigned i = 0; i < fnType.getNumParams(); ++i) {
        Value slot = eb.create<LLVM::GEPOp>(loc, ptrType, ptrType, buffers,
                                            ArrayRef<LLVM::GEPArg>{(int32_t)i});
        args.push_back(eb.create<LLVM::LoadOp>(loc, ptrType, slot));
      }
      eb.create<LLVM::CallOp>(loc, fn, args);
      eb.create<LLVM::ReturnOp>(loc, ValueRange{});
    }

    auto exportString = [&](StringRef symbol, std::string text) {
      text.push_back('\0');
      auto arrayType = LLVM::LLVMArrayType::get(IntegerType::get(&getContext(), 8), text.size());
      b.create<LLVM::GlobalOp>(module.getLoc(), arrayType, /*isConstant=*/true, LLVM::Linkage::External, symbol,
                               b.getStringAttr(text));
    };
    if (auto manifest = module->getAttrOfType<StringAttr>("gptc.manifest")) {
      exportString(gptc::entry::kManifestSymbol, manifest.getValue().str());
      module->removeAttr("gptc.manifest");
    }
    // The GPU path (gptc-gpu-launches-to-runtime-calls): the kernels' PTX
    // and their names, per bucket.
    for (auto [attrName, symbol] : {std::pair<StringRef, StringRef>{"gptc.cuda_ptx", gptc::entry::kCudaPtxSymbol},
                                    {"gptc.cuda_kernels", gptc::entry::kCudaKernelsSymbol}}) {
      if (auto text = module->getAttrOfType<StringAttr>(attrName)) {
        exportString((symbol + suffix).str(), text.getValue().str());
        module->removeAttr(attrName);
      }
    }
    // gptc-split-encoder's memory types and gptc-incremental-decode's cache
    // types, for the runtime's buffers.
    for (auto [attrName, symbol] : {std::pair<StringRef, StringRef>{"gptc.encoder_outputs",
                                                                    gptc::entry::kEncoderOutputsSymbol},
                                    {"gptc.decode_caches", gptc::entry::kDecodeCachesSymbol}}) {
      auto types = module->getAttrOfType<ArrayAttr>(attrName);
      if (!types)
        continue;
      std::string text;
      for (Attribute attr : types) {
        auto type = cast<RankedTensorType>(cast<TypeAttr>(attr).getValue());
        Type elem = type.getElementType();
        if (!elem.isF32() && !elem.isF64() && !elem.isInteger(32)) {
          module.emitError("gptc-emit-entry-points: a tensor of type ") << type << " in " << attrName
                                                                        << " (f32, f64 or i32 only)";
          return signalPassFailure();
        }
        text += elem.isF32() ? "f32" : elem.isF64() ? "f64" : "i32";
        for (int64_t d : type.getShape())
          text += " " + std::to_string(d);
        text += "\n";
      }
      exportString((symbol + suffix).str(), text);
      module->removeAttr(attrName);
    }
  }
};

} // namespace
