# gelu is one composite op, nn.gelu (GPT-2's tanh approximation,
# 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))), with a hand-written
# backward, nn.gelu_grad, that needs only x; both become one elementwise
# linalg.generic each (Conversion/NNToLinalg/Elementwise.cpp).
# RUN: %gptc %s --emit=nn | FileCheck %s
# RUN: %gptc %s --emit=grad | FileCheck %s --check-prefix=GRAD
# RUN: %gptc %s --emit=linalg | FileCheck %s --check-prefix=LINALG
model m(x: f32[B, 4]) {
  param w: f32[4] = zeros()
  loss = sum(gelu(x + w))
}
train { batch = 2  data = random()  optimizer = sgd(lr = 0.1) }

# CHECK: %[[X:.*]] = nn.add
# CHECK-NEXT: nn.gelu %[[X]] : tensor<2x4xf32>

# GRAD-LABEL: func.func @grad
# GRAD: %[[X:.*]] = nn.add
# GRAD-NEXT: nn.gelu %[[X]]
# GRAD-NOT: nn.tanh
# GRAD: nn.gelu_grad %[[X]], %{{.*}} : tensor<2x4xf32>

# The forward's body (after x + w, fused in): x (1 + 0.044715 x^2), scaled by
# sqrt(2/pi), tanh, 0.5 x (1 + t).
# LINALG-LABEL: func.func @forward
# LINALG-DAG: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
# LINALG-DAG: %[[K:.*]] = arith.constant 0.797884583 : f32
# LINALG-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
# LINALG-DAG: %[[C:.*]] = arith.constant 4.471500e-02 : f32
# LINALG: linalg.generic
# LINALG: %[[X:.*]] = arith.addf
# LINALG-NEXT: %[[X2:.*]] = arith.mulf %[[X]], %[[X]] : f32
# LINALG-NEXT: %[[CX2:.*]] = arith.mulf %[[X2]], %[[C]] : f32
# LINALG-NEXT: %[[P:.*]] = arith.addf %[[CX2]], %[[ONE]] : f32
# LINALG-NEXT: %[[IN:.*]] = arith.mulf %[[X]], %[[P]] : f32
# LINALG-NEXT: %[[U:.*]] = arith.mulf %[[IN]], %[[K]] : f32
# LINALG-NEXT: %[[T:.*]] = math.tanh %[[U]] : f32
# LINALG-NEXT: %[[HX:.*]] = arith.mulf %[[X]], %[[HALF]] : f32
# LINALG-NEXT: %[[OPT:.*]] = arith.addf %[[T]], %[[ONE]] : f32
# LINALG-NEXT: arith.mulf %[[HX]], %[[OPT]] : f32
