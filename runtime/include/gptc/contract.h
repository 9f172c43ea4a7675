// The contract between gptc and the runtime it links into every `train`, in
// one place: the kinds a train section can name (optimizer, schedule, data
// source, initializer) with their one spelling each, the train settings and
// their defaults, the slots of the hyperparameter vector that every optimizer
// step reads, the optimizer state each param carries, the entry points, and the
// keys of the manifest (the JSON description of the model embedded in the
// object file). The compiler includes this header; so does the runtime.
//
// Plain C++17, header-only: no LLVM, no MLIR, nothing to link.
#ifndef GPTC_RUNTIME_CONTRACT_H
#define GPTC_RUNTIME_CONTRACT_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gptc {

//===----------------------------------------------------------------------===//
// Kinds, each with one spelling (the word the DSL and the command line use).
//===----------------------------------------------------------------------===//

enum class OptimizerKind { Sgd, AdamW };
enum class ScheduleKind { Constant, Cosine, Noam };
/// idx_images: IDX image/label files; random: no data (tests); text: the
/// characters of a text file; tokens: nanoGPT's train.bin/val.bin + meta.json;
/// parallel: sentence pairs (train/val/test_2016_flickr.{src,tgt}[.gz]).
enum class DataKind { IdxImages, Random, Text, Tokens, Parallel };
enum class InitKind { Normal, Uniform, Zeros, Ones, Xavier };

namespace contract_detail {
template <typename Kind, size_t N> struct Spellings {
  struct Entry {
    Kind kind;
    const char *word;
  } entries[N];
  constexpr const char *spell(Kind k) const {
    for (const Entry &e : entries)
      if (e.kind == k)
        return e.word;
    return "?";
  }
  std::optional<Kind> parse(std::string_view word) const {
    for (const Entry &e : entries)
      if (word == e.word)
        return e.kind;
    return std::nullopt;
  }
  /// "a, b or c": for error messages that list the choices.
  std::string choices() const {
    std::string s;
    for (size_t i = 0; i < N; ++i)
      s += std::string(i == 0 ? "" : i + 1 == N ? " or " : ", ") + entries[i].word;
    return s;
  }
};
inline constexpr Spellings<OptimizerKind, 2> kOptimizers{
    {{OptimizerKind::Sgd, "sgd"}, {OptimizerKind::AdamW, "adamw"}}};
inline constexpr Spellings<ScheduleKind, 3> kSchedules{
    {{ScheduleKind::Constant, "constant"}, {ScheduleKind::Cosine, "cosine"}, {ScheduleKind::Noam, "noam"}}};
inline constexpr Spellings<DataKind, 5> kDataKinds{{{DataKind::IdxImages, "idx_images"},
                                                    {DataKind::Random, "random"},
                                                    {DataKind::Text, "text"},
                                                    {DataKind::Tokens, "tokens"},
                                                    {DataKind::Parallel, "parallel"}}};
inline constexpr Spellings<InitKind, 5> kInits{{{InitKind::Normal, "normal"},
                                               {InitKind::Uniform, "uniform"},
                                               {InitKind::Zeros, "zeros"},
                                               {InitKind::Ones, "ones"},
                                               {InitKind::Xavier, "xavier"}}};
} // namespace contract_detail

inline const char *spelling(OptimizerKind k) { return contract_detail::kOptimizers.spell(k); }
inline const char *spelling(ScheduleKind k) { return contract_detail::kSchedules.spell(k); }
inline const char *spelling(DataKind k) { return contract_detail::kDataKinds.spell(k); }
inline const char *spelling(InitKind k) { return contract_detail::kInits.spell(k); }

inline std::optional<OptimizerKind> parseOptimizerKind(std::string_view s) { return contract_detail::kOptimizers.parse(s); }
inline std::optional<ScheduleKind> parseScheduleKind(std::string_view s) { return contract_detail::kSchedules.parse(s); }
inline std::optional<DataKind> parseDataKind(std::string_view s) { return contract_detail::kDataKinds.parse(s); }
inline std::optional<InitKind> parseInitKind(std::string_view s) { return contract_detail::kInits.parse(s); }

/// "sgd or adamw": the choices, for error messages.
inline std::string optimizerKindChoices() { return contract_detail::kOptimizers.choices(); }
inline std::string scheduleKindChoices() { return contract_detail::kSchedules.choices(); }
inline std::string dataKindChoices() { return contract_detail::kDataKinds.choices(); }
inline std::string initKindChoices() { return contract_detail::kInits.choices(); }

/// Language models train by steps on windows of a token stream.
inline bool isLanguageData(DataKind k) { return k == DataKind::Text || k == DataKind::Tokens; }

//===----------------------------------------------------------------------===//
// Train settings: what a train section sets, with the defaults both sides use.
// The generated binary's command line overrides them.
//===----------------------------------------------------------------------===//

inline constexpr const char *kDefaultIdxDir = "/usr/share/datasets/fashion-mnist";

struct TrainSettings {
  DataKind data = DataKind::IdxImages;
  std::string dataDir = kDefaultIdxDir; // a directory (idx_images, tokens) or a file (text); "" for random
  int64_t batch = 0;                    // required in the train section
  int64_t epochs = 1;
  int64_t steps = 0;          // 0: train by epochs
  int64_t seed = 1337;        // initialisation, shuffling, windows, dropout
  int64_t validation = 10000; // idx_images: training examples held out for validation
  int64_t evalInterval = 0;   // 0: evaluate once per epoch / at the end
  int64_t evalIters = 0;      // batches per loss estimate; 0: all of the split (images) / 20 (text)
  int64_t gradAccum = 1;      // micro-batches per optimizer step
  double clip = 0;            // max global gradient norm; 0: compiled without clipping

  OptimizerKind optimizer = OptimizerKind::Sgd;
  double lr = 0.1, momentum = 0, weightDecay = 0;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;

  ScheduleKind schedule = ScheduleKind::Constant;
  int64_t warmup = 0;
  int64_t decaySteps = 0; // 0: the run's total steps
  double minLr = 0;
  // noam(d_model, warmup, scale): lr = scale * d_model^-0.5 * min(n^-0.5, n * warmup^-1.5),
  // n = step + 1 (the paper's schedule; `lr` is not used).
  double noamDModel = 0, noamScale = 1;
  // parallel: the languages (file suffixes), the vocabularies (tokens seen at
  // least minCount times in train, most frequent first, at most srcVocab /
  // tgtVocab entries including the 4 specials; 0: no cap), one shared
  // vocabulary for both sides.
  std::string srcLang = "de", tgtLang = "en";
  int64_t minCount = 2, srcVocab = 0, tgtVocab = 0;
  bool sharedVocab = false;
  // parallel: the compiled (source length, target length) shapes, shortest
  // first; each has its own step functions (entry points suffixed _1, _2, ...
  // after the first's). Empty: the one shape of the model's inputs.
  std::vector<std::vector<int64_t>> buckets;
};

/// At most this many compiled length buckets (the runtime declares their
/// entry points weak).
inline constexpr int64_t kMaxBuckets = 12;

/// torch.optim.AdamW's default weight decay (sgd's is 0).
inline constexpr double kAdamWDefaultWeightDecay = 0.01;
/// Batches per loss estimate of a language model when the train section names none.
inline constexpr int64_t kDefaultLanguageEvalIters = 20;

//===----------------------------------------------------------------------===//
// The hyperparameter vector: one tensor<16 x float> argument of @train_step and
// @apply_grads, filled by the host before every step (so the learning rate can
// follow a schedule without recompiling). Slots by optimizer:
//===----------------------------------------------------------------------===//

namespace hyper {
inline constexpr int64_t kSize = 16;

// sgd (nn.sgd_update)
inline constexpr int64_t kSgdLr = 0;
inline constexpr int64_t kSgdMomentum = 1;
inline constexpr int64_t kSgdWeightDecay = 2;

// adamw (nn.adamw_update). The host computes the bias corrections
// 1 - beta^step and the differences 1 - beta in double, as torch does.
inline constexpr int64_t kAdamLr = 0;
inline constexpr int64_t kAdamBeta1 = 1;
inline constexpr int64_t kAdamBeta2 = 2;
inline constexpr int64_t kAdamEps = 3;
inline constexpr int64_t kAdamWeightDecay = 4;
inline constexpr int64_t kAdamBiasCorrection1 = 5;
inline constexpr int64_t kAdamBiasCorrection2 = 6;
inline constexpr int64_t kAdamOneMinusBeta1 = 7;
inline constexpr int64_t kAdamOneMinusBeta2 = 8;

// every optimizer (nn.clip_scale): the largest global gradient norm.
inline constexpr int64_t kClipMaxNorm = 15;
} // namespace hyper

/// The optimizer state each param carries, in the order the step functions
/// take and return it (all of one kind for every param, then the next kind).
/// These are also the checkpoint's tensor name suffixes (`NAME.m`).
inline std::vector<std::string> optimizerStateNames(OptimizerKind k) {
  if (k == OptimizerKind::AdamW)
    return {"m", "v"};
  return {"velocity"};
}

//===----------------------------------------------------------------------===//
// Entry points: `void gptc_NAME(void **buffers)`, one pointer per buffer (the
// function's inputs in order, then its outputs). See gptc/abi.h.
//===----------------------------------------------------------------------===//

namespace entry {
inline constexpr const char *kForward = "forward";         // params, inputs[, rng] -> loss[, out]
inline constexpr const char *kGrad = "grad";               // params, inputs[, rng] -> loss, d(params)
inline constexpr const char *kTrainStep = "train_step";    // params, state, inputs[, rng], hyper -> loss, params', state'
inline constexpr const char *kApplyGrads = "apply_grads";  // params, state, grads, hyper -> params', state'
// Sequence-to-sequence models (gptc-split-encoder) also export:
inline constexpr const char *kEncode = "encode";            // params, inputs[, rng] -> memory...
inline constexpr const char *kDecode = "decode";            // params, inputs[, rng], memory... -> loss[, out]
/// The memory's tensors, one line each: "<f32|f64|i32> d0 d1 ...", leading
/// dimension batch-major (a multiple of the batch); per bucket, with its suffix.
inline constexpr const char *kEncoderOutputsSymbol = "gptc_encoder_outputs";
// ... and, when gptc-incremental-decode covers the decoder, one target position
// with a key/value cache per self-attention key and value:
//   params, inputs[, rng], memory..., token [B,1], position [B,1], slot [B,T], caches...
//     -> out [B, 1, V], new cache rows... [N, 1, D]
inline constexpr const char *kDecodeStep = "decode_step";
/// The caches' tensors [N, T, D], one line each as kEncoderOutputsSymbol's.
inline constexpr const char *kDecodeCachesSymbol = "gptc_decode_caches";
inline constexpr const char *kPrefix = "gptc_";            // the exported C symbol is gptc_NAME
/// Bucket k > 0 of a model compiled for several shapes exports gptc_NAME_k.
inline std::string bucketSuffix(int64_t k) { return k == 0 ? "" : "_" + std::to_string(k); }
inline constexpr const char *kManifestSymbol = "gptc_manifest";
/// A model compiled for the GPU (--target=cuda) also exports, per bucket with
/// its suffix, its kernels' PTX (NUL-terminated) and their names, one per line
/// in the order of their numbers in gptc_cuda_launch calls (gptc/abi.h), each
/// name optionally followed by a tab and the kernel's class (the kind of
/// kernel: elementwise, rows_warp, ...; docs/gpu.md), which the profile sums by.
inline constexpr const char *kCudaPtxSymbol = "gptc_cuda_ptx";
inline constexpr const char *kCudaKernelsSymbol = "gptc_cuda_kernels";
/// The step functions of a model with dropout take this i64/float pair after
/// the inputs: [seed, training] (training 0 turns dropout off).
inline constexpr int64_t kRngSize = 2;
} // namespace entry

//===----------------------------------------------------------------------===//
// The manifest: a JSON object embedded as the NUL-terminated string
// `gptc_manifest`. Keys (a reader rejects any other):
//===----------------------------------------------------------------------===//

namespace manifest_key {
inline constexpr int kVersion = 3;
inline constexpr const char *kFormat = "gptc_manifest"; // = kVersion
inline constexpr const char *kDType = "dtype";          // "f32" | "f64": the float type of the step functions
inline constexpr const char *kModel = "model";          // the model's name
inline constexpr const char *kInputs = "inputs";        // [{name, dtype, shape}]
inline constexpr const char *kParams = "params";        // [{name, shape, init, a, b}]
inline constexpr const char *kOutput = "output";        // {shape} of `out`, or absent
inline constexpr const char *kRng = "rng";              // true when the steps take [seed, training]
inline constexpr const char *kTarget = "target";        // "cuda" for a GPU executable; absent: the CPU
inline constexpr const char *kMatmulPrecision = "matmul_precision"; // "bf16": GEMM operands rounded; absent: f32
inline constexpr const char *kTrain = "train";          // the train settings, keys below

// tensor entries
inline constexpr const char *kName = "name";
inline constexpr const char *kShape = "shape";
inline constexpr const char *kInit = "init";
inline constexpr const char *kInitA = "a"; // normal: mean; uniform: low
inline constexpr const char *kInitB = "b"; // normal: std; uniform: high

// train settings (the DSL's own names)
inline constexpr const char *kData = "data";
inline constexpr const char *kDataDir = "data_dir";
inline constexpr const char *kBatch = "batch";
inline constexpr const char *kEpochs = "epochs";
inline constexpr const char *kSteps = "steps";
inline constexpr const char *kSeed = "seed";
inline constexpr const char *kValidation = "validation";
inline constexpr const char *kEvalInterval = "eval_interval";
inline constexpr const char *kEvalIters = "eval_iters";
inline constexpr const char *kGradAccum = "grad_accum";
inline constexpr const char *kClip = "clip";
inline constexpr const char *kOptimizer = "optimizer";
inline constexpr const char *kLr = "lr";
inline constexpr const char *kMomentum = "momentum";
inline constexpr const char *kWeightDecay = "weight_decay";
inline constexpr const char *kBeta1 = "beta1";
inline constexpr const char *kBeta2 = "beta2";
inline constexpr const char *kEps = "eps";
inline constexpr const char *kSchedule = "schedule";
inline constexpr const char *kWarmup = "warmup";
inline constexpr const char *kDecaySteps = "decay_steps";
inline constexpr const char *kMinLr = "min_lr";
inline constexpr const char *kNoamDModel = "noam_d_model";
inline constexpr const char *kNoamScale = "noam_scale";
inline constexpr const char *kSrcLang = "src_lang";
inline constexpr const char *kTgtLang = "tgt_lang";
inline constexpr const char *kMinCount = "min_count";
inline constexpr const char *kSrcVocab = "src_vocab";
inline constexpr const char *kTgtVocab = "tgt_vocab";
inline constexpr const char *kSharedVocab = "shared_vocab";
inline constexpr const char *kBuckets = "buckets"; // [[S, T], ...]
} // namespace manifest_key

} // namespace gptc

#endif
