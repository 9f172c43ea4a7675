# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4], y: f32[B]) {
  param w: f32[4, 3] = normal(0, 1)
  loss = cross_entropy(x @ w, y)
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}type-float-targets.dsl:4:31: error: the targets of 'cross_entropy' must be class indices (i32), got f32[10]; for one-hot targets write -sum(y * log_softmax(logits)) / B
# CHECK: 1 error generated.
