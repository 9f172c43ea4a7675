# Numbers out of range are errors that say so, with the position, never a wrapped value.
# RUN: not %gptc %s 2>&1 | FileCheck %s --match-full-lines --strict-whitespace
model m(x: f32[B, 4]) {
  param w: f32[99999999999999999999, 4] = zeros()
  loss = sum(x @ transpose(w)) * 1e999 + 9007199254740993
}
train { batch = 2 }
# CHECK:{{.*}}literals.dsl:4:16: error: integer literal '99999999999999999999' is too large (integers are exact up to 2^53 = 9007199254740992)
# CHECK-NEXT:  param w: f32[99999999999999999999, 4] = zeros()
# CHECK-NEXT:               ^
# CHECK-NEXT:{{.*}}literals.dsl:5:34: error: number '1e999' is out of range (the largest is about 1.8e308)
# CHECK:{{.*}}literals.dsl:5:42: error: integer literal '9007199254740993' is too large (integers are exact up to 2^53 = 9007199254740992)
# CHECK:3 errors generated.
