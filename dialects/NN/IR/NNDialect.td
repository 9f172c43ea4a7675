#ifndef GPTC_NN_DIALECT_TD
#define GPTC_NN_DIALECT_TD

include "mlir/IR/OpBase.td"

def NN_Dialect : Dialect {
  let name = "nn";
  let summary = "Tensor-level neural-network graph ops with reverse-mode derivative rules";
  let description = [{
    Ops on statically shaped ranked tensors. Elementwise ops take operands of one
    shape (broadcasting is explicit: `nn.broadcast`); every differentiable op builds
    its own adjoints through GradOpInterface.
  }];
  let cppNamespace = "::gptc::nn";
  // The score region of nn.attention holds scalar arith / math ops.
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect"];
}

class NN_Op<string mnemonic, list<Trait> traits = []> : Op<NN_Dialect, mnemonic, traits>;

#endif
