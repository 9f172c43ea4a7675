# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  loss = sum(x $ w)
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}lex-bad-character.dsl:4:16: error: unexpected character '$'
# CHECK-NOT: error:
# CHECK: 1 error generated.
