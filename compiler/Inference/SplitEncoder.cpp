// Splits a sequence-to-sequence model's @forward at its first input, so that
// decoding computes the encoder once per sentence instead of once per token.
//
//   @encode(params..., inputs...[, rng]) -> (memory...)
//   @decode(params..., inputs...[, rng], memory...) -> (loss[, out])
//
// Every value of @forward depends on the first input (the source), on the
// other inputs (the target side), or on neither (params, constants, rng). The
// memory is the set of source-only values that a target-side op (or the
// return) uses: for the Transformer, the keys and values every cross-attention
// projects from the encoder output. @encode computes them, @decode takes them as
// arguments and recomputes only what also needs the target; ops that depend on
// neither side are cloned into whichever function uses them. Both keep
// @forward's arguments, so the runtime passes the same buffers.
//
// The runtime keeps each sentence's rows of the memory, so every memory tensor
// must be batch-major: its leading dimension a multiple of the batch size (the
// first input's leading dimension), one sentence's rows contiguous.
#include "compiler/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

namespace gptc {
#define GEN_PASS_DEF_SPLITENCODER
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;

namespace {

/// What a value depends on: nothing that changes between sentences, the source
/// input, or the target side (which may also include the source).
enum class Side { Neither = 0, Source = 1, Target = 2 };

/// The values an op reads: its operands and the values its regions use from above.
SmallVector<Value> readValues(Operation *op) {
  SmallVector<Value> values(op->getOperands());
  SetVector<Value> above;
  for (Region &region : op->getRegions())
    getUsedValuesDefinedAbove(region, above);
  values.append(above.begin(), above.end());
  return values;
}

/// Clones the ops of `body` that compute `roots` (stopping at `given`, whose
/// values are already mapped) into the builder's block, in program order.
void cloneSlice(OpBuilder &b, Block &body, ArrayRef<Value> roots, const DenseSet<Value> &given, IRMapping &map) {
  DenseSet<Operation *> needed;
  SmallVector<Value> work(roots.begin(), roots.end());
  while (!work.empty()) {
    Value v = work.pop_back_val();
    Operation *def = v.getDefiningOp();
    if (!def || given.contains(v) || !needed.insert(def).second)
      continue;
    for (Value operand : readValues(def))
      work.push_back(operand);
  }
  for (Operation &op : body.without_terminator())
    if (needed.contains(&op))
      b.clone(op, map);
}

struct SplitEncoderPass : public gptc::impl::SplitEncoderBase<SplitEncoderPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward) {
      module.emitError("gptc-split-encoder needs a function named @forward");
      return signalPassFailure();
    }
    if (module.lookupSymbol("encode") || module.lookupSymbol("decode")) {
      module.emitError("gptc-split-encoder: the module already has an @encode or @decode");
      return signalPassFailure();
    }
    Block &body = forward.getBody().front();
    auto ret = cast<func::ReturnOp>(body.getTerminator());

    // The first non-param argument is the source; the other inputs are the
    // target side; params and the rng (named "rng") change nothing per sentence.
    DenseMap<Value, Side> side;
    Value source;
    for (BlockArgument arg : body.getArguments()) {
      auto name = forward.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "gptc.name");
      bool isParam = forward.getArgAttr(arg.getArgNumber(), "gptc.param") != nullptr;
      if (isParam || (name && name.getValue() == "rng")) {
        side[arg] = Side::Neither;
      } else if (!source) {
        source = arg;
        side[arg] = Side::Source;
      } else {
        side[arg] = Side::Target;
      }
    }
    auto sourceType = source ? dyn_cast<RankedTensorType>(source.getType()) : nullptr;
    if (!sourceType || sourceType.getRank() < 1 || sourceType.isDynamicDim(0)) {
      forward.emitOpError("needs a first input of static rank >= 1 to split at (its leading dimension is the batch)");
      return signalPassFailure();
    }
    int64_t batch = sourceType.getDimSize(0);

    for (Operation &op : body.without_terminator()) {
      Side s = Side::Neither;
      for (Value v : readValues(&op))
        s = std::max(s, side.lookup(v));
      for (Value r : op.getResults())
        side[r] = s;
    }

    // The memory: source-side op results read by target-side ops or returned.
    SetVector<Value> memory;
    for (Operation &op : body) {
      bool targetSide = &op == ret.getOperation() ||
                        llvm::any_of(op.getResults(), [&](Value r) { return side.lookup(r) == Side::Target; });
      if (!targetSide)
        continue;
      for (Value v : readValues(&op))
        if (side.lookup(v) == Side::Source && v.getDefiningOp())
          memory.insert(v);
    }
    for (Value result : ret.getOperands())
      if (side.lookup(result) != Side::Target) {
        forward.emitOpError("returns a value that does not depend on the inputs after the first: nothing to decode");
        return signalPassFailure();
      }
    if (memory.empty()) {
      forward.emitOpError("has no value computed from the first input alone that the other inputs need: "
                          "nothing to encode");
      return signalPassFailure();
    }
    for (Value v : memory) {
      auto type = dyn_cast<RankedTensorType>(v.getType());
      if (!type || !type.hasStaticShape() || type.getRank() < 1 || type.getDimSize(0) % batch != 0) {
        emitError(v.getLoc()) << "gptc-split-encoder: the encoder output " << v.getType()
             << " is not batch-major (a static leading dimension that is a multiple of the batch " << batch << ")";
        return signalPassFailure();
      }
    }

    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointAfter(forward);
    Location loc = forward.getLoc();
    FunctionType forwardType = forward.getFunctionType();
    SmallVector<Type> memoryTypes;
    for (Value v : memory)
      memoryTypes.push_back(v.getType());

    // @encode: same arguments, the memory as results.
    SmallVector<DictionaryAttr> forwardArgAttrs;
    forward.getAllArgAttrs(forwardArgAttrs);
    auto encode = b.create<func::FuncOp>(loc, "encode", b.getFunctionType(forwardType.getInputs(), memoryTypes));
    encode.setAllArgAttrs(forwardArgAttrs);
    {
      Block *entry = encode.addEntryBlock();
      IRMapping map;
      map.map(body.getArguments(), entry->getArguments());
      OpBuilder eb = OpBuilder::atBlockBegin(entry);
      cloneSlice(eb, body, memory.getArrayRef(), {}, map);
      SmallVector<Value> results;
      for (Value v : memory)
        results.push_back(map.lookup(v));
      eb.create<func::ReturnOp>(loc, results);
    }

    // @decode: @forward's arguments then the memory, @forward's results.
    SmallVector<Type> decodeInputs(forwardType.getInputs());
    decodeInputs.append(memoryTypes);
    auto decode = b.create<func::FuncOp>(loc, "decode", b.getFunctionType(decodeInputs, forwardType.getResults()));
    {
      SmallVector<DictionaryAttr> argAttrs(forwardArgAttrs);
      for (size_t i = 0; i < memory.size(); ++i)
        argAttrs.push_back(b.getDictionaryAttr(
            b.getNamedAttr("gptc.name", b.getStringAttr("memory" + std::to_string(i)))));
      decode.setAllArgAttrs(argAttrs);
      Block *entry = decode.addEntryBlock();
      IRMapping map;
      map.map(body.getArguments(), entry->getArguments().take_front(body.getNumArguments()));
      DenseSet<Value> given;
      for (auto [i, v] : llvm::enumerate(memory)) {
        map.map(v, entry->getArgument(body.getNumArguments() + i));
        given.insert(v);
      }
      OpBuilder db = OpBuilder::atBlockBegin(entry);
      SmallVector<Value> roots(ret.getOperands());
      cloneSlice(db, body, roots, given, map);
      SmallVector<Value> results;
      for (Value v : ret.getOperands())
        results.push_back(map.lookupOrDefault(v));
      db.create<func::ReturnOp>(loc, results);
    }

    // The runtime reads the memory's shapes from here (gptc_encoder_outputs).
    SmallVector<Attribute> types;
    for (Type t : memoryTypes)
      types.push_back(TypeAttr::get(t));
    module->setAttr("gptc.encoder_outputs", b.getArrayAttr(types));
  }
};

} // namespace
