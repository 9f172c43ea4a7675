# RUN: not %gptc %s 2>&1 | FileCheck %s
modle m(x: f32[B, 4]) {
  loss = sum(x)
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}syntax-bad-top-level.dsl:2:1: error: expected 'config', 'model' or 'train' at top level, found 'modle'
# CHECK: 1 error generated.
