// Semantic analysis: evaluates config constants, checks the train section,
// resolves names, and infers the shape of every model expression. Errors name
// file:line:col; shape errors state both shapes.
#ifndef GPTC_FRONTEND_SEMA_H
#define GPTC_FRONTEND_SEMA_H

#include "compiler/Frontend/AST.h"
#include "compiler/Frontend/Graph.h"
#include "gptc/contract.h"

#include <map>
#include <optional>

namespace gptc {

struct InitSpec {
  std::string kind = "normal"; // normal(mean, std) | uniform(low, high) | zeros | ones | xavier
  double a = 0, b = 1;
};

struct ParamInfo {
  std::string name; // scoped: "layer.0.attn.c_attn.weight"
  SourceLoc loc;
  std::vector<int64_t> shape;
  InitSpec init;
};

struct InputInfo {
  std::string name;
  ElemType elem;
  std::vector<int64_t> shape;
};

/// A model that passed every check, elaborated into `graph`.
struct CheckedProgram {
  const ModelDecl *model = nullptr;
  std::vector<InputInfo> inputs;
  std::vector<ParamInfo> params;
  std::vector<Node> graph;
  int loss = -1; // the node of the last value bound to `loss`
  int out = -1;  // the node of the last value bound to `out` (optional: accuracy, sampling)
  bool hasDropout = false; // the step functions then take an RNG input: [seed, training]
  TrainSettings train; // the train section, -D overrides applied
  std::map<std::string, double> config;
  const ExprType &outType() const { return graph[out].type; }
};

/// `overrides` are `-D name=value` pairs; a name not declared in `config` is an error.
std::optional<CheckedProgram> analyze(Program &program,
                                      const std::map<std::string, double> &overrides,
                                      DiagnosticEngine &diags);

} // namespace gptc

#endif
