// Semantic analysis: evaluates config constants, checks the train section,
// resolves names, and infers the shape of every model expression. Errors name
// file:line:col; shape errors state both shapes.
#ifndef GPTC_FRONTEND_SEMA_H
#define GPTC_FRONTEND_SEMA_H

#include "compiler/Frontend/AST.h"

#include <map>
#include <optional>

namespace gptc {

struct InitSpec {
  std::string kind = "normal"; // normal(mean, std) | uniform(low, high) | zeros | ones | xavier
  double a = 0, b = 1;
};

struct ParamInfo {
  std::string name;
  SourceLoc loc;
  std::vector<int64_t> shape;
  InitSpec init;
};

struct InputInfo {
  std::string name;
  ElemType elem;
  std::vector<int64_t> shape;
};

struct OptimizerSpec {
  std::string kind = "sgd"; // sgd | adamw
  double lr = 0.1, momentum = 0, weightDecay = 0;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

struct TrainSpec {
  std::string data = "idx_images"; // idx_images | random
  std::string dataPath = "/usr/share/datasets/fashion-mnist";
  int64_t batch = 0, epochs = 1, steps = 0, seed = 1337, validation = 10000;
  OptimizerSpec optimizer;
};

/// A model that passed every check; expressions in `model->body` carry types.
struct CheckedProgram {
  const ModelDecl *model = nullptr;
  std::vector<InputInfo> inputs;
  std::vector<ParamInfo> params;
  const Expr *loss = nullptr; // the last value bound to `loss`
  const Expr *out = nullptr;  // the last value bound to `out` (optional: enables accuracy)
  TrainSpec train;
  std::map<std::string, double> config;
};

/// `overrides` are `-D name=value` pairs; a name not declared in `config` is an error.
std::optional<CheckedProgram> analyze(Program &program,
                                      const std::map<std::string, double> &overrides,
                                      DiagnosticEngine &diags);

} // namespace gptc

#endif
