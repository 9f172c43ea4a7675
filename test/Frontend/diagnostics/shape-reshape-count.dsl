# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  loss = sum(reshape(x * w, [3, 7]))
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}shape-reshape-count.dsl:4:14: error: cannot reshape f32[10, 4] (40 elements) to [3, 7] (21 elements)
# CHECK: 1 error generated.
