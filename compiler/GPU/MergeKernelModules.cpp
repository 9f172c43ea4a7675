// gptc-gpu-merge-kernel-modules (GPU): all kernels in one gpu.module.
//
// gpu-kernel-outlining puts each kernel in a gpu.module of its own, named
// after the kernel. The model's kernels are one unit for the runtime (one
// PTX, loaded once with cuModuleLoadDataEx, then cuModuleGetFunction per
// kernel), so they move into one gpu.module @gptc_kernels and every
// gpu.launch_func is redirected to it. Only the modules' names are unique
// (FUNCTION_kernel, FUNCTION_kernel_0, ...; the kernel in each is always
// FUNCTION_kernel), so each kernel takes its module's name. A constant
// global several kernels read (gptc-gpu-sink-constant-globals) was copied
// into each of their modules: the merged module keeps one copy. Each launch
// takes its kernel's class (gptc.kernel_class) from its function's list
// (gptc.kernel_classes, gptc-gpu-map-kernel-loops), whose entries are the
// function's kernels in the order of their launches.
#include "compiler/GPU/KernelTags.h"
#include "compiler/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace gptc {
#define GEN_PASS_DEF_GPUMERGEKERNELMODULES
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

struct GpuMergeKernelModulesPass : gptc::impl::GpuMergeKernelModulesBase<GpuMergeKernelModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> outlined(module.getOps<gpu::GPUModuleOp>());
    if (outlined.empty())
      return;
    OpBuilder b(outlined.front());
    auto merged = b.create<gpu::GPUModuleOp>(module.getLoc(), gptc::gpu::kKernelModuleName);
    Block &kernels = merged.getBodyRegion().front();
    for (gpu::GPUModuleOp single : outlined) {
      for (Operation &op : llvm::make_early_inc_range(single.getBodyRegion().front())) {
        if (op.hasTrait<OpTrait::IsTerminator>())
          continue;
        if (auto kernel = dyn_cast<gpu::GPUFuncOp>(op)) {
          SymbolTable::setSymbolName(kernel, single.getName());
        } else if (auto global = dyn_cast<memref::GlobalOp>(op);
                   global && SymbolTable::lookupSymbolIn(merged, global.getSymName())) {
          global->erase(); // the same host global, already copied
          continue;
        }
        op.moveBefore(kernels.getTerminator());
      }
      single->erase();
    }
    MLIRContext *ctx = &getContext();
    module.walk([&](gpu::LaunchFuncOp launch) {
      launch.setKernelAttr(SymbolRefAttr::get(ctx, gptc::gpu::kKernelModuleName,
                                              {FlatSymbolRefAttr::get(ctx, launch.getKernelModuleName())}));
    });
    for (func::FuncOp func : module.getOps<func::FuncOp>()) {
      auto classes = func->getAttrOfType<ArrayAttr>(gptc::gpu::kKernelClassesAttr);
      if (!classes)
        continue;
      func->removeAttr(gptc::gpu::kKernelClassesAttr);
      SmallVector<gpu::LaunchFuncOp> launches;
      func.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });
      if (launches.size() != classes.size()) {
        func.emitError("gptc-gpu-merge-kernel-modules: ")
            << launches.size() << " launches for " << classes.size() << " kernel loops";
        return signalPassFailure();
      }
      for (auto [launch, kernelClass] : llvm::zip(launches, classes))
        launch->setAttr(gptc::gpu::kKernelClassAttr, kernelClass);
    }
  }
};

} // namespace
