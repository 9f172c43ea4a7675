// The checker behind analyze() (Frontend/Sema.h), shared by the files of
// Frontend/Sema/ and Frontend/Builtins/. It walks the program once, in order:
// config constants, the train section, then the model's statements, checking
// every expression and appending the model's graph (Graph.h) as it goes.
//
// Each concern lives in its own file:
//   Sema.cpp          the driver (run) and the model's inputs and results
//   Config.cpp        config constants and `-D` overrides of them
//   Train.cpp         the train section and `-D` overrides of its settings
//   Arguments.cpp     binding and checking a call's arguments
//   Elaborate.cpp     statements, params, blocks (inlined per call), repeat, scopes
//   Expressions.cpp   names, operators and calls: the dispatch to the rules
//   ConstantFold.cpp  arithmetic on constants
//   MaskCondition.cpp the condition of mask(x, condition, fill)
//   ../Builtins/*.cpp each builtin's shape rule and expansion, by family
#ifndef GPTC_FRONTEND_SEMA_CHECKER_H
#define GPTC_FRONTEND_SEMA_CHECKER_H

#include "compiler/Frontend/Builtins/Builtins.h"
#include "compiler/Frontend/Sema.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace gptc::sema {

/// "[10, 784]"
std::string shapeStr(const std::vector<int64_t> &shape);
/// `v` as an int64 when it is a whole number that int64 holds.
std::optional<int64_t> exactInt64(double v);
/// The number of elements of `shape`, or nullopt when that overflows int64.
std::optional<int64_t> elementCount(const std::vector<int64_t> &shape);

/// ConstantFold.cpp: `a op b` on numbers; comparisons give 1 or 0. Not defined for '@'.
double applyBinary(BinaryOp op, double a, double b);

/// A call's arguments bound to named slots (null: not given).
struct BoundArgs {
  std::vector<Expr *> slots;
  bool ok = true;
};

class Checker {
public:
  explicit Checker(DiagnosticEngine &diags) : diags_(diags) {}

  /// Sema.cpp: checks the whole program; nullopt after any error.
  std::optional<CheckedProgram> run(Program &program, const std::map<std::string, double> &overrides);

  void error(SourceLoc loc, const std::string &message) { diags_.error(loc, message); }

  // Expressions.cpp ----------------------------------------------------------

  /// Checks `e` (its graph nodes are appended) and records its type in `e.type`.
  ExprType check(Expr &e);

  // Arguments.cpp ------------------------------------------------------------

  /// Binds `call`'s positional and keyword arguments to the slots `names`.
  BoundArgs bind(Expr &call, const std::vector<std::string> &names);
  /// The first `required` slots are given (else reports the arity).
  bool requireArgs(const Expr &call, const BoundArgs &b, size_t required);
  std::optional<double> constArg(Expr *e, const std::string &what);
  /// A whole-number constant of at least `min` that int64 holds.
  std::optional<int64_t> intArg(Expr *e, const std::string &what, int64_t min = 1);
  /// An axis of a rank-`rank` tensor; negative axes count from the end.
  std::optional<int64_t> axisArg(Expr *e, int64_t rank, const std::string &fn);
  ExprType tensorArg(Expr *e, const std::string &fn);
  /// A float tensor argument of rank >= minRank.
  ExprType floatArg(Expr *e, const std::string &fn, size_t minRank = 0);
  bool requireFloat(const ExprType &t, SourceLoc loc, const std::string &what);
  ExprType badOperand(SourceLoc loc, const std::string &op, const ExprType &t);
  /// `name = wte` (or "wte"): a layer's name.
  bool nameArg(const Expr *e);

  // Elaborate.cpp: the graph, params and scopes ------------------------------

  /// Appends a node computing a value of type `t`; returns `t` naming it.
  ExprType emit(Node n, ExprType t);
  ExprType emitOp(Node::Kind kind, SourceLoc loc, std::vector<int> operands, ExprType t,
                  std::vector<int64_t> ints = {}, double value = 0);
  /// The node of an operand; a constant becomes a Scalar node.
  int nodeOf(const ExprType &t, SourceLoc loc);
  ExprType makeParam(const std::string &name, const std::vector<int64_t> &shape, const InitSpec &init,
                     SourceLoc loc);
  /// The scope prefix of a layer or block instance ("layer.0.attn.").
  std::string instancePrefix(const std::string &callee, const Expr *explicitName);
  /// Each dropout draws its own mask: its salt.
  int64_t nextDropoutSalt() { return dropouts_++; }
  /// The value of a config constant (or B).
  std::optional<double> constant(const std::string &name) const;

  // ConstantFold.cpp ---------------------------------------------------------

  /// `l op r` of two constants (e is the Binary expression).
  ExprType foldBinary(const Expr &e, const ExprType &l, const ExprType &r);
  /// An elementwise builtin of a constant.
  ExprType foldUnary(Builtin fn, const Expr &call, double x);

  // MaskCondition.cpp --------------------------------------------------------

  /// The [rows, cols] mask of `condition` (1 where it holds), or nullopt after an error.
  std::optional<std::vector<uint8_t>> maskOf(const Expr &condition, int64_t rows, int64_t cols);

private:
  // Sema.cpp
  void checkModel(ModelDecl &model, CheckedProgram &result);
  void checkBucketLengths(const ModelDecl &model, CheckedProgram &result);
  // Config.cpp
  void checkConfig(Program &program, const std::map<std::string, double> &overrides);
  // Train.cpp
  void checkTrain(Program &program, const std::map<std::string, double> &overrides, TrainSettings &train);
  void checkData(Expr &e, TrainSettings &train);
  void checkParallelData(Expr &e, TrainSettings &train);
  void checkBuckets(Expr &e, TrainSettings &train);
  void checkSchedule(Expr &e, TrainSettings &schedule);
  void checkOptimizer(Expr &e, TrainSettings &opt);
  std::optional<int64_t> positiveInt(const Setting &s, bool allowZero);
  std::optional<int64_t> stepCount(Expr *e, const std::string &what);
  // Elaborate.cpp
  std::optional<std::pair<ElemType, std::vector<int64_t>>> checkTypeSpec(TypeSpec &spec);
  void runBody(std::vector<Stmt> &body, std::vector<ExprType> *returned);
  void checkAssign(Stmt &s);
  void bindLocal(const std::string &name, SourceLoc loc, const ExprType &t);
  void checkRepeat(Stmt &s, std::vector<ExprType> *returned);
  void checkParam(Stmt &s);
  ExprType callBlock(Expr &e, ModelDecl &block);
  // Expressions.cpp
  ExprType checkImpl(Expr &e);
  ExprType checkName(Expr &e);
  ExprType checkUnaryMinus(Expr &e);
  ExprType checkBinary(Expr &e);
  ExprType checkCall(Expr &e);
  // MaskCondition.cpp
  std::optional<double> evalCondition(const Expr &e, int64_t row, int64_t col, bool report);

  DiagnosticEngine &diags_;
  const std::set<std::string> *unparsed_ = nullptr;
  std::vector<ModelDecl> *blocks_ = nullptr;
  std::map<std::string, double> constants_;
  std::map<std::string, bool> integral_;
  std::set<std::string> poisoned_; // names whose errors were reported (B without a batch)
  // The current frame: the model's or a block instance's names.
  std::map<std::string, ExprType> locals_;
  std::set<std::string> isParam_;
  std::string scope_;                // "layer.0.attn." inside blocks, "" in the model
  std::vector<int64_t> repeatIndex_; // the iteration of each enclosing repeat
  std::vector<std::string> activeBlocks_;
  std::set<std::string> usedInstances_;
  // What the elaboration builds.
  std::vector<Node> graph_;
  std::vector<ParamInfo> params_;
  int64_t dropouts_ = 0;
  SourceLoc lossLoc_, outLoc_;
  SourceLoc bucketsLoc_; // the train section's `buckets`
};

/// Train.cpp: whether `-D name=...` may set the train setting `name`.
bool isOverridableTrainSetting(const std::string &name);

} // namespace gptc::sema

#endif
