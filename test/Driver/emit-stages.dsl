# Every stage of the pipeline is printable with --emit=.
# RUN: %gptc %s --emit=ast | FileCheck %s --check-prefix=AST
# RUN: %gptc %s --emit=nn | FileCheck %s --check-prefix=NN
# RUN: %gptc %s --emit=grad | FileCheck %s --check-prefix=GRAD
# RUN: %gptc %s --emit=linalg | FileCheck %s --check-prefix=LINALG --implicit-check-not=nn.
# RUN: %gptc %s --emit=llvm-dialect | FileCheck %s --check-prefix=LLVMD
# RUN: %gptc %s --emit=llvm | FileCheck %s --check-prefix=LLVM
# RUN: %gptc %s --emit=obj -o %t.o && nm %t.o | FileCheck %s --check-prefix=OBJ
# RUN: %gptc %s --dtype=f64 --emit=nn | FileCheck %s --check-prefix=F64
# RUN: %gptc %s -D hidden=16 --emit=nn | FileCheck %s --check-prefix=OVERRIDE
# RUN: %gptc %s --gemm=loops --emit=llvm-dialect | FileCheck %s --check-prefix=LOOPS

config { hidden = 8 }
model emit(x: f32[B, 4], y: f32[B, 3]) {
  param w1: f32[4, hidden] = normal(0, 1)
  param w2: f32[hidden, 3] = zeros()
  out  = tanh(x @ w1) @ w2
  loss = mse(out, y)
}
train { batch = 2  data = random()  optimizer = sgd(lr = 0.1, momentum = 0.9) }

# AST: Config
# AST: Model emit @14:1
# AST: Param w1 : f32
# AST: Assign out
# AST: Binary @ @17:23
# AST: Call tanh @17:10
# AST: Train

# NN: func.func @forward(%arg0: tensor<4x8xf32> {gptc.name = "w1", gptc.param}, %arg1: tensor<8x3xf32> {gptc.name = "w2", gptc.param}, %arg2: tensor<2x4xf32> {gptc.name = "x"}, %arg3: tensor<2x3xf32> {gptc.name = "y"}) -> (tensor<f32>, tensor<2x3xf32>)
# NN: nn.matmul %arg2, %arg0
# NN: nn.tanh
# NN: nn.reduce_sum

# GRAD: func.func @grad(
# GRAD: func.func @train_step(
# GRAD: nn.sgd_update

# LINALG: linalg.matmul
# LINALG: linalg.generic

# LLVMD: llvm.func @gptc_train_step(
# LLVMD: llvm.mlir.global external constant @gptc_manifest

# LLVM: define void @gptc_forward(ptr
# LLVM: define void @gptc_grad(ptr
# LLVM: define void @gptc_train_step(ptr

# OBJ-DAG: T gptc_forward
# OBJ-DAG: T gptc_grad
# OBJ-DAG: T gptc_train_step
# OBJ-DAG: R gptc_manifest
# OBJ-DAG: U gptc_gemm_f32

# F64: tensor<4x8xf64>

# OVERRIDE: tensor<4x16xf32>

# LOOPS-NOT: gptc_gemm
# LOOPS: llvm.func @gptc_train_step(

# -D also overrides the integer train settings; batch is the static B.
# RUN: %gptc %s -D batch=5 --emit=nn | FileCheck %s --check-prefix=BATCH
# BATCH: tensor<5x4xf32> {gptc.name = "x"}
# RUN: not %gptc %s -D batch=0 2>&1 | FileCheck %s --check-prefix=BADBATCH
# BADBATCH: error: -D batch=0: must be a positive integer
#
# --time-stages: one line per stage on stderr, then the executable runs. The
# translation to LLVM IR (to-llvm-ir) splits the module's functions among the
# cores' objects; the llvm stage optimises and compiles them side by side, and
# they link into one working executable.
# RUN: %gptc %s -o %t.exe --time-stages 2> %t.times
# RUN: FileCheck %s --check-prefix=TIMES < %t.times
# RUN: %t.exe info | FileCheck %s --check-prefix=INFO
# TIMES: gptc: time: mlirgen
# TIMES: gptc: time: autodiff
# TIMES: gptc: time: to-linalg
# TIMES: gptc: time: fusion
# TIMES: gptc: time: to-llvm-dialect
# TIMES: gptc: time: to-llvm-ir
# TIMES: gptc: time: llvm
# TIMES: gptc: time: link
# INFO: "model": "emit"
#
# --remarks reports each step function's buffer plan at the model's line.
# RUN: %gptc %s -o %t.exe --remarks 2>&1 | FileCheck %s --check-prefix=PLAN
# PLAN-DAG: remark: buffer plan of @forward: at most {{[0-9.]+ (bytes|KB|MB)}} of temporaries live at once, {{[0-9.]+ (bytes|KB|MB)}} allocated in all
# PLAN-DAG: remark: buffer plan of @train_step: at most
