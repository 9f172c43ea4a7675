# Global-norm clipping costs a pass over every gradient, so it is compiled in only when the
# train section (or -D clip=X) asks for it; --clip on a model without it says how to get it,
# and a model compiled with it takes --clip at run time.
# RUN: %gptc %s -o %t
# RUN: not %t --clip 1.0 --steps 1 2>&1 | FileCheck %s --check-prefix=NO
# NO: error: --clip: the model was compiled without gradient clipping (it costs a pass over every gradient); set clip in its train section or compile with gptc -D clip=X
# RUN: %gptc %s -o %t.clip -D clip=5 --emit=grad | FileCheck %s --check-prefix=IR
# IR: nn.clip_scale
# RUN: %gptc %s -o %t.clip -D clip=5
# RUN: %t.clip --clip 0.1 --steps 2 --quiet | FileCheck %s --check-prefix=RUNS
# RUNS: "steps":2
model m(x: f32[B, 4], r: f32[B, 2]) {
  param w: f32[4, 2] = normal(0, 1)
  loss = sum((x @ w) * r)
}
train { batch = 4  data = random()  optimizer = sgd(lr = 0.1) }
