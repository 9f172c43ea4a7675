// Derives @decode_step from @decode: the logits of one new target position,
// with the decoder's self-attention keys and values of the earlier positions
// passed in (a key/value cache), so decoding a sentence of L tokens computes L
// positions instead of L (L + 1) / 2.
//
//   @decode_step(decode's arguments..., step_token: i32[B, 1],
//                step_position: i32[B, 1], step_slot: f32[B, T],
//                cache0, cache1, ...: [N, T, D])
//     -> (out: [B, 1, V], new0, new1, ...: [N, 1, D])
//
// Row b computes position p = step_position[b] of its target: step_token is
// tgt[b, p], step_slot is 1 at p and 0 elsewhere, and the caches hold the keys
// and values of positions < p (zeros from p on). tgt itself still holds the
// whole prefix, padded: it is the self-attention's padding-mask keys, and its
// padding (every position after p) hides the cache's empty slots, which is what
// the causal mask did for row p. Each self-attention returns its new key and
// value rows (new2i, new2i+1), which the runtime appends to the row's cache.
//
// How: every value of @decode's logits that depends on tgt has one time axis
// (a dimension, or a factor of one after a reshape) of length T. Each op is
// rebuilt with that axis of length 1; values that do not depend on tgt keep
// their shapes, except those an op combines with a timed value: a splat
// constant is rebuilt smaller, and a [T, C] table broadcast over the batch
// (sinusoidal positions) becomes the gather of each row's position. A
// self-attention (q, k and v timed, the causal mask, padding keys from tgt)
// reads k and v as cache + slot * new. When the model holds anything else
// (another mask, a value that mixes positions outside an attention), the pass
// leaves the module without @decode_step and says why in a warning; decoding
// then recomputes the prefix.
#include "compiler/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

namespace gptc {
#define GEN_PASS_DEF_INCREMENTALDECODE
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;
using namespace gptc;

namespace {

/// Where the time axis lies in a tensor: dimension `dim`, whose size is
/// outer * T * inner (inner: the factor below time after a reshape merged it).
struct TimeAxis {
  int64_t dim = 0;
  int64_t inner = 1;
  bool operator==(const TimeAxis &o) const { return dim == o.dim && inner == o.inner; }
};

struct Failure {
  Operation *op;
  std::string why;
};

class StepBuilder {
public:
  StepBuilder(func::FuncOp decode, int64_t tgtIndex, OpBuilder &b) : decode_(decode), tgtIndex_(tgtIndex), b_(b) {}

  /// Builds @decode_step's body into `step` (whose leading arguments mirror
  /// @decode's); on failure returns what stopped it.
  std::optional<Failure> build(func::FuncOp step, Value out, SmallVectorImpl<Type> &cacheTypes,
                               SmallVectorImpl<Value> &newRows) {
    Block &body = decode_.getBody().front();
    Block &entry = step.getBody().front();
    map_.map(body.getArguments(), entry.getArguments().take_front(body.getNumArguments()));
    tgt_ = body.getArgument((unsigned)tgtIndex_);
    auto tgtType = cast<RankedTensorType>(tgt_.getType());
    batch_ = tgtType.getDimSize(0);
    T_ = tgtType.getDimSize(1);
    unsigned extra = body.getNumArguments();
    token_ = entry.getArgument(extra);
    position_ = entry.getArgument(extra + 1);
    slot_ = entry.getArgument(extra + 2);
    step_ = step;
    timed_[tgt_] = TimeAxis{1, 1};
    map_.map(tgt_, token_);

    // Only the ops the logits need.
    DenseSet<Operation *> needed;
    SmallVector<Value> work{out};
    while (!work.empty()) {
      Value v = work.pop_back_val();
      Operation *def = v.getDefiningOp();
      if (!def || !needed.insert(def).second)
        continue;
      work.append(def->operand_begin(), def->operand_end());
      SetVector<Value> above;
      for (Region &region : def->getRegions())
        getUsedValuesDefinedAbove(region, above);
      work.append(above.begin(), above.end());
    }
    for (Operation &op : body.without_terminator()) {
      if (!needed.contains(&op))
        continue;
      if (auto failure = rebuild(&op))
        return failure;
    }
    if (!timed_.count(out))
      return Failure{out.getDefiningOp(), "the logits do not depend on the target"};
    Value stepOut = map_.lookup(out);
    auto outType = cast<RankedTensorType>(stepOut.getType());
    if (outType.getRank() < 2 || outType.getDimSize(0) != batch_ || outType.getDimSize(1) != 1)
      return Failure{out.getDefiningOp(), "the logits are not [B, T, ...] with the target position second"};
    cacheTypes.assign(cacheTypes_.begin(), cacheTypes_.end());
    newRows.push_back(stepOut);
    newRows.append(newRows_.begin(), newRows_.end());
    return std::nullopt;
  }

private:
  RankedTensorType shrunk(Type type, TimeAxis axis) {
    auto t = cast<RankedTensorType>(type);
    SmallVector<int64_t> shape(t.getShape());
    shape[axis.dim] /= T_;
    return RankedTensorType::get(shape, t.getElementType());
  }

  /// The axis of `v` if it depends on tgt.
  std::optional<TimeAxis> axisOf(Value v) {
    auto it = timed_.find(v);
    if (it == timed_.end())
      return std::nullopt;
    return it->second;
  }

  /// A value that does not depend on tgt but that an op combines with a timed
  /// value of the same shape, at each row's position.
  FailureOr<Value> atPosition(Value v, TimeAxis axis, std::string &why) {
    Location loc = v.getLoc();
    RankedTensorType type = shrunk(v.getType(), axis);
    Operation *def = v.getDefiningOp();
    if (auto constant = dyn_cast_or_null<nn::ConstantOp>(def))
      return b_.create<nn::ConstantOp>(loc, type, constant.getValue().convertToDouble()).getResult();
    if (auto broadcast = dyn_cast_or_null<nn::BroadcastOp>(def)) {
      ArrayRef<int64_t> dims = broadcast.getDims();
      auto input = broadcast.getInput();
      if (!llvm::is_contained(dims, axis.dim))
        return b_.create<nn::BroadcastOp>(loc, type, map_.lookupOrDefault(input), dims).getResult();
      // A [T, C] table over [B, T, C]: row b's position.
      auto inputType = cast<RankedTensorType>(input.getType());
      if (axis.dim == 1 && axis.inner == 1 && type.getRank() == 3 && dims.size() == 2 && dims[0] == 1 &&
          dims[1] == 2 && inputType.getDimSize(0) == T_)
        return b_.create<nn::GatherOp>(loc, type, map_.lookupOrDefault(input), position_).getResult();
    }
    why = "it combines the target with a value that depends on the position in a way other than a splat "
          "constant or a [T, C] table broadcast over the batch";
    return failure();
  }

  std::optional<Failure> rebuild(Operation *op) {
    SmallVector<std::optional<TimeAxis>> axes;
    bool anyTimed = false;
    for (Value v : op->getOperands()) {
      axes.push_back(axisOf(v));
      anyTimed = anyTimed || axes.back().has_value();
    }
    SetVector<Value> above;
    for (Region &region : op->getRegions())
      getUsedValuesDefinedAbove(region, above);
    for (Value v : above)
      if (timed_.count(v))
        return Failure{op, "a region reads a target-dependent value"};
    if (!anyTimed) {
      b_.clone(*op, map_);
      return std::nullopt;
    }
    if (auto attention = dyn_cast<nn::AttentionOp>(op))
      return rebuildAttention(attention, axes);

    // The result's axis, from the operands'.
    TimeAxis result;
    if (op->hasTrait<OpTrait::SameOperandsAndResultType>() || isa<nn::DropoutOp>(op)) {
      std::optional<TimeAxis> common;
      for (auto [v, axis] : llvm::zip(op->getOperands(), axes)) {
        if (!axis || !isa<FloatType>(getElementTypeOrSelf(v.getType())))
          continue;
        if (common && !(*common == *axis))
          return Failure{op, "its operands hold the target positions in different dimensions"};
        common = axis;
      }
      if (!common)
        return Failure{op, "an integer operand depends on the target"};
      result = *common;
      if (isa<nn::SoftmaxOp, nn::LogSoftmaxOp, nn::NormalizeOp, nn::NormalizeGradOp>(op) &&
          result.dim == cast<RankedTensorType>(op->getResult(0).getType()).getRank() - 1)
        return Failure{op, "it normalises over the target positions"};
      if (isa<nn::MaskFillOp, nn::PaddingMaskOp>(op))
        return Failure{op, "a mask over the target positions outside a fused attention"};
      // Operands without the axis: taken at each row's position (for this op
      // only: other ops may read them whole).
      IRMapping local;
      for (auto [i, v] : llvm::enumerate(op->getOperands())) {
        if (axes[i] || !isa<FloatType>(getElementTypeOrSelf(v.getType())) || local.contains(v))
          continue;
        std::string why;
        FailureOr<Value> taken = atPosition(v, result, why);
        if (failed(taken))
          return Failure{op, why};
        local.map(v, *taken);
      }
      if (!local.getValueMap().empty()) {
        SmallVector<Value> operands;
        for (Value v : op->getOperands())
          operands.push_back(local.contains(v) ? local.lookup(v) : map_.lookupOrDefault(v));
        Operation *clone = b_.clone(*op, map_);
        clone->setOperands(operands);
        return finish(op, clone, result);
      }
    } else if (auto broadcast = dyn_cast<nn::BroadcastOp>(op)) {
      result = {broadcast.getDims()[axes[0]->dim], axes[0]->inner};
    } else if (auto reduce = dyn_cast<nn::ReduceSumOp>(op)) {
      ArrayRef<int64_t> reduced = reduce.getAxes();
      if (llvm::is_contained(reduced, axes[0]->dim))
        return Failure{op, "it sums over the target positions"};
      result = {axes[0]->dim - llvm::count_if(reduced, [&](int64_t a) { return a < axes[0]->dim; }),
                axes[0]->inner};
    } else if (auto transpose = dyn_cast<nn::TransposeOp>(op)) {
      ArrayRef<int64_t> perm = transpose.getPermutation();
      result = {(int64_t)(llvm::find(perm, axes[0]->dim) - perm.begin()), axes[0]->inner};
    } else if (auto reshape = dyn_cast<nn::ReshapeOp>(op)) {
      std::optional<TimeAxis> mapped = reshapedAxis(reshape, *axes[0]);
      if (!mapped)
        return Failure{op, "it splits the target positions over several dimensions"};
      result = *mapped;
    } else if (auto matmul = dyn_cast<nn::MatmulOp>(op)) {
      if (axes[0] && axes[1])
        return Failure{op, "a product of two target-dependent values outside a fused attention"};
      int64_t rank = cast<RankedTensorType>(matmul.getResult().getType()).getRank();
      if (axes[0]) {
        int64_t contracted = matmul.getTransposeLhs() ? rank - 2 : rank - 1;
        if (axes[0]->dim == contracted)
          return Failure{op, "it contracts over the target positions"};
        result = {axes[0]->dim < rank - 2 ? axes[0]->dim : rank - 2, axes[0]->inner};
      } else {
        int64_t contracted = matmul.getTransposeRhs() ? rank - 1 : rank - 2;
        if (axes[1]->dim == contracted)
          return Failure{op, "it contracts over the target positions"};
        result = {axes[1]->dim < rank - 2 ? axes[1]->dim : rank - 1, axes[1]->inner};
      }
    } else if (auto gather = dyn_cast<nn::GatherOp>(op)) {
      if (axes[0])
        return Failure{op, "it looks up rows of a target-dependent table"};
      result = *axes[1];
    } else {
      return Failure{op, "no rule for this op over the target positions"};
    }
    return finish(op, b_.clone(*op, map_), result);
  }

  /// Gives the rebuilt op's result its shorter type and records it.
  std::optional<Failure> finish(Operation *op, Operation *clone, TimeAxis axis) {
    Value r = clone->getResult(0);
    r.setType(shrunk(r.getType(), axis));
    timed_[op->getResult(0)] = axis;
    map_.map(op->getResult(0), r);
    return std::nullopt;
  }

  /// The time axis after a reshape, if it stays within one dimension.
  std::optional<TimeAxis> reshapedAxis(nn::ReshapeOp reshape, TimeAxis axis) {
    ArrayRef<int64_t> in = reshape.getInput().getType().getShape();
    ArrayRef<int64_t> out = cast<RankedTensorType>(reshape.getResult().getType()).getShape();
    int64_t stride = axis.inner;
    for (size_t d = (size_t)axis.dim + 1; d < in.size(); ++d)
      stride *= in[d];
    int64_t suffix = 1;
    for (int64_t j = (int64_t)out.size() - 1; j >= 0; --j) {
      // out[j] spans strides [suffix, suffix * out[j]).
      if (stride % suffix == 0 && stride * T_ <= suffix * out[(size_t)j] &&
          (suffix * out[(size_t)j]) % (stride * T_) == 0)
        return TimeAxis{j, stride / suffix};
      suffix *= out[(size_t)j];
    }
    return std::nullopt;
  }

  /// Cross-attention (only q timed) keeps its keys; self-attention reads its
  /// keys and values from the cache plus the new row.
  std::optional<Failure> rebuildAttention(nn::AttentionOp attention, ArrayRef<std::optional<TimeAxis>> axes) {
    Location loc = attention.getLoc();
    TimeAxis row{1, 1};
    auto qAxis = axisOf(attention.getQ()), kAxis = axisOf(attention.getK()), vAxis = axisOf(attention.getV());
    if (!qAxis || !(*qAxis == row))
      return Failure{attention, "its queries do not hold the target positions as [N, T, D]"};
    if (attention.getKeys() && axisOf(attention.getKeys()) && attention.getKeys() != tgt_)
      return Failure{attention, "its padding keys are computed from the target"};
    if (attention.getRng() && axisOf(attention.getRng()))
      return Failure{attention, "its rng depends on the target"};
    Operation *clone = nullptr;
    if (!kAxis && !vAxis) {
      if (attention.getMask())
        return Failure{attention, "a cross-attention with a constant mask over the target positions"};
      clone = b_.clone(*attention, map_);
    } else {
      if (!kAxis || !vAxis || !(*kAxis == row) || !(*vAxis == row))
        return Failure{attention, "its keys and values do not both hold the target positions as [N, T, D]"};
      if (attention.getKeys() != tgt_ || !attention.getKeyPad())
        return Failure{attention, "a self-attention needs the target's padding mask (the cache's empty slots "
                                  "are the padding after each row's position)"};
      if (!isCausal(attention.getMask()))
        return Failure{attention, "a self-attention whose mask is not the causal one"};
      int64_t n = attention.getQ().getType().getDimSize(0);
      if (n % batch_ != 0)
        return Failure{attention, "its batch is not a multiple of the target's"};
      Value k = fromCache(map_.lookup(attention.getK()), n, loc);
      Value v = fromCache(map_.lookup(attention.getV()), n, loc);
      clone = b_.clone(*attention, map_);
      auto rebuilt = cast<nn::AttentionOp>(clone);
      rebuilt.getKMutable().assign(k);
      rebuilt.getVMutable().assign(v);
      rebuilt.getKeysMutable().assign(step_.getArgument((unsigned)tgtIndex_)); // the whole prefix, as keys
      rebuilt.removeMaskAttr();
    }
    for (unsigned i = 0; i < 2; ++i) {
      Value r = clone->getResult(i);
      r.setType(shrunk(r.getType(), row));
      timed_[attention->getResult(i)] = row;
      map_.map(attention->getResult(i), r);
    }
    return std::nullopt;
  }

  bool isCausal(std::optional<ElementsAttr> mask) {
    if (!mask)
      return false;
    auto type = cast<ShapedType>(mask->getType());
    if (type.getRank() != 2 || type.getDimSize(0) != T_ || type.getDimSize(1) != T_)
      return false;
    auto values = mask->tryGetValues<bool>();
    if (!values)
      return false;
    int64_t index = 0;
    for (bool hidden : *values) {
      int64_t i = index / T_, j = index % T_;
      if (hidden != (j > i))
        return false;
      ++index;
    }
    return true;
  }

  /// cache + slot * row: the [N, T, D] keys (or values) of every position,
  /// from the cache argument and the new [N, 1, D] row. Records both.
  Value fromCache(Value newRow, int64_t n, Location loc) {
    auto rowType = cast<RankedTensorType>(newRow.getType());
    int64_t d = rowType.getDimSize(2), heads = n / batch_;
    Type elem = rowType.getElementType();
    auto fullType = RankedTensorType::get({n, T_, d}, elem);
    Value cache = step_.getBody().front().addArgument(fullType, loc);
    cacheTypes_.push_back(fullType);
    newRows_.push_back(newRow);
    auto slot4 = RankedTensorType::get({batch_, heads, T_, d}, elem);
    Value slotWide = b_.create<nn::ReshapeOp>(
        loc, fullType, b_.create<nn::BroadcastOp>(loc, slot4, slot_, ArrayRef<int64_t>{0, 2}));
    Value flat = b_.create<nn::ReshapeOp>(loc, RankedTensorType::get({n, d}, elem), newRow);
    Value rowWide = b_.create<nn::BroadcastOp>(loc, fullType, flat, ArrayRef<int64_t>{0, 2});
    Value placed = b_.create<nn::MulOp>(loc, fullType, slotWide, rowWide);
    return b_.create<nn::AddOp>(loc, fullType, cache, placed);
  }

  func::FuncOp decode_, step_;
  int64_t tgtIndex_;
  OpBuilder &b_;
  Value tgt_, token_, position_, slot_;
  int64_t batch_ = 0, T_ = 0;
  IRMapping map_;
  DenseMap<Value, TimeAxis> timed_;
  SmallVector<Type> cacheTypes_;
  SmallVector<Value> newRows_;
};

struct IncrementalDecodePass : public gptc::impl::IncrementalDecodeBase<IncrementalDecodePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto decode = module.lookupSymbol<func::FuncOp>("decode");
    if (!decode) {
      module.emitError("gptc-incremental-decode needs a function named @decode (run gptc-split-encoder first)");
      return signalPassFailure();
    }
    if (module.lookupSymbol("decode_step")) {
      module.emitError("gptc-incremental-decode: the module already has a @decode_step");
      return signalPassFailure();
    }
    auto warn = [&](Operation *at, const Twine &why) {
      (at ? at : decode.getOperation())->emitWarning()
          << "no incremental decoding (decoding recomputes the target prefix for every token): " << why;
    };
    // The target: the second non-param input, [B, T] i32; the logits: the second result.
    Block &body = decode.getBody().front();
    int64_t tgtIndex = -1, inputs = 0;
    for (BlockArgument arg : body.getArguments()) {
      auto name = decode.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "gptc.name");
      if (decode.getArgAttr(arg.getArgNumber(), "gptc.param") || (name && name.getValue() == "rng") ||
          (name && name.getValue().starts_with("memory")))
        continue;
      if (inputs++ == 1)
        tgtIndex = arg.getArgNumber();
    }
    auto ret = cast<func::ReturnOp>(body.getTerminator());
    auto tgtType = tgtIndex >= 0 ? dyn_cast<RankedTensorType>(body.getArgument((unsigned)tgtIndex).getType())
                                 : nullptr;
    if (!tgtType || tgtType.getRank() != 2 || !tgtType.getElementType().isInteger(32) ||
        !tgtType.hasStaticShape() || tgtType.getDimSize(1) < 2 || ret.getNumOperands() != 2)
      return warn(nullptr, "it needs a target input i32[B, T] (T >= 2) as the second input and logits as "
                           "the second result");
    Value out = ret.getOperand(1);
    auto outType = cast<RankedTensorType>(out.getType());
    Type floatType = outType.getElementType();
    int64_t batch = tgtType.getDimSize(0), T = tgtType.getDimSize(1);

    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointAfter(decode);
    Location loc = decode.getLoc();
    auto i32 = b.getI32Type();
    SmallVector<Type> argTypes(decode.getFunctionType().getInputs());
    argTypes.push_back(RankedTensorType::get({batch, 1}, i32));
    argTypes.push_back(RankedTensorType::get({batch, 1}, i32));
    argTypes.push_back(RankedTensorType::get({batch, T}, floatType));
    auto step = b.create<func::FuncOp>(loc, "decode_step", b.getFunctionType(argTypes, {}));
    Block *entry = step.addEntryBlock();
    OpBuilder sb = OpBuilder::atBlockBegin(entry);
    StepBuilder builder(decode, tgtIndex, sb);
    SmallVector<Type> cacheTypes;
    SmallVector<Value> results;
    if (auto failure = builder.build(step, out, cacheTypes, results)) {
      step.erase();
      return warn(failure->op, "'" + failure->op->getName().getStringRef() + "': " + failure->why);
    }
    sb.create<func::ReturnOp>(loc, results);
    // The full-length copies of values only an op at the new position read.
    SmallVector<Operation *> ops;
    for (Operation &op : entry->without_terminator())
      ops.push_back(&op);
    for (Operation *op : llvm::reverse(ops)) // users before their operands
      if (isOpTriviallyDead(op))
        op->erase();
    step.setFunctionType(b.getFunctionType(entry->getArgumentTypes(), ValueRange(results).getTypes()));

    SmallVector<DictionaryAttr> argAttrs;
    decode.getAllArgAttrs(argAttrs);
    auto named = [&](StringRef name) {
      return b.getDictionaryAttr(b.getNamedAttr("gptc.name", b.getStringAttr(name)));
    };
    argAttrs.push_back(named("step_token"));
    argAttrs.push_back(named("step_position"));
    argAttrs.push_back(named("step_slot"));
    for (size_t i = 0; i < cacheTypes.size(); ++i)
      argAttrs.push_back(named("cache" + std::to_string(i)));
    step.setAllArgAttrs(argAttrs);

    // The runtime reads the caches' shapes from here (gptc_decode_caches).
    SmallVector<Attribute> types;
    for (Type t : cacheTypes)
      types.push_back(TypeAttr::get(t));
    module->setAttr("gptc.decode_caches", b.getArrayAttr(types));
  }
};

} // namespace
