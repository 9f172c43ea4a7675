// The CUDA backend: runs the step functions of a model compiled with
// --target=cuda (gptc/abi.h) on the GPU.
//
// The compiled host code allocates its temporaries, launches its kernels and
// calls cuBLAS through the backend (gptc_cuda_launch, gptc_cuda_gemm_*,
// _mlir_memref_to_llvm_alloc/free), with device addresses only. The runtime
// around it is the CPU's: its Model keeps host tensors, and the backend keeps
// a device copy of each buffer a step function is given:
//   weights (params, optimizer state) stay on the device between steps and are
//     copied down only when the host reads them (checkpoints, --dump) and up
//     only when the host changed them (initialisation, a resumed checkpoint);
//   everything else is copied up before a call (the batch, the dropout seed,
//     the hyperparameters) or down after it (the loss, `out`, gradients).
// The driver and cuBLAS are opened with dlopen (cuda_driver.h): without a
// driver the backend cannot be opened, and says so in one line.
#ifndef GPTC_RUNTIME_CUDA_BACKEND_H
#define GPTC_RUNTIME_CUDA_BACKEND_H

#include "gptc/cublas_loader.h"
#include "gptc/cuda_driver.h"
#include "gptc/tensor.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace gptc {

/// How a step function uses one of its buffers.
enum class BufferUse {
  Input,      // copied up before the call
  Output,     // copied down after it
  Weights,    // read; kept on the device, copied up only after the host changed it
  NewWeights, // written; left on the device (the host copy is stale until syncToHost)
  Discarded,  // written by the step and not wanted: device memory only, never copied
};

struct StepBuffer {
  Tensor *tensor;
  BufferUse use;
};

class CudaBackend {
public:
  /// The process's backend, opened on first use: the driver (GPTC_LIBCUDA)
  /// and cuBLAS (GPTC_LIBCUBLAS) loaded, GPU 0's context current, every
  /// bucket's PTX loaded and each of its kernels found. Throws CudaError.
  static CudaBackend &open();
  /// Prints the profile (GPTC_CUDA_PROFILE) and frees every device buffer;
  /// does nothing if the backend was never opened. Never throws.
  static void shutdown();

  /// Calls `step` with the device copies of `buffers` (gptc/abi.h order),
  /// then waits for the GPU: a kernel's failure is reported here, naming the
  /// last kernel launched. `whileRunning` (if any) runs on the host after
  /// the step's work is queued and before the wait, while the GPU computes
  /// (the training loop prepares the next batch there); it must not touch
  /// this call's Output or NewWeights tensors, and an Input's host tensor is
  /// free again by then (uploads are done when they return).
  void run(void (*step)(void **), const std::vector<StepBuffer> &buffers,
           const std::function<void()> &whileRunning = nullptr);
  /// Copies every weight the GPU changed to its host tensor.
  void syncToHost();
  /// syncToHost, then marks every weight as changed on the host: each is
  /// copied up before its next use.
  void hostChanged();
  /// Forgets the device copies of the weights (their host tensors are gone).
  void forgetWeights();

  // The compiled host code's calls (gptc/abi.h).
  void launch(int64_t module, int64_t kernel, const unsigned grid[3], const unsigned block[3], uint64_t *args,
              int64_t count);
  /// The element type of a GEMM's matrices and how its products are taken:
  /// F32 in full f32 (unless GPTC_CUDA_TF32), F64, or BF16: f32 matrices
  /// whose operands cuBLAS rounds to bf16 for the tensor cores, summing in
  /// f32 (CUBLAS_COMPUTE_32F_FAST_16BF; --precision=bf16).
  enum class GemmMath { F32, F64, BF16 };
  void gemm(GemmMath math, CUdeviceptr a, CUdeviceptr b, CUdeviceptr c, int64_t batch, int64_t m, int64_t n,
            int64_t k, bool transposeA, bool transposeB, bool accumulate);
  CUdeviceptr allocate(size_t bytes);
  void release(CUdeviceptr address);

  ~CudaBackend();

private:
  CudaBackend();
  void loadModules();
  /// Times the GPU work queued by `queue` when profiling, as a row `name` of
  /// the profile in class `kind` (a kernel's class, or cuBLAS's).
  template <typename Queue> void timed(const std::string &name, const std::string &kind, Queue queue);
  void collectTimings();
  void printProfile() const;
  void freeEverything();

  struct Module {
    std::string name;
    std::vector<std::string> kernelNames;
    std::vector<std::string> kernelClasses; // "kernel" where the executable names none
    std::vector<CUfunction> kernels;
  };
  enum class Freshness { Same, HostNewer, DeviceNewer };
  struct DeviceCopy {
    CUdeviceptr address;
    size_t bytes;
    Freshness freshness;
  };
  struct PendingTiming {
    std::string name, kind;
    CUevent start, end;
  };
  struct KernelTime {
    std::string kind;
    int64_t calls = 0;
    double milliseconds = 0;
  };

  std::unique_ptr<CudaDriver> driver_;
  std::unique_ptr<Cublas> cublas_;
  cublasHandle_t cublasHandle_ = nullptr;
  std::vector<Module> modules_; // by bucket; a bucket without PTX has no kernels
  // Device memory is kept once allocated: a step allocates the same sizes
  // every time, so after the first no step calls cuMemAlloc or cuMemFree
  // (which would also wait for the GPU).
  std::unordered_map<CUdeviceptr, size_t> blockBytes_;
  std::unordered_map<size_t, std::vector<CUdeviceptr>> freeBlocks_;
  std::unordered_map<const void *, DeviceCopy> weights_; // by host address
  bool profiling_ = false;      // GPTC_CUDA_PROFILE
  bool syncEachLaunch_ = false; // GPTC_CUDA_SYNC: wait for the GPU after every launch
  std::vector<PendingTiming> pending_;
  std::vector<CUevent> spareEvents_;
  std::map<std::string, KernelTime> profile_;
};

} // namespace gptc

#endif
