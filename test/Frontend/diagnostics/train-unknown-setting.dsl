# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  loss = sum(x * w)
}
train { batch = 10  data = random()  optimiser = sgd(lr = 0.1) }

# CHECK: {{.*}}train-unknown-setting.dsl:6:38: error: unknown train setting 'optimiser' (expected batch, epochs, steps, seed, validation, eval_interval, eval_iters, grad_accum, data, optimizer, schedule, clip or buckets)
# CHECK: 1 error generated.
