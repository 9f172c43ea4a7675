# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  w = x
  loss = sum(x * w)
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}name-assign-to-param.dsl:4:3: error: cannot assign to parameter 'w'
# CHECK: 1 error generated.
