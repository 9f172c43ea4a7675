# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  out = x * w
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}model-without-loss.dsl:2:1: error: model 'm' never assigns 'loss'
# CHECK: 1 error generated.
