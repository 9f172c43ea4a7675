// Times the runtime GEMM (gptc_gemm_f32, C = op(A) op(B)) on the shapes of
// gemm_shapes.h; prints one JSON line per shape. Run by bench/gemm.sh.
// Usage: gemm-bench [CONFIG [WHAT]] (only that config's shapes, e.g. de-en;
// only the shape named WHAT, e.g. "qkv dX"): each shape's best of 10 windows.
// gemm-bench --serve: times the shapes stdin asks for (see serve()).
#include "gemm_shapes.h"
#include "gptc/abi.h"
#include "gptc/threads.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
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
struct Shape {
  const char *config, *what;
  long batch, m, n, k, ta, tb;
};
#define GPTC_SHAPE(c, w, b, m, n, k, ta, tb) Shape{c, w, b, m, n, k, ta, tb},
const std::vector<Shape> kShapes = {GPTC_GEMM_SHAPES(GPTC_SHAPE)};

/// One shape's operands, kept while its timings last.
struct Operands {
  const Shape &shape;
  // 64-byte aligned, as the compiled code's buffers and the runtime's
  // tensors are: a std::vector's 16-byte alignment splits most of C's
  // vector stores across two cache lines (measured: 300 -> 210 GFLOP/s).
  AlignedFloats a, b, c;
  explicit Operands(const Shape &s)
      : shape(s), a(s.batch * s.m * s.k, 0.5f), b(s.batch * s.k * s.n, 0.25f), c(s.batch * s.m * s.n, 0.0f) {
    once();
  }
  void once() {
    const Shape &s = shape;
    gptc_gemm_f32((intptr_t)a.data(), (intptr_t)b.data(), (intptr_t)c.data(), s.batch, s.m, s.n, s.k, s.ta, s.tb,
                  0);
  }
  /// Best seconds per product over `windows` windows of at least 10 ms.
  double best(int windows) {
    double best = 1e30;
    for (int window = 0; window < windows; ++window) {
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
    return best;
  }
};

void printResult(const Shape &s, double seconds) {
  double flops = 2.0 * s.batch * s.m * s.n * s.k;
  std::printf("{\"config\":\"%s\",\"what\":\"%s\",\"batch\":%ld,\"m\":%ld,\"n\":%ld,\"k\":%ld,\"ta\":%ld,"
              "\"tb\":%ld,\"us\":%.2f,\"gflops\":%.1f}\n",
              s.config, s.what, s.batch, s.m, s.n, s.k, s.ta, s.tb, seconds * 1e6, flops / seconds * 1e-9);
  std::fflush(stdout);
}

/// --serve: answers requests "CONFIG<TAB>WHAT<TAB>WINDOWS" (one per line on
/// stdin) with one JSON line each, so that a driver can alternate one window
/// of this GEMM with one window of its peer (bench/torch_gemm.py). The last
/// shape's operands stay allocated between requests.
int serve() {
  std::unique_ptr<Operands> current;
  char line[512];
  while (std::fgets(line, sizeof line, stdin)) {
    char config[128], what[128];
    int windows = 1;
    if (std::sscanf(line, "%127[^\t]\t%127[^\t]\t%d", config, what, &windows) != 3) {
      std::fprintf(stderr, "gemm-bench: expected CONFIG<TAB>WHAT<TAB>WINDOWS, got: %s", line);
      return 1;
    }
    const Shape *shape = nullptr;
    for (const Shape &s : kShapes)
      if (std::strcmp(s.config, config) == 0 && std::strcmp(s.what, what) == 0)
        shape = &s;
    if (!shape) {
      std::fprintf(stderr, "gemm-bench: no shape %s %s in gemm_shapes.h\n", config, what);
      return 1;
    }
    if (!current || &current->shape != shape) {
      current.reset();
      current = std::make_unique<Operands>(*shape);
    }
    printResult(*shape, current->best(windows));
  }
  return 0;
}
} // namespace

int main(int argc, char **argv) {
  gptc::ThreadPool::instance(); // GPTC_THREADS
  if (argc > 1 && std::strcmp(argv[1], "--serve") == 0)
    return serve();
  for (const Shape &s : kShapes) {
    if ((argc > 1 && std::strcmp(argv[1], s.config) != 0) || (argc > 2 && std::strcmp(argv[2], s.what) != 0))
      continue;
    Operands operands(s);
    printResult(s, operands.best(10));
  }
}
