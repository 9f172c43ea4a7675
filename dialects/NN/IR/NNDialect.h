#ifndef GPTC_DIALECTS_NN_IR_NNDIALECT_H
#define GPTC_DIALECTS_NN_IR_NNDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/NN/IR/NNDialect.h.inc"
#include "dialects/NN/IR/NNInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialects/NN/IR/NNOps.h.inc"

#endif
