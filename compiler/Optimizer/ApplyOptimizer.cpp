// Builds @train_step from @grad: the gradients feed one optimizer-update op per
// parameter, and the new parameters and optimizer state are returned.
#include "compiler/Passes.h"
#include "gptc/contract.h"

#include "mlir/IR/IRMapping.h"

namespace gptc {
#define GEN_PASS_DEF_APPLYOPTIMIZER
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;
using namespace gptc;

namespace {

/// With `clip`, clips `grads` by their global norm (hyper::kClipMaxNorm; 0 turns it
/// off at run time), as torch.nn.utils.clip_grad_norm_; then builds one update
/// op per parameter. Returns params' then each state kind's new tensors.
SmallVector<Value> buildUpdates(OpBuilder &b, Location loc, OptimizerKind kind, ValueRange params,
                                ValueRange state, SmallVector<Value> grads, Value hyper, bool clip) {
  unsigned numParams = params.size();
  if (clip && !grads.empty()) {
    // The global norm in one pass over the gradients.
    auto elem = cast<RankedTensorType>(grads.front().getType()).getElementType();
    Value sumsq = b.create<nn::SumSquaresOp>(loc, RankedTensorType::get({}, elem), grads);
    Value coef = b.create<nn::ClipScaleOp>(loc, sumsq, hyper);
    for (Value &g : grads) {
      auto gt = cast<RankedTensorType>(g.getType());
      Value c = gt.getRank() == 0 ? coef : (Value)b.create<nn::BroadcastOp>(loc, gt, coef, ArrayRef<int64_t>{});
      g = b.create<nn::MulOp>(loc, g, c);
    }
  }
  SmallVector<Value> newParams, newStates[2];
  for (unsigned k = 0; k < numParams; ++k) {
    Value param = params[k];
    Value g = grads[k];
    bool decay = cast<RankedTensorType>(param.getType()).getRank() >= 2;
    Location ploc = param.getLoc();
    if (kind == OptimizerKind::Sgd) {
      auto update = b.create<nn::SgdUpdateOp>(ploc, TypeRange{param.getType(), param.getType()}, param, g,
                                              state[k], hyper, decay);
      newParams.push_back(update.getNewParam());
      newStates[0].push_back(update.getNewVelocity());
    } else {
      auto update = b.create<nn::AdamWUpdateOp>(ploc, TypeRange{param.getType(), param.getType(), param.getType()},
                                                param, g, state[k], state[numParams + k], hyper, decay);
      newParams.push_back(update.getNewParam());
      newStates[0].push_back(update.getNewM());
      newStates[1].push_back(update.getNewV());
    }
  }
  SmallVector<Value> results(newParams);
  for (unsigned s = 0; s < optimizerStateNames(kind).size(); ++s)
    results.append(newStates[s]);
  return results;
}

struct ApplyOptimizerPass : public gptc::impl::ApplyOptimizerBase<ApplyOptimizerPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto grad = module.lookupSymbol<func::FuncOp>("grad");
    auto kindAttr = module->getAttrOfType<StringAttr>("gptc.optimizer");
    std::optional<OptimizerKind> kind;
    if (kindAttr)
      kind = parseOptimizerKind(kindAttr.getValue().str());
    if (!grad || !kind) {
      module.emitError("gptc-apply-optimizer needs @grad (run gptc-autodiff first) and a module "
                       "attribute gptc.optimizer naming one of: " +
                       optimizerKindChoices());
      return signalPassFailure();
    }
    // Clipping costs a pass over every gradient: only models that ask for it
    // (a `clip` in the train section sets the module's gptc.clip) get it.
    bool clip = module->hasAttr("gptc.clip");
    std::vector<std::string> states = optimizerStateNames(*kind);

    SmallVector<unsigned> paramArgs, inputArgs;
    for (unsigned i = 0; i < grad.getNumArguments(); ++i)
      (grad.getArgAttr(i, "gptc.param") ? paramArgs : inputArgs).push_back(i);
    // Hyperparameters have the model's float type: that of the loss.
    Type floatType = cast<RankedTensorType>(grad.getFunctionType().getResult(0)).getElementType();
    auto hyperType = RankedTensorType::get({hyper::kSize}, floatType);

    // Signature: params, state (per state kind, per param), inputs, hyper.
    SmallVector<Type> argTypes;
    SmallVector<std::string> argNames;
    auto nameOf = [&](unsigned i) {
      auto n = grad.getArgAttrOfType<StringAttr>(i, "gptc.name");
      return n ? n.getValue().str() : "arg" + std::to_string(i);
    };
    for (unsigned i : paramArgs) {
      argTypes.push_back(grad.getArgumentTypes()[i]);
      argNames.push_back(nameOf(i));
    }
    for (StringRef s : states)
      for (unsigned i : paramArgs) {
        argTypes.push_back(grad.getArgumentTypes()[i]);
        argNames.push_back(nameOf(i) + "." + s.str());
      }
    for (unsigned i : inputArgs) {
      argTypes.push_back(grad.getArgumentTypes()[i]);
      argNames.push_back(nameOf(i));
    }
    argTypes.push_back(hyperType);
    argNames.push_back("hyper");

    OpBuilder b(module.getContext());
    b.setInsertionPointAfter(grad);
    Location loc = grad.getLoc();
    SmallVector<Type> resultTypes = {grad.getFunctionType().getResult(0)};
    for (unsigned k = 0; k <= states.size(); ++k)
      for (unsigned i : paramArgs)
        resultTypes.push_back(grad.getArgumentTypes()[i]);
    auto step = b.create<func::FuncOp>(loc, "train_step", b.getFunctionType(argTypes, resultTypes));
    Block *entry = step.addEntryBlock();
    for (unsigned i = 0; i < argNames.size(); ++i)
      step.setArgAttr(i, "gptc.name", b.getStringAttr(argNames[i]));

    unsigned numParams = paramArgs.size();
    IRMapping mapping;
    for (auto [k, i] : llvm::enumerate(paramArgs))
      mapping.map(grad.getArgument(i), entry->getArgument(k));
    unsigned firstInput = numParams * (1 + states.size());
    for (auto [k, i] : llvm::enumerate(inputArgs))
      mapping.map(grad.getArgument(i), entry->getArgument(firstInput + k));
    Value hyper = entry->getArgument(argTypes.size() - 1);

    // @apply_grads(params, state, grads, hyper) -> (params', state'): the same
    // update from gradients the runtime accumulated over several micro-batches.
    SmallVector<Type> applyArgs, applyResults;
    for (unsigned k = 0; k <= states.size(); ++k)
      for (unsigned i : paramArgs)
        applyArgs.push_back(grad.getArgumentTypes()[i]);
    applyResults = applyArgs;
    for (unsigned i : paramArgs)
      applyArgs.push_back(grad.getArgumentTypes()[i]);
    applyArgs.push_back(hyperType);

    b.setInsertionPointToStart(entry);
    ValueRange stepState = entry->getArguments().slice(numParams, numParams * states.size());
    if (callGrad) {
      // The step is the two calls: the code of the backward pass and of the
      // update exists once (the clipping norm needs every gradient before any
      // update, so the calls lose no fusion), which halves what LLVM compiles.
      SmallVector<Value> gradArgs(grad.getNumArguments());
      for (auto [k, i] : llvm::enumerate(paramArgs))
        gradArgs[i] = entry->getArgument(k);
      for (auto [k, i] : llvm::enumerate(inputArgs))
        gradArgs[i] = entry->getArgument(firstInput + k);
      auto gradCall = b.create<func::CallOp>(loc, grad, gradArgs);
      SmallVector<Value> applyOperands(entry->getArguments().take_front(numParams));
      applyOperands.append(stepState.begin(), stepState.end());
      applyOperands.append(gradCall.getResults().begin() + 1, gradCall.getResults().end());
      applyOperands.push_back(hyper);
      auto applyCall = b.create<func::CallOp>(loc, "apply_grads", applyResults, applyOperands);
      SmallVector<Value> results = {gradCall.getResult(0)};
      results.append(applyCall.getResults().begin(), applyCall.getResults().end());
      b.create<func::ReturnOp>(loc, results);
    } else {
      Block &gradBody = grad.getBody().front();
      for (Operation &op : gradBody.without_terminator())
        b.clone(op, mapping);
      auto gradReturn = cast<func::ReturnOp>(gradBody.getTerminator());
      SmallVector<Value> grads;
      for (unsigned k = 0; k < numParams; ++k)
        grads.push_back(mapping.lookup(gradReturn.getOperand(1 + k)));
      SmallVector<Value> results = {mapping.lookup(gradReturn.getOperand(0))};
      results.append(buildUpdates(b, loc, *kind, entry->getArguments().take_front(numParams), stepState, grads,
                                  hyper, clip));
      b.create<func::ReturnOp>(loc, results);
    }

    b.setInsertionPointAfter(step);
    auto apply = b.create<func::FuncOp>(loc, "apply_grads", b.getFunctionType(applyArgs, applyResults));
    Block *applyEntry = apply.addEntryBlock();
    b.setInsertionPointToStart(applyEntry);
    ValueRange applyValues = applyEntry->getArguments();
    unsigned numState = numParams * states.size();
    SmallVector<Value> applyGrads(applyValues.slice(numParams + numState, numParams));
    b.create<func::ReturnOp>(loc, buildUpdates(b, loc, *kind, applyValues.take_front(numParams),
                                               applyValues.slice(numParams, numState), applyGrads,
                                               applyValues.back(), clip));
  }
};

} // namespace
