# A schedule's step counts are non-negative integers int64 can hold, in the file and with -D.
# RUN: not %gptc %s 2>&1 | FileCheck %s
# RUN: not %gptc %s -D warmup=1e30 2>&1 | FileCheck %s --check-prefix=OVERRIDE
model m(x: f32[B, 4]) {
  param w: f32[4] = zeros()
  loss = sum(x + w)
}
train { batch = 2  schedule = cosine(warmup = 2.5, decay_steps = 1e300) }
# CHECK: train-schedule-steps.dsl:8:47: error: 'warmup' must be a non-negative integer (steps), got 2.5
# CHECK: train-schedule-steps.dsl:8:66: error: 'decay_steps' must be a non-negative integer (steps), got 1e+300
# CHECK: 2 errors generated.
# OVERRIDE: error: -D warmup=1e+30: must be a non-negative integer (steps)
