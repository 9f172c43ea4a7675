# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] normal(0, 1)
  loss = sum(x * w)
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}syntax-param-without-assign.dsl:3:19: error: expected '=' before the parameter's initializer, found 'normal'
# CHECK: 1 error generated.
