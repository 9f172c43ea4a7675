// The gptc-convert-nn-to-linalg pass: every nn op becomes linalg/tensor/arith/math.
#include "compiler/Conversion/NNToLinalg/Patterns.h"
#include "compiler/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace gptc {
#define GEN_PASS_DEF_CONVERTNNTOLINALG
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {
struct ConvertNNToLinalgPass : public gptc::impl::ConvertNNToLinalgBase<ConvertNNToLinalgPass> {
  using Base::Base;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ConversionTarget target(*ctx);
    target.addIllegalDialect<gptc::nn::NNDialect>();
    // Fused attention stays one op until codegen (gptc-lower-attention).
    target.addLegalOp<gptc::nn::AttentionOp, gptc::nn::AttentionGradOp, gptc::nn::ScoreYieldOp>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect, arith::ArithDialect,
                           math::MathDialect, func::FuncDialect, scf::SCFDialect>();
    RewritePatternSet patterns(ctx);
    gptc::populateElementwisePatterns(patterns);
    gptc::populateDataMovementPatterns(patterns);
    gptc::populateLinearPatterns(patterns);
    gptc::populateReductionPatterns(patterns);
    gptc::populateOptimizerPatterns(patterns);
    gptc::populateIndexingPatterns(patterns, concatInPlace);
    if (failed(applyPartialConversion(getOperation(), target, std::move(patterns))))
      return signalPassFailure();
    // Step-function arguments are the runtime's parameter and data buffers:
    // bufferization must never write into them.
    OpBuilder b(ctx);
    getOperation().walk([&](func::FuncOp fn) {
      if (fn.isExternal())
        return;
      for (unsigned i = 0; i < fn.getNumArguments(); ++i)
        if (isa<TensorType>(fn.getArgument(i).getType()))
          fn.setArgAttr(i, "bufferization.writable", b.getBoolAttr(false));
    });
  }
};
} // namespace
