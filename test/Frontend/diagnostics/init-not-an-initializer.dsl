# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = gaussian(0, 1)
  loss = sum(x * w)
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}init-not-an-initializer.dsl:3:21: error: expected an initializer: normal(mean, std), uniform(low, high), zeros(), ones() or xavier()
# CHECK: 1 error generated.
