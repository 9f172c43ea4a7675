// The GPU runtime's loaders without a GPU: a missing driver or cuBLAS, a
// driver lacking an entry point, and failing driver calls (out of memory, PTX
// the driver rejects, a failed launch), each one line naming the operation,
// through a fake libcuda (fake_cuda_driver.cpp) whose calls fail on cue. The
// fake's cuBLAS checks the row-major to column-major GEMM mapping.
#include "gptc/cublas_loader.h"
#include "gptc/cuda_driver.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <dlfcn.h>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace {

const std::string kCompleteFake = GPTC_FAKE_CUDA_COMPLETE;
const std::string kIncompleteFake = GPTC_FAKE_CUDA_INCOMPLETE;
const std::string kToolkitStub = "/usr/local/cuda/lib64/stubs/libcuda.so";
const std::string kToolkitCublas = "/usr/local/cuda/lib64/libcublas.so.13";

/// Sets an environment variable for one scope; unset again after.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const std::string &value) : name_(name) { setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { unsetenv(name_); }

private:
  const char *name_;
};

bool exists(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

/// The message of the CudaError `action` throws, or "(no error)".
template <typename Action> std::string errorOf(Action action) {
  try {
    action();
  } catch (const gptc::CudaError &e) {
    return e.what();
  }
  return "(no error)";
}

std::string errorOpeningDriver(const std::string &path) {
  ScopedEnv library("GPTC_LIBCUDA", path);
  return errorOf([] { gptc::CudaDriver::open(); });
}

std::string errorOpeningCublas(const std::string &path) {
  ScopedEnv library("GPTC_LIBCUBLAS", path);
  return errorOf([] { gptc::Cublas::open(); });
}

TEST(CudaDriverLoad, MissingLibraryIsOneLine) {
  EXPECT_EQ(errorOpeningDriver("/nonexistent/libcuda.so.1"),
            "this binary needs a CUDA driver: cannot load libcuda.so.1 (/nonexistent/libcuda.so.1: cannot open "
            "shared object file: No such file or directory)");
}

TEST(CudaDriverLoad, NoDriverOnThisMachine) {
  if (void *driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL)) {
    dlclose(driver);
    GTEST_SKIP() << "this machine has a CUDA driver";
  }
  unsetenv("GPTC_LIBCUDA");
  EXPECT_EQ(errorOf([] { gptc::CudaDriver::open(); }),
            "this binary needs a CUDA driver: cannot load libcuda.so.1 (libcuda.so.1: cannot open shared object "
            "file: No such file or directory)");
}

TEST(CudaDriverLoad, MissingEntryPointNamesIt) {
  EXPECT_EQ(errorOpeningDriver(kIncompleteFake),
            "libcuda.so.1 at " + kIncompleteFake + " lacks cuModuleLoadDataEx (driver too old?)");
}

TEST(CudaDriverLoad, EnvironmentOverridesTheLibrary) {
  ScopedEnv library("GPTC_LIBCUDA", kCompleteFake);
  EXPECT_EQ(errorOf([] { gptc::CudaDriver::open("/nonexistent/libcuda.so.1"); }), "(no error)");
}

// The toolkit's link-time stub exports the real driver's symbols: every name
// the loader resolves is one the driver has. The stub answers every call with
// CUDA_ERROR_STUB_LIBRARY, as a machine with the toolkit but no driver would.
TEST(CudaDriverLoad, ResolvesTheRealDriversEntryPoints) {
  if (!exists(kToolkitStub))
    GTEST_SKIP() << "no CUDA toolkit at /usr/local/cuda";
  ScopedEnv library("GPTC_LIBCUDA", kToolkitStub);
  std::unique_ptr<gptc::CudaDriver> driver = gptc::CudaDriver::open();
  EXPECT_EQ(errorOf([&] { driver->init(0); }),
            "initialising the CUDA driver: CUDA_ERROR_STUB_LIBRARY (the CUDA toolkit's link-time stub was loaded, "
            "not a driver)");
}

class FakeDriver : public ::testing::Test {
protected:
  void SetUp() override {
    ScopedEnv library("GPTC_LIBCUDA", kCompleteFake);
    driver = gptc::CudaDriver::open();
    driver->init(0);
  }
  std::unique_ptr<gptc::CudaDriver> driver;
};

TEST_F(FakeDriver, AnswersQueries) {
  EXPECT_EQ(driver->deviceName(), "Fake GPU");
  EXPECT_EQ(driver->deviceAttribute(gptc::DeviceAttribute::ComputeCapabilityMajor), 9);
  EXPECT_EQ(driver->deviceAttribute(gptc::DeviceAttribute::MultiprocessorCount), 132);
  gptc::CudaDriver::MemoryInfo memory = driver->memInfo();
  EXPECT_EQ(memory.freeBytes, size_t(1) << 30);
  EXPECT_EQ(memory.totalBytes, size_t(80) << 30);
}

TEST_F(FakeDriver, MissingGpu) {
  EXPECT_EQ(errorOf([&] { driver->init(1); }), "opening GPU 1: CUDA_ERROR_INVALID_DEVICE (invalid device ordinal)");
}

TEST_F(FakeDriver, OutOfMemory) {
  EXPECT_EQ(errorOf([&] { driver->alloc(size_t(2) << 30); }),
            "allocating 2147483648 bytes on the GPU: CUDA_ERROR_OUT_OF_MEMORY (out of memory)");
}

TEST_F(FakeDriver, CopiesAndFills) {
  gptc::CUdeviceptr buffer = driver->alloc(4 * sizeof(float));
  driver->fill32(buffer, 0x3f800000u, 4); // 1.0f
  std::vector<float> host(4);
  driver->copyToHost(host.data(), buffer, 4 * sizeof(float));
  EXPECT_EQ(host, (std::vector<float>{1, 1, 1, 1}));
  gptc::CUstream stream = driver->createStream();
  std::vector<float> up = {1.5f, -2, 3, 4.25f}, down(4);
  driver->copyToDeviceAsync(buffer, up.data(), 4 * sizeof(float), stream);
  driver->copyToHostAsync(down.data(), buffer, 4 * sizeof(float), stream);
  driver->synchronize(stream);
  EXPECT_EQ(down, up);
  driver->free(buffer);
}

TEST_F(FakeDriver, RejectedPtxShowsTheJitLog) {
  EXPECT_EQ(errorOf([&] { driver->loadModule("// bad ptx", "train_step"); }),
            "PTX rejected by the driver for module 'train_step': ptxas fatal   : Unresolved extern function "
            "'__nv_tanhf'");
}

TEST_F(FakeDriver, LongJitLogStaysOneLine) {
  EXPECT_EQ(errorOf([&] { driver->loadModule("// bad ptx with many errors", "train_step"); }),
            "PTX rejected by the driver for module 'train_step': ptxas fatal   : Unresolved extern function "
            "'__nv_tanhf' / ptxas application ptx input, line 1; error   : Unknown symbol / ptxas application ptx "
            "input, line 2; error   : Unknown symbol / ... (3 more lines)");
}

TEST_F(FakeDriver, MissingKernel) {
  gptc::CUmodule module = driver->loadModule("// good ptx", "train_step");
  EXPECT_EQ(errorOf([&] { driver->function(module, "missing"); }),
            "finding kernel 'missing': CUDA_ERROR_NOT_FOUND (named symbol not found)");
}

TEST_F(FakeDriver, FailedLaunchNamesTheKernel) {
  gptc::CUmodule module = driver->loadModule("// good ptx", "train_step");
  const unsigned grid[3] = {4, 1, 1}, block[3] = {128, 1, 1};
  gptc::CUfunction fine = driver->function(module, "main_kernel_3");
  EXPECT_EQ(errorOf([&] { driver->launch(fine, "main_kernel_3", grid, block, 0, nullptr, nullptr); }), "(no error)");
  gptc::CUfunction fails = driver->function(module, "fails");
  EXPECT_EQ(errorOf([&] { driver->launch(fails, "fails", grid, block, 0, nullptr, nullptr); }),
            "launch of kernel 'fails': CUDA_ERROR_LAUNCH_FAILED (unspecified launch failure)");
}

TEST_F(FakeDriver, FaultAtSyncNamesTheLastKernel) {
  gptc::CUmodule module = driver->loadModule("// good ptx", "train_step");
  const unsigned grid[3] = {1, 1, 1}, block[3] = {32, 1, 1};
  driver->launch(driver->function(module, "faults_later"), "faults_later", grid, block, 0, nullptr, nullptr);
  EXPECT_EQ(errorOf([&] { driver->synchronize(); }),
            "waiting for the GPU (last kernel launched: 'faults_later'): CUDA_ERROR_LAUNCH_FAILED (unspecified "
            "launch failure)");
}

TEST_F(FakeDriver, UnknownResultCode) {
  EXPECT_EQ(driver->describe(2), "CUDA_ERROR_OUT_OF_MEMORY (out of memory)");
  EXPECT_EQ(driver->describe(12345), "CUresult 12345");
}

TEST(CublasLoad, MissingLibraryIsOneLine) {
  EXPECT_EQ(errorOpeningCublas("/nonexistent/libcublas.so.13"),
            "this binary needs cuBLAS: cannot load libcublas.so.13 (/nonexistent/libcublas.so.13: cannot open "
            "shared object file: No such file or directory)");
}

TEST(CublasLoad, MissingEntryPointNamesIt) {
  EXPECT_EQ(errorOpeningCublas(kIncompleteFake),
            "libcublas.so.13 at " + kIncompleteFake + " lacks cublasCreate_v2 (cuBLAS too old?)");
}

TEST(CublasLoad, ResolvesTheRealCublasEntryPoints) {
  if (!exists(kToolkitCublas))
    GTEST_SKIP() << "no cuBLAS at /usr/local/cuda";
  EXPECT_EQ(errorOpeningCublas(kToolkitCublas), "(no error)");
}

/// Row-major M x N reference of op(A) op(B), with op(A) M x K and op(B) K x N.
std::vector<float> referenceGemm(bool transA, bool transB, int M, int N, int K, const std::vector<float> &A, int lda,
                                 const std::vector<float> &B, int ldb) {
  std::vector<float> C(M * N);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j)
      for (int p = 0; p < K; ++p)
        C[i * N + j] += (transA ? A[p * lda + i] : A[i * lda + p]) * (transB ? B[j * ldb + p] : B[p * ldb + j]);
  return C;
}

/// Distinct values, so a swapped or transposed operand changes the result.
std::vector<float> counting(size_t n, float start) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = start + 0.25f * i;
  return v;
}

gptc::CUdeviceptr address(const std::vector<float> &v) { return uintptr_t(v.data()); }

class FakeCublas : public ::testing::Test {
protected:
  void SetUp() override {
    ScopedEnv library("GPTC_LIBCUBLAS", kCompleteFake);
    cublas = gptc::Cublas::open();
    handle = cublas->createHandle();
  }
  void TearDown() override { cublas->destroyHandle(handle); }
  std::unique_ptr<gptc::Cublas> cublas;
  gptc::cublasHandle_t handle = nullptr;
};

// The fake's memory is the host's, so host vectors serve as device operands.
// Leading dimensions wider than the rows check that each operand keeps its own.
TEST_F(FakeCublas, RowMajorGemmForEveryTranspose) {
  const int M = 2, N = 3, K = 4;
  for (bool transA : {false, true})
    for (bool transB : {false, true}) {
      int lda = (transA ? M : K) + 1, ldb = (transB ? K : N) + 2, ldc = N + 1;
      std::vector<float> A = counting((transA ? K : M) * lda, 1), B = counting((transB ? N : K) * ldb, -2);
      std::vector<float> C(M * ldc, -1);
      cublas->gemm(handle, transA ? gptc::Transpose::Yes : gptc::Transpose::No,
                   transB ? gptc::Transpose::Yes : gptc::Transpose::No, M, N, K, 1.0f, address(A), lda, address(B),
                   ldb, 0.0f, address(C), ldc);
      std::vector<float> expected = referenceGemm(transA, transB, M, N, K, A, lda, B, ldb);
      for (int i = 0; i < M; ++i) {
        for (int j = 0; j < N; ++j)
          EXPECT_FLOAT_EQ(C[i * ldc + j], expected[i * N + j]) << "transA " << transA << " transB " << transB;
        EXPECT_EQ(C[i * ldc + N], -1) << "wrote past row " << i;
      }
    }
}

TEST_F(FakeCublas, StridedBatchedGemmAccumulates) {
  const int M = 2, N = 3, K = 2, batches = 2;
  std::vector<float> A = counting(batches * M * K, 1), B = counting(batches * K * N, 3), C(batches * M * N, 10);
  cublas->gemmStridedBatched(handle, gptc::Transpose::No, gptc::Transpose::No, M, N, K, 2.0f, address(A), K, M * K,
                             address(B), N, K * N, 1.0f, address(C), N, M * N, batches);
  for (int b = 0; b < batches; ++b) {
    std::vector<float> a(A.begin() + b * M * K, A.begin() + (b + 1) * M * K);
    std::vector<float> bb(B.begin() + b * K * N, B.begin() + (b + 1) * K * N);
    std::vector<float> expected = referenceGemm(false, false, M, N, K, a, K, bb, N);
    for (int e = 0; e < M * N; ++e)
      EXPECT_FLOAT_EQ(C[b * M * N + e], 2 * expected[e] + 10) << "batch " << b;
  }
  std::vector<float> exC(batches * M * N, 10);
  cublas->gemmStridedBatchedEx(handle, gptc::Transpose::No, gptc::Transpose::No, M, N, K, 2.0f, address(A),
                               gptc::DataType::F32, K, M * K, address(B), gptc::DataType::F32, N, K * N, 1.0f,
                               address(exC), gptc::DataType::F32, N, M * N, batches, gptc::ComputeType::F32);
  EXPECT_EQ(exC, C);
}

TEST_F(FakeCublas, GemmExFailureNamesTheFunction) {
  const int M = 2, N = 2, K = 2;
  std::vector<float> A = counting(M * K, 1), B = counting(K * N, 2), C(M * N);
  cublas->gemmEx(handle, gptc::Transpose::No, gptc::Transpose::Yes, M, N, K, 1.0f, address(A), gptc::DataType::F32, K,
                 address(B), gptc::DataType::F32, K, 0.0f, address(C), gptc::DataType::F32, N,
                 gptc::ComputeType::F32);
  EXPECT_EQ(C, referenceGemm(false, true, M, N, K, A, K, B, K));
  EXPECT_EQ(errorOf([&] {
              cublas->gemmEx(handle, gptc::Transpose::No, gptc::Transpose::No, M, N, K, 1.0f, address(A),
                             gptc::DataType::BF16, K, address(B), gptc::DataType::BF16, N, 0.0f, address(C),
                             gptc::DataType::F32, N, gptc::ComputeType::F32);
            }),
            "cublasGemmEx failed: CUBLAS_STATUS_NOT_SUPPORTED (the requested functionality is not supported)");
}

} // namespace
