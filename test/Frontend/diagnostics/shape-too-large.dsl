# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 99999999, 99999]) { param w: f32[1]=zeros()
loss = sum(x) }
train { batch = 2 data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}shape-too-large.dsl:2:12: error: tensor of 19999799800002 elements is larger than gptc supports (2^32)
# CHECK: 1 error generated.
