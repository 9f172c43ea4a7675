// Times the runtime GEMM (gptc_gemm_f32, C = op(A) op(B)) on the shapes of
// gemm_shapes.h; prints one JSON line per shape. Run by bench/gemm.sh.
// Usage: gemm-bench [CONFIG [WHAT]] (only that config's shapes, e.g. de-en;
// only the shape named WHAT, e.g. "qkv dX").
#include "gemm_shapes.h"
#include "gptc/abi.h"
#include "gptc/threads.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {
/// n floats = value, 64-byte aligned.
struct AlignedFloats {
  float *ptr;
  AlignedFloats(size_t n, float value)
      : ptr(static_cast<float *>(std::aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64))) {
    std::fill(ptr, ptr + n, value);
  }
  ~AlignedFloats() { std::free(ptr); }
  float *data() const { return ptr; }
};
} // namespace

int main(int argc, char **argv) {
  gptc::ThreadPool::instance(); // GPTC_THREADS
  struct Shape {
    const char *config, *what;
    long batch, m, n, k, ta, tb;
  };
#define GPTC_SHAPE(c, w, b, m, n, k, ta, tb) Shape{c, w, b, m, n, k, ta, tb},
  std::vector<Shape> shapes = {GPTC_GEMM_SHAPES(GPTC_SHAPE)};
  for (const Shape &s : shapes) {
    if ((argc > 1 && std::strcmp(argv[1], s.config) != 0) || (argc > 2 && std::strcmp(argv[2], s.what) != 0))
      continue;
    // 64-byte aligned, as the compiled code's buffers and the runtime's
    // tensors are: a std::vector's 16-byte alignment splits most of C's
    // vector stores across two cache lines (measured: 300 -> 210 GFLOP/s).
    AlignedFloats a(s.batch * s.m * s.k, 0.5f), b(s.batch * s.k * s.n, 0.25f), c(s.batch * s.m * s.n, 0.0f);
    auto once = [&] {
      gptc_gemm_f32((intptr_t)a.data(), (intptr_t)b.data(), (intptr_t)c.data(), s.batch, s.m, s.n, s.k, s.ta,
                    s.tb, 0);
    };
    once();
    double best = 1e30;
    for (int window = 0; window < 10; ++window) {
      int reps = 0;
      auto start = std::chrono::steady_clock::now();
      double elapsed = 0;
      do {
        once();
        ++reps;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      } while (elapsed < 0.01);
      best = std::min(best, elapsed / reps);
    }
    double flops = 2.0 * s.batch * s.m * s.n * s.k;
    std::printf("{\"config\":\"%s\",\"what\":\"%s\",\"batch\":%ld,\"m\":%ld,\"n\":%ld,\"k\":%ld,\"ta\":%ld,"
                "\"tb\":%ld,\"us\":%.2f,\"gflops\":%.1f}\n",
                s.config, s.what, s.batch, s.m, s.n, s.k, s.ta, s.tb, best * 1e6, flops / best * 1e-9);
  }
}
