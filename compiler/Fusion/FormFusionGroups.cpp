// gptc-form-fusion-groups: partitions each function's linalg ops into kernels,
// one nn.fusion_group per kernel. The rules (docs/fusion.md):
//
//   * A contraction (matmul and its batched / transposed forms) is a "gemm"
//     group, with the linalg.fill that zeroes its accumulator.
//   * Every other linalg op starts a group or joins the group of its latest
//     producer, when the two share their leading parallel dimensions (the
//     rows): the consumer's loops d0..d(r-1) are parallel, it writes its output
//     rows d0..d(r-1), and it reads the producer's row i when computing its
//     own row i (its indexing map for that operand starts d0..d(r-1)). A
//     group's `rows` is the r its ops agree on (at least 1). So a softmax
//     (max, exp(x - max), sum, divide) or a layernorm (mean, centre, variance,
//     normalise, scale) is one "rows" group: a reduction along each row plus
//     the elementwise ops before and after it.
//   * An op does not join when an op outside the group already uses one of the
//     group's values before it (the group is placed where its last op was, so
//     it would no longer dominate that use), or when its body reads a group
//     value by tensor.extract (an arbitrary row, not its own).
//   * A linalg.fill whose only user is a reduction belongs to that reduction.
//   * A sum chain, full reductions (no parallel loop) each accumulating into
//     the scalar the previous one produced (the global gradient norm), is
//     one "reduction" group.
//   * GEMM epilogues (option gemm-epilogues, the CPU): an all-parallel
//     linalg.generic that is the only reader of a 2-D GEMM's output (through
//     reshapes), reads it element for element and writes outputs of the same
//     [M, N] elements joins the GEMM's group. It is first collapsed to the
//     GEMM's two dimensions ([12, 64, 384] -> [768, 384]) and tagged
//     gptc.gemm_epilogue: the runtime's GEMM runs it on each tile of C it
//     finishes, while the tile is in cache (gptc-matmul-to-runtime-calls).
//     Its body may read other operands by any projection of the two
//     dimensions (a bias by column, a residual element by element),
//     constants and scalars (a dropout's seed); no tensor from outside. A
//     result of C's type whose destination the body does not read is
//     written over C (in place).
//
// The group's results are the values used outside it. With --remarks (the
// pass option `remarks`), every op that could not join its producer's group
// says why.
#include "compiler/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace gptc {
#define GEN_PASS_DEF_FORMFUSIONGROUPS
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

bool isContraction(Operation *op) {
  return isa<linalg::MatmulOp, linalg::MatmulTransposeAOp, linalg::MatmulTransposeBOp, linalg::BatchMatmulOp,
             linalg::BatchMatmulTransposeAOp, linalg::BatchMatmulTransposeBOp>(op);
}

/// True when `map`'s first `rows` results are d0 .. d(rows-1).
bool startsWithRows(AffineMap map, int64_t rows) {
  if (map.getNumResults() < rows)
    return false;
  for (int64_t i = 0; i < rows; ++i) {
    auto dim = dyn_cast<AffineDimExpr>(map.getResult(i));
    if (!dim || dim.getPosition() != i)
      return false;
  }
  return true;
}

/// The most leading dimensions `op` can share as rows: parallel loops that
/// its outputs start with.
int64_t maxRows(linalg::LinalgOp op) {
  int64_t rows = 0;
  auto iterators = op.getIteratorTypesArray();
  while (rows < (int64_t)iterators.size() && iterators[rows] == utils::IteratorType::parallel)
    ++rows;
  for (OpOperand &init : op.getDpsInitsMutable())
    while (rows > 0 && !startsWithRows(op.getMatchingIndexingMap(&init), rows))
      --rows;
  return rows;
}

bool is2DGemm(Operation *op) {
  return isa_and_nonnull<linalg::MatmulOp, linalg::MatmulTransposeAOp, linalg::MatmulTransposeBOp>(op);
}

/// The op that reads the 2-D GEMM output `value`, looking through reshapes,
/// when each value on the way has one use (else null); `read` is the value
/// it reads.
Operation *soleConsumer(Value value, Value &read) {
  while (value.hasOneUse()) {
    Operation *user = *value.getUsers().begin();
    if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(user)) {
      read = value;
      return user;
    }
    value = user->getResult(0);
  }
  return nullptr;
}

/// Why `op` cannot run on any [rows, cols] tile of its iteration space on its
/// own, or "": all loops parallel, outputs written element for element, and
/// its body reads nothing from outside but its operands, constants and
/// scalars (a dropout's seed; the outlined epilogue receives them).
std::string whyNotTileable(linalg::LinalgOp op) {
  if (!isa<linalg::GenericOp>(op) || op.getNumReductionLoops() != 0)
    return "it is not an elementwise linalg.generic";
  for (OpOperand &init : op.getDpsInitsMutable())
    if (!op.getMatchingIndexingMap(&init).isIdentity())
      return "it writes its output other than element for element";
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(op->getRegion(0), captured);
  if (!llvm::all_of(captured, [](Value v) {
        Type type = v.getType();
        return type.isIndex() || (type.isIntOrFloat() && type.getIntOrFloatBitWidth() <= 64);
      }))
    return "its body reads a tensor from outside it";
  return "";
}
struct Group {
  std::string kind;
  int64_t rows = 0;
  SmallVector<Operation *> ops; // in program order
  llvm::SmallPtrSet<Operation *, 8> members;
};

struct FormFusionGroupsPass : public gptc::impl::FormFusionGroupsBase<FormFusionGroupsPass> {
  using Base::Base;

  void runOnOperation() override {
    getOperation().walk([&](func::FuncOp fn) {
      if (gemmEpilogues)
        prepareGemmEpilogues(fn.getBody().front());
      formGroups(fn.getBody().front());
    });
  }

  void remark(Operation *op, const Twine &why) {
    if (remarks)
      op->emitRemark() << "not fused with its producer: " << why;
  }

  /// Finds the elementwise ops that become GEMM epilogues, collapses each to
  /// its GEMM's [M, N] and tags it gptc.gemm_epilogue (see the file comment).
  void prepareGemmEpilogues(Block &block) {
    SmallVector<Operation *> gemms;
    for (Operation &op : block)
      if (is2DGemm(&op) && cast<linalg::LinalgOp>(op).hasPureTensorSemantics())
        gemms.push_back(&op);
    IRRewriter rewriter(block.getParentOp()->getContext());
    for (Operation *gemm : gemms) {
      Value read;
      Operation *consumer = soleConsumer(gemm->getResult(0), read);
      if (!consumer) {
        if (remarks && !gemm->getResult(0).use_empty())
          gemm->emitRemark() << "no epilogue: the GEMM's output has several users (one may be the backward pass)";
        continue;
      }
      auto op = dyn_cast<linalg::LinalgOp>(consumer);
      std::string why = op ? whyNotTileable(op) : "it is not a linalg op";
      SmallVector<int64_t> ranges;
      if (op)
        ranges = op.getStaticLoopRanges();
      int64_t rank = ranges.size();
      ArrayRef<int64_t> gemmShape = cast<RankedTensorType>(gemm->getResult(0).getType()).getShape();
      int64_t rows = 1;
      for (int64_t d = 0; d + 1 < rank; ++d)
        rows *= ranges[d];
      SmallVector<ReassociationIndices> fold(2);
      for (int64_t d = 0; d + 1 < rank; ++d)
        fold[0].push_back(d);
      fold[1].push_back(rank - 1);
      if (!why.empty()) {
      } else if (rank < 2 || llvm::any_of(ranges, ShapedType::isDynamic) || rows != gemmShape[0] ||
                 ranges.back() != gemmShape[1]) {
        why = "its iteration space is not the GEMM's [M, N] rows";
      } else if (llvm::any_of(op->getOpOperands(), [&](OpOperand &operand) {
                   return operand.get() == read && !op.getMatchingIndexingMap(&operand).isIdentity();
                 })) {
        why = "it reads the GEMM's output other than element for element";
      } else if (rank > 2 && !linalg::areDimSequencesPreserved(op.getIndexingMapsArray(), fold)) {
        why = "an operand's indexing cannot be collapsed to the GEMM's two dimensions";
      }
      if (!why.empty()) {
        remark(consumer, "no GEMM epilogue: " + why);
        continue;
      }
      auto epilogue = cast<linalg::GenericOp>(consumer);
      if (rank > 2) {
        rewriter.setInsertionPoint(epilogue);
        FailureOr<linalg::CollapseResult> collapsed = linalg::collapseOpIterationDims(op, fold, rewriter);
        if (failed(collapsed)) {
          remark(consumer, "no GEMM epilogue: it could not be collapsed to the GEMM's two dimensions");
          continue;
        }
        rewriter.replaceOp(epilogue, collapsed->results);
        epilogue = cast<linalg::GenericOp>(collapsed->collapsedOp.getOperation());
        // collapse_shape(expand_shape(C)) back to C: the epilogue reads the
        // GEMM's output itself. The reshapes then have no users.
        for (OpOperand *input : epilogue.getDpsInputOperands()) {
          Value source = input->get();
          SmallVector<Operation *> reshapes;
          while (isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(source.getDefiningOp()) &&
                 source.hasOneUse()) {
            reshapes.push_back(source.getDefiningOp());
            source = source.getDefiningOp()->getOperand(0);
          }
          if (source.getDefiningOp() != gemm || source.getType() != input->get().getType())
            continue;
          input->set(source);
          for (Operation *reshape : reshapes)
            rewriter.eraseOp(reshape);
        }
      }
      if (!llvm::is_contained(epilogue->getOperands(), gemm->getResult(0)))
        continue;
      epilogue->setAttr("gptc.gemm_epilogue", rewriter.getUnitAttr());
      // In place: a result of C's type whose destination the body does not
      // read is written over C (one buffer of [M, N] fewer).
      for (OpOperand &init : epilogue.getDpsInitsMutable())
        if (init.get().getType() == gemm->getResult(0).getType() && !epilogue.payloadUsesValueFromOperand(&init)) {
          init.set(gemm->getResult(0));
          break;
        }
    }
  }

  /// Why `op` cannot join `group`, or "" when it can (then `rows` is the
  /// group's new row count).
  std::string whyNotJoin(linalg::LinalgOp op, Group &group, int64_t &rows,
                         DenseMap<Operation *, unsigned> &position) {
    if (continuesSumChain(op, group)) {
      rows = 0;
      return usedBefore(op, group, position);
    }
    rows = std::min(group.rows, maxRows(op));
    for (OpOperand &operand : op->getOpOperands()) {
      Operation *def = operand.get().getDefiningOp();
      if (!def || !group.members.contains(def))
        continue;
      while (rows > 0 && !startsWithRows(op.getMatchingIndexingMap(&operand), rows))
        --rows;
    }
    if (rows < 1)
      return "it does not read its producer row by row (no shared leading parallel dimensions)";
    bool extractsGroupValue = false;
    op->walk([&](tensor::ExtractOp extract) {
      if (Operation *def = extract.getTensor().getDefiningOp())
        extractsGroupValue |= group.members.contains(def);
    });
    if (extractsGroupValue)
      return "its body reads a value of the group with tensor.extract (any row, not its own)";
    return usedBefore(op, group, position);
  }

  /// Why an op outside `group` that uses the group's values before `op`
  /// keeps `op` out (the group is placed at its last op), or "".
  static std::string usedBefore(Operation *op, Group &group, DenseMap<Operation *, unsigned> &position) {
    unsigned here = position[op];
    for (Operation *member : group.ops)
      for (Operation *user : member->getUsers())
        if (user != op && !group.members.contains(user) && position.lookup(user) < here)
          return "'" + user->getName().getStringRef().str() +
                 "' outside the group uses the group's values before this op";
    return "";
  }

  /// A sum chain: full reductions (no parallel loop) each accumulating into
  /// the scalar the previous one produced (the global gradient norm adds each
  /// gradient's sum of squares, in order, into one scalar). `op` continues
  /// `group` when the group is such a chain and `op`'s accumulator is the
  /// group's last result: one kernel for the chain, not one per addend.
  static bool continuesSumChain(linalg::LinalgOp op, Group &group) {
    auto isFullReduction = [](Operation *o) {
      auto l = dyn_cast<linalg::LinalgOp>(o);
      return l && l.getNumParallelLoops() == 0 && l.getNumDpsInits() == 1;
    };
    if (!isFullReduction(op) || !isFullReduction(group.ops.back()))
      return false;
    if (!llvm::all_of(group.ops, [&](Operation *o) { return isa<linalg::FillOp>(o) || isFullReduction(o); }))
      return false;
    return op.getDpsInitOperand(0)->get() == group.ops.back()->getResult(0);
  }

  void formGroups(Block &block) {
    DenseMap<Operation *, unsigned> position;
    for (auto [i, op] : llvm::enumerate(block))
      position[&op] = i;
    std::vector<std::unique_ptr<Group>> groups;
    DenseMap<Operation *, Group *> groupOf;
    auto add = [&](Group *g, Operation *op) {
      g->ops.push_back(op);
      g->members.insert(op);
      groupOf[op] = g;
    };
    auto newGroup = [&](StringRef kind, int64_t rows) {
      groups.push_back(std::make_unique<Group>());
      groups.back()->kind = kind.str();
      groups.back()->rows = rows;
      return groups.back().get();
    };
    // A fill whose only use is the init (accumulator) of a linalg op is part
    // of that op's group.
    auto isInitFill = [](Operation *op) {
      auto fill = dyn_cast<linalg::FillOp>(op);
      if (!fill || !fill->hasOneUse())
        return false;
      OpOperand &use = *fill->getUses().begin();
      auto user = dyn_cast<linalg::LinalgOp>(use.getOwner());
      return user && user.isDpsInit(&use);
    };
    auto initFillOf = [&](Operation *op) -> Operation * {
      for (OpOperand &init : cast<linalg::LinalgOp>(op).getDpsInitsMutable())
        if (Operation *def = init.get().getDefiningOp(); def && isInitFill(def))
          return def;
      return nullptr;
    };

    for (Operation &operation : block) {
      Operation *op = &operation;
      auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
      if (!linalgOp || !linalgOp.hasPureTensorSemantics() || isInitFill(op))
        continue;
      Operation *fill = initFillOf(op);
      if (isContraction(op)) {
        Group *g = newGroup("gemm", 0);
        if (fill)
          add(g, fill);
        add(g, op);
        continue;
      }
      // The group of the latest producer, unless it is a GEMM.
      Group *producerGroup = nullptr;
      unsigned latest = 0;
      for (Value operand : op->getOperands())
        if (Operation *def = operand.getDefiningOp())
          if (Group *g = groupOf.lookup(def); g && position[def] >= latest) {
            producerGroup = g;
            latest = position[def];
          }
      if (op->hasAttr("gptc.gemm_epilogue")) {
        for (Value operand : op->getOperands())
          if (Operation *def = operand.getDefiningOp(); is2DGemm(def) && !groupOf.lookup(op)) // C may be read and written
            add(groupOf.lookup(def), op);
        if (groupOf.lookup(op))
          continue;
        op->removeAttr("gptc.gemm_epilogue");
      }
      if (producerGroup && producerGroup->kind == "gemm") {
        if (!gemmEpilogues) // else prepareGemmEpilogues said why it is no epilogue
          remark(op, "its producer is a GEMM, and this target's GEMM takes no epilogue");
        producerGroup = nullptr;
      }
      Group *target = nullptr;
      if (producerGroup) {
        int64_t rows = 0;
        std::string why = whyNotJoin(linalgOp, *producerGroup, rows, position);
        if (why.empty()) {
          target = producerGroup;
          target->rows = rows;
        } else {
          remark(op, why);
        }
      }
      if (!target)
        target = newGroup("elementwise", maxRows(linalgOp));
      if (fill)
        add(target, fill);
      add(target, op);
      // Several ops: a rows group (or a sum chain, which has no rows); one
      // reduction alone: a reduction kernel.
      bool several = target->ops.size() > (fill ? 2u : 1u);
      if (several)
        target->kind = target->rows == 0 ? "reduction" : "rows";
      else if (linalgOp.getNumReductionLoops() > 0)
        target->kind = "reduction";
    }
    for (auto &g : groups)
      materialize(*g);
  }

  /// Moves the group's ops into an nn.fusion_group placed at its last op.
  void materialize(Group &group) {
    Operation *last = group.ops.back();
    SmallVector<Value> escaping;
    for (Operation *op : group.ops)
      for (Value result : op->getResults())
        if (llvm::any_of(result.getUsers(), [&](Operation *user) { return !group.members.contains(user); }))
          escaping.push_back(result);
    OpBuilder b(last->getContext());
    b.setInsertionPointAfter(last);
    auto fusion = b.create<gptc::nn::FusionGroupOp>(last->getLoc(), ValueRange(escaping).getTypes(),
                                                    group.kind, group.rows);
    Block *body = b.createBlock(&fusion.getBody());
    for (Operation *op : group.ops)
      op->moveBefore(body, body->end());
    b.setInsertionPointToEnd(body);
    b.create<gptc::nn::FusionYieldOp>(last->getLoc(), escaping);
    for (auto [value, result] : llvm::zip(escaping, fusion.getResults()))
      value.replaceUsesWithIf(result, [&](OpOperand &use) { return !fusion->isAncestor(use.getOwner()); });
  }
};

} // namespace
