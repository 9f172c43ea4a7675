# The matmul lowering without the runtime GEMM (--gemm=loops: linalg named
# contractions, including the transposed forms the backward pass uses, lowered
# to loops) passes the same finite-difference check, in f64.
# RUN: %gptc %s --dtype=f64 --gemm=loops -o %t && %t --gradcheck | FileCheck %s
# RUN: %gptc %s --dtype=f64 --gemm=loops --emit=llvm-dialect | FileCheck %s --check-prefix=IR
# CHECK: "gradcheck":"pass"
# IR-NOT: gptc_gemm
model grad_matmul_loops(x: f32[B, 5], r: f32[B, 2]) {
  param w: f32[5, 3] = normal(0, 1)
  param v: f32[2, 3] = normal(0, 1)
  param a: f32[B, 3, 4] = normal(0, 1)
  param c: f32[B, 4, 3] = normal(0, 1)
  h = tanh(x @ w)
  loss = sum(h @ transpose(v) * r) + sum(tanh(a @ c) @ transpose(w))
}
train { batch = 4  data = random()  seed = 31  optimizer = sgd(lr = 0.1) }
