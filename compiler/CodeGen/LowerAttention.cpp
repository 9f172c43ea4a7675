// gptc-lower-attention: the CPU kernels of nn.attention and nn.attention_grad.
//
// Both run on tensors, before bufferization, and become loops over buffers:
//
//   scf.parallel over the batch n (e.g. batch * heads), one per thread:
//     scratch S (and dP): [query block, Tk] on the thread's stack
//     for each block of query rows [i0, i0 + rows):
//       keys [klo, khi): the ones the mask leaves visible to some row of the
//       block (a causal mask skips every key after the block's last row)
//       S = Q[n, i0:] K[n, klo:khi]^T                      runtime GEMM
//       per row: s = score(S), -inf where masked; softmax in place; lse
//       dropout (the same counter-based mask as nn.dropout)
//       O[n, i0:] = S V[n, klo:khi]                        runtime GEMM
//
// The backward recomputes S from q, k and the saved lse (flash attention's
// trick), so no [Tq, Tk] tensor outlives a block:
//       S = Q K^T, dP = dO V^T                             runtime GEMMs
//       per element: p = exp(score(raw) - lse), pd = dropout(p),
//                    draw = p (dropout(dP) - dO.O) score'(raw)
//       dV += pd^T dO, dQ = draw K, dK += draw^T Q         runtime GEMMs
//
// score' comes from the score region by forward-mode differentiation (dual
// numbers over its arith/math ops), so any score expression the user wrote
// has its derivative compiled in. The block products call the runtime's
// single-thread GEMM (gptc_gemm_strided_*): the kernel is already one thread
// per batch entry.
#include "compiler/Conversion/NNToLinalg/Patterns.h"
#include "compiler/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"

#include <cmath>

namespace gptc {
#define GEN_PASS_DEF_LOWERATTENTION
#include "compiler/Passes.h.inc"
} // namespace gptc

using namespace mlir;
using namespace gptc;

namespace {

//===----------------------------------------------------------------------===//
// Shapes: every operand is viewed as [N, rows, cols] (or [N, rows] for lse).
//===----------------------------------------------------------------------===//

SmallVector<ReassociationIndices> batchReassociation(int64_t rank, int64_t keep) {
  // Collapse dims [0, rank - keep] into one, keep the last `keep - 1` dims.
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices lead;
  for (int64_t d = 0; d <= rank - keep; ++d)
    lead.push_back(d);
  groups.push_back(lead);
  for (int64_t d = rank - keep + 1; d < rank; ++d)
    groups.push_back({d});
  return groups;
}

/// `t` ([..., a, b] or [..., a] with `inner` = 2 or 1 trailing dims) as [N, a(, b)].
Value toBatched(OpBuilder &b, Location loc, Value t, int64_t inner) {
  auto type = cast<RankedTensorType>(t.getType());
  int64_t rank = type.getRank();
  if (rank == inner + 1)
    return t;
  if (rank == inner) { // no batch dims: [1, ...]
    SmallVector<int64_t> shape = {1};
    llvm::append_range(shape, type.getShape());
    SmallVector<ReassociationIndices> groups;
    groups.push_back({0, 1});
    for (int64_t d = 1; d < rank; ++d)
      groups.push_back({d + 1});
    return b.create<tensor::ExpandShapeOp>(loc, RankedTensorType::get(shape, type.getElementType()), t,
                                           groups);
  }
  return b.create<tensor::CollapseShapeOp>(loc, t, batchReassociation(rank, inner + 1));
}

/// The inverse of toBatched: `t` [N, ...] back to `type`.
Value fromBatched(OpBuilder &b, Location loc, Value t, RankedTensorType type, int64_t inner) {
  int64_t rank = type.getRank();
  if (rank == inner + 1)
    return t;
  if (rank == inner) {
    SmallVector<ReassociationIndices> groups;
    groups.push_back({0, 1});
    for (int64_t d = 1; d < rank; ++d)
      groups.push_back({d + 1});
    return b.create<tensor::CollapseShapeOp>(loc, type, t, groups);
  }
  return b.create<tensor::ExpandShapeOp>(loc, type, t, batchReassociation(rank, inner + 1));
}

//===----------------------------------------------------------------------===//
// The mask: which keys each block of query rows sees.
//===----------------------------------------------------------------------===//

struct KeyRanges {
  SmallVector<int64_t> lo, hi; // per query block
  SmallVector<int8_t> hidden;  // [Tq, Tk], 1 = masked (empty when no mask)
};

KeyRanges keyRanges(std::optional<ElementsAttr> mask, int64_t tq, int64_t tk, int64_t block) {
  KeyRanges r;
  int64_t blocks = (tq + block - 1) / block;
  if (!mask) {
    r.lo.assign(blocks, 0);
    r.hi.assign(blocks, tk);
    return r;
  }
  auto values = mask->getValues<bool>();
  r.hidden.reserve(tq * tk);
  for (bool v : values)
    r.hidden.push_back(v ? 1 : 0);
  for (int64_t blk = 0; blk < blocks; ++blk) {
    int64_t lo = tk, hi = 0;
    for (int64_t i = blk * block; i < std::min(tq, (blk + 1) * block); ++i)
      for (int64_t j = 0; j < tk; ++j)
        if (!r.hidden[i * tk + j]) {
          lo = std::min(lo, j);
          hi = std::max(hi, j + 1);
        }
    if (lo >= hi)
      lo = hi = 0; // every key hidden from the whole block
    r.lo.push_back(lo);
    r.hi.push_back(hi);
  }
  return r;
}

//===----------------------------------------------------------------------===//
// The kernel builder
//===----------------------------------------------------------------------===//

class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, Type elem) : b_(b), loc_(loc), elem_(elem) {}

  Value idx(int64_t v) { return b_.create<arith::ConstantIndexOp>(loc_, v); }
  Value flt(double v) { return b_.create<arith::ConstantOp>(loc_, b_.getFloatAttr(elem_, v)); }
  Value add(Value x, Value y) { return b_.create<arith::AddIOp>(loc_, x, y); }
  Value mul(Value x, Value y) { return b_.create<arith::MulIOp>(loc_, x, y); }
  Value fadd(Value x, Value y) { return b_.create<arith::AddFOp>(loc_, x, y); }
  Value fsub(Value x, Value y) { return b_.create<arith::SubFOp>(loc_, x, y); }
  Value fmul(Value x, Value y) { return b_.create<arith::MulFOp>(loc_, x, y); }
  Value select(Value c, Value x, Value y) { return b_.create<arith::SelectOp>(loc_, c, x, y); }
  Value load(Value m, ValueRange i) { return b_.create<memref::LoadOp>(loc_, m, i); }
  void store(Value v, Value m, ValueRange i) { b_.create<memref::StoreOp>(loc_, v, m, i); }
  int64_t elemBytes() const { return elem_.getIntOrFloatBitWidth() / 8; }

  /// A read-only buffer view of tensor `t`.
  Value buffer(Value t) {
    auto type = cast<RankedTensorType>(t.getType());
    return b_.create<bufferization::ToMemrefOp>(loc_, MemRefType::get(type.getShape(), type.getElementType()),
                                                t, /*read_only=*/true);
  }
  /// A read-only buffer of a compile-time constant table.
  Value table(ArrayRef<int64_t> values) {
    auto type = RankedTensorType::get({(int64_t)values.size()}, b_.getIndexType());
    Value t = b_.create<arith::ConstantOp>(loc_, DenseElementsAttr::get(type, values));
    return buffer(t);
  }

  /// The address of element `offset` (in elements) of buffer `m`.
  Value address(Value m, Value offset) {
    Value base = b_.create<memref::ExtractAlignedPointerAsIndexOp>(loc_, m);
    return add(base, mul(offset, idx(elemBytes())));
  }

  /// C[m, n] (+)= op(A)[m, k] op(B)[k, n] on row-major views with leading dims.
  void gemm(ModuleOp module, Value a, Value lda, Value bb, Value ldb, Value c, Value ldc, Value m, Value n,
            Value k, bool ta, bool tb, bool accumulate) {
    StringRef name = elem_.isF32() ? "gptc_gemm_strided_f32" : "gptc_gemm_strided_f64";
    auto callee = module.lookupSymbol<func::FuncOp>(name);
    if (!callee) {
      OpBuilder mb(module.getBodyRegion());
      mb.setInsertionPointToStart(module.getBody());
      SmallVector<Type> args(12, mb.getIndexType());
      callee = mb.create<func::FuncOp>(module.getLoc(), name, mb.getFunctionType(args, {}));
      callee.setPrivate();
    }
    b_.create<func::CallOp>(loc_, callee,
                            ValueRange{a, lda, bb, ldb, c, ldc, m, n, k, idx(ta), idx(tb), idx(accumulate)});
  }

  /// for iv in [lo, hi) { body(iv) }
  void loop(Value lo, Value hi, function_ref<void(Value)> body) {
    auto f = b_.create<scf::ForOp>(loc_, lo, hi, idx(1));
    OpBuilder::InsertionGuard guard(b_);
    b_.setInsertionPointToStart(f.getBody());
    body(f.getInductionVar());
  }
  /// acc = init; for iv in [lo, hi) { acc = body(iv, acc) }; returns acc.
  Value reduce(Value lo, Value hi, Value init, function_ref<Value(Value, Value)> body) {
    auto f = b_.create<scf::ForOp>(loc_, lo, hi, idx(1), ValueRange{init});
    OpBuilder::InsertionGuard guard(b_);
    b_.setInsertionPointToStart(f.getBody());
    Value next = body(f.getInductionVar(), f.getRegionIterArgs()[0]);
    // reassoc: LLVM's vectoriser may keep one partial result per lane (a fixed
    // order decided at compile time, as gptc-promote-reductions does).
    if (auto fastMath = next.getDefiningOp<arith::ArithFastMathInterface>())
      next.getDefiningOp()->setAttr(fastMath.getFastMathAttrName(),
                                    arith::FastMathFlagsAttr::get(b_.getContext(),
                                                                  fastMath.getFastMathFlagsAttr().getValue() |
                                                                      arith::FastMathFlags::reassoc));
    b_.create<scf::YieldOp>(loc_, next);
    return f.getResult(0);
  }

  /// The score region applied to `raw`.
  Value score(Region &region, Value raw) {
    IRMapping map;
    map.map(region.front().getArgument(0), raw);
    for (Operation &op : region.front().without_terminator())
      b_.clone(op, map);
    return map.lookupOrDefault(region.front().getTerminator()->getOperand(0));
  }

  /// The score region and its derivative at `raw` (forward mode: every value
  /// carries its derivative with respect to raw).
  FailureOr<std::pair<Value, Value>> scoreWithDerivative(Region &region, Value raw) {
    IRMapping map;
    DenseMap<Value, Value> der; // absent = 0
    Value arg = region.front().getArgument(0);
    map.map(arg, raw);
    Value one = flt(1.0); // d raw / d raw: multiplying by it is skipped
    der[arg] = one;
    auto d = [&](Value v) { return der.lookup(v); };
    auto sum = [&](Value x, Value y) -> Value { return !x ? y : !y ? x : fadd(x, y); };
    auto scale = [&](Value dx, Value by) -> Value { return !dx ? Value() : dx == one ? by : fmul(dx, by); };
    for (Operation &op : region.front().without_terminator()) {
      Operation *c = b_.clone(op, map);
      if (isa<arith::ConstantOp>(op))
        continue;
      Value x = op.getNumOperands() > 0 ? map.lookupOrDefault(op.getOperand(0)) : Value();
      Value y = op.getNumOperands() > 1 ? map.lookupOrDefault(op.getOperand(1)) : Value();
      Value dx = op.getNumOperands() > 0 ? d(op.getOperand(0)) : Value();
      Value dy = op.getNumOperands() > 1 ? d(op.getOperand(1)) : Value();
      Value r = c->getResult(0), dr;
      if (isa<arith::AddFOp>(op)) {
        dr = sum(dx, dy);
      } else if (isa<arith::SubFOp>(op)) {
        dr = sum(dx, dy ? b_.create<arith::NegFOp>(loc_, dy).getResult() : Value());
      } else if (isa<arith::MulFOp>(op)) {
        dr = sum(scale(dx, y), scale(dy, x));
      } else if (isa<arith::DivFOp>(op)) { // (dx - r dy) / y
        Value num = sum(dx, dy ? b_.create<arith::NegFOp>(loc_, fmul(r, dy)).getResult() : Value());
        dr = num ? b_.create<arith::DivFOp>(loc_, num, y).getResult() : Value();
      } else if (isa<arith::NegFOp>(op)) {
        dr = dx ? b_.create<arith::NegFOp>(loc_, dx).getResult() : Value();
      } else if (isa<math::PowFOp>(op)) {
        auto exponent = op.getOperand(1).getDefiningOp<arith::ConstantOp>();
        if (!exponent || dy)
          return op.emitOpError("in an attention score: only constant exponents are differentiated");
        double p = cast<FloatAttr>(exponent.getValue()).getValueAsDouble();
        Value xPm1 = p == 2.0 ? x : b_.create<math::PowFOp>(loc_, x, flt(p - 1.0)).getResult();
        dr = scale(dx, fmul(flt(p), xPm1));
      } else if (isa<math::ExpOp>(op)) {
        dr = scale(dx, r);
      } else if (isa<math::TanhOp>(op)) {
        dr = scale(dx, fsub(flt(1.0), fmul(r, r)));
      } else if (isa<math::SqrtOp>(op)) {
        dr = dx ? b_.create<arith::DivFOp>(loc_, dx, fmul(flt(2.0), r)).getResult() : Value();
      } else if (isa<math::LogOp>(op)) {
        dr = dx ? b_.create<arith::DivFOp>(loc_, dx, x).getResult() : Value();
      } else {
        return op.emitOpError("in an attention score has no derivative rule in gptc-lower-attention");
      }
      if (dr)
        der[op.getResult(0)] = dr;
    }
    Value yielded = region.front().getTerminator()->getOperand(0);
    Value dyielded = d(yielded);
    return std::make_pair(map.lookupOrDefault(yielded), dyielded ? dyielded : flt(0.0));
  }

private:
  OpBuilder &b_;
  Location loc_;
  Type elem_;
};

/// Dropout inside the kernel: the same keep decision as nn.dropout's lowering
/// for the element at row-major position `pos` of [N, Tq, Tk].
struct DropoutMask {
  Value key, training;
  double p = 0;
  explicit operator bool() const { return p > 0; }

  static DropoutMask build(OpBuilder &b, Location loc, Value rng, double p, int64_t salt) {
    DropoutMask d;
    d.p = p;
    if (p <= 0)
      return d;
    Value c0 = b.create<arith::ConstantIndexOp>(loc, 0), c1 = b.create<arith::ConstantIndexOp>(loc, 1);
    Value seed = b.create<tensor::ExtractOp>(loc, rng, ValueRange{c0});
    Value training = b.create<tensor::ExtractOp>(loc, rng, ValueRange{c1});
    Value saltC = b.create<arith::ConstantIntOp>(loc, (int64_t)(uint32_t)(salt * 0x9E3779B9ULL + 1), 32);
    d.key = lowering::mix32(b, loc, b.create<arith::XOrIOp>(loc, seed, lowering::mix32(b, loc, saltC)));
    d.training = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, training,
                                         b.create<arith::ConstantIntOp>(loc, 0, 32));
    return d;
  }

  /// The factor an element is multiplied by: 1/(1-p) kept, 0 dropped, 1 when not training.
  Value factor(KernelBuilder &k, OpBuilder &b, Location loc, Value pos) const {
    Value pos32 = b.create<arith::IndexCastOp>(loc, b.getI32Type(), pos);
    Value h = lowering::mix32(b, loc, b.create<arith::XOrIOp>(loc, lowering::mix32(b, loc, pos32), key));
    uint64_t threshold = (uint64_t)std::min(p * 4294967296.0, 4294967295.0);
    Value keep = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::uge, h,
                                         b.create<arith::ConstantIntOp>(loc, (int64_t)threshold, 32));
    Value kept = k.select(keep, k.flt(1.0 / (1.0 - p)), k.flt(0.0));
    return k.select(training, kept, k.flt(1.0));
  }
};

/// What both kernels share: shapes, buffers, block tables, the scratch.
struct AttentionKernel {
  int64_t n, tq, tk, d, dv, block, blocks;
  KeyRanges ranges;
  Value q, k, v;             // [N, T, D] buffers
  Value lo, hi, hidden;      // tables
  Value keys;                // [B, Tk] i32 token ids of the keys (padding mask), or null
  int64_t keyPad = 0, entriesPerKeyRow = 1; // batch entry n reads keys row n / entriesPerKeyRow
  DropoutMask dropout;
};

template <typename Op>
AttentionKernel prepare(OpBuilder &b, KernelBuilder &kb, Op op, int64_t block) {
  Location loc = op.getLoc();
  AttentionKernel a;
  auto qType = cast<RankedTensorType>(op.getQ().getType());
  int64_t rank = qType.getRank();
  a.n = 1;
  for (int64_t dim = 0; dim + 2 < rank; ++dim)
    a.n *= qType.getDimSize(dim);
  a.tq = qType.getDimSize(rank - 2);
  a.d = qType.getDimSize(rank - 1);
  a.tk = cast<RankedTensorType>(op.getK().getType()).getDimSize(rank - 2);
  a.dv = cast<RankedTensorType>(op.getV().getType()).getDimSize(rank - 1);
  a.block = std::max<int64_t>(1, std::min(block, a.tq));
  a.blocks = (a.tq + a.block - 1) / a.block;
  a.ranges = keyRanges(op.getMask(), a.tq, a.tk, a.block);
  a.q = kb.buffer(toBatched(b, loc, op.getQ(), 2));
  a.k = kb.buffer(toBatched(b, loc, op.getK(), 2));
  a.v = kb.buffer(toBatched(b, loc, op.getV(), 2));
  a.lo = kb.table(a.ranges.lo);
  a.hi = kb.table(a.ranges.hi);
  if (!a.ranges.hidden.empty()) {
    auto type = RankedTensorType::get({a.tq * a.tk}, b.getI8Type());
    Value t = b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(type, ArrayRef<int8_t>(a.ranges.hidden)));
    a.hidden = kb.buffer(t);
  }
  if (Value keys = op.getKeys()) {
    a.keys = kb.buffer(keys);
    a.keyPad = (int64_t)*op.getKeyPad();
    a.entriesPerKeyRow = a.n / cast<RankedTensorType>(keys.getType()).getDimSize(0);
  }
  a.dropout = DropoutMask::build(b, loc, op.getRng(), op.getDropout().convertToDouble(), op.getSalt());
  return a;
}

/// Threads share the batch in at most this many chunks; each chunk owns one
/// slice of the kernel's scratch (a static buffer: no allocation per call).
constexpr int64_t kMaxChunks = 32;

/// An uninitialised static buffer of `shape` (one per name, reused by every call).
Value staticScratch(OpBuilder &b, Location loc, ModuleOp module, StringRef name, ArrayRef<int64_t> shape,
                    Type elem) {
  auto type = MemRefType::get(shape, elem);
  auto global = module.lookupSymbol<memref::GlobalOp>(name);
  if (!global) {
    OpBuilder mb(module.getBodyRegion());
    mb.setInsertionPointToStart(module.getBody());
    global = mb.create<memref::GlobalOp>(loc, name, mb.getStringAttr("private"), type,
                                         mb.getUnitAttr() /*uninitialized*/, false, IntegerAttr());
  }
  return b.create<memref::GetGlobalOp>(loc, type, global.getSymName());
}

/// The kernel's scratch: [chunks * block * Tk], one slice per chunk.
Value scratchFor(OpBuilder &b, Location loc, ModuleOp module, const AttentionKernel &a, StringRef what, Type elem) {
  int64_t size = std::min(a.n, kMaxChunks) * a.block * a.tk;
  std::string name = ("__gptc_attention_" + what + "_" + Twine(size) + (elem.isF32() ? "_f32" : "_f64")).str();
  return staticScratch(b, loc, module, name, {size}, elem);
}

/// scf.parallel over chunks of the batch, a loop over the chunk's n, then a
/// loop over query blocks: perBatch(n) once per n, body(n, i0, rows, klo, kw)
/// per block. `chunk` is set to the chunk index (the scratch slice).
void forEachBlock(OpBuilder &b, Location loc, KernelBuilder &kb, AttentionKernel &a, Value &chunk,
                  function_ref<void(Value n)> perBatch,
                  function_ref<void(Value n, Value i0, Value rows, Value klo, Value kw)> body) {
  int64_t chunks = std::min(a.n, kMaxChunks);
  auto par = b.create<scf::ParallelOp>(loc, ValueRange{kb.idx(0)}, ValueRange{kb.idx(chunks)}, ValueRange{kb.idx(1)});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(par.getBody());
  chunk = par.getInductionVars()[0];
  auto first = [&](Value c) { return b.create<arith::DivUIOp>(loc, kb.mul(c, kb.idx(a.n)), kb.idx(chunks)); };
  kb.loop(first(chunk), first(kb.add(chunk, kb.idx(1))), [&](Value n) {
    perBatch(n);
    kb.loop(kb.idx(0), kb.idx(a.blocks), [&](Value blk) {
      Value i0 = kb.mul(blk, kb.idx(a.block));
      Value rows = b.create<arith::MinSIOp>(loc, kb.idx(a.block), b.create<arith::SubIOp>(loc, kb.idx(a.tq), i0));
      Value klo = kb.load(a.lo, blk), khi = kb.load(a.hi, blk);
      Value kw = b.create<arith::SubIOp>(loc, khi, klo);
      body(n, i0, rows, klo, kw);
    });
  });
}

/// Whether element (i, j) of batch entry n is hidden (i1) by the constant mask
/// or by the keys' padding, or null when neither applies.
Value isHidden(OpBuilder &b, Location loc, KernelBuilder &kb, AttentionKernel &a, Value n, Value i, Value j) {
  Value hidden;
  if (a.hidden) {
    Value flag = kb.load(a.hidden, kb.add(kb.mul(i, kb.idx(a.tk)), j));
    hidden = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, flag, b.create<arith::ConstantIntOp>(loc, 0, 8));
  }
  if (a.keys) {
    Value row = b.create<arith::DivUIOp>(loc, n, kb.idx(a.entriesPerKeyRow));
    Value token = kb.load(a.keys, ValueRange{row, j});
    Value isPad = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, token,
                                          b.create<arith::ConstantIntOp>(loc, a.keyPad, 32));
    hidden = hidden ? b.create<arith::OrIOp>(loc, hidden, isPad).getResult() : isPad;
  }
  return hidden;
}

Value alloc(OpBuilder &b, Location loc, ArrayRef<int64_t> shape, Type elem) {
  return b.create<memref::AllocOp>(loc, MemRefType::get(shape, elem));
}
Value toTensor(OpBuilder &b, Location loc, Value m) {
  return b.create<bufferization::ToTensorOp>(loc, m, /*restrict=*/true, /*writable=*/true);
}

LogicalResult lowerForward(ModuleOp module, nn::AttentionOp op, int64_t block) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type elem = op.getQ().getType().getElementType();
  KernelBuilder kb(b, loc, elem);
  AttentionKernel a = prepare(b, kb, op, block);
  Value out = alloc(b, loc, {a.n, a.tq, a.dv}, elem);
  Value lse = alloc(b, loc, {a.n, a.tq}, elem);
  Value negInf = kb.flt(-INFINITY);
  Value scratch = scratchFor(b, loc, module, a, "s", elem), chunk;
  forEachBlock(
      b, loc, kb, a, chunk, [&](Value) {},
      [&](Value n, Value i0, Value rows, Value klo, Value kw) {
        Value base = kb.mul(chunk, kb.idx(a.block * a.tk));
        // S = Q[n, i0:] K[n, klo:]^T
        Value qOff = kb.mul(kb.add(kb.mul(n, kb.idx(a.tq)), i0), kb.idx(a.d));
        Value kOff = kb.mul(kb.add(kb.mul(n, kb.idx(a.tk)), klo), kb.idx(a.d));
        Value vOff = kb.mul(kb.add(kb.mul(n, kb.idx(a.tk)), klo), kb.idx(a.dv));
        Value oOff = kb.mul(kb.add(kb.mul(n, kb.idx(a.tq)), i0), kb.idx(a.dv));
        Value s = kb.address(scratch, base);
        kb.gemm(module, kb.address(a.q, qOff), kb.idx(a.d), kb.address(a.k, kOff), kb.idx(a.d), s, kw, rows, kw,
                kb.idx(a.d), false, true, false);
        kb.loop(kb.idx(0), rows, [&](Value r) {
          Value i = kb.add(i0, r);
          Value rowBase = kb.add(base, kb.mul(r, kw));
          Value max = kb.reduce(kb.idx(0), kw, negInf, [&](Value j, Value acc) {
            Value at = kb.add(rowBase, j);
            Value sc = kb.score(op.getScore(), kb.load(scratch, at));
            if (Value hidden = isHidden(b, loc, kb, a, n, i, kb.add(klo, j)))
              sc = kb.select(hidden, negInf, sc);
            kb.store(sc, scratch, at);
            return b.create<arith::MaximumFOp>(loc, acc, sc).getResult(); // vectorises without nnan
          });
          // A row with every key hidden: exp(-inf - 0) = 0 everywhere, out 0.
          Value allHidden = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OEQ, max, negInf);
          Value shift = kb.select(allHidden, kb.flt(0.0), max);
          Value sum = kb.reduce(kb.idx(0), kw, kb.flt(0.0), [&](Value j, Value acc) {
            Value at = kb.add(rowBase, j);
            Value e = b.create<math::ExpOp>(loc, kb.fsub(kb.load(scratch, at), shift));
            kb.store(e, scratch, at);
            return kb.fadd(acc, e);
          });
          kb.store(kb.fadd(shift, b.create<math::LogOp>(loc, sum)), lse, ValueRange{n, i});
          Value positive = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, sum, kb.flt(0.0));
          Value inv = kb.select(positive, b.create<arith::DivFOp>(loc, kb.flt(1.0), sum), kb.flt(0.0));
          Value rowPos = kb.mul(kb.add(kb.mul(n, kb.idx(a.tq)), i), kb.idx(a.tk));
          kb.loop(kb.idx(0), kw, [&](Value j) {
            Value at = kb.add(rowBase, j);
            Value w = kb.fmul(kb.load(scratch, at), inv);
            if (a.dropout)
              w = kb.fmul(w, a.dropout.factor(kb, b, loc, kb.add(rowPos, kb.add(klo, j))));
            kb.store(w, scratch, at);
          });
        });
        // O[n, i0:] = S V[n, klo:]
        kb.gemm(module, s, kw, kb.address(a.v, vOff), kb.idx(a.dv), kb.address(out, oOff), kb.idx(a.dv), rows,
                kb.idx(a.dv), kw, false, false, false);
      });
  auto outType = cast<RankedTensorType>(op.getOut().getType());
  auto lseType = cast<RankedTensorType>(op.getLse().getType());
  op.getOut().replaceAllUsesWith(fromBatched(b, loc, toTensor(b, loc, out), outType, 2));
  op.getLse().replaceAllUsesWith(fromBatched(b, loc, toTensor(b, loc, lse), lseType, 1));
  op.erase();
  return success();
}

LogicalResult lowerBackward(ModuleOp module, nn::AttentionGradOp op, int64_t block) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type elem = op.getQ().getType().getElementType();
  KernelBuilder kb(b, loc, elem);
  AttentionKernel a = prepare(b, kb, op, block);
  Value out = kb.buffer(toBatched(b, loc, op.getOut(), 2));
  Value dout = kb.buffer(toBatched(b, loc, op.getDout(), 2));
  Value lse = kb.buffer(toBatched(b, loc, op.getLse(), 1));
  Value dq = alloc(b, loc, {a.n, a.tq, a.d}, elem);
  Value dk = alloc(b, loc, {a.n, a.tk, a.d}, elem);
  Value dv = alloc(b, loc, {a.n, a.tk, a.dv}, elem);
  LogicalResult status = success();
  Value sScratch = scratchFor(b, loc, module, a, "s", elem), dpScratch = scratchFor(b, loc, module, a, "dp", elem);
  Value chunk;
  forEachBlock(
      b, loc, kb, a, chunk,
      [&](Value n) {
        // dK and dV of this batch entry accumulate over query blocks: start at 0
        // (keys no query sees keep 0).
        Value zero = kb.flt(0.0);
        kb.loop(kb.idx(0), kb.idx(a.tk), [&](Value j) {
          kb.loop(kb.idx(0), kb.idx(a.d), [&](Value c) { kb.store(zero, dk, ValueRange{n, j, c}); });
          kb.loop(kb.idx(0), kb.idx(a.dv), [&](Value c) { kb.store(zero, dv, ValueRange{n, j, c}); });
        });
      },
      [&](Value n, Value i0, Value rows, Value klo, Value kw) {
        Value qOff = kb.mul(kb.add(kb.mul(n, kb.idx(a.tq)), i0), kb.idx(a.d));
        Value kOff = kb.mul(kb.add(kb.mul(n, kb.idx(a.tk)), klo), kb.idx(a.d));
        Value vOff = kb.mul(kb.add(kb.mul(n, kb.idx(a.tk)), klo), kb.idx(a.dv));
        Value oOff = kb.mul(kb.add(kb.mul(n, kb.idx(a.tq)), i0), kb.idx(a.dv));
        Value base = kb.mul(chunk, kb.idx(a.block * a.tk));
        Value s = kb.address(sScratch, base), dp = kb.address(dpScratch, base);
        Value D = kb.idx(a.d), DV = kb.idx(a.dv);
        kb.gemm(module, kb.address(a.q, qOff), D, kb.address(a.k, kOff), D, s, kw, rows, kw, D, false, true, false);
        kb.gemm(module, kb.address(dout, oOff), DV, kb.address(a.v, vOff), DV, dp, kw, rows, kw, DV, false, true,
                false);
        kb.loop(kb.idx(0), rows, [&](Value r) {
          Value i = kb.add(i0, r);
          Value rowBase = kb.add(base, kb.mul(r, kw));
          // dO . O: the row's sum_j p dp (softmax backward), with dropout too.
          Value rowDot = kb.reduce(kb.idx(0), DV, kb.flt(0.0), [&](Value c, Value acc) {
            return kb.fadd(acc, kb.fmul(kb.load(dout, ValueRange{n, i, c}), kb.load(out, ValueRange{n, i, c})));
          });
          Value rowLse = kb.load(lse, ValueRange{n, i});
          Value rowPos = kb.mul(kb.add(kb.mul(n, kb.idx(a.tq)), i), kb.idx(a.tk));
          kb.loop(kb.idx(0), kw, [&](Value j) {
            Value at = kb.add(rowBase, j);
            auto sd = kb.scoreWithDerivative(op.getScore(), kb.load(sScratch, at));
            if (failed(sd)) {
              status = failure();
              return;
            }
            Value p = b.create<math::ExpOp>(loc, kb.fsub(sd->first, rowLse));
            if (Value hidden = isHidden(b, loc, kb, a, n, i, kb.add(klo, j)))
              p = kb.select(hidden, kb.flt(0.0), p);
            Value dP = kb.load(dpScratch, at);
            Value pd = p;
            if (a.dropout) {
              Value f = a.dropout.factor(kb, b, loc, kb.add(rowPos, kb.add(klo, j)));
              pd = kb.fmul(p, f);
              dP = kb.fmul(dP, f);
            }
            kb.store(pd, sScratch, at);
            kb.store(kb.fmul(kb.fmul(p, kb.fsub(dP, rowDot)), sd->second), dpScratch, at);
          });
        });
        // dV[n, klo:] += Pd^T dO;  dQ[n, i0:] = dRaw K;  dK[n, klo:] += dRaw^T Q
        kb.gemm(module, s, kw, kb.address(dout, oOff), DV, kb.address(dv, vOff), DV, kw, DV, rows, true, false, true);
        kb.gemm(module, dp, kw, kb.address(a.k, kOff), D, kb.address(dq, qOff), D, rows, D, kw, false, false, false);
        kb.gemm(module, dp, kw, kb.address(a.q, qOff), D, kb.address(dk, kOff), D, kw, D, rows, true, false, true);
      });
  if (failed(status))
    return failure();
  op.getDq().replaceAllUsesWith(fromBatched(b, loc, toTensor(b, loc, dq), op.getDq().getType(), 2));
  op.getDk().replaceAllUsesWith(fromBatched(b, loc, toTensor(b, loc, dk), op.getDk().getType(), 2));
  op.getDv().replaceAllUsesWith(fromBatched(b, loc, toTensor(b, loc, dv), op.getDv().getType(), 2));
  op.erase();
  return success();
}

struct LowerAttentionPass : public gptc::impl::LowerAttentionBase<LowerAttentionPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (isa<nn::AttentionOp, nn::AttentionGradOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      LogicalResult r = isa<nn::AttentionOp>(op) ? lowerForward(module, cast<nn::AttentionOp>(op), queryBlock)
                                                 : lowerBackward(module, cast<nn::AttentionGradOp>(op), queryBlock);
      if (failed(r))
        return signalPassFailure();
    }
  }
};

} // namespace
