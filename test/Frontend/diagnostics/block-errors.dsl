# RUN: not %gptc %s 2>&1 | FileCheck %s
config { block = 4 }
block no_return(x) {
  y = x * 2
}
block loops(x) {
  return loops(x)
}
block typed(x: f32[B, 8]) {
  return x
}
block pair(x) {
  return x, x * 2
}
model m(x: f32[B, block]) {
  param w: f32[block, block] = normal(0, 1)
  a = no_return(x)
  b = loops(x)
  c = typed(x)
  d, e, f = pair(x)
  g = pair(x)
  return x
  loss = sum(x @ w)
}
train { batch = 2  data = random()  optimizer = sgd(lr = 0.1) }
# CHECK: {{.*}}block-errors.dsl:3:1: error: block 'no_return' must end with 'return'
# CHECK: {{.*}}block-errors.dsl:7:10: error: block 'loops' calls itself; blocks cannot recurse
# CHECK: {{.*}}block-errors.dsl:19:13: error: input 'x' of block 'typed' must be f32[2, 8], got f32[2, 4]
# CHECK: {{.*}}block-errors.dsl:20:13: error: cannot unpack 2 values into 3 names
# CHECK: {{.*}}block-errors.dsl:21:7: error: this gives 2 values; unpack them: a, b = ...
# CHECK: {{.*}}block-errors.dsl:22:3: error: 'return' ends a block; a model's result is 'loss'
# CHECK: 6 errors generated.
