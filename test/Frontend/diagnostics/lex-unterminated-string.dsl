# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  loss = sum(x * w)
}
train { batch = 10  data = idx_images("/tmp/data) optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}lex-unterminated-string.dsl:6:39: error: unterminated string literal
# CHECK: {{.*}}lex-unterminated-string.dsl:{{[0-9]+}}:1: error: expected ')' to close the call to 'idx_images', found end of file
# CHECK: {{.*}}lex-unterminated-string.dsl:{{[0-9]+}}:1: error: expected '}' to close the section, found end of file
# CHECK: 3 errors generated.
