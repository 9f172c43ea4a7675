# RUN: not %gptc %s 2>&1 | FileCheck %s
model m(x: f32[B, 4]) { loss = sum(x) }
train { batch = 2 data = random() optimizer = sgd(lr = 0.1) }

# CHECK: {{.*}}model-without-params.dsl:2:1: error: model 'm' has no parameters to train
# CHECK: 1 error generated.
