# Shapes whose dimensions or element counts do not fit in int64 are errors at
# their source, never a wrapped negative number.
# RUN: not %gptc %s 2>&1 | FileCheck %s
config {
  huge = 4000000000 * 4000000000 * 4000000000
}
model m(x: f32[B, 4]) {
  param w: f32[4000000000, 4000000000] = zeros()
  param v: f32[huge] = zeros()
  a = linear(x, huge)
  b = reshape(x, [4000000000, 4000000000, 4000000000])
  c = linear(x, 3000000000 * 1000000000)
  loss = sum(x)
}
train { batch = 2  data = random()  optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}shape-int64-overflow.dsl:8:12: error: tensor f32[4000000000, 4000000000] has more elements than int64 can count (gptc supports 2^32)
# CHECK: {{.*}}shape-int64-overflow.dsl:9:16: error: dimension 6.4e+28 is too large for int64
# CHECK: {{.*}}shape-int64-overflow.dsl:10:17: error: the output size of 'linear' must be an integer of at least 1 that fits in int64, got 6.4e+28
# CHECK: {{.*}}shape-int64-overflow.dsl:11:7: error: cannot reshape f32[2, 4] (8 elements) to [4000000000, 4000000000, 4000000000] (more elements than int64 can count)
# CHECK: {{.*}}shape-int64-overflow.dsl:12:7: error: this gives f32[4, 3000000000000000000], which has more elements than int64 can count
# CHECK: 5 errors generated.
