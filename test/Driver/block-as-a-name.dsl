# `block` starts a block definition only as `block NAME(`; elsewhere it is an ordinary
# name, as nanoGPT's configs call the context length block (and -D block=64 overrides it).
# RUN: %gptc %s --emit=ast -D block=3 | FileCheck %s
# CHECK: Config
# CHECK-NEXT:  block =
# CHECK: Block twice
# CHECK: Model m
# CHECK: Repeat
# CHECK: Assign a b
config { block = 8 }
block twice(x) {
  return x * 2, x
}
model m(x: f32[B, block]) {
  param w: f32[block] = normal(0, 1)
  repeat 2 { x = linear(x, block) }
  a, b = twice(x)
  loss = sum(a * w)
}
train { batch = 2  data = random()  optimizer = sgd(lr = 0.1) }
