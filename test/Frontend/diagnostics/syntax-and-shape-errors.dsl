# RUN: not %gptc %s 2>&1 | FileCheck %s
# A syntax error does not hide independent errors elsewhere in the file, and
# names its statement defined are not reported again as undefined.
config { width = 4  depth = * 2 }
model m(x: f32[B, width], y: f32[B, 3]) {
  param w1: f32[width, 8] = normal(0, 1)
  param w2: f32[8, 3]     = normal(0, 1)
  h = tanh(x @ w1 +)
  z = h @ w2 + depth
  bad = x @ w2
  loss = mse(z, y)
}
train { batch = 2  data = random()  optimizer = sgd(lr = ) }

# CHECK: {{.*}}syntax-and-shape-errors.dsl:4:29: error: expected an expression, found '*'
# CHECK: {{.*}}syntax-and-shape-errors.dsl:8:20: error: expected an expression, found ')'
# CHECK: {{.*}}syntax-and-shape-errors.dsl:13:58: error: expected an expression, found ')'
# CHECK: {{.*}}syntax-and-shape-errors.dsl:10:11: error: matmul shapes do not match: f32[2, 4] @ f32[8, 3] (inner dimensions 4 and 8 differ)
# CHECK: 4 errors generated.
