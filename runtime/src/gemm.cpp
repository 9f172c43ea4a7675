// A packed, register-blocked GEMM (the BLIS/GotoBLAS structure): B is packed
// into KC x NR panels, A into MR x KC panels, and an MR x NR micro-kernel keeps
// its accumulators in vector registers. Shapes are known when the model is
// compiled; this kernel picks nothing from the CPU's model number, only from the
// vector width the runtime was compiled for.
#include "gptc/abi.h"
#include "gptc/threads.h"

#include <algorithm>
#include <atomic>
#include <memory>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif
#include <cstdlib>
#include <cstring>
#include <new>
#include <unistd.h>
#include <vector>

namespace {

template <typename T>
struct Kernel {
  static constexpr int kVecBytes = 64;
  static constexpr int kLanes = kVecBytes / sizeof(T);
  static constexpr int MR = 12;
  static constexpr int NR = 2 * kLanes;
  /// The longest K block: a packed B micro-panel (KC x NR) of 48 KB, L1's
  /// size on current x86 cores (384 for f32; 256 and 512 measured 0-10%
  /// slower on the 6x6x384 GPT's shapes).
  static constexpr int KC = 48 * 1024 / (NR * sizeof(T));
  /// Rows of A packed at a time (the A micro-panels are used one by one).
  static constexpr int MC = 120;
  /// How far ahead (in k steps) the micro-kernel prefetches packed B.
  static constexpr int kPrefetchB = 8;
  /// How far ahead (in cache lines) the micro-kernel prefetches A's rows
  /// when it reads them in place from memory (prefetchesRows).
  static constexpr int kPrefetchALines = 4;
  typedef T Vec __attribute__((vector_size(kVecBytes)));
};

/// The K and N blocks of a product. K is cut into equal blocks of at most
/// KC (K = 384 is one block, not 256 + 128: each block is one more pass
/// over C); N into blocks whose packed B (kc x nc) fills three quarters of
/// the core's L2 cache, where it stays while every A micro-panel of the rows
/// meets it (the rest holds the packed A, 184 KB at most, and C's lines).
/// Half of L2 cut the 6x6x384 GPT's fc (n = 1536) into 3 blocks of 512, each
/// packing A again: 3/4 makes it 2 of 768, measured 1-4% faster (8 of 10
/// pairs at 2 threads, 228 -> 237 GFLOP/s).
/// Depends on k and the cache size only, never on the thread count, so the
/// summation order (hence the result) does not either.
template <typename T>
struct Blocking {
  int64_t kc, nc;
  static Blocking of(int64_t k) {
    using K = Kernel<T>;
    int64_t blocks = (k + K::KC - 1) / K::KC;
    int64_t kc = std::max<int64_t>(1, (k + blocks - 1) / blocks);
    int64_t nc = l2Bytes() * 3 / 4 / (kc * (int64_t)sizeof(T)) / K::NR * K::NR;
    return {kc, std::clamp<int64_t>(nc, K::NR, 128 * K::NR)};
  }
  /// The L2 size the CPU reports (CPUID's cache leaves, through glibc), 1 MB
  /// if it reports none.
  static int64_t l2Bytes() {
    static const int64_t bytes = [] {
      long reported = sysconf(_SC_LEVEL2_CACHE_SIZE);
      return reported > 0 ? (int64_t)reported : (int64_t)1 << 20;
    }();
    return bytes;
  }
};

/// A growable 64-byte-aligned scratch buffer: packed panels are read with
/// full-vector loads, and a 16-byte-aligned std::vector split one in four
/// across two cache lines (the micro-kernel measured 211-225 GFLOP/s per core
/// instead of 230-235).
template <typename T>
class AlignedScratch {
public:
  ~AlignedScratch() { std::free(data_); }
  T *get(size_t elements) {
    if (elements > capacity_) {
      std::free(data_);
      data_ = static_cast<T *>(std::aligned_alloc(64, (elements * sizeof(T) + 63) / 64 * 64));
      if (!data_)
        throw std::bad_alloc();
      capacity_ = elements;
    }
    return data_;
  }

private:
  T *data_ = nullptr;
  size_t capacity_ = 0;
};

template <typename T>
struct Matrix {
  const T *data;
  int64_t rows, cols; // logical (after transpose) dims
  bool transposed;
  int64_t ld; // leading dimension of the stored matrix
  /// Whether the micro-kernel prefetches A's rows when it reads them in place
  /// (prefetchesRows): set for an A too large to be in cache when the
  /// product starts.
  bool prefetchRows = false;
  T at(int64_t i, int64_t j) const { return transposed ? data[j * ld + i] : data[i * ld + j]; }
};

#if defined(__AVX512F__)
// GCC 12's unpack and shuffle intrinsics pass an undefined vector as the
// masked-off source, which -Wmaybe-uninitialized reports where they inline.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
/// r[i] = column i of the 16 x 16 block whose rows were r[0 .. 16).
inline void transpose16x16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) { // 2 x 2 blocks of pairs
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) { // 4 x 4 blocks within each 128-bit lane
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 16; i += 8) // then the 128-bit lanes themselves
    for (int j = 0; j < 4; ++j) {
      t[i + j] = _mm512_shuffle_f32x4(r[i + j], r[i + j + 4], 0x88);
      t[i + j + 4] = _mm512_shuffle_f32x4(r[i + j], r[i + j + 4], 0xdd);
    }
  for (int j = 0; j < 8; ++j) {
    r[j] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0x88);
    r[j + 8] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0xdd);
  }
}
#endif

/// Packs rows [i0, i0+mc) x cols [p0, p0+kc) of A into MR-row panels, k-major
/// (element (r, p) of a panel at p * MR + r), rows past the edge zero.
template <typename T>
void packA(const Matrix<T> &a, int64_t i0, int64_t mc, int64_t p0, int64_t kc, T *out) {
  constexpr int MR = Kernel<T>::MR;
  for (int64_t ir = 0; ir < mc; ir += MR) {
    int64_t rows = std::min<int64_t>(MR, mc - ir);
    if (a.transposed) {
      // A^T stored row-major: each k is MR consecutive elements already.
      // A full panel copies a fixed MR elements per k (vector moves; a copy of
      // `rows` elements was a byte loop: packA was 6.7% of the 4x4x128 step).
      const T *src = a.data + (p0 * a.ld) + i0 + ir;
      if (rows == MR) {
        for (int64_t p = 0; p < kc; ++p)
          std::memcpy(out + p * MR, src + p * a.ld, MR * sizeof(T));
      } else {
        for (int64_t p = 0; p < kc; ++p) {
          std::memcpy(out + p * MR, src + p * a.ld, rows * sizeof(T));
          std::fill(out + p * MR + rows, out + (p + 1) * MR, T(0));
        }
      }
    } else {
#if defined(__AVX512F__)
      // A full f32 panel: 16 k steps of its rows at a time, transposed in
      // registers (rows MR .. 15 of the block are don't-cares), each k step
      // stored as MR lanes. (The element-by-element copy below made packing
      // cost more than reading A in place saved.)
      if constexpr (sizeof(T) == 4 && MR <= 16) {
        if (rows == MR) {
          const T *src = a.data + (i0 + ir) * a.ld + p0;
          for (int64_t pb = 0; pb < kc; pb += 16) {
            int64_t steps = std::min<int64_t>(16, kc - pb);
            __mmask16 mask = (__mmask16)((1u << steps) - 1);
            __m512 block[16];
            for (int r = 0; r < 16; ++r)
              block[r] = r < MR ? _mm512_maskz_loadu_ps(mask, src + r * a.ld + pb) : _mm512_setzero_ps();
            transpose16x16(block);
            for (int64_t p = 0; p < steps; ++p)
              _mm512_mask_storeu_ps(out + (pb + p) * MR, (__mmask16)((1u << MR) - 1), block[p]);
          }
          out += MR * kc;
          continue;
        }
      }
#endif
      // MR row streams, each read sequentially.
      for (int64_t r = 0; r < MR; ++r) {
        T *dst = out + r;
        if (r >= rows) {
          for (int64_t p = 0; p < kc; ++p)
            dst[p * MR] = 0;
          continue;
        }
        const T *src = a.data + (i0 + ir + r) * a.ld + p0;
        for (int64_t p = 0; p < kc; ++p)
          dst[p * MR] = src[p];
      }
    }
    out += MR * kc;
  }
}

/// dst[0 .. NR) = src[0 .. cols), zero-padded: one panel row of packed B.
template <typename T>
inline void copyRowPadded(T *dst, const T *src, int64_t cols) {
  constexpr int NR = Kernel<T>::NR, L = Kernel<T>::kLanes;
#if defined(__AVX512F__)
  for (int half = 0; half < NR / L; ++half) {
    int64_t lanes = std::clamp<int64_t>(cols - half * L, 0, L);
    if constexpr (sizeof(T) == 4)
      _mm512_storeu_ps(dst + half * L, _mm512_maskz_loadu_ps((__mmask16)((1ull << lanes) - 1), src + half * L));
    else
      _mm512_storeu_pd(dst + half * L, _mm512_maskz_loadu_pd((__mmask8)((1ull << lanes) - 1), src + half * L));
  }
#else
  std::memcpy(dst, src, cols * sizeof(T));
  std::fill(dst + cols, dst + NR, T(0));
#endif
}

/// Packs rows [p0, p0+kc) x cols [j0, j0+nc) of B into NR-column panels.
template <typename T>
void packB(const Matrix<T> &b, int64_t p0, int64_t kc, int64_t j0, int64_t nc, T *out) {
  constexpr int NR = Kernel<T>::NR;
  for (int64_t jr = 0; jr < nc; jr += NR) {
    int64_t cols = std::min<int64_t>(NR, nc - jr);
    if (!b.transposed) {
      for (int64_t p = 0; p < kc; ++p)
        copyRowPadded<T>(out + p * NR, b.data + (p0 + p) * b.ld + j0 + jr, cols);
    } else {
#if defined(__AVX512F__)
      // A full f32 panel: 16 x 16 blocks of the stored rows, transposed in
      // registers. (Two 16-lane gathers per k step measured packing as slow
      // as the multiply for attention's per-head Q K^T, 64 x 64 x 32, where
      // gathers are microcoded, as on CPUs with the Gather Data Sampling
      // mitigation: 21% of that product's time in packB.)
      if constexpr (sizeof(T) == 4) {
        if (cols == NR) {
          for (int half = 0; half < NR / 16; ++half) {
            const T *rows = b.data + (j0 + jr + half * 16) * b.ld + p0;
            for (int64_t pb = 0; pb < kc; pb += 16) {
              int64_t steps = std::min<int64_t>(16, kc - pb);
              __mmask16 mask = (__mmask16)((1u << steps) - 1);
              __m512 block[16];
              for (int r = 0; r < 16; ++r)
                block[r] = _mm512_maskz_loadu_ps(mask, rows + r * b.ld + pb);
              transpose16x16(block);
              for (int64_t p = 0; p < steps; ++p)
                _mm512_storeu_ps(out + (pb + p) * NR + half * 16, block[p]);
            }
          }
          out += NR * kc;
          continue;
        }
      }
#endif
      // B^T stored row-major: column c of the panel is one stored row, read
      // sequentially.
      for (int64_t c = 0; c < NR; ++c) {
        T *dst = out + c;
        if (c >= cols) {
          for (int64_t p = 0; p < kc; ++p)
            dst[p * NR] = 0;
          continue;
        }
        const T *src = b.data + (j0 + jr + c) * b.ld + p0;
        for (int64_t p = 0; p < kc; ++p)
          dst[p * NR] = src[p];
      }
    }
    out += NR * kc;
  }
}

#if defined(__AVX512F__)
#pragma GCC diagnostic pop
#endif

/// c[0 .. lanes) = v (Overwrite) or += v, without touching c beyond `lanes`.
template <typename T, bool Overwrite>
inline void storeMasked(T *c, typename Kernel<T>::Vec v, unsigned long long lanes) {
#if defined(__AVX512F__)
  if constexpr (sizeof(T) == 4) {
    __mmask16 m = (__mmask16)((1ull << lanes) - 1);
    __m512 x = (__m512)v;
    if constexpr (!Overwrite)
      x = _mm512_add_ps(_mm512_maskz_loadu_ps(m, c), x);
    _mm512_mask_storeu_ps(c, m, x);
  } else {
    __mmask8 m = (__mmask8)((1ull << lanes) - 1);
    __m512d x = (__m512d)v;
    if constexpr (!Overwrite)
      x = _mm512_add_pd(_mm512_maskz_loadu_pd(m, c), x);
    _mm512_mask_storeu_pd(c, m, x);
  }
#else
  T lane[Kernel<T>::kLanes];
  std::memcpy(lane, &v, sizeof(v));
  for (unsigned long long i = 0; i < lanes; ++i)
    c[i] = Overwrite ? lane[i] : c[i] + lane[i];
#endif
}

/// All lanes = *value: one vbroadcastss/sd from memory (a load-port uop). The
/// portable `Vec{} + value` costs an add and a register broadcast on the FMA
/// port per element of A, which measured 57% of peak instead of ~90%.
template <typename T>
inline typename Kernel<T>::Vec broadcast(const T *value) {
#if defined(__AVX512F__)
  if constexpr (sizeof(T) == 4)
    return (typename Kernel<T>::Vec)_mm512_set1_ps(*value);
  else
    return (typename Kernel<T>::Vec)_mm512_set1_pd(*value);
#else
  typename Kernel<T>::Vec v;
  for (int i = 0; i < Kernel<T>::kLanes; ++i)
    v[i] = *value;
  return v;
#endif
}

/// How the micro-kernel reads A:
/// - Packed: an MR-row panel, k-major (element (r, p) at p * MR + r);
/// - RowStreams: A in place, all RT rows present and each contiguous in k
///   (element (r, p) at r * rowStride + p). The rows are read through one
///   pointer per three rows, the other two at + rowStride and + 2 rowStride
///   (x86's base + index * scale addressing): twelve row pointers did not
///   fit in the registers next to B's, and reloading two of them from
///   vector registers each k step took the FMA ports (2 of 26 uops);
/// - RowOffsets: A in place, any layout (element (r, p) at rowOffset[r] +
///   p * colStride), for edge tiles: rows past the edge repeat the last row,
///   and their results are never stored.
/// - RowStreamsPrefetched: RowStreams, each row also prefetched a few lines
///   ahead (prefetchesRows).
enum class ARead { Packed, RowStreams, RowStreamsPrefetched, RowOffsets };

template <typename T>
struct APanel {
  const T *data;
  int64_t colStride, rowStride;
  int64_t rowOffset[Kernel<T>::MR];

  static APanel packed(const T *panel) {
    APanel a{panel, Kernel<T>::MR, 1, {}};
    for (int r = 0; r < Kernel<T>::MR; ++r)
      a.rowOffset[r] = r;
    return a;
  }
  static APanel inPlace(const Matrix<T> &m, int64_t i, int64_t p, int64_t rows) {
    int64_t rowStride = m.transposed ? 1 : m.ld, colStride = m.transposed ? m.ld : 1;
    APanel a{m.data + i * rowStride + p * colStride, colStride, rowStride, {}};
    for (int r = 0; r < Kernel<T>::MR; ++r)
      a.rowOffset[r] = std::min<int64_t>(r, rows - 1) * rowStride;
    return a;
  }
};

/// acc(RT x NV vectors) = A(RT x kc, the panel's first RT rows) * Bp(kc x
/// NR, its first NV vectors); then C(rows x cols) = acc (Overwrite: the first
/// K block of a product that does not accumulate, so C needs no zeroing
/// beforehand) or C += acc. RT is MR, or 8 or 4 for an edge panel; NV is 2
/// (a full NR panel) or 1 (an edge panel of at most one vector's columns).
/// Edge tiles thus compute little past the edge: the 4x4x128 GPT's
/// attention products (64 rows) 72 rows with full tiles, 64 with these. (A
/// block's last 1-4 columns are dot products instead: edgeColumns.)
// Inlined into its callers: called out of line, the accumulators went
// through memory (measured 90-100 instead of 100-130 GFLOP/s on attention's
// 64 x 64 x 32 products).
template <typename T, int RT, int NV, ARead Read, bool Overwrite>
__attribute__((always_inline)) inline void microKernel(int64_t kc, const APanel<T> &a, const T *bp, int64_t bStride, T *c, int64_t ldc,
                                                       int64_t rows, int64_t cols) {
  using K = Kernel<T>;
  using Vec = typename K::Vec;
  constexpr int MR = K::MR, L = K::kLanes;
  static_assert(NV >= 1 && NV * L <= K::NR && RT >= 1 && RT <= MR, "a micro-kernel covers at most one MR x NR tile");
  Vec acc[NV][RT];
  for (int v = 0; v < NV; ++v)
    for (int r = 0; r < RT; ++r)
      acc[v][r] = Vec{};
#if defined(__AVX512F__)
  // C's tile is needed only after the K loop: start fetching it now.
  for (int64_t r = 0; r < rows; ++r)
    for (int v = 0; v < NV; ++v)
      _mm_prefetch((const char *)(c + r * ldc + v * L), _MM_HINT_T0);
#endif
  constexpr int kStreams = (RT + 2) / 3;
  const T *stream[kStreams];
  for (int q = 0; q < kStreams; ++q)
    stream[q] = a.data + 3 * q * a.rowStride;
  const int64_t rowStride = a.rowStride;
  for (int64_t p = 0; p < kc; ++p) {
#if defined(__AVX512F__)
    // Packed B streams from L2 (a 48 KB micro-panel does not stay in L1 next
    // to A's): ask for it a few steps ahead.
    for (int v = 0; v < NV; ++v)
      _mm_prefetch((const char *)(bp + (p + K::kPrefetchB) * bStride + v * L), _MM_HINT_T0);
#endif
#if defined(__AVX512F__)
    if constexpr (Read == ARead::RowStreamsPrefetched)
      if (p % L == 0)
        for (int r = 0; r < RT; ++r)
          _mm_prefetch((const char *)(stream[r / 3] + (r % 3) * rowStride + K::kPrefetchALines * L), _MM_HINT_T0);
#endif
    Vec b[NV];
    for (int v = 0; v < NV; ++v)
      std::memcpy(&b[v], bp + p * bStride + v * L, sizeof(Vec));
    for (int r = 0; r < RT; ++r) {
      constexpr bool streams = Read == ARead::RowStreams || Read == ARead::RowStreamsPrefetched;
      const T *value = Read == ARead::Packed ? &a.data[p * MR + r]
                       : streams             ? stream[r / 3] + (r % 3) * rowStride
                                             : &a.data[a.rowOffset[r] + p * a.colStride];
      Vec av = broadcast<T>(value);
      for (int v = 0; v < NV; ++v)
        acc[v][r] += av * b[v];
    }
    if constexpr (Read == ARead::RowStreams || Read == ARead::RowStreamsPrefetched)
      for (int q = 0; q < kStreams; ++q)
        ++stream[q];
  }
  if (rows == RT && cols == NV * L) {
    for (int r = 0; r < RT; ++r)
      for (int v = 0; v < NV; ++v) {
        Vec out = acc[v][r];
        if constexpr (!Overwrite) {
          Vec old;
          std::memcpy(&old, c + r * ldc + v * L, sizeof(Vec));
          out += old;
        }
        std::memcpy(c + r * ldc + v * L, &out, sizeof(Vec));
      }
    return;
  }
  // A partial tile: masked loads and stores touch only the columns that exist.
  // The row loop runs to RT, unrolled, so acc is indexed by constants only:
  // indexed by a run-time row, acc lived in memory at the end of the k loop
  // (24 vectors stored to the stack and loaded back for every tile).
#pragma GCC unroll 16
  for (int r = 0; r < RT; ++r) {
    if (r >= rows)
      break;
    for (int v = 0; v < NV; ++v) {
      int64_t lanes = std::clamp<int64_t>(cols - v * L, 0, L);
      if (lanes)
        storeMasked<T, Overwrite>(c + r * ldc + v * L, acc[v][r], (unsigned long long)lanes);
    }
  }
}

/// The micro-kernel for one tile: A packed or in place, C overwritten or not.
template <typename T, int RT, int NV, bool PrefetchA>
__attribute__((always_inline)) inline void tileOf(bool packedA, bool overwrite, int64_t kc, const T *aPacked,
                                                  const Matrix<T> &a, int64_t i, int64_t p0, const T *bp, int64_t bStride, T *c,
                                                  int64_t ldc, int64_t rows, int64_t cols) {
  if (packedA) {
    auto panel = APanel<T>::packed(aPacked);
    overwrite ? microKernel<T, RT, NV, ARead::Packed, true>(kc, panel, bp, bStride, c, ldc, rows, cols)
              : microKernel<T, RT, NV, ARead::Packed, false>(kc, panel, bp, bStride, c, ldc, rows, cols);
  } else if (PrefetchA && rows == RT && !a.transposed) {
    auto panel = APanel<T>::inPlace(a, i, p0, rows);
    overwrite ? microKernel<T, RT, NV, ARead::RowStreamsPrefetched, true>(kc, panel, bp, bStride, c, ldc, rows, cols)
              : microKernel<T, RT, NV, ARead::RowStreamsPrefetched, false>(kc, panel, bp, bStride, c, ldc, rows, cols);
  } else if (rows == RT && !a.transposed) {
    auto panel = APanel<T>::inPlace(a, i, p0, rows);
    overwrite ? microKernel<T, RT, NV, ARead::RowStreams, true>(kc, panel, bp, bStride, c, ldc, rows, cols)
              : microKernel<T, RT, NV, ARead::RowStreams, false>(kc, panel, bp, bStride, c, ldc, rows, cols);
  } else {
    auto panel = APanel<T>::inPlace(a, i, p0, rows);
    overwrite ? microKernel<T, RT, NV, ARead::RowOffsets, true>(kc, panel, bp, bStride, c, ldc, rows, cols)
              : microKernel<T, RT, NV, ARead::RowOffsets, false>(kc, panel, bp, bStride, c, ldc, rows, cols);
  }
}

/// The smallest micro-kernel that covers a rows x cols tile.
template <typename T, int NV, bool PrefetchA>
__attribute__((always_inline)) inline void tileRows(bool packedA, bool overwrite, int64_t kc, const T *aPacked,
                                                    const Matrix<T> &a, int64_t i, int64_t p0, const T *bp, int64_t bStride, T *c,
                                                    int64_t ldc, int64_t rows, int64_t cols) {
  static_assert(Kernel<T>::MR == 12, "edge tiles of 4 and 8 rows");
  if (rows > 8)
    tileOf<T, 12, NV, PrefetchA>(packedA, overwrite, kc, aPacked, a, i, p0, bp, bStride, c, ldc, rows, cols);
  else if (rows > 4)
    tileOf<T, 8, NV, PrefetchA>(packedA, overwrite, kc, aPacked, a, i, p0, bp, bStride, c, ldc, rows, cols);
  else
    tileOf<T, 4, NV, PrefetchA>(packedA, overwrite, kc, aPacked, a, i, p0, bp, bStride, c, ldc, rows, cols);
}

/// PrefetchA: A read in place is prefetched row by row (Matrix::prefetchRows).
template <typename T, bool PrefetchA = false>
__attribute__((always_inline)) inline void tile(bool packedA, bool overwrite, int64_t kc, const T *aPacked,
                                                const Matrix<T> &a, int64_t i, int64_t p0, const T *bp, int64_t bStride, T *c,
                                                int64_t ldc, int64_t rows, int64_t cols) {
  if (cols > Kernel<T>::kLanes)
    tileRows<T, 2, PrefetchA>(packedA, overwrite, kc, aPacked, a, i, p0, bp, bStride, c, ldc, rows, cols);
  else
    tileRows<T, 1, PrefetchA>(packedA, overwrite, kc, aPacked, a, i, p0, bp, bStride, c, ldc, rows, cols);
}

/// The columns of a block past its last full NR panel, when there are at most
/// kDotColumns of them (the GPTs' 65-column lm head leaves one): each element
/// of C a dot product of A's row and B's column over the K block, vectorised
/// along k, four rows at a time. A micro-kernel tile would compute a whole
/// vector of columns for each (the lm head's one column took 22% of the
/// product's time as a 16-lane tile). A is read in place (its rows are
/// contiguous: A not stored transposed), B's columns in place when B is
/// stored transposed, from a copy otherwise. Each element is summed in one
/// fixed order (lane partial sums, then the lanes, then the k tail), so the
/// result does not depend on the thread count either.
constexpr int kDotColumns = 4;

template <typename T>
int64_t dotColumns(const Matrix<T> &a, int64_t nc) {
  int64_t past = nc % Kernel<T>::NR;
  return !a.transposed && past <= kDotColumns ? past : 0;
}

template <typename T, int W>
void edgeColumnsByDots(const Matrix<T> &a, const T *const bColumn[W], T *c, int64_t ldc, int64_t iBegin,
                       int64_t iEnd, int64_t p0, int64_t kc, int64_t j0, bool overwrite) {
  using Vec = typename Kernel<T>::Vec;
  constexpr int L = Kernel<T>::kLanes, R = 4;
  const int64_t kVectors = kc / L * L;
  for (int64_t i = iBegin; i < iEnd; i += R) {
    const T *aRow[R];
    for (int r = 0; r < R; ++r)
      aRow[r] = a.data + std::min<int64_t>(i + r, iEnd - 1) * a.ld + p0;
    Vec acc[R][W];
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < W; ++j)
        acc[r][j] = Vec{};
    for (int64_t p = 0; p < kVectors; p += L) {
      Vec bv[W], av;
      for (int j = 0; j < W; ++j)
        std::memcpy(&bv[j], bColumn[j] + p, sizeof(Vec));
      for (int r = 0; r < R; ++r) {
        std::memcpy(&av, aRow[r] + p, sizeof(Vec));
        for (int j = 0; j < W; ++j)
          acc[r][j] += av * bv[j];
      }
    }
    for (int r = 0; r < R && i + r < iEnd; ++r)
      for (int j = 0; j < W; ++j) {
        T sum = 0;
        for (int l = 0; l < L; ++l)
          sum += acc[r][j][l];
        for (int64_t p = kVectors; p < kc; ++p)
          sum += aRow[r][p] * bColumn[j][p];
        T &out = c[(i + r) * ldc + j0 + j];
        out = overwrite ? sum : out + sum;
      }
  }
}

/// C[iBegin:iEnd, j0:j0+cols) (+)= A B over the K block [p0, p0+kc), for
/// cols <= kDotColumns, by edgeColumnsByDots.
template <typename T>
void edgeColumns(const Matrix<T> &a, const Matrix<T> &b, T *c, int64_t ldc, int64_t iBegin, int64_t iEnd,
                 int64_t p0, int64_t kc, int64_t j0, int64_t cols, bool overwrite) {
  thread_local AlignedScratch<T> copyScratch;
  const T *column[kDotColumns];
  if (b.transposed) {
    for (int64_t j = 0; j < cols; ++j)
      column[j] = b.data + (j0 + j) * b.ld + p0;
  } else {
    T *copy = copyScratch.get((size_t)kDotColumns * kc);
    for (int64_t j = 0; j < cols; ++j) {
      for (int64_t p = 0; p < kc; ++p)
        copy[j * kc + p] = b.data[(p0 + p) * b.ld + j0 + j];
      column[j] = copy + j * kc;
    }
  }
  switch (cols) {
  case 1: return edgeColumnsByDots<T, 1>(a, column, c, ldc, iBegin, iEnd, p0, kc, j0, overwrite);
  case 2: return edgeColumnsByDots<T, 2>(a, column, c, ldc, iBegin, iEnd, p0, kc, j0, overwrite);
  case 3: return edgeColumnsByDots<T, 3>(a, column, c, ldc, iBegin, iEnd, p0, kc, j0, overwrite);
  case 4: return edgeColumnsByDots<T, 4>(a, column, c, ldc, iBegin, iEnd, p0, kc, j0, overwrite);
  }
}

/// The compiled elementwise consumer of C (a bias, an activation, a residual
/// add), run on each block of C right after its last K block is added, while
/// the block is in cache. Row indices are offset by `rowBase` (product i of a
/// batch is rows [i m, (i + 1) m) of the stacked outputs).
struct Epilogue {
  gptc_gemm_epilogue_fn fn = nullptr;
  intptr_t context = 0;
  int64_t rowBase = 0;
  void operator()(int64_t row, int64_t col, int64_t rows, int64_t cols) const {
    if (fn && rows > 0 && cols > 0)
      fn(context, rowBase + row, col, rows, cols);
  }
};

/// Whether the micro-kernel prefetches A's rows, read in place: when all the
/// A matrices of a call (`bytes`) are more than L2 holds, so that they come
/// from L3 or memory, and rows are long enough (k >= 128) for the prefetch
/// to stay mostly within its row. Twelve rows 1 KB apart are four streams
/// per 4 KB page, of which the L2 streamer follows one; a prefetch four
/// lines ahead on each row, once per line: 6x6x384 att v (384 products of
/// 256 x 64 x 256) 163 -> 183 GFLOP/s on 2 threads (6 of 6 pairs), lm head
/// 174 -> 187 (5 of 6); but 2-5% slower on the 4x4x128 GPT's products,
/// whose A (at most 1.5 MB) stays in L2 from one call to the next in the
/// bench.
template <typename T>
bool prefetchesRows(int64_t bytes, int64_t k) {
  return k >= 128 && bytes > Blocking<T>::l2Bytes();
}

/// Whether A's micro-panels are packed: packing pays off when each A panel
/// meets more than 4 B panels (nc > 128). On one core, packed vs in place,
/// GFLOP/s: 6x6x384 fc 143 vs 136, qkv dX 135 vs 130; 4x4x128 qkv 107 vs 98;
/// but attention's att v (nc = 32) 90 vs 124, 4x4x128 proj (nc = 128) 135
/// vs 140. A stored transposed is always packed: in place, each k step would
/// be a new cache line (and page) per panel.
template <typename T>
bool packsA(const Matrix<T> &a, int64_t nc) {
  return a.transposed || nc > 4 * Kernel<T>::NR;
}

/// Whether the micro-kernel reads B in place (row p of a panel at p * ld)
/// instead of from packed panels: when each B panel meets few A panels (at
/// most 512 rows of C, 43 panels) the pass that packs B costs more than
/// reading its rows from L2 with a stride saves. One core, in place vs
/// packed, GFLOP/s: the weight gradients 4x4x128 qkv dW (128 rows) 125 vs
/// 116, proj dW (512) 126 vs 120, de-en q dW (256) 136 vs 130; but 4x4x128
/// fc (768 rows) 139 vs 144 and 6x6x384 proj (16384) 101 vs 118. Nor when
/// B's rows are long (over 2 KB): then each k step of a panel is on a page
/// of its own, which the L1 prefetcher does not cross and the L1 TLB cannot
/// hold for a whole panel; the 6x6x384 qkv dW (384 rows of C, B's rows 4.5
/// KB) measured 96.3 GFLOP/s in place against 109.2 packed on one core (6
/// of 6 pairs), 189.9 against 196.5 on two (5 of 6). B stored transposed is
/// always packed, and so is a block with a partial panel (full vectors would
/// read past a row's end).
template <typename T>
bool readsBInPlace(const Matrix<T> &b, int64_t rows, int64_t nc) {
  return !b.transposed && nc % Kernel<T>::NR == 0 && rows <= 512 && b.ld * (int64_t)sizeof(T) <= 2048;
}

/// The height of the next strip of C's rows, `left` rows from the block's
/// end: MR, except that 13-16 rows read in place become two strips of at
/// most 8 (8 + 8 for 64-row attention blocks: 5 x 12 + 4 left a 4-row tile
/// whose 8 accumulators cannot hide the FMA latency, about 3 k steps' worth
/// of FMAs in flight where 12-row tiles keep 24). Packed A stays in MR-row
/// panels.
template <typename T>
int64_t stripRows(int64_t left, bool packedA) {
  constexpr int MR = Kernel<T>::MR;
  if (!packedA && left > MR && left - MR <= MR / 3)
    return (left + 1) / 2;
  return std::min<int64_t>(MR, left);
}

/// C[iBegin:iEnd, j0:j0+nc) (+)= A[iBegin:iEnd, p0:p0+kc) B[p0:p0+kc, j0:j0+nc)
/// with that block of B already packed: each A micro-panel (MR rows x kc, in
/// L1) meets every B micro-panel of the block, so C is written row strip by
/// row strip (MR rows, left to right: streams the prefetchers follow). The
/// other order (B micro-panel outer, C tiles down a column) measured 165-175
/// instead of 180-193 GFLOP/s per core on the 6x6x384 GPT's projections.
/// `epilogue` (the last K block only) runs on each MC-row block once it is done.
/// PrefetchA: A, read in place, is prefetched row by row (a function of its
/// own, so that the loops without the prefetch stay as they were: with one
/// more micro-kernel variant in the same function, the 4x4x128 att v
/// measured 2.5% slower, 10 of 12 pairs).
template <typename T, bool PrefetchA>
void rowsTimesPackedBWith(const Matrix<T> &a, const Matrix<T> &b, const T *packedB, bool bInPlace, T *c,
                          int64_t ldc, int64_t iBegin, int64_t iEnd, int64_t p0, int64_t kc, int64_t j0, int64_t nc,
                          bool overwrite, const Epilogue *epilogue) {
  using K = Kernel<T>;
  thread_local AlignedScratch<T> packedAScratch;
  bool packA_ = packsA(a, nc);
  T *packedA = packA_ ? packedAScratch.get((size_t)(K::MC + K::MR) * kc) : nullptr;
  int64_t dots = dotColumns(a, nc), tiled = nc - dots;
  for (int64_t i0 = iBegin; i0 < iEnd; i0 += K::MC) {
    int64_t mc = std::min<int64_t>(K::MC, iEnd - i0);
    if (packA_)
      packA(a, i0, mc, p0, kc, packedA);
    for (int64_t ir = 0, rows; ir < mc; ir += rows) {
      rows = stripRows<T>(mc - ir, packA_);
      for (int64_t jr = 0; jr < tiled; jr += K::NR) {
        int64_t cols = std::min<int64_t>(K::NR, tiled - jr);
        tile<T, PrefetchA>(packA_, overwrite, kc, packA_ ? packedA + ir * kc : nullptr, a, i0 + ir, p0,
                bInPlace ? b.data + p0 * b.ld + j0 + jr : packedB + jr * kc, bInPlace ? b.ld : (int64_t)K::NR,
                c + (i0 + ir) * ldc + j0 + jr, ldc, rows, cols);
      }
    }
    if (dots)
      edgeColumns(a, b, c, ldc, i0, i0 + mc, p0, kc, j0 + tiled, dots, overwrite);
    if (epilogue)
      (*epilogue)(i0, j0, mc, nc);
  }
}

template <typename T>
void rowsTimesPackedB(const Matrix<T> &a, const Matrix<T> &b, const T *packedB, bool bInPlace, T *c, int64_t ldc,
                      int64_t iBegin, int64_t iEnd, int64_t p0, int64_t kc, int64_t j0, int64_t nc, bool overwrite,
                      const Epilogue *epilogue = nullptr) {
  if (a.prefetchRows && !packsA(a, nc))
    rowsTimesPackedBWith<T, true>(a, b, packedB, bInPlace, c, ldc, iBegin, iEnd, p0, kc, j0, nc, overwrite, epilogue);
  else
    rowsTimesPackedBWith<T, false>(a, b, packedB, bInPlace, c, ldc, iBegin, iEnd, p0, kc, j0, nc, overwrite, epilogue);
}

/// C[0:m, j0:j0+nc) (+)= A[0:m, p0:p0+kc) B[p0:p0+kc, j0:j0+nc) with all of
/// A's rows already packed (packedA; null: A is read in place): packs that
/// block of B, then meets it with every A micro-panel. `epilogue` (the last K
/// block only) runs on each MC-row block of the columns once it is done.
template <typename T>
void packedATimesColumns(const Matrix<T> &a, const T *packedA, const Matrix<T> &b, T *c, int64_t ldc, int64_t m,
                         int64_t p0, int64_t kc, int64_t j0, int64_t nc, bool overwrite,
                         const Epilogue *epilogue) {
  using K = Kernel<T>;
  thread_local AlignedScratch<T> packedBScratch;
  int64_t dots = dotColumns(a, nc), tiled = nc - dots;
  bool bInPlace = readsBInPlace(b, m, tiled);
  T *packedB = bInPlace ? nullptr : packedBScratch.get((size_t)(nc + K::NR) * kc);
  if (!bInPlace && tiled)
    packB(b, p0, kc, j0, tiled, packedB);
  for (int64_t i0 = 0; i0 < m; i0 += K::MC) {
    int64_t iEnd = std::min<int64_t>(m, i0 + K::MC);
    for (int64_t ir = i0, rows; ir < iEnd; ir += rows) {
      rows = stripRows<T>(iEnd - ir, packedA != nullptr);
      for (int64_t jr = 0; jr < tiled; jr += K::NR) {
        int64_t cols = std::min<int64_t>(K::NR, tiled - jr);
        tile<T>(packedA != nullptr, overwrite, kc, packedA ? packedA + ir * kc : nullptr, a, ir, p0,
                bInPlace ? b.data + p0 * b.ld + j0 + jr : packedB + jr * kc, bInPlace ? b.ld : (int64_t)K::NR,
                c + ir * ldc + j0 + jr, ldc, rows, cols);
      }
    }
    if (dots)
      edgeColumns(a, b, c, ldc, i0, iEnd, p0, kc, j0 + tiled, dots, overwrite);
    if (epilogue)
      (*epilogue)(i0, j0, iEnd - i0, nc);
  }
}

/// The column blocks of a product: equal blocks of at most the blocking's nc
/// (1536 columns: 3 x 512, not 672 + 672 + 192), a multiple of NR wide.
template <typename T>
int64_t equalColumnBlock(int64_t n, const Blocking<T> &blocking) {
  constexpr int NR = Kernel<T>::NR;
  int64_t blocks = (n + blocking.nc - 1) / blocking.nc;
  return ((n + blocks - 1) / blocks + NR - 1) / NR * NR;
}

/// C[i0:i1, j0:j1) (+)= (op(A) op(B))[i0:i1, j0:j1), computed by the calling
/// thread alone. Every element is summed over k in the same order whatever
/// the block, so the split does not change results.
template <typename T>
void gemmBlock(const Matrix<T> &a, const Matrix<T> &b, T *c, int64_t ldc, int64_t iBegin, int64_t iEnd,
               int64_t k, int64_t jBegin, int64_t jEnd, bool accumulate, const Epilogue &epilogue = {}) {
  using K = Kernel<T>;
  const Blocking<T> blocking = Blocking<T>::of(k);
  thread_local AlignedScratch<T> packedBScratch;
  T *packedB = packedBScratch.get((size_t)(blocking.nc + K::NR) * blocking.kc);
  int64_t ncEqual = equalColumnBlock<T>(jEnd - jBegin, blocking);
  for (int64_t j0 = jBegin; j0 < jEnd; j0 += ncEqual) {
    int64_t nc = std::min<int64_t>(ncEqual, jEnd - j0);
    for (int64_t p0 = 0; p0 < k; p0 += blocking.kc) {
      int64_t kc = std::min<int64_t>(blocking.kc, k - p0);
      int64_t tiled = nc - dotColumns(a, nc);
      bool bInPlace = readsBInPlace(b, iEnd - iBegin, tiled);
      if (!bInPlace && tiled)
        packB(b, p0, kc, j0, tiled, packedB);
      rowsTimesPackedB(a, b, packedB, bInPlace, c, ldc, iBegin, iEnd, p0, kc, j0, nc, !accumulate && p0 == 0,
                       p0 + kc == k ? &epilogue : nullptr);
    }
  }
}

/// A buffer the threads of one product share (packed by all, then read by
/// all); products run one at a time, so one per element type is enough.
template <typename T>
AlignedScratch<T> &sharedScratch() {
  static AlignedScratch<T> scratch;
  return scratch;
}

/// The tasks of one operand split along an extent, handed out in order:
/// large first, shrinking as the work left shrinks (each a share of what is
/// left, a multiple of unit between unit and maxSize), so that when the work
/// runs out the threads are finishing small tasks together rather than one
/// waiting for another's large one (a thread the machine runs slower, with
/// another tenant on its core, takes fewer).
struct TaskSplit {
  std::vector<int64_t> starts; // task t is [starts[t], starts[t + 1])
  int64_t count() const { return (int64_t)starts.size() - 1; }
  int64_t begin(int64_t task) const { return starts[task]; }
  int64_t end(int64_t task) const { return starts[task + 1]; }
  static TaskSplit of(int64_t extent, int64_t unit, int64_t maxSize, int threads) {
    TaskSplit split;
    maxSize = std::max(unit, maxSize / unit * unit);
    for (int64_t at = 0; at < extent;) {
      split.starts.push_back(at);
      int64_t share = (extent - at + 2 * threads - 1) / (2 * threads);
      at = std::min(extent, at + std::clamp((share + unit - 1) / unit * unit, unit, maxSize));
    }
    split.starts.push_back(extent);
    return split;
  }
};

/// Splits C among the runtime's threads, handing out tasks as threads come
/// free (a static split waits for the slowest thread: on the 2-core VM this
/// project measures on, one core did the same work 20-30% slower than the
/// other). The operand every task reads is packed once, by all threads
/// together, per K block:
/// - C taller than wide: B's block is shared; a task is a strip of rows.
/// - C wider than tall: A's rows are shared; a task is a block of columns
///   (it packs its own B).
/// Every element of C is computed by one task in the same order whatever the
/// thread count or the schedule, so results do not depend on them; K blocks
/// are separated by barriers, so their sums come in order.
template <typename T>
void gemm(const Matrix<T> &a, const Matrix<T> &b, T *c, int64_t m, int64_t n, int64_t k, bool accumulate,
          const Epilogue &epilogue) {
  using K = Kernel<T>;
  gptc::ThreadPool &pool = gptc::ThreadPool::instance();
  int threads = pool.size();
  bool byColumns = n > m;
  if (threads <= 1 || (byColumns ? n <= K::NR : m <= K::MR) || m * n * k < (1 << 20)) {
    gemmBlock(a, b, c, n, 0, m, k, 0, n, accumulate, epilogue);
    return;
  }
  const Blocking<T> blocking = Blocking<T>::of(k);
  int64_t kBlocks = (k + blocking.kc - 1) / blocking.kc;
  if (!byColumns) {
    int64_t ncEqual = equalColumnBlock<T>(n, blocking);
    int64_t nBlocks = (n + ncEqual - 1) / ncEqual, slabs = nBlocks * kBlocks;
    TaskSplit rows = TaskSplit::of(m, K::MR, K::MC, threads);
    T *packedB = sharedScratch<T>().get((size_t)(ncEqual + K::NR) * blocking.kc);
    std::unique_ptr<std::atomic<int64_t>[]> next(new std::atomic<int64_t>[slabs]);
    for (int64_t s = 0; s < slabs; ++s)
      next[s] = 0;
    pool.runTeam([&](int thread, int team) {
      for (int64_t s = 0; s < slabs; ++s) {
        int64_t j0 = s / kBlocks * ncEqual, nc = std::min<int64_t>(ncEqual, n - j0);
        int64_t p0 = s % kBlocks * blocking.kc, kc = std::min<int64_t>(blocking.kc, k - p0);
        int64_t tiled = nc - dotColumns(a, nc);
        bool bInPlace = readsBInPlace(b, m, tiled);
        if (!bInPlace) {
          int64_t panels = (tiled + K::NR - 1) / K::NR;
          int64_t first = panels * thread / team, last = panels * (thread + 1) / team;
          if (first < last)
            packB(b, p0, kc, j0 + first * K::NR, std::min<int64_t>(tiled, last * K::NR) - first * K::NR,
                  packedB + first * K::NR * kc);
          gptc::ThreadPool::barrier();
        }
        for (int64_t task; (task = next[s].fetch_add(1)) < rows.count();)
          rowsTimesPackedB(a, b, packedB, bInPlace, c, n, rows.begin(task), rows.end(task), p0, kc, j0, nc,
                           !accumulate && p0 == 0, p0 + kc == k ? &epilogue : nullptr);
        if (s + 1 < slabs)
          gptc::ThreadPool::barrier(); // the next slab repacks B
      }
    });
    return;
  }
  TaskSplit columns = TaskSplit::of(n, K::NR, blocking.nc, threads);
  bool packA_ = packsA(a, n);
  int64_t mPadded = (m + K::MR - 1) / K::MR * K::MR;
  T *packedA = packA_ ? sharedScratch<T>().get((size_t)mPadded * blocking.kc) : nullptr;
  std::unique_ptr<std::atomic<int64_t>[]> next(new std::atomic<int64_t>[kBlocks]);
  for (int64_t s = 0; s < kBlocks; ++s)
    next[s] = 0;
  pool.runTeam([&](int thread, int team) {
    for (int64_t s = 0; s < kBlocks; ++s) {
      int64_t p0 = s * blocking.kc, kc = std::min<int64_t>(blocking.kc, k - p0);
      if (packA_) {
        int64_t panels = mPadded / K::MR;
        int64_t first = panels * thread / team, last = panels * (thread + 1) / team;
        if (first < last)
          packA(a, first * K::MR, std::min<int64_t>(m, last * K::MR) - first * K::MR, p0, kc,
                packedA + first * K::MR * kc);
        gptc::ThreadPool::barrier();
      }
      for (int64_t task; (task = next[s].fetch_add(1)) < columns.count();) {
        int64_t j0 = columns.begin(task);
        packedATimesColumns(a, packedA, b, c, n, m, p0, kc, j0, columns.end(task) - j0,
                            !accumulate && p0 == 0, p0 + kc == k ? &epilogue : nullptr);
      }
      if (s + 1 < kBlocks)
        gptc::ThreadPool::barrier(); // the next K block repacks A and adds to C
    }
  });
}

template <typename T>
void batchedGemm(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n,
                 intptr_t k, intptr_t ta, intptr_t tb, intptr_t accumulate, gptc_gemm_epilogue_fn epilogueFn = nullptr,
                 intptr_t epilogueContext = 0) {
  const T *A = reinterpret_cast<const T *>(a);
  const T *B = reinterpret_cast<const T *>(b);
  T *C = reinterpret_cast<T *>(c);
  if (batch <= 0 || m <= 0 || n <= 0)
    return;
  if (k <= 0) { // an empty sum: C stays (accumulate) or becomes 0
    if (!accumulate)
      std::fill(C, C + batch * m * n, T(0));
    Epilogue{epilogueFn, epilogueContext, 0}(0, 0, batch * m, n);
    return;
  }
  auto one = [&](intptr_t i, bool threaded) {
    Matrix<T> ma{A + i * m * k, m, k, ta != 0, ta ? m : k, prefetchesRows<T>(batch * m * k * sizeof(T), k)};
    Matrix<T> mb{B + i * k * n, k, n, tb != 0, tb ? k : n};
    Epilogue epilogue{epilogueFn, epilogueContext, i * m};
    if (threaded)
      gemm<T>(ma, mb, C + i * m * n, m, n, k, accumulate != 0, epilogue);
    else
      gemmBlock<T>(ma, mb, C + i * m * n, n, 0, m, k, 0, n, accumulate != 0, epilogue);
  };
  // Many products (attention's per-head matmuls): one product per task, each
  // computed whole by one thread, so results do not depend on the split;
  // handed out as threads come free. Up to 2^24 multiply-adds a product
  // (the 6x6x384 GPT's 256 x 256 x 64): splitting each among the threads
  // instead cost a shared pack, barriers and a team start per 50 us product
  // (q k^T: 128 instead of 154 GFLOP/s on 2 threads, 0.77-0.85x of MKL).
  gptc::ThreadPool &pool = gptc::ThreadPool::instance();
  if (batch >= 2 * pool.size() && (int64_t)m * n * k <= (int64_t(1) << 24)) {
    std::atomic<intptr_t> next{0};
    pool.runTeam([&](int, int) {
      for (intptr_t i; (i = next.fetch_add(1)) < batch;)
        one(i, false);
    });
    return;
  }
  for (intptr_t i = 0; i < batch; ++i)
    one(i, true);
}

/// One product on row-major views with leading dimensions, computed by the
/// calling thread alone (the caller is already one of many threads).
template <typename T>
void stridedGemm(intptr_t a, intptr_t lda, intptr_t b, intptr_t ldb, intptr_t c, intptr_t ldc, intptr_t m,
                 intptr_t n, intptr_t k, intptr_t ta, intptr_t tb, intptr_t accumulate) {
  T *C = reinterpret_cast<T *>(c);
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0) { // an empty sum: C stays (accumulate) or becomes 0
    if (!accumulate)
      for (intptr_t i = 0; i < m; ++i)
        std::fill(C + i * ldc, C + i * ldc + n, T(0));
    return;
  }
  Matrix<T> ma{reinterpret_cast<const T *>(a), m, k, ta != 0, lda};
  Matrix<T> mb{reinterpret_cast<const T *>(b), k, n, tb != 0, ldb};
  gemmBlock<T>(ma, mb, C, ldc, 0, m, k, 0, n, accumulate != 0);
}

} // namespace

extern "C" void gptc_gemm_strided_f32(intptr_t a, intptr_t lda, intptr_t b, intptr_t ldb, intptr_t c,
                                      intptr_t ldc, intptr_t m, intptr_t n, intptr_t k, intptr_t ta,
                                      intptr_t tb, intptr_t accumulate) {
  stridedGemm<float>(a, lda, b, ldb, c, ldc, m, n, k, ta, tb, accumulate);
}

extern "C" void gptc_gemm_strided_f64(intptr_t a, intptr_t lda, intptr_t b, intptr_t ldb, intptr_t c,
                                      intptr_t ldc, intptr_t m, intptr_t n, intptr_t k, intptr_t ta,
                                      intptr_t tb, intptr_t accumulate) {
  stridedGemm<double>(a, lda, b, ldb, c, ldc, m, n, k, ta, tb, accumulate);
}

extern "C" void gptc_gemm_f32(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m,
                              intptr_t n, intptr_t k, intptr_t ta, intptr_t tb, intptr_t accumulate) {
  batchedGemm<float>(a, b, c, batch, m, n, k, ta, tb, accumulate);
}

extern "C" void gptc_gemm_f64(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m,
                              intptr_t n, intptr_t k, intptr_t ta, intptr_t tb, intptr_t accumulate) {
  batchedGemm<double>(a, b, c, batch, m, n, k, ta, tb, accumulate);
}

namespace {

/// x rounded to the nearest bf16 (ties to even), kept as an f32: its low 16
/// bits zero. NaNs stay NaN (the rounding carry could make one infinite).
inline float roundToBF16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return x;
  bits = (bits + 0x7fffu + ((bits >> 16) & 1u)) & 0xffff0000u;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

} // namespace

/// The GEMM of A and B rounded to bf16 (copies): each product of two bf16
/// values is exact in f32, so this is the f32 GEMM's order of sums on bf16
/// operands, the arithmetic cuBLAS's CUBLAS_COMPUTE_32F_FAST_16BF allows.
extern "C" void gptc_gemm_bf16_f32(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n,
                                   intptr_t k, intptr_t ta, intptr_t tb, intptr_t accumulate) {
  auto rounded = [](intptr_t matrix, size_t count) {
    const float *values = reinterpret_cast<const float *>(matrix);
    std::vector<float> copy(count);
    for (size_t i = 0; i < count; ++i)
      copy[i] = roundToBF16(values[i]);
    return copy;
  };
  std::vector<float> roundedA = rounded(a, size_t(batch * m * k)), roundedB = rounded(b, size_t(batch * k * n));
  batchedGemm<float>(reinterpret_cast<intptr_t>(roundedA.data()), reinterpret_cast<intptr_t>(roundedB.data()), c,
                     batch, m, n, k, ta, tb, accumulate);
}

extern "C" void gptc_gemm_epilogue_f32(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n,
                                       intptr_t k, intptr_t ta, intptr_t tb, intptr_t accumulate,
                                       gptc_gemm_epilogue_fn epilogue, intptr_t context) {
  batchedGemm<float>(a, b, c, batch, m, n, k, ta, tb, accumulate, epilogue, context);
}

extern "C" void gptc_gemm_epilogue_f64(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n,
                                       intptr_t k, intptr_t ta, intptr_t tb, intptr_t accumulate,
                                       gptc_gemm_epilogue_fn epilogue, intptr_t context) {
  batchedGemm<double>(a, b, c, batch, m, n, k, ta, tb, accumulate, epilogue, context);
}
