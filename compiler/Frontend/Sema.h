// Semantic analysis: evaluates config constants, checks the train section,
// resolves names, infers the shape of every model expression, and elaborates
// the model into a graph of primitive operations (Graph.h). Errors name
// file:line:col; shape errors state both shapes. The checker lives in
// Frontend/Sema/, each builtin's rule and expansion in Frontend/Builtins/.
#ifndef GPTC_FRONTEND_SEMA_H
#define GPTC_FRONTEND_SEMA_H

#include "compiler/Frontend/AST.h"
#include "compiler/Frontend/Graph.h"
#include "gptc/contract.h"

#include <map>
#include <optional>

namespace gptc {

/// normal(mean = a, std = b) | uniform(low = a, high = b) | zeros | ones | xavier
struct InitSpec {
  InitKind kind = InitKind::Normal;
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

/// A model that passed every check, elaborated into `graph` (Graph.h).
struct CheckedProgram {
  const ModelDecl *model = nullptr;
  std::vector<InputInfo> inputs;
  std::vector<ParamInfo> params;
  std::vector<Node> graph;
  int loss = -1; // the node of the last value bound to `loss`
  int out = -1;  // the node of the last value bound to `out` (optional: accuracy, sampling)
  bool hasDropout = false; // the step functions then take an RNG input: [seed, training]
  TrainSettings train; // the train section, -D overrides applied
  std::map<std::string, double> config; // the config constants, -D overrides applied, and B
  /// With train.buckets: the config constants each bucket sets (the source and
  /// target lengths: the second dimension of the first two inputs).
  std::vector<std::string> bucketLengths;
  const ExprType &outType() const { return graph[out].type; }
};

/// Checks `program` and elaborates its model; nullopt after errors (reported
/// to `diags`). `overrides` are the `-D name=value` pairs: each replaces a
/// config constant or sets a train setting (the integer settings such as
/// batch and steps, lr, weight_decay, clip, min_lr, warmup, decay_steps);
/// any other name is an error.
std::optional<CheckedProgram> analyze(Program &program,
                                      const std::map<std::string, double> &overrides,
                                      DiagnosticEngine &diags);

} // namespace gptc

#endif
