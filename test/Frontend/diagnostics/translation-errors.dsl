# Errors of the encoder-decoder builtins: padding_mask's token ids, cross_entropy's
# ignored class and label smoothing.
# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(s: f32[B, 2, 4, 6], src: i32[B, 6], tgt: i32[B, 4], logits: f32[B, 4, 9]) {
  param w: f32[9, 9] = normal(0, 1)
  a = padding_mask(s, tgt)
  b = padding_mask(s, src, pad = -1)
  c = cross_entropy(logits @ w, tgt, smoothing = 1.5)
  d = cross_entropy(logits @ w, tgt, ignore = 0.5)
  loss = cross_entropy(logits @ w, tgt, ignore = 0, smoothing = 0.1)
}
train { batch = 2  data = random()  optimizer = sgd(lr = 0.1) }
# CHECK: {{.*}}translation-errors.dsl:6:23: error: padding_mask needs token ids i32[2, 6] (the batch, then one per key) for scores f32[2, 2, 4, 6], got i32[2, 4]
# CHECK: {{.*}}translation-errors.dsl:7:34: error: 'pad' (a token id) must be
# CHECK: {{.*}}translation-errors.dsl:8:50: error: 'smoothing' must be in [0, 1]
# CHECK: {{.*}}translation-errors.dsl:9:47: error: 'ignore' (a class index) must be
# CHECK: 4 errors generated.
