// A packed, register-blocked GEMM (the BLIS/GotoBLAS structure): B is packed
// into KC x NR panels, A into MR x KC panels, and an MR x NR micro-kernel keeps
// its accumulators in vector registers. Shapes are known when the model is
// compiled; this kernel picks nothing from the CPU's model number, only from the
// vector width the runtime was compiled for.
#include "gptc/abi.h"
#include "gptc/threads.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

template <typename T>
struct Kernel {
  static constexpr int kVecBytes = 64;
  static constexpr int kLanes = kVecBytes / sizeof(T);
  static constexpr int MR = 8;
  static constexpr int NR = 2 * kLanes;
  static constexpr int KC = 256;
  static constexpr int MC = 128;
  static constexpr int NC = 2048;
  typedef T Vec __attribute__((vector_size(kVecBytes)));
};

template <typename T>
struct Matrix {
  const T *data;
  int64_t rows, cols; // logical (after transpose) dims
  bool transposed;
  int64_t ld; // leading dimension of the stored matrix
  T at(int64_t i, int64_t j) const { return transposed ? data[j * ld + i] : data[i * ld + j]; }
};

/// Packs rows [i0, i0+mc) x cols [p0, p0+kc) of A into MR-row panels, k-major.
template <typename T>
void packA(const Matrix<T> &a, int64_t i0, int64_t mc, int64_t p0, int64_t kc, T *out) {
  constexpr int MR = Kernel<T>::MR;
  for (int64_t ir = 0; ir < mc; ir += MR) {
    int64_t rows = std::min<int64_t>(MR, mc - ir);
    for (int64_t p = 0; p < kc; ++p) {
      for (int64_t r = 0; r < rows; ++r)
        out[p * MR + r] = a.at(i0 + ir + r, p0 + p);
      for (int64_t r = rows; r < MR; ++r)
        out[p * MR + r] = 0;
    }
    out += MR * kc;
  }
}

/// Packs rows [p0, p0+kc) x cols [j0, j0+nc) of B into NR-column panels.
template <typename T>
void packB(const Matrix<T> &b, int64_t p0, int64_t kc, int64_t j0, int64_t nc, T *out) {
  constexpr int NR = Kernel<T>::NR;
  for (int64_t jr = 0; jr < nc; jr += NR) {
    int64_t cols = std::min<int64_t>(NR, nc - jr);
    for (int64_t p = 0; p < kc; ++p) {
      T *dst = out + p * NR;
      if (!b.transposed && cols == NR) {
        std::memcpy(dst, b.data + (p0 + p) * b.ld + j0 + jr, NR * sizeof(T));
        continue;
      }
      for (int64_t c = 0; c < cols; ++c)
        dst[c] = b.at(p0 + p, j0 + jr + c);
      for (int64_t c = cols; c < NR; ++c)
        dst[c] = 0;
    }
    out += NR * kc;
  }
}

/// acc(MR x NR) = Ap(MR x kc) * Bp(kc x NR); then C(rows x cols) += acc.
template <typename T>
void microKernel(int64_t kc, const T *ap, const T *bp, T *c, int64_t ldc, int64_t rows, int64_t cols) {
  using K = Kernel<T>;
  using Vec = typename K::Vec;
  constexpr int MR = K::MR, L = K::kLanes;
  Vec acc0[MR], acc1[MR];
  for (int r = 0; r < MR; ++r) {
    acc0[r] = Vec{};
    acc1[r] = Vec{};
  }
  for (int64_t p = 0; p < kc; ++p) {
    Vec b0, b1;
    std::memcpy(&b0, bp + p * K::NR, sizeof(Vec));
    std::memcpy(&b1, bp + p * K::NR + L, sizeof(Vec));
    const T *a = ap + p * MR;
    for (int r = 0; r < MR; ++r) {
      Vec av = Vec{} + a[r];
      acc0[r] += av * b0;
      acc1[r] += av * b1;
    }
  }
  if (rows == MR && cols == K::NR) {
    for (int r = 0; r < MR; ++r) {
      Vec c0, c1;
      std::memcpy(&c0, c + r * ldc, sizeof(Vec));
      std::memcpy(&c1, c + r * ldc + L, sizeof(Vec));
      c0 += acc0[r];
      c1 += acc1[r];
      std::memcpy(c + r * ldc, &c0, sizeof(Vec));
      std::memcpy(c + r * ldc + L, &c1, sizeof(Vec));
    }
    return;
  }
  T tile[MR * K::NR];
  for (int r = 0; r < MR; ++r) {
    std::memcpy(tile + r * K::NR, &acc0[r], sizeof(Vec));
    std::memcpy(tile + r * K::NR + L, &acc1[r], sizeof(Vec));
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t col = 0; col < cols; ++col)
      c[r * ldc + col] += tile[r * K::NR + col];
}

/// C[:, j0:j1) += op(A) op(B)[:, j0:j1): one thread's share of a product.
template <typename T>
void gemmColumns(const Matrix<T> &a, const Matrix<T> &b, T *c, int64_t m, int64_t n, int64_t k,
                 int64_t jBegin, int64_t jEnd) {
  using K = Kernel<T>;
  thread_local std::vector<T> packedA, packedB;
  packedA.resize((size_t)K::MC * K::KC + K::MR * K::KC);
  packedB.resize((size_t)K::NC * K::KC + K::NR * K::KC);
  for (int64_t j0 = jBegin; j0 < jEnd; j0 += K::NC) {
    int64_t nc = std::min<int64_t>(K::NC, jEnd - j0);
    for (int64_t p0 = 0; p0 < k; p0 += K::KC) {
      int64_t kc = std::min<int64_t>(K::KC, k - p0);
      packB(b, p0, kc, j0, nc, packedB.data());
      for (int64_t i0 = 0; i0 < m; i0 += K::MC) {
        int64_t mc = std::min<int64_t>(K::MC, m - i0);
        packA(a, i0, mc, p0, kc, packedA.data());
        for (int64_t jr = 0; jr < nc; jr += K::NR)
          for (int64_t ir = 0; ir < mc; ir += K::MR)
            microKernel<T>(kc, packedA.data() + ir * kc, packedB.data() + jr * kc,
                           c + (i0 + ir) * n + j0 + jr, n, std::min<int64_t>(K::MR, mc - ir),
                           std::min<int64_t>(K::NR, nc - jr));
      }
    }
  }
}

/// Splits the columns of C among the runtime's threads. Every element of C is
/// computed by one thread in the same order whatever the thread count, so
/// results do not depend on it.
template <typename T>
void gemm(const Matrix<T> &a, const Matrix<T> &b, T *c, int64_t m, int64_t n, int64_t k) {
  using K = Kernel<T>;
  gptc::ThreadPool &pool = gptc::ThreadPool::instance();
  int64_t panels = (n + K::NR - 1) / K::NR;
  int64_t parts = std::min<int64_t>(pool.size(), panels);
  if (parts <= 1 || m * n * k < (1 << 20)) {
    gemmColumns(a, b, c, m, n, k, 0, n);
    return;
  }
  pool.run((int)parts, [&](int part) {
    int64_t begin = panels * part / parts * K::NR;
    int64_t end = std::min<int64_t>(n, panels * (part + 1) / parts * K::NR);
    gemmColumns(a, b, c, m, n, k, begin, end);
  });
}

template <typename T>
void batchedGemm(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n,
                 intptr_t k, intptr_t ta, intptr_t tb) {
  const T *A = reinterpret_cast<const T *>(a);
  const T *B = reinterpret_cast<const T *>(b);
  T *C = reinterpret_cast<T *>(c);
  for (intptr_t i = 0; i < batch; ++i) {
    Matrix<T> ma{A + i * m * k, m, k, ta != 0, ta ? m : k};
    Matrix<T> mb{B + i * k * n, k, n, tb != 0, tb ? k : n};
    gemm<T>(ma, mb, C + i * m * n, m, n, k);
  }
}

} // namespace

extern "C" void gptc_gemm_f32(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m,
                              intptr_t n, intptr_t k, intptr_t ta, intptr_t tb) {
  batchedGemm<float>(a, b, c, batch, m, n, k, ta, tb);
}

extern "C" void gptc_gemm_f64(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m,
                              intptr_t n, intptr_t k, intptr_t ta, intptr_t tb) {
  batchedGemm<double>(a, b, c, batch, m, n, k, ta, tb);
}
