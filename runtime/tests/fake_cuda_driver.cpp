// A fake libcuda (and libcublas) for cuda_driver_test.cpp: a tiny shared
// library whose entry points behave as the real ones do on the paths the tests
// take, with host memory standing in for the GPU's. Built twice: complete, and
// with GPTC_FAKE_CUDA_INCOMPLETE, lacking cuModuleLoadDataEx and all of cuBLAS
// (as an old driver lacks newer entry points).
//
//   cuMemAlloc_v2       CUDA_ERROR_OUT_OF_MEMORY above 1 GiB
//   cuModuleLoadDataEx  CUDA_ERROR_INVALID_PTX with a ptxas log when the PTX
//                       contains "bad" (a log of six errors for "many errors")
//   cuModuleGetFunction CUDA_ERROR_NOT_FOUND for a kernel named "missing"
//   cuLaunchKernel      CUDA_ERROR_LAUNCH_FAILED for kernel "fails"; kernel
//                       "faults_later" launches, and the next sync fails
//   cublasGemmEx        CUBLAS_STATUS_NOT_SUPPORTED unless every type is f32
//
// The GPU `train` runs against it too (test/GPU/fake-driver-run.test): kernels
// do not run (device memory is host memory, cuBLAS computes), so a run checks
// what the backend asks of the driver, not what the kernels compute. Set by
// the environment:
//   GPTC_FAKE_CUDA_LOG=FILE          appends one line per call (see logCall)
//   GPTC_FAKE_CUDA_REJECT_PTX=1      cuModuleLoadDataEx rejects every PTX
//   GPTC_FAKE_CUDA_FAIL_LAUNCH=NAME  launching kernel NAME fails
//   GPTC_FAKE_CUDA_FAULT=NAME        kernel NAME launches, the next sync fails
//   GPTC_FAKE_CUDA_MEMORY=BYTES      cuMemAlloc_v2 fails once this much is allocated
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <string>

namespace {

using CUresult = int;
using CUdeviceptr = unsigned long long;

constexpr CUresult kSuccess = 0;
constexpr CUresult kInvalidValue = 1;
constexpr CUresult kOutOfMemory = 2;
constexpr CUresult kInvalidDevice = 101;
constexpr CUresult kInvalidPtx = 218;
constexpr CUresult kNotFound = 500;
constexpr CUresult kLaunchFailed = 719;

struct ErrorText {
  CUresult result;
  const char *name;
  const char *text;
};
const ErrorText kErrors[] = {
    {kSuccess, "CUDA_SUCCESS", "no error"},
    {kInvalidValue, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {kOutOfMemory, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {kInvalidDevice, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {kInvalidPtx, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
    {kNotFound, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {kLaunchFailed, "CUDA_ERROR_LAUNCH_FAILED", "unspecified launch failure"},
};

/// The error a sync reports: set by a launch of "faults_later".
CUresult pendingError = kSuccess;

// Handles are addresses of these; their values mean nothing.
int theContext, theModule, theStream, theEvent;

/// A kernel handle: its name, and how it behaves.
struct FakeKernel {
  std::string name;
};

const char *environment(const char *name) {
  const char *value = std::getenv(name);
  return value && *value ? value : nullptr;
}

/// One line per call to GPTC_FAKE_CUDA_LOG, when set.
void logCall(const char *format, ...) {
  const char *path = environment("GPTC_FAKE_CUDA_LOG");
  if (!path)
    return;
  FILE *log = std::fopen(path, "a");
  if (!log)
    return;
  va_list args;
  va_start(args, format);
  std::vfprintf(log, format, args);
  va_end(args);
  std::fputc('\n', log);
  std::fclose(log);
}

/// The size of each live allocation, for the log and the memory limit.
std::map<CUdeviceptr, size_t> &allocations() {
  static std::map<CUdeviceptr, size_t> live;
  return live;
}
size_t allocatedBytes = 0;

bool named(const FakeKernel *kernel, const char *variable, const char *builtin) {
  const char *name = environment(variable);
  return kernel->name == builtin || (name && kernel->name == name);
}

} // namespace

extern "C" {

CUresult cuGetErrorName(CUresult result, const char **name) {
  for (const ErrorText &e : kErrors)
    if (e.result == result)
      return *name = e.name, kSuccess;
  *name = nullptr;
  return kInvalidValue;
}

CUresult cuGetErrorString(CUresult result, const char **text) {
  for (const ErrorText &e : kErrors)
    if (e.result == result)
      return *text = e.text, kSuccess;
  *text = nullptr;
  return kInvalidValue;
}

CUresult cuInit(unsigned) { return kSuccess; }

CUresult cuDeviceGet(int *device, int ordinal) {
  if (ordinal != 0)
    return kInvalidDevice;
  *device = 0;
  return kSuccess;
}

CUresult cuDeviceGetName(char *name, int length, int) {
  std::strncpy(name, "Fake GPU", length);
  return kSuccess;
}

CUresult cuDeviceGetAttribute(int *value, int attribute, int) {
  switch (attribute) {
  case 16: // multiprocessors
    return *value = 132, kSuccess;
  case 75: // compute capability 9.0
    return *value = 9, kSuccess;
  case 76:
    return *value = 0, kSuccess;
  }
  return kInvalidValue;
}

CUresult cuDevicePrimaryCtxRetain(void **context, int) {
  *context = &theContext;
  return kSuccess;
}

CUresult cuCtxSetCurrent(void *context) { return context == &theContext ? kSuccess : kInvalidValue; }

#ifndef GPTC_FAKE_CUDA_INCOMPLETE
/// Reads the error log buffer and its size from the options as the driver
/// does, and writes ptxas's message there for PTX containing "bad".
CUresult cuModuleLoadDataEx(void **module, const void *image, unsigned numOptions, int *options, void **values) {
  const char *ptx = static_cast<const char *>(image);
  int entries = 0;
  for (const char *p = ptx; (p = std::strstr(p, ".entry ")); ++p)
    ++entries;
  logCall("cuModuleLoadDataEx ptx_bytes=%zu entries=%d", std::strlen(ptx), entries);
  if (!std::strstr(ptx, "bad ptx") && !environment("GPTC_FAKE_CUDA_REJECT_PTX")) {
    *module = &theModule;
    return kSuccess;
  }
  char *log = nullptr;
  size_t logBytes = 0;
  for (unsigned i = 0; i < numOptions; ++i) {
    if (options[i] == 5) // CU_JIT_ERROR_LOG_BUFFER
      log = static_cast<char *>(values[i]);
    if (options[i] == 6) // CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES
      logBytes = uintptr_t(values[i]);
  }
  std::string message = "ptxas fatal   : Unresolved extern function '__nv_tanhf'\n";
  if (std::strstr(static_cast<const char *>(image), "many errors"))
    for (int line = 1; line <= 5; ++line)
      message += "\nptxas application ptx input, line " + std::to_string(line) + "; error   : Unknown symbol\n";
  if (log && logBytes > 0) {
    std::strncpy(log, message.c_str(), logBytes - 1);
    log[logBytes - 1] = '\0';
  }
  return kInvalidPtx;
}
#endif

CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
  logCall("cuModuleGetFunction %s", name);
  if (module != &theModule || std::strcmp(name, "missing") == 0)
    return kNotFound;
  *function = new FakeKernel{name}; // one per lookup; a test's few leak
  return kSuccess;
}

CUresult cuLaunchKernel(void *function, unsigned gridX, unsigned gridY, unsigned gridZ, unsigned blockX,
                        unsigned blockY, unsigned blockZ, unsigned, void *, void **params, void **) {
  auto *kernel = static_cast<FakeKernel *>(function);
  // A gptc kernel's first parameter is a buffer: a device address inside a
  // block from cuMemAlloc_v2, or (a constant) a global of the module.
  int deviceArgument = 0;
  if (params && params[0]) {
    CUdeviceptr first = *static_cast<CUdeviceptr *>(params[0]);
    auto it = allocations().upper_bound(first);
    deviceArgument = it != allocations().begin() && first < std::prev(it)->first + std::prev(it)->second;
  }
  logCall("cuLaunchKernel %s grid=%u,%u,%u block=%u,%u,%u arg0_on_device=%d", kernel->name.c_str(), gridX, gridY,
          gridZ, blockX, blockY, blockZ, deviceArgument);
  if (named(kernel, "GPTC_FAKE_CUDA_FAIL_LAUNCH", "fails"))
    return kLaunchFailed;
  if (named(kernel, "GPTC_FAKE_CUDA_FAULT", "faults_later"))
    pendingError = kLaunchFailed;
  return kSuccess;
}

CUresult cuMemAlloc_v2(CUdeviceptr *address, size_t bytes) {
  size_t limit = size_t(1) << 30;
  if (const char *memory = environment("GPTC_FAKE_CUDA_MEMORY"))
    limit = std::strtoull(memory, nullptr, 10);
  if (allocatedBytes + bytes > limit) {
    logCall("cuMemAlloc_v2 %zu out_of_memory", bytes);
    return kOutOfMemory;
  }
  // Zeroed, so a buffer no kernel writes (none runs) reads as zeros.
  *address = uintptr_t(std::calloc(1, bytes));
  allocations()[*address] = bytes;
  allocatedBytes += bytes;
  logCall("cuMemAlloc_v2 %zu", bytes);
  return kSuccess;
}

CUresult cuMemFree_v2(CUdeviceptr address) {
  auto it = allocations().find(address);
  if (it == allocations().end()) {
    logCall("cuMemFree_v2 not_allocated");
    return kInvalidValue;
  }
  logCall("cuMemFree_v2 %zu", it->second);
  allocatedBytes -= it->second;
  allocations().erase(it);
  std::free(reinterpret_cast<void *>(uintptr_t(address)));
  return kSuccess;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr device, const void *host, size_t bytes) {
  logCall("cuMemcpyHtoD_v2 %zu", bytes);
  std::memcpy(reinterpret_cast<void *>(uintptr_t(device)), host, bytes);
  return kSuccess;
}

CUresult cuMemcpyDtoH_v2(void *host, CUdeviceptr device, size_t bytes) {
  logCall("cuMemcpyDtoH_v2 %zu", bytes);
  std::memcpy(host, reinterpret_cast<const void *>(uintptr_t(device)), bytes);
  return kSuccess;
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr device, const void *host, size_t bytes, void *) {
  return cuMemcpyHtoD_v2(device, host, bytes);
}

CUresult cuMemcpyDtoHAsync_v2(void *host, CUdeviceptr device, size_t bytes, void *) {
  return cuMemcpyDtoH_v2(host, device, bytes);
}

CUresult cuMemsetD32_v2(CUdeviceptr device, unsigned word, size_t count) {
  uint32_t *words = reinterpret_cast<uint32_t *>(uintptr_t(device));
  for (size_t i = 0; i < count; ++i)
    words[i] = word;
  return kSuccess;
}

CUresult cuStreamCreate(void **stream, unsigned) {
  *stream = &theStream;
  return kSuccess;
}

CUresult cuCtxSynchronize() {
  logCall("cuCtxSynchronize");
  CUresult result = pendingError;
  pendingError = kSuccess;
  return result;
}

CUresult cuStreamSynchronize(void *) { return cuCtxSynchronize(); }

CUresult cuMemGetInfo_v2(size_t *freeBytes, size_t *totalBytes) {
  *freeBytes = size_t(1) << 30;
  *totalBytes = size_t(80) << 30;
  return kSuccess;
}

// Timing events: every launch takes a millisecond.
CUresult cuEventCreate(void **event, unsigned) {
  *event = &theEvent;
  return kSuccess;
}
CUresult cuEventDestroy_v2(void *) { return kSuccess; }
CUresult cuEventRecord(void *, void *) { return kSuccess; }
CUresult cuEventElapsedTime(float *milliseconds, void *, void *) {
  *milliseconds = 1;
  return kSuccess;
}

#ifndef GPTC_FAKE_CUDA_INCOMPLETE
// cuBLAS: column-major GEMMs on host memory, as plain loops.

int theCublas;

const char *cublasGetStatusName(int status) {
  return status == 0 ? "CUBLAS_STATUS_SUCCESS" : status == 15 ? "CUBLAS_STATUS_NOT_SUPPORTED" : "unrecognized status";
}

const char *cublasGetStatusString(int status) {
  return status == 0    ? "success"
         : status == 15 ? "the requested functionality is not supported"
                        : "unrecognized status";
}

int cublasCreate_v2(void **handle) {
  *handle = &theCublas;
  return 0;
}

int cublasDestroy_v2(void *) { return 0; }
int cublasSetStream_v2(void *, void *) { return 0; }
int cublasSetMathMode(void *, int) { return 0; }

/// C = alpha * op(A) op(B) + beta * C, column-major; op is 0 (N) or 1 (T).
extern "C++" {
template <typename T>
int gemm(int transa, int transb, int m, int n, int k, const T *alpha, const T *A, int lda, const T *B, int ldb,
         const T *beta, T *C, int ldc) {
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i) {
      float sum = 0;
      for (int p = 0; p < k; ++p)
        sum += (transa ? A[p + i * lda] : A[i + p * lda]) * (transb ? B[j + p * ldb] : B[p + j * ldb]);
      C[i + j * ldc] = *alpha * sum + (*beta == 0 ? 0 : *beta * C[i + j * ldc]); // C unread when beta is 0
    }
  return 0;
}
} // extern "C++"

int cublasSgemm_v2(void *, int transa, int transb, int m, int n, int k, const float *alpha, const float *A, int lda,
                   const float *B, int ldb, const float *beta, float *C, int ldc) {
  logCall("cublasSgemm_v2 m=%d n=%d k=%d transa=%d transb=%d beta=%g", m, n, k, transa, transb, *beta);
  return gemm(transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

int cublasDgemm_v2(void *, int transa, int transb, int m, int n, int k, const double *alpha, const double *A,
                   int lda, const double *B, int ldb, const double *beta, double *C, int ldc) {
  logCall("cublasDgemm_v2 m=%d n=%d k=%d", m, n, k);
  return gemm(transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

int cublasDgemmStridedBatched(void *, int transa, int transb, int m, int n, int k, const double *alpha,
                              const double *A, int lda, long long strideA, const double *B, int ldb,
                              long long strideB, const double *beta, double *C, int ldc, long long strideC,
                              int batches) {
  logCall("cublasDgemmStridedBatched m=%d n=%d k=%d batch=%d", m, n, k, batches);
  for (int b = 0; b < batches; ++b)
    gemm(transa, transb, m, n, k, alpha, A + b * strideA, lda, B + b * strideB, ldb, beta, C + b * strideC, ldc);
  return 0;
}

int cublasSgemmStridedBatched(void *, int transa, int transb, int m, int n, int k, const float *alpha,
                              const float *A, int lda, long long strideA, const float *B, int ldb, long long strideB,
                              const float *beta, float *C, int ldc, long long strideC, int batches) {
  logCall("cublasSgemmStridedBatched m=%d n=%d k=%d batch=%d", m, n, k, batches);
  for (int b = 0; b < batches; ++b)
    gemm(transa, transb, m, n, k, alpha, A + b * strideA, lda, B + b * strideB, ldb, beta, C + b * strideC, ldc);
  return 0;
}

int cublasGemmEx(void *, int transa, int transb, int m, int n, int k, const void *alpha, const void *A,
                 int typeA, int lda, const void *B, int typeB, int ldb, const void *beta, void *C, int typeC, int ldc,
                 int compute, int) {
  if (typeA != 0 || typeB != 0 || typeC != 0)
    return 15;
  logCall("cublasGemmEx m=%d n=%d k=%d compute=%d", m, n, k, compute);
  return gemm(transa, transb, m, n, k, static_cast<const float *>(alpha), static_cast<const float *>(A), lda,
              static_cast<const float *>(B), ldb, static_cast<const float *>(beta), static_cast<float *>(C), ldc);
}

int cublasGemmStridedBatchedEx(void *, int transa, int transb, int m, int n, int k, const void *alpha,
                               const void *A, int typeA, int lda, long long strideA, const void *B, int typeB, int ldb,
                               long long strideB, const void *beta, void *C, int typeC, int ldc, long long strideC,
                               int batches, int compute, int) {
  if (typeA != 0 || typeB != 0 || typeC != 0)
    return 15;
  logCall("cublasGemmStridedBatchedEx m=%d n=%d k=%d batch=%d compute=%d", m, n, k, batches, compute);
  const float *a = static_cast<const float *>(A), *b = static_cast<const float *>(B);
  float *c = static_cast<float *>(C);
  for (int i = 0; i < batches; ++i)
    gemm(transa, transb, m, n, k, static_cast<const float *>(alpha), a + i * strideA, lda, b + i * strideB, ldb,
         static_cast<const float *>(beta), c + i * strideC, ldc);
  return 0;
}
#endif

} // extern "C"
