#ifndef GPTC_NN_INTERFACES_TD
#define GPTC_NN_INTERFACES_TD

include "mlir/IR/OpBase.td"

def GradOpInterface : OpInterface<"GradOpInterface"> {
  let cppNamespace = "::gptc::nn";
  let description = [{
    Reverse-mode derivative rule of an op. Given the adjoints of the op's results
    (dLoss/dResult, same types as the results), build the adjoints of its operands.
    Returns one value per operand; a null value means the operand is not
    differentiable (integer targets, for instance).
  }];
  let methods = [
    InterfaceMethod<"Builds dLoss/dOperand for every operand.",
      "::llvm::SmallVector<::mlir::Value>", "buildAdjoints",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::ValueRange":$resultAdjoints)>
  ];
}

#endif
