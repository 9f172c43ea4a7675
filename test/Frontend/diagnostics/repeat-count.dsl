# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  repeat 2.5 {
    x = linear(x, 4)
  }
  loss = sum(linear(x, 1))
}
train { batch = 2  data = random()  optimizer = sgd(lr = 0.1) }
# CHECK: {{.*}}repeat-count.dsl:3:10: error: 'repeat' needs a non-negative integer count, got 2.5
# CHECK: 1 error generated.
