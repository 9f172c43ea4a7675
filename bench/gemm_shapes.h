// The GEMM shapes of one GPT training step (forward, backward: dX = dY W^T,
// dW = X^T dY) for bench/gemm.sh: the runtime GEMM and torch.matmul time the
// same list. Columns: config, what, batch, m, n, k, transpose_a, transpose_b.
// "de-en" is the Multi30k translation model (examples/translate_multi30k.dsl)
// at its (20, 20) bucket: 128 x 20 = 2560 rows, d_model 256, FFN 512, tied
// output projection over the 5,898-word target vocabulary.
#define GPTC_GEMM_SHAPES(X)                                                  \
  X("4x4x128", "qkv", 1, 768, 384, 128, 0, 0)                                \
  X("4x4x128", "qkv dX", 1, 768, 128, 384, 0, 1)                             \
  X("4x4x128", "qkv dW", 1, 128, 384, 768, 1, 0)                             \
  X("4x4x128", "fc", 1, 768, 512, 128, 0, 0)                                 \
  X("4x4x128", "proj", 1, 768, 128, 512, 0, 0)                               \
  X("4x4x128", "proj dW", 1, 512, 128, 768, 1, 0)                            \
  X("4x4x128", "lm head", 1, 768, 65, 128, 0, 1)                             \
  X("4x4x128", "q k^T", 48, 64, 64, 32, 0, 1)                                \
  X("4x4x128", "att v", 48, 64, 32, 64, 0, 0)                                \
  X("6x6x384", "qkv", 1, 16384, 1152, 384, 0, 0)                             \
  X("6x6x384", "qkv dX", 1, 16384, 384, 1152, 0, 1)                          \
  X("6x6x384", "qkv dW", 1, 384, 1152, 16384, 1, 0)                          \
  X("6x6x384", "fc", 1, 16384, 1536, 384, 0, 0)                              \
  X("6x6x384", "proj", 1, 16384, 384, 1536, 0, 0)                            \
  X("6x6x384", "lm head", 1, 16384, 65, 384, 0, 1)                           \
  X("6x6x384", "q k^T", 384, 256, 256, 64, 0, 1)                             \
  X("6x6x384", "att v", 384, 256, 64, 256, 0, 0)                             \
  X("de-en", "q/k/v/out", 1, 2560, 256, 256, 0, 0)                           \
  X("de-en", "q dX", 1, 2560, 256, 256, 0, 1)                                \
  X("de-en", "q dW", 1, 256, 256, 2560, 1, 0)                                \
  X("de-en", "w_1", 1, 2560, 512, 256, 0, 0)                                 \
  X("de-en", "w_2", 1, 2560, 256, 512, 0, 0)                                 \
  X("de-en", "w_2 dW", 1, 512, 256, 2560, 1, 0)                              \
  X("de-en", "logits", 1, 2560, 5898, 256, 0, 1)                             \
  X("de-en", "logits dX", 1, 2560, 256, 5898, 0, 0)                          \
  X("de-en", "logits dW", 1, 5898, 256, 2560, 1, 0)
