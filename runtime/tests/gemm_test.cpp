// The runtime GEMM against a naive triple loop, for every transpose
// combination, batched, and shapes that are not multiples of the block sizes,
// accumulating into C (C += AB) and overwriting it (C = AB, C's old contents
// are garbage that must not leak into the result).
#include "gptc/abi.h"
#include "gptc/rng.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>
#include <vector>

namespace {

template <typename T>
void check(int64_t batch, int64_t m, int64_t n, int64_t k, bool ta, bool tb, bool accumulate) {
  std::vector<T> a(batch * m * k), b(batch * k * n), c(batch * m * n), ref;
  for (size_t i = 0; i < a.size(); ++i) a[i] = (T)gptc::normalAt(1, 1, i);
  for (size_t i = 0; i < b.size(); ++i) b[i] = (T)gptc::normalAt(1, 2, i);
  for (size_t i = 0; i < c.size(); ++i) c[i] = (T)gptc::normalAt(1, 3, i);
  ref = c;
  if (!accumulate)
    std::fill(ref.begin(), ref.end(), T(0));
  for (int64_t p = 0; p < batch; ++p)
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double acc = 0;
        for (int64_t q = 0; q < k; ++q) {
          double av = ta ? a[p * m * k + q * m + i] : a[p * m * k + i * k + q];
          double bv = tb ? b[p * k * n + j * k + q] : b[p * k * n + q * n + j];
          acc += av * bv;
        }
        ref[p * m * n + i * n + j] += (T)acc;
      }
  auto fn = sizeof(T) == 4 ? gptc_gemm_f32 : gptc_gemm_f64;
  fn((intptr_t)a.data(), (intptr_t)b.data(), (intptr_t)c.data(), batch, m, n, k, ta, tb, accumulate);
  double tol = sizeof(T) == 4 ? 1e-4 : 1e-12;
  for (size_t i = 0; i < c.size(); ++i)
    ASSERT_NEAR(c[i], ref[i], tol * (1 + std::fabs(ref[i]) + std::sqrt((double)k))) << "at " << i;
}

TEST(Gemm, MatchesNaiveLoops) {
  for (auto [batch, m, n, k] : std::vector<std::tuple<int, int, int, int>>{
           {1, 1, 1, 1}, {1, 10, 30, 784}, {1, 784, 30, 10}, {2, 13, 37, 300}, {1, 130, 70, 9}, {3, 5, 33, 17},
           {1, 130, 300, 257}, {2, 64, 2100, 20}, {48, 64, 32, 64}, {9, 17, 40, 33},
           {1, 700, 96, 300}, {1, 1000, 600, 530}, {1, 40, 900, 1000}, {1, 900, 40, 1000},
           // 1-4 columns past the last full panel, computed as dot products:
           // the GPTs' lm head, K in two blocks, no full panel, threaded.
           {1, 768, 65, 128}, {1, 300, 66, 530}, {2, 50, 4, 40}, {1, 130, 99, 17}, {1, 1000, 67, 400}})
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (bool accumulate : {false, true}) {
          SCOPED_TRACE(testing::Message() << batch << "x" << m << "x" << n << "x" << k << " ta=" << ta
                                          << " tb=" << tb << " accumulate=" << accumulate);
          check<float>(batch, m, n, k, ta, tb, accumulate);
          check<double>(batch, m, n, k, ta, tb, accumulate);
        }
}

} // namespace

namespace {

// Splitting C's columns across threads (tasks handed out as threads come
// free, A packed once and shared, K in three blocks) must not change a single
// bit.
TEST(Gemm, ResultDoesNotDependOnThreadCount) {
  const int64_t m = 96, k = 900;
  for (int64_t n : {700, 705}) // 705: one column past the last full panel
  for (bool ta : {false, true}) {
    std::vector<float> a(m * k), b(k * n), c1(m * n, 0.0f), c2(m * n, 0.0f);
    for (size_t i = 0; i < a.size(); ++i) a[i] = (float)gptc::normalAt(3, 1, i);
    for (size_t i = 0; i < b.size(); ++i) b[i] = (float)gptc::normalAt(3, 2, i);
    gptc_gemm_f32((intptr_t)a.data(), (intptr_t)b.data(), (intptr_t)c1.data(), 1, m, n, k, ta, 0, 1);
    // The same product one column panel at a time (single-threaded per call).
    for (int64_t j = 0; j < n; j += 32) {
      int64_t w = std::min<int64_t>(32, n - j);
      std::vector<float> bj(k * w), cj(m * w, 0.0f);
      for (int64_t p = 0; p < k; ++p)
        for (int64_t q = 0; q < w; ++q)
          bj[p * w + q] = b[p * n + j + q];
      gptc_gemm_f32((intptr_t)a.data(), (intptr_t)bj.data(), (intptr_t)cj.data(), 1, m, w, k, ta, 0, 1);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t q = 0; q < w; ++q)
          c2[i * n + j + q] = cj[i * w + q];
    }
    ASSERT_EQ(0, std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(float))) << "n=" << n << " ta=" << ta;
  }
}

// A tall C is split by rows (B's block packed once and shared, strips of rows
// handed out as threads come free, K in three blocks): again not a bit may
// change against the product computed a few rows at a time.
TEST(Gemm, RowSplitDoesNotDependOnThreadCount) {
  const int64_t m = 700, k = 900;
  for (int64_t n : {96, 97}) // 97: one column past the last full panel
  for (bool ta : {false, true}) {
    std::vector<float> a(m * k), b(k * n), c1(m * n, 0.0f), c2(m * n, 0.0f);
    for (size_t i = 0; i < a.size(); ++i) a[i] = (float)gptc::normalAt(4, 1, i);
    for (size_t i = 0; i < b.size(); ++i) b[i] = (float)gptc::normalAt(4, 2, i);
    gptc_gemm_f32((intptr_t)a.data(), (intptr_t)b.data(), (intptr_t)c1.data(), 1, m, n, k, ta, 0, 0);
    for (int64_t i = 0; i < m; i += 20) {
      int64_t h = std::min<int64_t>(20, m - i);
      std::vector<float> ai(h * k), ci(h * n);
      for (int64_t r = 0; r < h; ++r)
        for (int64_t p = 0; p < k; ++p)
          ai[ta ? p * h + r : r * k + p] = ta ? a[p * m + i + r] : a[(i + r) * k + p];
      gptc_gemm_f32((intptr_t)ai.data(), (intptr_t)b.data(), (intptr_t)ci.data(), 1, h, n, k, ta, 0, 0);
      std::copy(ci.begin(), ci.end(), c2.begin() + i * n);
    }
    ASSERT_EQ(0, std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(float))) << "n=" << n << " ta=" << ta;
  }
}

} // namespace

namespace {

// The strided entry (the fused attention kernel's block products): views into
// larger row-major matrices with leading dims bigger than their widths, every
// transpose combination, accumulate and overwrite; C's elements outside the
// view must stay untouched; k = 0 zeroes C (overwrite) or leaves it (accumulate).
template <typename T>
void checkStrided(int64_t m, int64_t n, int64_t k, bool ta, bool tb, bool accumulate) {
  int64_t aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
  int64_t lda = aCols + 3, ldb = bCols + 5, ldc = n + 7;
  std::vector<T> a(aRows * lda), b(bRows * ldb), c(m * ldc);
  for (size_t i = 0; i < a.size(); ++i) a[i] = (T)gptc::normalAt(2, 1, i);
  for (size_t i = 0; i < b.size(); ++i) b[i] = (T)gptc::normalAt(2, 2, i);
  for (size_t i = 0; i < c.size(); ++i) c[i] = (T)gptc::normalAt(2, 3, i);
  std::vector<T> ref = c;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t q = 0; q < k; ++q)
        acc += (double)(ta ? a[q * lda + i] : a[i * lda + q]) * (double)(tb ? b[j * ldb + q] : b[q * ldb + j]);
      ref[i * ldc + j] = (accumulate ? ref[i * ldc + j] : T(0)) + (T)acc;
    }
  auto fn = sizeof(T) == 4 ? gptc_gemm_strided_f32 : gptc_gemm_strided_f64;
  fn((intptr_t)a.data(), lda, (intptr_t)b.data(), ldb, (intptr_t)c.data(), ldc, m, n, k, ta, tb, accumulate);
  double tol = sizeof(T) == 4 ? 1e-4 : 1e-12;
  for (size_t i = 0; i < c.size(); ++i)
    ASSERT_NEAR(c[i], ref[i], tol * (1 + std::fabs(ref[i]) + std::sqrt((double)k))) << "at " << i;
}

TEST(Gemm, StridedViewsMatchNaiveLoops) {
  for (auto [m, n, k] : std::vector<std::tuple<int, int, int>>{
           {1, 1, 1}, {64, 256, 64}, {64, 64, 200}, {6, 70, 4}, {37, 19, 0}, {200, 64, 64}, {5, 3, 129}})
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (bool accumulate : {false, true}) {
          SCOPED_TRACE(testing::Message() << m << "x" << n << "x" << k << " ta=" << ta << " tb=" << tb
                                          << " accumulate=" << accumulate);
          checkStrided<float>(m, n, k, ta, tb, accumulate);
          checkStrided<double>(m, n, k, ta, tb, accumulate);
        }
}

} // namespace

namespace {

// gptc_gemm_epilogue_*: the epilogue runs once per element of C, on tiles
// that are complete (the element already holds its final sum), for the row
// split, the column split, the single-thread path, a batch and k = 0.
template <typename T>
struct EpilogueRecord {
  const T *c;
  int64_t n;
  T *seen;         // C's element when the epilogue ran on it
  int *calls;      // how many times it ran on each element
};

template <typename T>
void recordEpilogue(intptr_t context, intptr_t row, intptr_t col, intptr_t rows, intptr_t cols) {
  auto *record = reinterpret_cast<EpilogueRecord<T> *>(context);
  for (intptr_t i = row; i < row + rows; ++i)
    for (intptr_t j = col; j < col + cols; ++j) {
      record->seen[i * record->n + j] = record->c[i * record->n + j];
      ++record->calls[i * record->n + j];
    }
}

template <typename T>
void checkEpilogue(int64_t batch, int64_t m, int64_t n, int64_t k, bool ta, bool tb, bool accumulate) {
  std::vector<T> a(batch * m * k), b(batch * k * n), c(batch * m * n), plain;
  for (size_t i = 0; i < a.size(); ++i) a[i] = (T)gptc::normalAt(5, 1, i);
  for (size_t i = 0; i < b.size(); ++i) b[i] = (T)gptc::normalAt(5, 2, i);
  for (size_t i = 0; i < c.size(); ++i) c[i] = (T)gptc::normalAt(5, 3, i);
  plain = c;
  auto fn = sizeof(T) == 4 ? gptc_gemm_f32 : gptc_gemm_f64;
  fn((intptr_t)a.data(), (intptr_t)b.data(), (intptr_t)plain.data(), batch, m, n, k, ta, tb, accumulate);
  std::vector<T> seen(c.size(), T(-12345));
  std::vector<int> calls(c.size(), 0);
  EpilogueRecord<T> record{c.data(), n, seen.data(), calls.data()};
  auto withEpilogue = sizeof(T) == 4 ? gptc_gemm_epilogue_f32 : gptc_gemm_epilogue_f64;
  withEpilogue((intptr_t)a.data(), (intptr_t)b.data(), (intptr_t)c.data(), batch, m, n, k, ta, tb, accumulate,
               recordEpilogue<T>, (intptr_t)&record);
  ASSERT_EQ(0, std::memcmp(c.data(), plain.data(), c.size() * sizeof(T))) << "the epilogue changed the product";
  for (size_t i = 0; i < c.size(); ++i) {
    ASSERT_EQ(1, calls[i]) << "element " << i;
    ASSERT_EQ(c[i], seen[i]) << "element " << i << " was not final when the epilogue ran";
  }
}

TEST(Gemm, EpilogueRunsOnceOnFinishedTiles) {
  for (auto [batch, m, n, k] : std::vector<std::tuple<int, int, int, int>>{
           {1, 700, 96, 900},  // row split, three K blocks
           {1, 96, 700, 900},  // column split, three K blocks
           {1, 10, 30, 784},   // one thread's path (small)
           {1, 1000, 600, 530},
           {3, 5, 33, 17},     // a batch: rows stacked
           {1, 7, 9, 0}})      // k = 0: C = 0 or unchanged, then the epilogue
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (bool accumulate : {false, true}) {
          SCOPED_TRACE(testing::Message() << batch << "x" << m << "x" << n << "x" << k << " ta=" << ta
                                          << " tb=" << tb << " accumulate=" << accumulate);
          checkEpilogue<float>(batch, m, n, k, ta, tb, accumulate);
          checkEpilogue<double>(batch, m, n, k, ta, tb, accumulate);
        }
}

/// An f32 value from its bits (bf16 values are f32s whose low 16 bits are zero).
float fromBits(uint32_t bits) {
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

/// c = a b for 1 x 1 x 1 products, by the bf16 GEMM.
float bf16Product(float a, float b) {
  float c = -7;
  gptc_gemm_bf16_f32((intptr_t)&a, (intptr_t)&b, (intptr_t)&c, 1, 1, 1, 1, 0, 0, 0);
  return c;
}

TEST(Gemm, BF16RoundsOperandsToNearestEven) {
  EXPECT_EQ(bf16Product(1.0f, 3.0f), 3.0f);                              // exact in bf16
  EXPECT_EQ(bf16Product(fromBits(0x3f808000u), 1.0f), 1.0f);             // 1 + 2^-8: a tie, to even (1)
  EXPECT_EQ(bf16Product(fromBits(0x3f818000u), 1.0f), fromBits(0x3f820000u)); // 1 + 3 2^-8: a tie, to even (up)
  EXPECT_EQ(bf16Product(fromBits(0x3f808001u), 1.0f), fromBits(0x3f810000u)); // just past the tie: up
  EXPECT_EQ(bf16Product(fromBits(0x3f807fffu), 2.0f), 2.0f);             // just below the tie: down
  EXPECT_EQ(bf16Product(-1.5f, fromBits(0x40490fdbu)), -1.5f * fromBits(0x40490000u)); // pi -> 3.140625
  EXPECT_TRUE(std::isnan(bf16Product(std::nanf(""), 1.0f)));
  EXPECT_EQ(bf16Product(fromBits(0x7f7fffffu), 1.0f), INFINITY);         // FLT_MAX rounds up to infinity
}

TEST(Gemm, BF16IsTheF32GemmOfRoundedOperands) {
  // Every shape class: batched, transposed, accumulating. The products of
  // bf16 values are exact in f32, so the bf16 GEMM must equal, bit for bit,
  // the f32 GEMM of the rounded operands, and differ from the f32 GEMM of the
  // operands as given.
  for (auto [batch, m, n, k, ta, tb, accumulate] :
       std::vector<std::tuple<int, int, int, int, int, int, int>>{
           {1, 37, 70, 45, 0, 0, 0}, {3, 16, 33, 64, 1, 0, 1}, {1, 100, 65, 128, 0, 1, 0}, {5, 8, 8, 300, 1, 1, 1}}) {
    size_t sa = size_t(batch) * m * k, sb = size_t(batch) * k * n, sc = size_t(batch) * m * n;
    std::vector<float> a(sa), b(sb), c0(sc), ra(sa), rb(sb);
    for (size_t i = 0; i < sa; ++i) a[i] = (float)gptc::normalAt(2, 1, i);
    for (size_t i = 0; i < sb; ++i) b[i] = (float)gptc::normalAt(2, 2, i);
    for (size_t i = 0; i < sc; ++i) c0[i] = (float)gptc::normalAt(2, 3, i);
    // Round to nearest even by hand, in double: the nearest multiple of the
    // bf16 spacing of each value (ties to even by nearbyint).
    auto round = [](float x) {
      int e;
      std::frexp(x, &e);
      double ulp = std::ldexp(1.0, e - 8);
      return (float)(std::nearbyint(x / ulp) * ulp);
    };
    std::transform(a.begin(), a.end(), ra.begin(), round);
    std::transform(b.begin(), b.end(), rb.begin(), round);
    std::vector<float> bf16 = c0, reference = c0, plain = c0;
    gptc_gemm_bf16_f32((intptr_t)a.data(), (intptr_t)b.data(), (intptr_t)bf16.data(), batch, m, n, k, ta, tb,
                       accumulate);
    gptc_gemm_f32((intptr_t)ra.data(), (intptr_t)rb.data(), (intptr_t)reference.data(), batch, m, n, k, ta, tb,
                  accumulate);
    gptc_gemm_f32((intptr_t)a.data(), (intptr_t)b.data(), (intptr_t)plain.data(), batch, m, n, k, ta, tb, accumulate);
    EXPECT_EQ(bf16, reference) << batch << "x" << m << "x" << n << "x" << k;
    EXPECT_NE(bf16, plain) << batch << "x" << m << "x" << n << "x" << k;
  }
}

} // namespace
