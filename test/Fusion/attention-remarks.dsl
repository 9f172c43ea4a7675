# gptc --remarks says, at the model's line and column, which op kept an
# attention from becoming one fused kernel; the others fuse.
# RUN: %gptc %s --emit=grad --remarks 2>&1 >/dev/null | FileCheck %s
# RUN: %gptc %s --emit=fused | awk '/func.func @forward\(/,/^  }/' | grep -c 'nn.attention' | FileCheck %s --check-prefix=COUNT
# CHECK: attention-remarks.dsl:[[# @LINE + 8]]:49: remark: attention not fused: a score op combines the scores with a tensor that is not a constant
# CHECK: attention-remarks.dsl:[[# @LINE + 8]]:7: remark: attention not fused: the attention weights are used more than once
# CHECK-NOT: attention not fused
# COUNT: {{^1$}}
model m(x: f32[B, 4, 6], r: f32[B, 4, 6]) {
  param wq: f32[6, 6] = normal(0, 0.5)
  param bias: f32[4, 4] = zeros()
  q = x @ wq
  biased = softmax(causal_mask(q @ transpose(x) + bias)) @ x
  w = softmax(q @ transpose(x))
  twice = w @ x + (w * w) @ x
  fused = softmax(causal_mask(q @ transpose(x))) @ x
  loss = sum((biased + twice + fused) * r)
}
train { batch = 2  data = random()  seed = 13  optimizer = sgd(lr = 0.1) }
