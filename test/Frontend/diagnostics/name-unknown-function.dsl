# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  loss = sum(sigmod(x * w))
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}name-unknown-function.dsl:4:14: error: unknown function 'sigmod'
# CHECK: 1 error generated.
