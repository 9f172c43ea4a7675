// cuBLAS, opened at run time with dlopen like the driver (cuda_driver.h), with
// row-major GEMMs on top of its column-major ones. The runtime includes no
// cuBLAS header; the few types and enum values it needs are declared here.
#ifndef GPTC_RUNTIME_CUBLAS_LOADER_H
#define GPTC_RUNTIME_CUBLAS_LOADER_H

#include "gptc/cuda_driver.h"

#include <memory>
#include <string>

namespace gptc {

// cuBLAS's types (cublas_api.h).
using cublasStatus_t = int;
struct cublasContext;
using cublasHandle_t = cublasContext *;

enum class Transpose : int { No = 0, Yes = 1 }; // cublasOperation_t
enum class DataType : int { F32 = 0, F16 = 2, BF16 = 14 }; // cudaDataType
enum class ComputeType : int { F32 = 68, F32Pedantic = 69, F32FastBF16 = 75, F32FastTF32 = 77 }; // cublasComputeType_t
enum class MathMode : int { Default = 0, Pedantic = 2, TF32TensorOp = 3 }; // cublasMath_t

/// The row-major GEMMs: C[M,N] = alpha * op(A) op(B) + beta * C, where op(A)
/// is M x K and op(B) is K x N, each matrix row-major with its leading
/// dimension (the distance between rows, in elements); pointers are device
/// addresses. cuBLAS is column-major, and a row-major matrix read column-major
/// is its transpose. So C^T = op(B)^T op(A)^T is computed instead: cuBLAS is
/// given B first and A second, with the same transposes, and the sizes N, M, K.
/// The leading dimensions are unchanged (a row-major row is a column-major
/// column) and nothing is copied or transposed.
class Cublas {
public:
  /// Loads cuBLAS (GPTC_LIBCUBLAS, if set, overrides `library`; the default,
  /// libcublas.so.13, falls back to libcublas.so.12) and resolves every
  /// entry point used.
  static std::unique_ptr<Cublas> open(const std::string &library = "libcublas.so.13");
  ~Cublas();

  cublasHandle_t createHandle();
  void destroyHandle(cublasHandle_t handle);
  void setStream(cublasHandle_t handle, CUstream stream);
  void setMathMode(cublasHandle_t handle, MathMode mode);

  /// f32 C = alpha * op(A) op(B) + beta * C (row-major; see the class comment).
  void gemm(cublasHandle_t handle, Transpose transA, Transpose transB, int M, int N, int K, float alpha,
            CUdeviceptr A, int lda, CUdeviceptr B, int ldb, float beta, CUdeviceptr C, int ldc);
  /// `batches` GEMMs whose operands are `stride` elements apart.
  void gemmStridedBatched(cublasHandle_t handle, Transpose transA, Transpose transB, int M, int N, int K,
                          float alpha, CUdeviceptr A, int lda, long long strideA, CUdeviceptr B, int ldb,
                          long long strideB, float beta, CUdeviceptr C, int ldc, long long strideC, int batches);
  /// f64 (gradient checks): the same as gemm and gemmStridedBatched.
  void gemm(cublasHandle_t handle, Transpose transA, Transpose transB, int M, int N, int K, double alpha,
            CUdeviceptr A, int lda, CUdeviceptr B, int ldb, double beta, CUdeviceptr C, int ldc);
  void gemmStridedBatched(cublasHandle_t handle, Transpose transA, Transpose transB, int M, int N, int K,
                          double alpha, CUdeviceptr A, int lda, long long strideA, CUdeviceptr B, int ldb,
                          long long strideB, double beta, CUdeviceptr C, int ldc, long long strideC, int batches);
  /// The same with the element types chosen (bf16 operands, f32 accumulation).
  void gemmEx(cublasHandle_t handle, Transpose transA, Transpose transB, int M, int N, int K, float alpha,
              CUdeviceptr A, DataType typeA, int lda, CUdeviceptr B, DataType typeB, int ldb, float beta, CUdeviceptr C,
              DataType typeC, int ldc, ComputeType compute);
  void gemmStridedBatchedEx(cublasHandle_t handle, Transpose transA, Transpose transB, int M, int N, int K,
                            float alpha, CUdeviceptr A, DataType typeA, int lda, long long strideA, CUdeviceptr B,
                            DataType typeB, int ldb, long long strideB, float beta, CUdeviceptr C, DataType typeC,
                            int ldc, long long strideC, int batches, ComputeType compute);

private:
  struct EntryPoints;
  Cublas(const std::string &path);
  /// Throws CudaError "<function> failed: CUBLAS_STATUS_... (<text>)" unless
  /// `status` is success.
  void check(cublasStatus_t status, const char *function) const;

  SharedLibrary library_;
  std::unique_ptr<EntryPoints> cublas_;
};

} // namespace gptc

#endif
