# RUN: not %gptc %s -D hidden=8 2>&1 | FileCheck %s
config { width = 4 }
model m(x: f32[B, width]) {
  param w: f32[width] = normal(0, 1)
  loss = sum(x * w)
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}define-unknown-constant.dsl: error: -D hidden: no config constant or train setting named 'hidden'
# CHECK: 1 error generated.
