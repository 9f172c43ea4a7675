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

namespace gptc::nn {
/// i64 on each op of an nn.fusion_group "foreach": the index of the member
/// (the group it was before gptc-form-foreach-groups merged it) it belongs
/// to. A member's ops run together for each of its elements.
inline constexpr char kForeachMemberAttr[] = "gptc.foreach_member";
} // namespace gptc::nn

#endif
