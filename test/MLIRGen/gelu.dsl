# gelu expands in Frontend/Builtins/Elementwise.cpp into GPT-2's tanh
# approximation, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), one nn op
# per step.
# RUN: %gptc %s --emit=nn | FileCheck %s
model m(x: f32[B, 4]) {
  param w: f32[4] = zeros()
  loss = sum(gelu(x + w))
}
train { batch = 2  data = random()  optimizer = sgd(lr = 0.1) }

# CHECK: %[[X:.*]] = nn.add
# CHECK: %[[X2:.*]] = nn.mul %[[X]], %[[X]]
# CHECK: %[[X3:.*]] = nn.mul %[[X2]], %[[X]]
# CHECK: %[[K:.*]] = nn.constant 4.471500e-02
# CHECK: %[[T:.*]] = nn.mul %[[X3]], %[[K]]
# CHECK: %[[IN:.*]] = nn.add %[[X]], %[[T]]
# CHECK: %[[S:.*]] = nn.constant 0.79788456
# CHECK: %[[SC:.*]] = nn.mul %[[IN]], %[[S]]
# CHECK: %[[TH:.*]] = nn.tanh %[[SC]]
# CHECK: %[[ONE:.*]] = nn.constant 1.000000e+00
# CHECK: %[[OP:.*]] = nn.add %[[TH]], %[[ONE]]
# CHECK: %[[H:.*]] = nn.constant 5.000000e-01
# CHECK: %[[HX:.*]] = nn.mul %[[X]], %[[H]]
# CHECK: nn.mul %[[HX]], %[[OP]]
