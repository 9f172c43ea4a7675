#include "gptc/cuda_backend.h"

#include "gptc/abi.h"
#include "gptc/contract.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace gptc {
namespace {

/// The PTX and kernel names of each bucket (null where the model has none).
struct CompiledModule {
  const char *ptx, *kernels;
};
#define GPTC_BUCKET(k) {gptc_cuda_ptx_##k, gptc_cuda_kernels_##k}
const CompiledModule kBucketModules[kMaxBuckets] = {
    {gptc_cuda_ptx, gptc_cuda_kernels}, GPTC_BUCKET(1), GPTC_BUCKET(2), GPTC_BUCKET(3), GPTC_BUCKET(4),
    GPTC_BUCKET(5),  GPTC_BUCKET(6),    GPTC_BUCKET(7), GPTC_BUCKET(8), GPTC_BUCKET(9), GPTC_BUCKET(10),
    GPTC_BUCKET(11)};
#undef GPTC_BUCKET

/// Device blocks are handed out in multiples of this (cuMemAlloc aligns to
/// 256 bytes anyway), so nearby sizes share blocks.
constexpr size_t kBlockGranule = 256;

std::unique_ptr<CudaBackend> theBackend;
/// The first error of a call from compiled code: an exception must not
/// unwind through the generated functions, so the call records it, the
/// following calls of the step do nothing, and CudaBackend::run throws it.
std::string pendingError;

bool environmentFlag(const char *name) {
  const char *value = std::getenv(name);
  return value && *value && std::string(value) != "0";
}

/// Runs `call` on the backend unless an earlier call of this step failed.
template <typename Call> void fromCompiledCode(Call call) {
  if (!theBackend) {
    std::fprintf(stderr, "gptc: a GPU step function ran without the CUDA backend (a CPU model linked wrongly?)\n");
    std::abort();
  }
  if (!pendingError.empty())
    return;
  try {
    call(*theBackend);
  } catch (const std::exception &e) {
    pendingError = e.what();
  }
}

} // namespace

CudaBackend &CudaBackend::open() {
  if (!theBackend)
    theBackend.reset(new CudaBackend());
  return *theBackend;
}

void CudaBackend::shutdown() {
  if (!theBackend)
    return;
  try {
    theBackend->collectTimings();
  } catch (const std::exception &) {
    // After a failed kernel the events cannot be read either.
  }
  theBackend->printProfile();
  theBackend->freeEverything();
  theBackend.reset();
}

CudaBackend::CudaBackend() : driver_(CudaDriver::open()) {
  driver_->init(0);
  cublas_ = Cublas::open();
  cublasHandle_ = cublas_->createHandle();
  // cuBLAS's default math is full f32 (as the CPU's GEMM); TF32 tensor cores
  // only when asked for.
  if (environmentFlag("GPTC_CUDA_TF32"))
    cublas_->setMathMode(cublasHandle_, MathMode::TF32TensorOp);
  profiling_ = environmentFlag("GPTC_CUDA_PROFILE");
  syncEachLaunch_ = environmentFlag("GPTC_CUDA_SYNC");
  int major = driver_->deviceAttribute(DeviceAttribute::ComputeCapabilityMajor);
  int minor = driver_->deviceAttribute(DeviceAttribute::ComputeCapabilityMinor);
  CudaDriver::MemoryInfo memory = driver_->memInfo();
  std::fprintf(stderr, "gptc: GPU 0: %s (sm_%d%d, %d SMs, %.1f of %.1f GiB free)\n", driver_->deviceName().c_str(),
               major, minor, driver_->deviceAttribute(DeviceAttribute::MultiprocessorCount),
               memory.freeBytes / double(1 << 30), memory.totalBytes / double(1 << 30));
  loadModules(); // after naming the GPU: a rejected PTX is then reported on a named device
}

CudaBackend::~CudaBackend() = default;

void CudaBackend::loadModules() {
  for (int64_t k = 0; k < kMaxBuckets; ++k) {
    Module &module = modules_.emplace_back();
    module.name = "gptc_kernels" + entry::bucketSuffix(k);
    const CompiledModule &compiled = kBucketModules[k];
    if (!compiled.ptx || !compiled.kernels)
      continue;
    CUmodule loaded = driver_->loadModule(compiled.ptx, module.name);
    std::istringstream names(compiled.kernels);
    for (std::string line; std::getline(names, line);) { // NAME or NAME<tab>CLASS
      size_t tab = line.find('\t');
      std::string name = line.substr(0, tab);
      module.kernels.push_back(driver_->function(loaded, name));
      module.kernelNames.push_back(name);
      module.kernelClasses.push_back(tab == std::string::npos ? "kernel" : line.substr(tab + 1));
    }
  }
  if (modules_[0].kernels.empty())
    throw CudaError("this executable has no GPU kernels (gptc_cuda_ptx): was the model compiled with --target=cuda?");
}

template <typename Queue>
void CudaBackend::timed(const std::string &name, const std::string &kind, Queue queue) {
  if (!profiling_) {
    queue();
    return;
  }
  auto event = [&] {
    if (spareEvents_.empty())
      return driver_->createEvent();
    CUevent e = spareEvents_.back();
    spareEvents_.pop_back();
    return e;
  };
  PendingTiming timing{name, kind, event(), event()};
  driver_->recordEvent(timing.start, nullptr);
  queue();
  driver_->recordEvent(timing.end, nullptr);
  pending_.push_back(timing);
}

void CudaBackend::collectTimings() {
  for (const PendingTiming &t : pending_) {
    KernelTime &time = profile_[t.name];
    time.kind = t.kind;
    ++time.calls;
    time.milliseconds += driver_->elapsedMilliseconds(t.start, t.end);
    spareEvents_.push_back(t.start);
    spareEvents_.push_back(t.end);
  }
  pending_.clear();
}

/// One line per kernel (and GEMM shape), the slowest first: what
/// scripts/gpu-check.sh reads. GPTC_CUDA_PROFILE=1 prints to stderr; any
/// other value is a file to write.
void CudaBackend::printProfile() const {
  if (!profiling_ || profile_.empty())
    return;
  const char *target = std::getenv("GPTC_CUDA_PROFILE");
  bool toStderr = std::string(target) == "1";
  FILE *out = toStderr ? stderr : std::fopen(target, "w");
  if (!out) {
    std::fprintf(stderr, "gptc: cannot write the GPU profile to %s\n", target);
    return;
  }
  std::vector<std::pair<std::string, KernelTime>> rows(profile_.begin(), profile_.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto &a, const auto &b) { return a.second.milliseconds > b.second.milliseconds; });
  double kernels = 0, gemms = 0;
  for (const auto &[name, time] : rows)
    (name.rfind("cublas ", 0) == 0 ? gemms : kernels) += time.milliseconds;
  std::fprintf(out, "profile: %-64s %8s %12s %10s %7s\n", "kernel <<<grid x block>>> | cublas gemm MxNxK", "calls",
               "total_ms", "mean_us", "share");
  for (const auto &[name, time] : rows)
    std::fprintf(out, "profile: %-64s %8lld %12.3f %10.2f %6.2f%%\n", name.c_str(), (long long)time.calls,
                 time.milliseconds, 1000 * time.milliseconds / time.calls,
                 100 * time.milliseconds / std::max(kernels + gemms, 1e-9));
  std::fprintf(out, "profile-total: generated_kernels_ms %.3f cublas_ms %.3f\n", kernels, gemms);
  // By class: the kinds of generated kernel (compiler/GPU/KernelTags.h) and
  // cuBLAS's plain and batched GEMMs, the most time first.
  struct ClassTime {
    int64_t rows = 0, calls = 0;
    double milliseconds = 0;
  };
  std::map<std::string, ClassTime> byClass;
  for (const auto &[name, time] : rows) {
    ClassTime &c = byClass[time.kind];
    ++c.rows;
    c.calls += time.calls;
    c.milliseconds += time.milliseconds;
  }
  std::vector<std::pair<std::string, ClassTime>> classes(byClass.begin(), byClass.end());
  std::sort(classes.begin(), classes.end(),
            [](const auto &a, const auto &b) { return a.second.milliseconds > b.second.milliseconds; });
  std::fprintf(out, "profile-class: %-24s %8s %8s %12s %7s\n", "class", "kernels", "calls", "total_ms", "share");
  for (const auto &[kind, time] : classes)
    std::fprintf(out, "profile-class: %-24s %8lld %8lld %12.3f %6.2f%%\n", kind.c_str(), (long long)time.rows,
                 (long long)time.calls, time.milliseconds, 100 * time.milliseconds / std::max(kernels + gemms, 1e-9));
  if (!toStderr)
    std::fclose(out);
}

void CudaBackend::freeEverything() {
  try {
    // Every block ever allocated: spare, holding a weight, or left in use by
    // a step that failed.
    weights_.clear();
    freeBlocks_.clear();
    for (auto &[block, bytes] : blockBytes_)
      driver_->free(block);
    blockBytes_.clear();
    for (CUevent e : spareEvents_)
      driver_->destroyEvent(e);
    spareEvents_.clear();
    if (cublasHandle_)
      cublas_->destroyHandle(cublasHandle_);
    cublasHandle_ = nullptr;
  } catch (const std::exception &) {
    // After a failed kernel the context is unusable: the process ends anyway.
  }
}

CUdeviceptr CudaBackend::allocate(size_t bytes) {
  size_t rounded = std::max<size_t>(1, (bytes + kBlockGranule - 1) / kBlockGranule) * kBlockGranule;
  std::vector<CUdeviceptr> &spare = freeBlocks_[rounded];
  if (!spare.empty()) {
    CUdeviceptr block = spare.back();
    spare.pop_back();
    return block;
  }
  CUdeviceptr block;
  try {
    block = driver_->alloc(rounded);
  } catch (const CudaError &) {
    // Out of memory with blocks of other sizes kept: give them back, retry once.
    driver_->synchronize();
    for (auto &[size, blocks] : freeBlocks_) {
      for (CUdeviceptr b : blocks) {
        driver_->free(b);
        blockBytes_.erase(b);
      }
      blocks.clear();
    }
    block = driver_->alloc(rounded);
  }
  blockBytes_[block] = rounded;
  return block;
}

void CudaBackend::release(CUdeviceptr address) {
  if (!address)
    return;
  auto it = blockBytes_.find(address);
  if (it == blockBytes_.end())
    throw CudaError("freeing GPU memory the runtime did not allocate (address " + std::to_string(address) + ")");
  freeBlocks_[it->second].push_back(address);
}

void CudaBackend::run(void (*step)(void **), const std::vector<StepBuffer> &buffers,
                      const std::function<void()> &whileRunning) {
  std::vector<void *> addresses;
  std::vector<CUdeviceptr> scratch;
  for (const StepBuffer &b : buffers) {
    Tensor &t = *b.tensor;
    CUdeviceptr address;
    if (b.use == BufferUse::Input || b.use == BufferUse::Output || b.use == BufferUse::Discarded) {
      address = allocate(t.bytes());
      scratch.push_back(address);
      if (b.use == BufferUse::Input)
        driver_->copyToDevice(address, t.data(), t.bytes());
    } else {
      auto it = weights_.find(t.data());
      if (it != weights_.end() && it->second.bytes != t.bytes()) { // a new tensor where an old one was
        release(it->second.address);
        weights_.erase(it);
        it = weights_.end();
      }
      if (it == weights_.end())
        it = weights_.emplace(t.data(), DeviceCopy{allocate(t.bytes()), t.bytes(), Freshness::HostNewer}).first;
      DeviceCopy &copy = it->second;
      if (b.use == BufferUse::Weights && copy.freshness == Freshness::HostNewer) {
        driver_->copyToDevice(copy.address, t.data(), t.bytes());
        copy.freshness = Freshness::Same;
      }
      address = copy.address;
    }
    addresses.push_back(reinterpret_cast<void *>(uintptr_t(address)));
  }
  step(addresses.data());
  if (!pendingError.empty()) {
    std::string error;
    std::swap(error, pendingError);
    throw CudaError(error);
  }
  if (whileRunning)
    whileRunning();
  driver_->synchronize();
  collectTimings();
  for (size_t i = 0; i < buffers.size(); ++i) {
    Tensor &t = *buffers[i].tensor;
    if (buffers[i].use == BufferUse::Output)
      driver_->copyToHost(t.data(), uintptr_t(addresses[i]), t.bytes());
    if (buffers[i].use == BufferUse::NewWeights)
      weights_.at(t.data()).freshness = Freshness::DeviceNewer;
  }
  for (CUdeviceptr address : scratch)
    release(address);
}

void CudaBackend::syncToHost() {
  for (auto &[host, copy] : weights_)
    if (copy.freshness == Freshness::DeviceNewer) {
      driver_->copyToHost(const_cast<void *>(host), copy.address, copy.bytes);
      copy.freshness = Freshness::Same;
    }
}

void CudaBackend::hostChanged() {
  syncToHost();
  for (auto &[host, copy] : weights_)
    copy.freshness = Freshness::HostNewer;
}

void CudaBackend::forgetWeights() {
  for (auto &[host, copy] : weights_)
    release(copy.address);
  weights_.clear();
}

void CudaBackend::launch(int64_t module, int64_t kernel, const unsigned grid[3], const unsigned block[3],
                         uint64_t *args, int64_t count) {
  if (module < 0 || module >= (int64_t)modules_.size() || kernel < 0 ||
      kernel >= (int64_t)modules_[module].kernels.size())
    throw CudaError("launch of kernel " + std::to_string(kernel) + " of module " + std::to_string(module) +
                    ", which the executable does not have");
  const Module &m = modules_[module];
  const std::string &name = m.kernelNames[kernel];
  std::vector<void *> params((size_t)count);
  for (int64_t i = 0; i < count; ++i)
    params[i] = &args[i];
  auto queue = [&] { driver_->launch(m.kernels[kernel], name, grid, block, 0, nullptr, params.data()); };
  if (profiling_) // the launch shape in the row: a 1-thread kernel is a class of its own
    timed(name + " <<<" + std::to_string(grid[0]) + "," + std::to_string(grid[1]) + "," + std::to_string(grid[2]) +
              " x " + std::to_string(block[0]) + "," + std::to_string(block[1]) + "," + std::to_string(block[2]) +
              ">>>",
          m.kernelClasses[kernel], queue);
  else
    queue();
  if (syncEachLaunch_) // a fault is then reported with the kernel that caused it
    driver_->synchronize();
}

void CudaBackend::gemm(GemmMath math, CUdeviceptr a, CUdeviceptr b, CUdeviceptr c, int64_t batch, int64_t m,
                       int64_t n, int64_t k, bool transposeA, bool transposeB, bool accumulate) {
  // Row-major operands as stored: A is [m, k] or, transposed, [k, m].
  int lda = int(transposeA ? m : k), ldb = int(transposeB ? k : n), ldc = int(n);
  Transpose ta = transposeA ? Transpose::Yes : Transpose::No, tb = transposeB ? Transpose::Yes : Transpose::No;
  const char *type = math == GemmMath::F64 ? "f64 " : math == GemmMath::BF16 ? "bf16 " : "f32 ";
  std::string name = std::string("cublas gemm ") + type + std::to_string(m) + "x" + std::to_string(n) + "x" +
                     std::to_string(k) + (batch > 1 ? " batch " + std::to_string(batch) : "") +
                     (transposeA ? " tA" : "") + (transposeB ? " tB" : "") + (accumulate ? " acc" : "");
  timed(name, batch > 1 ? "cublas_batched_gemm" : "cublas_gemm", [&] {
    double beta = accumulate ? 1 : 0;
    if (math == GemmMath::BF16 && batch == 1)
      cublas_->gemmEx(cublasHandle_, ta, tb, int(m), int(n), int(k), 1.0f, a, DataType::F32, lda, b, DataType::F32,
                      ldb, float(beta), c, DataType::F32, ldc, ComputeType::F32FastBF16);
    else if (math == GemmMath::BF16)
      cublas_->gemmStridedBatchedEx(cublasHandle_, ta, tb, int(m), int(n), int(k), 1.0f, a, DataType::F32, lda,
                                    m * k, b, DataType::F32, ldb, k * n, float(beta), c, DataType::F32, ldc, m * n,
                                    int(batch), ComputeType::F32FastBF16);
    else if (math == GemmMath::F64 && batch == 1)
      cublas_->gemm(cublasHandle_, ta, tb, int(m), int(n), int(k), 1.0, a, lda, b, ldb, beta, c, ldc);
    else if (math == GemmMath::F64)
      cublas_->gemmStridedBatched(cublasHandle_, ta, tb, int(m), int(n), int(k), 1.0, a, lda, m * k, b, ldb, k * n,
                                  beta, c, ldc, m * n, int(batch));
    else if (batch == 1)
      cublas_->gemm(cublasHandle_, ta, tb, int(m), int(n), int(k), 1.0f, a, lda, b, ldb, float(beta), c, ldc);
    else
      cublas_->gemmStridedBatched(cublasHandle_, ta, tb, int(m), int(n), int(k), 1.0f, a, lda, m * k, b, ldb, k * n,
                                  float(beta), c, ldc, m * n, int(batch));
  });
}

} // namespace gptc

using gptc::CudaBackend;

extern "C" {

void gptc_cuda_launch(intptr_t module, intptr_t kernel, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                      intptr_t blockX, intptr_t blockY, intptr_t blockZ, intptr_t args, intptr_t count) {
  gptc::fromCompiledCode([&](CudaBackend &backend) {
    const unsigned grid[3] = {unsigned(gridX), unsigned(gridY), unsigned(gridZ)};
    const unsigned block[3] = {unsigned(blockX), unsigned(blockY), unsigned(blockZ)};
    backend.launch(module, kernel, grid, block, reinterpret_cast<uint64_t *>(args), count);
  });
}

void gptc_cuda_gemm_f32(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n, intptr_t k,
                        intptr_t transposeA, intptr_t transposeB, intptr_t accumulate) {
  gptc::fromCompiledCode([&](CudaBackend &backend) {
    backend.gemm(CudaBackend::GemmMath::F32, a, b, c, batch, m, n, k, transposeA, transposeB, accumulate);
  });
}

void gptc_cuda_gemm_f64(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n, intptr_t k,
                        intptr_t transposeA, intptr_t transposeB, intptr_t accumulate) {
  gptc::fromCompiledCode([&](CudaBackend &backend) {
    backend.gemm(CudaBackend::GemmMath::F64, a, b, c, batch, m, n, k, transposeA, transposeB, accumulate);
  });
}

void gptc_cuda_gemm_bf16_f32(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n,
                             intptr_t k, intptr_t transposeA, intptr_t transposeB, intptr_t accumulate) {
  gptc::fromCompiledCode([&](CudaBackend &backend) {
    backend.gemm(CudaBackend::GemmMath::BF16, a, b, c, batch, m, n, k, transposeA, transposeB, accumulate);
  });
}

void *_mlir_memref_to_llvm_alloc(uint64_t bytes) {
  gptc::CUdeviceptr address = 0;
  gptc::fromCompiledCode([&](CudaBackend &backend) { address = backend.allocate(bytes); });
  return reinterpret_cast<void *>(uintptr_t(address));
}

void _mlir_memref_to_llvm_free(void *address) {
  gptc::fromCompiledCode([&](CudaBackend &backend) { backend.release(uintptr_t(address)); });
}

} // extern "C"
