# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4], r: f32[2, 3]) {
  param w: f32[4] = normal(0, 1)
  loss = sum(x * w)
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}shape-input-not-batched.dsl:2:26: error: model inputs are batches: the first dimension of 'r' must be the batch size B (10), got f32[2, 3]
# CHECK: 1 error generated.
