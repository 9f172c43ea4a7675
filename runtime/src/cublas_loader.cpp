#include "gptc/cublas_loader.h"

namespace gptc {
namespace {

constexpr cublasStatus_t kSuccess = 0; // CUBLAS_STATUS_SUCCESS

constexpr char kCublas13[] = "libcublas.so.13";
constexpr char kCublas12[] = "libcublas.so.12";

/// CUBLAS_GEMM_DEFAULT: cuBLAS picks the algorithm (tensor cores included,
/// as the compute type allows).
constexpr int kDefaultAlgorithm = -1;

/// A device address as the pointer cuBLAS takes.
template <typename T> T *pointer(CUdeviceptr address) { return reinterpret_cast<T *>(uintptr_t(address)); }

} // namespace

/// The cuBLAS functions, named as in cublas_api.h; the enums are ints.
struct Cublas::EntryPoints {
  cublasStatus_t (*cublasCreate_v2)(cublasHandle_t *handle);
  cublasStatus_t (*cublasDestroy_v2)(cublasHandle_t handle);
  cublasStatus_t (*cublasSetStream_v2)(cublasHandle_t handle, CUstream stream);
  cublasStatus_t (*cublasSetMathMode)(cublasHandle_t handle, int mode);
  cublasStatus_t (*cublasSgemm_v2)(cublasHandle_t handle, int transa, int transb, int m, int n, int k,
                                   const float *alpha, const float *A, int lda, const float *B, int ldb,
                                   const float *beta, float *C, int ldc);
  cublasStatus_t (*cublasSgemmStridedBatched)(cublasHandle_t handle, int transa, int transb, int m, int n, int k,
                                              const float *alpha, const float *A, int lda, long long strideA,
                                              const float *B, int ldb, long long strideB, const float *beta, float *C,
                                              int ldc, long long strideC, int batchCount);
  cublasStatus_t (*cublasDgemm_v2)(cublasHandle_t handle, int transa, int transb, int m, int n, int k,
                                   const double *alpha, const double *A, int lda, const double *B, int ldb,
                                   const double *beta, double *C, int ldc);
  cublasStatus_t (*cublasDgemmStridedBatched)(cublasHandle_t handle, int transa, int transb, int m, int n, int k,
                                              const double *alpha, const double *A, int lda, long long strideA,
                                              const double *B, int ldb, long long strideB, const double *beta,
                                              double *C, int ldc, long long strideC, int batchCount);
  cublasStatus_t (*cublasGemmEx)(cublasHandle_t handle, int transa, int transb, int m, int n, int k,
                                 const void *alpha, const void *A, int Atype, int lda, const void *B, int Btype,
                                 int ldb, const void *beta, void *C, int Ctype, int ldc, int computeType, int algo);
  cublasStatus_t (*cublasGemmStridedBatchedEx)(cublasHandle_t handle, int transa, int transb, int m, int n, int k,
                                               const void *alpha, const void *A, int Atype, int lda,
                                               long long strideA, const void *B, int Btype, int ldb,
                                               long long strideB, const void *beta, void *C, int Ctype, int ldc,
                                               long long strideC, int batchCount, int computeType, int algo);
  const char *(*cublasGetStatusName)(cublasStatus_t status);
  const char *(*cublasGetStatusString)(cublasStatus_t status);
};

std::unique_ptr<Cublas> Cublas::open(const std::string &library) {
  std::string path = libraryPath("GPTC_LIBCUBLAS", library);
  try {
    return std::unique_ptr<Cublas>(new Cublas(path));
  } catch (const CudaError &) {
    // CUDA 12's cuBLAS has every entry point used here, with the same
    // signatures: a machine with the CUDA 12 libraries runs too.
    if (path != kCublas13)
      throw;
    try {
      return std::unique_ptr<Cublas>(new Cublas(kCublas12));
    } catch (const CudaError &) {
    }
    throw; // the error about the library asked for
  }
}

Cublas::Cublas(const std::string &path)
    : library_(path, "libcublas.so.13", "this binary needs cuBLAS", "cuBLAS too old?"),
      cublas_(std::make_unique<EntryPoints>()) {
  library_.resolve(cublas_->cublasCreate_v2, "cublasCreate_v2");
  library_.resolve(cublas_->cublasDestroy_v2, "cublasDestroy_v2");
  library_.resolve(cublas_->cublasSetStream_v2, "cublasSetStream_v2");
  library_.resolve(cublas_->cublasSetMathMode, "cublasSetMathMode");
  library_.resolve(cublas_->cublasSgemm_v2, "cublasSgemm_v2");
  library_.resolve(cublas_->cublasSgemmStridedBatched, "cublasSgemmStridedBatched");
  library_.resolve(cublas_->cublasDgemm_v2, "cublasDgemm_v2");
  library_.resolve(cublas_->cublasDgemmStridedBatched, "cublasDgemmStridedBatched");
  library_.resolve(cublas_->cublasGemmEx, "cublasGemmEx");
  library_.resolve(cublas_->cublasGemmStridedBatchedEx, "cublasGemmStridedBatchedEx");
  library_.resolve(cublas_->cublasGetStatusName, "cublasGetStatusName");
  library_.resolve(cublas_->cublasGetStatusString, "cublasGetStatusString");
}

Cublas::~Cublas() = default;

void Cublas::check(cublasStatus_t status, const char *function) const {
  if (status == kSuccess)
    return;
  throw CudaError(std::string(function) + " failed: " + cublas_->cublasGetStatusName(status) + " (" +
                  cublas_->cublasGetStatusString(status) + ")");
}

cublasHandle_t Cublas::createHandle() {
  cublasHandle_t handle = nullptr;
  check(cublas_->cublasCreate_v2(&handle), "cublasCreate_v2");
  return handle;
}

void Cublas::destroyHandle(cublasHandle_t handle) { check(cublas_->cublasDestroy_v2(handle), "cublasDestroy_v2"); }

void Cublas::setStream(cublasHandle_t handle, CUstream stream) {
  check(cublas_->cublasSetStream_v2(handle, stream), "cublasSetStream_v2");
}

void Cublas::setMathMode(cublasHandle_t handle, MathMode mode) {
  check(cublas_->cublasSetMathMode(handle, (int)mode), "cublasSetMathMode");
}

// Each GEMM below passes B before A and N before M: the row-major to
// column-major mapping of the class comment.

void Cublas::gemm(cublasHandle_t handle, Transpose transA, Transpose transB, int M, int N, int K, float alpha,
                  CUdeviceptr A, int lda, CUdeviceptr B, int ldb, float beta, CUdeviceptr C, int ldc) {
  check(cublas_->cublasSgemm_v2(handle, (int)transB, (int)transA, N, M, K, &alpha, pointer<const float>(B), ldb,
                                pointer<const float>(A), lda, &beta, pointer<float>(C), ldc),
        "cublasSgemm_v2");
}

void Cublas::gemmStridedBatched(cublasHandle_t handle, Transpose transA, Transpose transB, int M, int N, int K,
                                float alpha, CUdeviceptr A, int lda, long long strideA, CUdeviceptr B, int ldb,
                                long long strideB, float beta, CUdeviceptr C, int ldc, long long strideC,
                                int batches) {
  check(cublas_->cublasSgemmStridedBatched(handle, (int)transB, (int)transA, N, M, K, &alpha, pointer<const float>(B),
                                           ldb, strideB, pointer<const float>(A), lda, strideA, &beta,
                                           pointer<float>(C), ldc, strideC, batches),
        "cublasSgemmStridedBatched");
}

void Cublas::gemm(cublasHandle_t handle, Transpose transA, Transpose transB, int M, int N, int K, double alpha,
                  CUdeviceptr A, int lda, CUdeviceptr B, int ldb, double beta, CUdeviceptr C, int ldc) {
  check(cublas_->cublasDgemm_v2(handle, (int)transB, (int)transA, N, M, K, &alpha, pointer<const double>(B), ldb,
                                pointer<const double>(A), lda, &beta, pointer<double>(C), ldc),
        "cublasDgemm_v2");
}

void Cublas::gemmStridedBatched(cublasHandle_t handle, Transpose transA, Transpose transB, int M, int N, int K,
                                double alpha, CUdeviceptr A, int lda, long long strideA, CUdeviceptr B, int ldb,
                                long long strideB, double beta, CUdeviceptr C, int ldc, long long strideC,
                                int batches) {
  check(cublas_->cublasDgemmStridedBatched(handle, (int)transB, (int)transA, N, M, K, &alpha,
                                           pointer<const double>(B), ldb, strideB, pointer<const double>(A), lda,
                                           strideA, &beta, pointer<double>(C), ldc, strideC, batches),
        "cublasDgemmStridedBatched");
}

void Cublas::gemmEx(cublasHandle_t handle, Transpose transA, Transpose transB, int M, int N, int K, float alpha,
                    CUdeviceptr A, DataType typeA, int lda, CUdeviceptr B, DataType typeB, int ldb, float beta,
                    CUdeviceptr C, DataType typeC, int ldc, ComputeType compute) {
  check(cublas_->cublasGemmEx(handle, (int)transB, (int)transA, N, M, K, &alpha, pointer<const void>(B), (int)typeB,
                              ldb, pointer<const void>(A), (int)typeA, lda, &beta, pointer<void>(C), (int)typeC, ldc,
                              (int)compute, kDefaultAlgorithm),
        "cublasGemmEx");
}

void Cublas::gemmStridedBatchedEx(cublasHandle_t handle, Transpose transA, Transpose transB, int M, int N, int K,
                                  float alpha, CUdeviceptr A, DataType typeA, int lda, long long strideA,
                                  CUdeviceptr B, DataType typeB, int ldb, long long strideB, float beta,
                                  CUdeviceptr C, DataType typeC, int ldc, long long strideC, int batches,
                                  ComputeType compute) {
  check(cublas_->cublasGemmStridedBatchedEx(handle, (int)transB, (int)transA, N, M, K, &alpha,
                                            pointer<const void>(B), (int)typeB, ldb, strideB, pointer<const void>(A),
                                            (int)typeA, lda, strideA, &beta, pointer<void>(C), (int)typeC, ldc,
                                            strideC, batches, (int)compute, kDefaultAlgorithm),
        "cublasGemmStridedBatchedEx");
}

} // namespace gptc
