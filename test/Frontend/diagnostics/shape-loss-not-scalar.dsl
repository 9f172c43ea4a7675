# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  loss = x * w
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}shape-loss-not-scalar.dsl:4:12: error: 'loss' must be a scalar tensor (f32[]), got f32[10, 4]
# CHECK: 1 error generated.
