# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  loss = sum(sigmoid(x, w))
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}arity-too-many.dsl:4:25: error: 'sigmoid' takes at most 1 argument, got 2
# CHECK: 1 error generated.
