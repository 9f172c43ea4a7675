# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  loss = sum(sum(x * w, axis = 2))
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}shape-axis-out-of-range.dsl:4:32: error: axis 2 is out of range for a rank-2 tensor in 'sum'
# CHECK: 1 error generated.
