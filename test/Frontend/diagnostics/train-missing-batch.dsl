# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  loss = sum(x * w)
}
train { data = random()  optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}train-missing-batch.dsl:6:1: error: the 'train' section must set 'batch'
# CHECK: 1 error generated.
