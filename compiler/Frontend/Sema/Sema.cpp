// The driver of semantic analysis: config, train section, then the model, in
// that order (the model's shapes use config constants and the batch size B).
#include "compiler/Frontend/Sema/Checker.h"

namespace gptc {
namespace sema {

std::optional<CheckedProgram> Checker::run(Program &program, const std::map<std::string, double> &overrides) {
  CheckedProgram result;
  unparsed_ = &program.unparsedNames;
  blocks_ = &program.blocks;
  for (size_t i = 0; i < program.blocks.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (program.blocks[i].name == program.blocks[j].name)
        error(program.blocks[i].loc, "duplicate block '" + program.blocks[i].name + "'");
  checkConfig(program, overrides);
  if (!program.hasTrain) {
    if (!program.skippedTopLevel)
      error({}, "missing 'train' section (it gives at least the batch size)");
    poisoned_.insert("B"); // reported: uses of B stay silent
  } else {
    checkTrain(program, overrides, result.train);
  }
  if (program.models.empty()) {
    if (!program.skippedTopLevel)
      error({}, "no 'model' defined");
  } else {
    if (program.models.size() > 1)
      error(program.models[1].loc, "only one model per file is supported");
    checkModel(program.models[0], result);
    if (!result.train.buckets.empty())
      checkBucketLengths(program.models[0], result);
  }
  if (diags_.hadErrors())
    return std::nullopt;
  result.config = constants_;
  return result;
}

/// The model's inputs (batches of B rows), its statements, and its results
/// `loss` (required) and `out` (optional).
void Checker::checkModel(ModelDecl &model, CheckedProgram &result) {
  result.model = &model;
  for (ModelInput &in : model.inputs) {
    auto spec = checkTypeSpec(in.type);
    if (locals_.count(in.name)) {
      error(in.loc, "duplicate input '" + in.name + "'");
      continue;
    }
    if (!spec) {
      locals_[in.name] = ExprType();
      continue;
    }
    if (result.train.batch > 0 && (spec->second.empty() || spec->second[0] != result.train.batch)) {
      error(in.type.loc, "model inputs are batches: the first dimension of '" + in.name +
                             "' must be the batch size B (" + std::to_string(result.train.batch) +
                             "), got " + ExprType::tensor(spec->first, spec->second).str());
      locals_[in.name] = ExprType();
      continue;
    }
    Node n{Node::Input};
    n.index = (int)result.inputs.size();
    n.loc = in.loc;
    locals_[in.name] = emit(n, ExprType::tensor(spec->first, spec->second));
    result.inputs.push_back({in.name, spec->first, spec->second});
  }
  runBody(model.body, nullptr);
  if (params_.empty() && !diags_.hadErrors())
    error(model.loc, "model '" + model.name + "' has no parameters to train");
  auto loss = locals_.find("loss");
  if (loss == locals_.end()) {
    if (!unparsed_->count("loss"))
      error(model.loc, "model '" + model.name + "' never assigns 'loss'");
  } else if (loss->second.isValid()) {
    const ExprType &t = loss->second;
    if (t.kind != ExprType::Tensor || !t.shape.empty() || t.elem != ElemType::F32)
      error(lossLoc_, "'loss' must be a scalar tensor (f32[]), got " + t.str());
    else
      result.loss = t.node;
  }
  if (auto out = locals_.find("out"); out != locals_.end() && out->second.isValid()) {
    const ExprType &t = out->second;
    if (t.kind != ExprType::Tensor || t.shape.size() < 2 || t.elem != ElemType::F32)
      error(outLoc_, "'out' (the prediction used for accuracy and sampling) must be an f32 "
                     "tensor of rank 2 or more, got " + t.str());
    else
      result.out = t.node;
  }
  result.params = params_;
  result.graph = graph_;
  result.hasDropout = dropouts_ > 0;
}

/// Length buckets recompile the model with new values of the config constants
/// that are the second dimension of its first two inputs (src: i32[B, S],
/// tgt: i32[B, T]).
void Checker::checkBucketLengths(const ModelDecl &model, CheckedProgram &result) {
  SourceLoc where = bucketsLoc_;
  if (result.train.data != DataKind::Parallel) {
    error(where, "'buckets' are compiled (source, target) lengths of parallel data; the data is " +
                     std::string(spelling(result.train.data)));
    return;
  }
  for (size_t i = 0; i < 2; ++i) {
    const Expr *dim = model.inputs.size() > i && model.inputs[i].type.dims.size() == 2
                          ? model.inputs[i].type.dims[1].get()
                          : nullptr;
    if (!dim || dim->kind != Expr::Name || !constants_.count(dim->name) || dim->name == "B") {
      error(where, "'buckets' need the model's first two inputs shaped [B, length] with each length a config "
                   "constant (src: i32[B, src_len], tgt: i32[B, tgt_len])");
      return;
    }
    result.bucketLengths.push_back(dim->name);
  }
}

} // namespace sema

std::optional<CheckedProgram> analyze(Program &program, const std::map<std::string, double> &overrides,
                                      DiagnosticEngine &diags) {
  return sema::Checker(diags).run(program, overrides);
}

} // namespace gptc
