// Semantic analysis: evaluates config constants, checks the train section,
// resolves names, and infers the shape of every model expression. Errors name
// file:line:col; shape errors state both shapes.
#ifndef GPTC_FRONTEND_SEMA_H
#define GPTC_FRONTEND_SEMA_H

#include "compiler/Frontend/AST.h"
#include "compiler/Frontend/Graph.h"

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

struct OptimizerSpec {
  std::string kind = "sgd"; // sgd | adamw
  double lr = 0.1, momentum = 0, weightDecay = 0;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
};

/// Learning rate per step: constant or linear warmup then cosine decay to
/// minLr at decaySteps (0: the run's total steps), as nanoGPT's get_lr.
struct ScheduleSpec {
  std::string kind = "constant"; // constant | cosine
  int64_t warmup = 0, decaySteps = 0;
  double minLr = 0;
};

struct TrainSpec {
  // idx_images | random | text (characters of a text file) | tokens (nanoGPT's train.bin/val.bin)
  std::string data = "idx_images";
  std::string dataPath = "/usr/share/datasets/fashion-mnist";
  int64_t batch = 0, epochs = 1, steps = 0, seed = 1337, validation = 10000;
  int64_t evalInterval = 0, evalIters = 0; // 0: evaluate once per epoch / at the end
  int64_t gradAccum = 1;                   // micro-batches per optimizer step
  double clip = 0;                         // max global gradient norm; 0: no clipping
  OptimizerSpec optimizer;
  ScheduleSpec schedule;
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
  TrainSpec train;
  std::map<std::string, double> config;
  const ExprType &outType() const { return graph[out].type; }
};

/// `overrides` are `-D name=value` pairs; a name not declared in `config` is an error.
std::optional<CheckedProgram> analyze(Program &program,
                                      const std::map<std::string, double> &overrides,
                                      DiagnosticEngine &diags);

} // namespace gptc

#endif
