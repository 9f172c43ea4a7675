# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 6], idx: i32[B, 3]) {
  param table: f32[10, 4] = normal(0, 1)
  a = linear(x, 5, tied = table)
  b = embedding(x, table)
  p, q = split(x, 4)
  c = dropout(x, 1.5)
  d = heads(x, 4)
  e = repeat_me(x)
  f = mask(x, col > depth, -inf)
  g = x < x
  h = row + 1
  loss = sum(linear(x, 3))
}
train { batch = 2  data = random()  optimizer = sgd(lr = 0.1) }
# CHECK: {{.*}}layer-errors.dsl:4:27: error: a tied weight must be [out, 6], got f32[10, 4]
# CHECK: {{.*}}layer-errors.dsl:5:17: error: 'embedding' looks up integer indices (i32), got f32[2, 6]
# CHECK: {{.*}}layer-errors.dsl:6:10: error: 'split' cannot cut dimension 1 of f32[2, 6] into 4 equal parts
# CHECK: {{.*}}layer-errors.dsl:7:18: error: a dropout probability must be in [0, 1), got 1.5
# CHECK: {{.*}}layer-errors.dsl:8:7: error: 'heads' needs [B, T, C] with C divisible by 4, got f32[2, 6]
# CHECK: {{.*}}layer-errors.dsl:9:7: error: unknown function 'repeat_me'
# CHECK: {{.*}}layer-errors.dsl:10:21: error: a mask condition can use row, col and config constants; 'depth' is none of them
# CHECK: {{.*}}layer-errors.dsl:11:9: error: comparisons of tensors are not supported; compare positions in mask(x, condition, fill), e.g. mask(scores, col > row, -inf)
# CHECK: {{.*}}layer-errors.dsl:12:7: error: 'row' is only defined in the condition of mask(x, condition, fill)
# CHECK: 9 errors generated.
