# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4.5]) {
  loss = sum(x)
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}type-bad-dimension.dsl:2:19: error: a dimension must be a positive integer constant, got 4.5
# CHECK: 1 error generated.
