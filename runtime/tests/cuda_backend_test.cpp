// The CUDA backend without a GPU: step functions written by hand in place of
// compiled ones call what compiled host code calls (gptc_cuda_gemm_f32,
// gptc_cuda_launch, _mlir_memref_to_llvm_alloc/free) on the device addresses
// the backend hands them, against the fake driver (fake_cuda_driver.cpp),
// whose device memory is host memory and whose cuBLAS computes. So what
// crosses between host and device is checked by value: GEMMs of uploaded
// inputs come back right, weights stay on the device until asked for, and a
// failing call inside a step is reported by run() in one line.
#include "gptc/abi.h"
#include "gptc/cuda_backend.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

// What a model compiled with --target=cuda exports (gptc/abi.h): kernel 0 is
// an ordinary kernel, kernel 1 one the fake fails to launch.
extern "C" const char gptc_cuda_ptx[] = "// fake PTX\n.entry scale_kernel\n.entry fails\n";
extern "C" const char gptc_cuda_kernels[] = "scale_kernel\nfails\n";

namespace {

const std::string kFake = GPTC_FAKE_CUDA_COMPLETE;

std::string logPath() { return testing::TempDir() + "cuda_backend_test.log"; }

/// Counts the lines of the fake's log that start with `call`.
int calls(const std::string &call) {
  std::ifstream log(logPath());
  int n = 0;
  for (std::string line; std::getline(log, line);)
    n += line.rfind(call, 0) == 0;
  return n;
}

class CudaBackendTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    setenv("GPTC_LIBCUDA", kFake.c_str(), 1);
    setenv("GPTC_LIBCUBLAS", kFake.c_str(), 1);
    setenv("GPTC_FAKE_CUDA_LOG", logPath().c_str(), 1);
    std::remove(logPath().c_str());
  }
  gptc::CudaBackend &backend() { return gptc::CudaBackend::open(); }
};

gptc::Tensor matrix(int64_t rows, int64_t cols, float start) {
  gptc::Tensor t(gptc::DType::F32, {rows, cols});
  for (size_t i = 0; i < t.numel(); ++i)
    t.set(i, start + 0.5 * (double)(i % 7) - 0.25 * (double)(i % 3));
  return t;
}

/// Row-major C = A B, A [m, k], B [k, n].
std::vector<float> product(const gptc::Tensor &A, const gptc::Tensor &B) {
  int64_t m = A.shape()[0], k = A.shape()[1], n = B.shape()[1];
  std::vector<float> C(m * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p)
        C[i * n + j] += (float)A.get(i * k + p) * (float)B.get(p * n + j);
  return C;
}

std::vector<float> values(const gptc::Tensor &t) { return std::vector<float>(t.as<float>(), t.as<float>() + t.numel()); }

intptr_t address(void *p) { return reinterpret_cast<intptr_t>(p); }

// buffers: A [3, 4], B [4, 5] -> C [3, 5], as compiled code calls the GEMM.
void gemmStep(void **buffers) {
  gptc_cuda_gemm_f32(address(buffers[0]), address(buffers[1]), address(buffers[2]), 1, 3, 5, 4, 0, 0, 0);
}

TEST_F(CudaBackendTest, GemmOfUploadedInputsComesBack) {
  gptc::Tensor A = matrix(3, 4, 1), B = matrix(4, 5, -2), C(gptc::DType::F32, {3, 5});
  backend().run(gemmStep, {{&A, gptc::BufferUse::Input}, {&B, gptc::BufferUse::Input}, {&C, gptc::BufferUse::Output}});
  EXPECT_EQ(values(C), product(A, B));
}

TEST_F(CudaBackendTest, DiscardedOutputsStayOnTheDevice) {
  gptc::Tensor A = matrix(3, 4, 1), B = matrix(4, 5, -2), C(gptc::DType::F32, {3, 5});
  C.fill(7);
  int downloads = calls("cuMemcpyDtoH_v2");
  backend().run(gemmStep,
                {{&A, gptc::BufferUse::Input}, {&B, gptc::BufferUse::Input}, {&C, gptc::BufferUse::Discarded}});
  EXPECT_EQ(calls("cuMemcpyDtoH_v2"), downloads);
  EXPECT_EQ(values(C), std::vector<float>(15, 7.0f)) << "a discarded output was copied to the host";
}

// buffers: A^T stored [4, 3], B [4, 5], C [3, 5] accumulated into twice, over
// a batch of 2 ([2, 4, 3], [2, 4, 5], [2, 3, 5]).
void batchedTransposedAccumulate(void **buffers) {
  gptc_cuda_gemm_f32(address(buffers[0]), address(buffers[1]), address(buffers[2]), 2, 3, 5, 4, 1, 0, 0);
  gptc_cuda_gemm_f32(address(buffers[0]), address(buffers[1]), address(buffers[2]), 2, 3, 5, 4, 1, 0, 1);
}

TEST_F(CudaBackendTest, BatchedTransposedAccumulatingGemm) {
  gptc::Tensor At(gptc::DType::F32, {2, 4, 3}), B(gptc::DType::F32, {2, 4, 5}), C(gptc::DType::F32, {2, 3, 5});
  for (size_t i = 0; i < At.numel(); ++i)
    At.set(i, 0.5 * (double)i - 3);
  for (size_t i = 0; i < B.numel(); ++i)
    B.set(i, 1 - 0.25 * (double)i);
  backend().run(batchedTransposedAccumulate,
                {{&At, gptc::BufferUse::Input}, {&B, gptc::BufferUse::Input}, {&C, gptc::BufferUse::Output}});
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 5; ++j) {
        float sum = 0;
        for (int p = 0; p < 4; ++p)
          sum += (float)At.get(b * 12 + p * 3 + i) * (float)B.get(b * 20 + p * 5 + j);
        EXPECT_FLOAT_EQ((float)C.get(b * 15 + i * 5 + j), 2 * sum) << "batch " << b << " C[" << i << "," << j << "]";
      }
}

// Weights W [4, 5] read, NewWeights V = A W written (a "step" of a model).
void updateStep(void **buffers) {
  gptc_cuda_gemm_f32(address(buffers[0]), address(buffers[1]), address(buffers[2]), 1, 3, 5, 4, 0, 0, 0);
}

TEST_F(CudaBackendTest, WeightsStayOnTheDeviceUntilAskedFor) {
  gptc::Tensor A = matrix(3, 4, 0.5), W = matrix(4, 5, 1), V(gptc::DType::F32, {3, 5});
  std::vector<gptc::StepBuffer> buffers = {
      {&A, gptc::BufferUse::Input}, {&W, gptc::BufferUse::Weights}, {&V, gptc::BufferUse::NewWeights}};
  int uploads = calls("cuMemcpyHtoD_v2");
  backend().run(updateStep, buffers);
  EXPECT_EQ(calls("cuMemcpyHtoD_v2") - uploads, 2); // A, and W the first time
  EXPECT_EQ(values(V), std::vector<float>(15, 0.0f)) << "the new weights were copied down unasked";
  backend().run(updateStep, buffers);
  EXPECT_EQ(calls("cuMemcpyHtoD_v2") - uploads, 3) << "W was uploaded again though the host did not change it";
  backend().syncToHost();
  EXPECT_EQ(values(V), product(A, W));
  // The host changes W (a checkpoint loaded): the next step uses the new values.
  W.fill(2);
  backend().hostChanged();
  backend().run(updateStep, buffers);
  backend().syncToHost();
  EXPECT_EQ(values(V), product(A, W));
  backend().forgetWeights();
}

// The host's work during a step (the next batch): after the step's launches
// and GEMMs are queued, before the backend waits for the GPU and copies the
// outputs down; the inputs' host tensors may be overwritten by then.
void launchAndGemmStep(void **buffers) {
  uint64_t args[1] = {uint64_t(address(buffers[0]))};
  gptc_cuda_launch(0, 0, 1, 1, 1, 32, 1, 1, address(args), 1);
  gptc_cuda_gemm_f32(address(buffers[0]), address(buffers[1]), address(buffers[2]), 1, 3, 5, 4, 0, 0, 0);
}

TEST_F(CudaBackendTest, HostWorkRunsWhileTheStepRuns) {
  gptc::Tensor A = matrix(3, 4, 1), B = matrix(4, 5, -2), C(gptc::DType::F32, {3, 5});
  std::vector<float> expected = product(A, B);
  int launches = calls("cuLaunchKernel"), gemms = calls("cublasSgemm_v2"), waits = calls("cuCtxSynchronize"),
      downloads = calls("cuMemcpyDtoH_v2");
  bool ran = false;
  backend().run(
      launchAndGemmStep,
      {{&A, gptc::BufferUse::Input}, {&B, gptc::BufferUse::Input}, {&C, gptc::BufferUse::Output}}, [&] {
        ran = true;
        EXPECT_EQ(calls("cuLaunchKernel") - launches, 1) << "the step's kernel was not queued before the host work";
        EXPECT_EQ(calls("cublasSgemm_v2") - gemms, 1) << "the step's GEMM was not queued before the host work";
        EXPECT_EQ(calls("cuCtxSynchronize"), waits) << "the backend waited for the GPU before the host work";
        EXPECT_EQ(calls("cuMemcpyDtoH_v2"), downloads) << "an output came down before the host work";
        A.fill(100); // the next batch, loaded into the input's host tensor
        B.fill(-100);
      });
  EXPECT_TRUE(ran);
  EXPECT_EQ(calls("cuCtxSynchronize") - waits, 1);
  EXPECT_EQ(values(C), expected) << "the step saw host tensors written during it";
}

// A temporary of the step (memref.alloc in compiled code), used, freed.
void temporaryStep(void **buffers) {
  void *scratch = _mlir_memref_to_llvm_alloc(60);
  gptc_cuda_gemm_f32(address(buffers[0]), address(buffers[1]), address(scratch), 1, 3, 5, 4, 0, 0, 0);
  gptc_cuda_gemm_f32(address(scratch), address(buffers[2]), address(buffers[3]), 1, 3, 2, 5, 0, 0, 0);
  _mlir_memref_to_llvm_free(scratch);
}

TEST_F(CudaBackendTest, TemporariesAreDeviceMemoryAllocatedOnce) {
  gptc::Tensor A = matrix(3, 4, 1), B = matrix(4, 5, 2), D = matrix(5, 2, -1), C(gptc::DType::F32, {3, 2});
  std::vector<gptc::StepBuffer> buffers = {{&A, gptc::BufferUse::Input},
                                           {&B, gptc::BufferUse::Input},
                                           {&D, gptc::BufferUse::Input},
                                           {&C, gptc::BufferUse::Output}};
  backend().run(temporaryStep, buffers);
  int allocations = calls("cuMemAlloc_v2");
  backend().run(temporaryStep, buffers);
  EXPECT_EQ(calls("cuMemAlloc_v2"), allocations) << "a second step allocated device memory again";
  std::vector<float> expected(6);
  std::vector<float> AB = product(A, B);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      for (int p = 0; p < 5; ++p)
        expected[i * 2 + j] += AB[i * 5 + p] * (float)D.get(p * 2 + j);
  std::vector<float> got = values(C);
  for (int i = 0; i < 6; ++i)
    EXPECT_FLOAT_EQ(got[i], expected[i]);
}

void launchStep(void **buffers) {
  uint64_t args[1] = {uint64_t(address(buffers[0]))};
  gptc_cuda_launch(0, 0, 2, 1, 1, 128, 1, 1, address(args), 1);
}

TEST_F(CudaBackendTest, LaunchUsesTheKernelsGridAndBlock) {
  gptc::Tensor X = matrix(2, 2, 1);
  backend().run(launchStep, {{&X, gptc::BufferUse::Input}});
  std::ifstream log(logPath());
  std::string line, last;
  while (std::getline(log, line))
    if (line.rfind("cuLaunchKernel", 0) == 0)
      last = line;
  EXPECT_EQ(last, "cuLaunchKernel scale_kernel grid=2,1,1 block=128,1,1 arg0_on_device=1");
}

// A failing launch inside a step: the calls after it do nothing, run() throws
// the first error, naming the kernel.
void failingStep(void **buffers) {
  uint64_t args[1] = {uint64_t(address(buffers[0]))};
  gptc_cuda_launch(0, 1, 1, 1, 1, 32, 1, 1, address(args), 1);
  gptc_cuda_gemm_f32(address(buffers[0]), address(buffers[1]), address(buffers[2]), 1, 3, 5, 4, 0, 0, 0);
}

TEST_F(CudaBackendTest, FailedLaunchInAStepNamesTheKernel) {
  gptc::Tensor A = matrix(3, 4, 1), B = matrix(4, 5, 2), C(gptc::DType::F32, {3, 5});
  int gemms = calls("cublasSgemm_v2");
  try {
    backend().run(failingStep,
                  {{&A, gptc::BufferUse::Input}, {&B, gptc::BufferUse::Input}, {&C, gptc::BufferUse::Output}});
    FAIL() << "no error";
  } catch (const gptc::CudaError &e) {
    EXPECT_STREQ(e.what(), "launch of kernel 'fails': CUDA_ERROR_LAUNCH_FAILED (unspecified launch failure)");
  }
  EXPECT_EQ(calls("cublasSgemm_v2"), gemms) << "the step went on after the failed launch";
  // The next step runs normally.
  backend().run(gemmStep, {{&A, gptc::BufferUse::Input}, {&B, gptc::BufferUse::Input}, {&C, gptc::BufferUse::Output}});
  EXPECT_EQ(values(C), product(A, B));
}

void hugeTemporaryStep(void **) { _mlir_memref_to_llvm_free(_mlir_memref_to_llvm_alloc(size_t(3) << 30)); }

TEST_F(CudaBackendTest, OutOfMemoryIsOneLine) {
  try {
    backend().run(hugeTemporaryStep, {});
    FAIL() << "no error";
  } catch (const gptc::CudaError &e) {
    EXPECT_STREQ(e.what(), "allocating 3221225472 bytes on the GPU: CUDA_ERROR_OUT_OF_MEMORY (out of memory)");
  }
}

// Last: shutdown frees every block the backend allocated.
TEST_F(CudaBackendTest, ShutdownFreesAllDeviceMemory) {
  backend();
  gptc::CudaBackend::shutdown();
  EXPECT_GT(calls("cuMemAlloc_v2 "), 0);
  EXPECT_EQ(calls("cuMemAlloc_v2 ") - calls("cuMemAlloc_v2 3221225472 out_of_memory"), calls("cuMemFree_v2 "));
  EXPECT_EQ(calls("cuMemFree_v2 not_allocated"), 0);
}

} // namespace
