# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  a = sigmod(x)
  b = x @ w
  c = x + undefined_name
  loss = sum(x * w)
}
train { batch = 10  data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}several-errors.dsl:4:7: error: unknown function 'sigmod'
# CHECK: {{.*}}several-errors.dsl:5:9: error: '@' needs operands of rank 2 or more, of equal rank or with a rank-2 right side (applied to every row), got f32[10, 4] @ f32[4]
# CHECK: {{.*}}several-errors.dsl:6:11: error: undefined name 'undefined_name'
# CHECK: 3 errors generated.
