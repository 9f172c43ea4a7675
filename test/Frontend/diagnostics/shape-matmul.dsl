# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 784]) {
  param w1: f32[30, 10] = normal(0, 1)
  loss = sum(x @ w1)
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}shape-matmul.dsl:4:16: error: matmul shapes do not match: f32[10, 784] @ f32[30, 10] (inner dimensions 784 and 30 differ)
# CHECK: 1 error generated.
