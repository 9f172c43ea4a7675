# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  loss = sum(x * w) * 3x4
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}lex-malformed-number.dsl:4:23: error: malformed number '3x4'
# CHECK: 1 error generated.
