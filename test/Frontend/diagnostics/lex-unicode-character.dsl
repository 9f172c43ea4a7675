# RUN: not %gptc %s 2>&1 | FileCheck %s
# A character outside the language, even a multi-byte one, is one error; the
# rest of the file is still checked.
model m(x: f32[B, 4]) {
  param w: f32[4] = normal(0, 1)
  h = x × w
  loss = sum(x * q)
}
train { batch = 2  data = random()  optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}lex-unicode-character.dsl:6:9: error: unexpected character '×'
# CHECK: {{.*}}lex-unicode-character.dsl:7:18: error: undefined name 'q'
# CHECK: 2 errors generated.
