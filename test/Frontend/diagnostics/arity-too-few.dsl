# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4], t: i32[B]) {
  param w: f32[4, 3] = normal(0, 1)
  loss = cross_entropy(x @ w)
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}arity-too-few.dsl:4:10: error: 'cross_entropy' expects 2 arguments, got 1
# CHECK: 1 error generated.
