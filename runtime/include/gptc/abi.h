// The C ABI between a compiled model and the runtime.
//
// The model object defines the manifest and one entry point per step function;
// each takes an array with one pointer per buffer: the function's inputs in
// order, then its outputs (see compiler/Conversion/EntryPoints).
//   forward    : params..., inputs...                  -> loss[, out]
//   grad       : params..., inputs...                  -> loss, d(params)...
//   train_step : params..., state..., inputs..., hyper -> loss, params'..., state'...
//   apply_grads: params..., state..., grads..., hyper  -> params'..., state'...
// A sequence-to-sequence model also exports (weak: others link without them)
//   encode     : params..., inputs...[, rng]            -> memory...
//   decode     : params..., inputs...[, rng], memory... -> loss[, out]
// and gptc_encoder_outputs, the memory's types (gptc::entry::kEncoderOutputsSymbol);
// with a key/value cache (gptc-incremental-decode) also
//   decode_step: params..., inputs...[, rng], memory..., token, position, slot, caches...
//                -> out, new cache rows...
// and gptc_decode_caches, the caches' types (gptc::entry::kDecodeCachesSymbol).
// The runtime defines the GEMM the compiled code calls for matmuls.
#ifndef GPTC_RUNTIME_ABI_H
#define GPTC_RUNTIME_ABI_H

#include <cstdint>

extern "C" {
extern const char gptc_manifest[];
void gptc_forward(void **buffers);
void gptc_grad(void **buffers);
void gptc_train_step(void **buffers);
void gptc_apply_grads(void **buffers);
void gptc_encode(void **buffers) __attribute__((weak));
void gptc_decode(void **buffers) __attribute__((weak));
extern const char gptc_encoder_outputs[] __attribute__((weak));
void gptc_decode_step(void **buffers) __attribute__((weak));
extern const char gptc_decode_caches[] __attribute__((weak));
/// A model compiled with --target=cuda: its kernels' PTX and their names (one
/// per line, kernel k on line k), per bucket (gptc::entry::kCudaPtxSymbol).
extern const char gptc_cuda_ptx[] __attribute__((weak));
extern const char gptc_cuda_kernels[] __attribute__((weak));

/// A model compiled for several length buckets exports bucket k's step
/// functions as gptc_NAME_k (k = 1 .. kMaxBuckets - 1; bucket 0 is the plain
/// names); weak, so a model without them links with null pointers.
#define GPTC_BUCKET_ENTRY_POINTS(k)                                                                                \
  void gptc_forward_##k(void **buffers) __attribute__((weak));                                                  \
  void gptc_grad_##k(void **buffers) __attribute__((weak));                                                     \
  void gptc_train_step_##k(void **buffers) __attribute__((weak));                                               \
  void gptc_apply_grads_##k(void **buffers) __attribute__((weak));                                              \
  void gptc_encode_##k(void **buffers) __attribute__((weak));                                                   \
  void gptc_decode_##k(void **buffers) __attribute__((weak));                                                   \
  extern const char gptc_encoder_outputs_##k[] __attribute__((weak));                                           \
  void gptc_decode_step_##k(void **buffers) __attribute__((weak));                                              \
  extern const char gptc_decode_caches_##k[] __attribute__((weak));                                              \
  extern const char gptc_cuda_ptx_##k[] __attribute__((weak));                                                   \
  extern const char gptc_cuda_kernels_##k[] __attribute__((weak));
GPTC_BUCKET_ENTRY_POINTS(1)
GPTC_BUCKET_ENTRY_POINTS(2)
GPTC_BUCKET_ENTRY_POINTS(3)
GPTC_BUCKET_ENTRY_POINTS(4)
GPTC_BUCKET_ENTRY_POINTS(5)
GPTC_BUCKET_ENTRY_POINTS(6)
GPTC_BUCKET_ENTRY_POINTS(7)
GPTC_BUCKET_ENTRY_POINTS(8)
GPTC_BUCKET_ENTRY_POINTS(9)
GPTC_BUCKET_ENTRY_POINTS(10)
GPTC_BUCKET_ENTRY_POINTS(11)
#undef GPTC_BUCKET_ENTRY_POINTS

// The GPU path (runtime/src/cuda_backend.cpp). Every pointer the compiled
// host code handles is a device address; the step functions' buffers are
// device copies made by the backend.
/// Launches kernel `kernel` (its line in gptc_cuda_kernels) of the module of
/// bucket `module` on grid x block threads; `args` points at `count` device
/// addresses, one per kernel parameter (bare-pointer buffers).
void gptc_cuda_launch(intptr_t module, intptr_t kernel, intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                      intptr_t blockX, intptr_t blockY, intptr_t blockZ, intptr_t args, intptr_t count);
/// gptc_gemm_f32/f64's convention on device pointers, with cuBLAS.
void gptc_cuda_gemm_f32(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n, intptr_t k,
                        intptr_t transposeA, intptr_t transposeB, intptr_t accumulate);
void gptc_cuda_gemm_f64(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n, intptr_t k,
                        intptr_t transposeA, intptr_t transposeB, intptr_t accumulate);
/// gptc_cuda_gemm_f32 with bf16 products (--precision=bf16): cuBLAS rounds A
/// and B to bf16 for the tensor cores and sums in f32; C stays f32.
void gptc_cuda_gemm_bf16_f32(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n,
                             intptr_t k, intptr_t transposeA, intptr_t transposeB, intptr_t accumulate);
/// A host function's buffers: MLIR's generic allocation functions
/// (finalize-memref-to-llvm{use-generic-functions}) allocate device memory.
void *_mlir_memref_to_llvm_alloc(uint64_t bytes);
void _mlir_memref_to_llvm_free(void *address);

/// C[b] += op(A[b]) @ op(B[b]) for b < batch (accumulate != 0), or
/// C[b] = op(A[b]) @ op(B[b]) (accumulate == 0: C's old contents are never
/// read); row-major, C is [m, n], op(A) is [m, k], op(B) is [k, n]; op
/// transposes when the flag is set. Pointers are passed as integers (MLIR's
/// extract_aligned_pointer_as_index).
void gptc_gemm_f32(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n,
                   intptr_t k, intptr_t transposeA, intptr_t transposeB, intptr_t accumulate);
void gptc_gemm_f64(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n,
                   intptr_t k, intptr_t transposeA, intptr_t transposeB, intptr_t accumulate);

/// gptc_gemm_f32 with A and B first rounded to bf16 (to nearest, ties to even;
/// the products then exact in f32, summed in f32): what --precision=bf16
/// asks of cuBLAS, for the GPU path's kernels on the CPU (--gpu-kernels-on-cpu).
void gptc_gemm_bf16_f32(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n,
                        intptr_t k, intptr_t transposeA, intptr_t transposeB, intptr_t accumulate);

/// The compiled epilogue of a GEMM (gptc-matmul-to-runtime-calls): applies
/// its elementwise op to rows [row, row + rows) x columns [col, col + cols) of
/// C (all products of a batch stacked: [batch m, n]), reading its other
/// operands, whose addresses `context` points at. Called once per element,
/// after the element's sum is complete, by any of the runtime's threads.
typedef void (*gptc_gemm_epilogue_fn)(intptr_t context, intptr_t row, intptr_t col, intptr_t rows, intptr_t cols);

/// gptc_gemm_f32/f64, then `epilogue` on each block of C as soon as it is done
/// (while it is in cache).
void gptc_gemm_epilogue_f32(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n, intptr_t k,
                            intptr_t transposeA, intptr_t transposeB, intptr_t accumulate,
                            gptc_gemm_epilogue_fn epilogue, intptr_t context);
void gptc_gemm_epilogue_f64(intptr_t a, intptr_t b, intptr_t c, intptr_t batch, intptr_t m, intptr_t n, intptr_t k,
                            intptr_t transposeA, intptr_t transposeB, intptr_t accumulate,
                            gptc_gemm_epilogue_fn epilogue, intptr_t context);

/// One product C[m, n] (+)= op(A) op(B) on row-major views with leading
/// dimensions lda, ldb, ldc (of the stored matrices), computed by the calling
/// thread only: the fused attention kernel calls it from its own parallel
/// loop. k = 0 with accumulate = 0 zeroes C.
void gptc_gemm_strided_f32(intptr_t a, intptr_t lda, intptr_t b, intptr_t ldb, intptr_t c, intptr_t ldc,
                           intptr_t m, intptr_t n, intptr_t k, intptr_t transposeA, intptr_t transposeB,
                           intptr_t accumulate);
void gptc_gemm_strided_f64(intptr_t a, intptr_t lda, intptr_t b, intptr_t ldb, intptr_t c, intptr_t ldc,
                           intptr_t m, intptr_t n, intptr_t k, intptr_t transposeA, intptr_t transposeB,
                           intptr_t accumulate);
}

#endif
