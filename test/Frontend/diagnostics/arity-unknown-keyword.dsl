# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  loss = sum(x * w)
}
train { batch = 10  data = random()  optimizer = adamw(lr = 1e-3, beta = 0.9) }

# CHECK: {{.*}}arity-unknown-keyword.dsl:6:74: error: 'adamw' has no argument named 'beta' (it takes: lr, betas, eps, weight_decay)
# CHECK: 1 error generated.
