// gptc-gpu-launches-to-runtime-calls (GPU host): kernel launches become calls
// into the runtime's CUDA backend, and the PTX becomes data of the executable.
//
// After gpu-module-to-binary the host functions hold gpu.launch_func ops and
// the module one gpu.binary (the PTX of gpu.module @gptc_kernels). Upstream's
// gpu-to-llvm would call MLIR's `mgpu*` wrappers, whose library links libcuda
// directly; the runtime instead opens the driver with dlopen (so the same
// binary says in one line that a machine has no driver) and loads the PTX
// once. So each launch becomes
//
//   %args = memref.alloca() : memref<Nxindex>     (one device address per buffer)
//   memref.store %address_i, %args[i]
//   call @gptc_cuda_launch(module, kernel, gridX, gridY, gridZ,
//                          blockX, blockY, blockZ, addressOf(%args), N)
//
// kernel: the kernel's number (its first launch's order in the module);
// module: the length bucket the module was compiled for (0 without buckets),
// whose PTX the runtime loaded as that module. The kernels take bare pointers
// (convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv}), so a buffer's
// parameter is its aligned address; that needs an identity layout, checked
// here. The PTX and the kernel names (one per line, by number, each followed
// by a tab and its class when its launch has one: gptc.kernel_class) go to
// the module attributes gptc.cuda_ptx and gptc.cuda_kernels, exported by
// gptc-emit-entry-points.
#include "compiler/GPU/KernelTags.h"
#include "compiler/GPU/PTX.h"
#include "compiler/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

#include <string>

namespace gptc {
#define GEN_PASS_DEF_GPULAUNCHESTORUNTIMECALLS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

constexpr char kLaunchFunction[] = "gptc_cuda_launch";

/// The bucket number of a module compiled with gptc.entry_suffix "_k".
int64_t bucketOf(ModuleOp module) {
  auto suffix = module->getAttrOfType<StringAttr>("gptc.entry_suffix");
  int64_t k = 0;
  if (suffix && suffix.getValue().starts_with("_"))
    suffix.getValue().drop_front().getAsInteger(10, k);
  return k;
}

struct GpuLaunchesToRuntimeCallsPass : gptc::impl::GpuLaunchesToRuntimeCallsBase<GpuLaunchesToRuntimeCallsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<gpu::LaunchFuncOp> launches;
    module.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });
    SmallVector<gpu::BinaryOp> binaries(module.getOps<gpu::BinaryOp>());
    if (!launches.empty() && binaries.size() != 1) {
      module.emitError("gptc-gpu-launches-to-runtime-calls: expected one gpu.binary (run gpu-module-to-binary), "
                       "found ")
          << binaries.size();
      return signalPassFailure();
    }

    IndexType index = IndexType::get(ctx);
    OpBuilder top = OpBuilder::atBlockBegin(module.getBody());
    if (!launches.empty() && !module.lookupSymbol<func::FuncOp>(kLaunchFunction)) {
      auto launchType = FunctionType::get(ctx, SmallVector<Type>(10, index), {});
      top.create<func::FuncOp>(module.getLoc(), kLaunchFunction, launchType).setPrivate();
    }

    llvm::StringMap<int64_t> kernelNumbers;
    std::string kernelNames;
    int64_t bucket = bucketOf(module);
    for (gpu::LaunchFuncOp launch : launches) {
      if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty() || launch.getDynamicSharedMemorySize() ||
          launch.getClusterSizeX()) {
        launch.emitOpError("gptc-gpu-launches-to-runtime-calls: async launches, clusters and dynamic shared "
                           "memory are not supported");
        return signalPassFailure();
      }
      StringRef name = launch.getKernelName().getValue();
      auto [it, inserted] = kernelNumbers.try_emplace(name, (int64_t)kernelNumbers.size());
      if (inserted) { // one line per kernel: its name, a tab and its class when it has one
        kernelNames += name.str();
        if (auto kernelClass = launch->getAttrOfType<StringAttr>(gptc::gpu::kKernelClassAttr))
          kernelNames += "\t" + kernelClass.getValue().str();
        kernelNames += "\n";
      }

      OpBuilder b(launch);
      Location loc = launch.getLoc();
      auto constant = [&](int64_t v) { return b.create<arith::ConstantIndexOp>(loc, v).getResult(); };
      ValueRange buffers = launch.getKernelOperands();
      Value args = constant(0);
      if (!buffers.empty()) {
        auto arrayType = MemRefType::get({(int64_t)buffers.size()}, index);
        Value array = b.create<memref::AllocaOp>(loc, arrayType);
        for (auto [i, buffer] : llvm::enumerate(buffers)) {
          auto type = dyn_cast<MemRefType>(buffer.getType());
          if (!type || !type.getLayout().isIdentity()) {
            launch.emitOpError("gptc-gpu-launches-to-runtime-calls: kernel argument ")
                << i << " is " << buffer.getType() << " (bare-pointer kernels take identity-layout memrefs only)";
            return signalPassFailure();
          }
          Value address = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, buffer);
          b.create<memref::StoreOp>(loc, address, array, ValueRange{constant((int64_t)i)});
        }
        args = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, array);
      }
      gpu::KernelDim3 grid = launch.getGridSizeOperandValues(), block = launch.getBlockSizeOperandValues();
      b.create<func::CallOp>(loc, kLaunchFunction, TypeRange{},
                             ValueRange{constant(bucket), constant(it->second), grid.x, grid.y, grid.z, block.x,
                                        block.y, block.z, args, constant((int64_t)buffers.size())});
      launch.erase();
    }

    if (!binaries.empty()) {
      module->setAttr("gptc.cuda_ptx", StringAttr::get(ctx, gptc::collectPTX(module)));
      module->setAttr("gptc.cuda_kernels", StringAttr::get(ctx, kernelNames));
      for (gpu::BinaryOp binary : binaries)
        binary.erase();
    }
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  }
};

} // namespace
