# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 30]) {
  param b: f32[20] = normal(0, 1)
  loss = sum(x + b)
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}shape-broadcast.dsl:4:16: error: shapes do not broadcast for '+': f32[10, 30] and f32[20]
# CHECK: 1 error generated.
