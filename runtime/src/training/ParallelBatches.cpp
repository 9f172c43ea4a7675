// Sentence pairs by epoch (parallel): a corpus of train/val/test pairs with
// word vocabularies built from train (gptc/translation.h). Each epoch shuffles
// the training pairs that fit a compiled length bucket, seeded by (seed,
// epoch), and cuts each bucket's pairs into batches of B, so a resumed run
// sees exactly what an uninterrupted one would; pairs too long for every
// bucket are skipped and counted. A row holds src = x <eos>, tgt = <bos> y,
// labels = y <eos>, padded with <pad>, which the loss ignores; the throughput
// counts target tokens (labels that are not <pad>). Evaluation measures the
// val split (or its first eval_iters batches) with dropout off: the loss per
// target token, its perplexity, and the token accuracy.
#include "gptc/rng.h"
#include "gptc/training.h"
#include "gptc/translator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace gptc {
namespace {

/// The shuffle seed of an epoch: every epoch its own order.
uint64_t epochSeed(uint64_t seed, int64_t epoch) {
  uint32_t words[4];
  philox4x32(seed, kStreamShuffle, (uint64_t)epoch, words);
  return ((uint64_t)words[1] << 32) | words[0];
}

/// Keeps the first `count` pairs of a split and recounts its tokens.
void keepFirst(ParallelSplit &split, int64_t count) {
  if (count >= (int64_t)split.src.size())
    return;
  split.src.resize((size_t)count);
  split.tgt.resize((size_t)count);
  split.tokensSrc = split.tokensTgt = split.unknownSrc = split.unknownTgt = 0;
  for (size_t i = 0; i < split.src.size(); ++i) {
    split.tokensSrc += (int64_t)split.src[i].size();
    split.tokensTgt += (int64_t)split.tgt[i].size();
    split.unknownSrc += std::count(split.src[i].begin(), split.src[i].end(), Vocabulary::kUnk);
    split.unknownTgt += std::count(split.tgt[i].begin(), split.tgt[i].end(), Vocabulary::kUnk);
  }
}

/// "12.3%" of part in whole ("-" for nothing).
std::string percent(double part, double whole) {
  if (whole <= 0)
    return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * part / whole);
  return text;
}

/// Throws std::runtime_error for a vocabulary cap the loader cannot honour.
void checkCap(int64_t cap, const char *name) {
  if (cap != 0 && cap < 4)
    throw std::runtime_error(std::string(name) + " = " + std::to_string(cap) +
                             ": a vocabulary holds at least the 4 specials <pad> <unk> <bos> <eos> (0: no cap)");
}

ParallelCorpus loadCorpus(const Manifest &m, const Settings &s) {
  checkTranslationModel(m);
  if (s.dataDir.empty())
    throw std::runtime_error("no data: give the corpus directory (train/val/test_2016_flickr." + s.srcLang + ", ." +
                             s.tgtLang + ") with --data");
  checkCap(s.srcVocab, "src_vocab");
  checkCap(s.tgtVocab, "tgt_vocab");
  ParallelCorpus corpus =
      loadParallelCorpus(s.dataDir, s.srcLang, s.tgtLang, s.minCount, s.sharedVocab, s.srcVocab, s.tgtVocab);
  checkTargetVocabulary(m, corpus.tgtVocab.size(), s.dataDir);
  if (s.maxTrain > 0)
    keepFirst(corpus.train, s.maxTrain);
  return corpus;
}

class ParallelBatches : public BatchSource {
public:
  ParallelBatches(ParallelCorpus corpus, std::vector<Bucket> buckets, const Settings &s)
      : corpus_(std::move(corpus)), buckets_(std::move(buckets)), batch_(s.batch) {
    firstEpoch_ = bucketBatches(corpus_.train, buckets_, batch_, epochSeed(s.seed, 0), true, &skippedTrain_);
    if (firstEpoch_.empty())
      throw std::runtime_error(corpus_.dir + ": no training pair fits the longest compiled shape (" +
                               std::to_string(longest().srcLen) + ", " + std::to_string(longest().tgtLen) +
                               ") (recompile with longer source and target lengths)");
    // In a fixed shuffled order, so the first eval_iters batches are a sample
    // of every length, not the shortest bucket's.
    valBatches_ = bucketBatches(corpus_.val, buckets_, batch_, 0, true, &skippedVal_);
  }

  std::string describe(const Model &model, const Settings &s) const override {
    std::string shapes;
    for (const Bucket &b : buckets_)
      shapes += " (" + std::to_string(b.srcLen) + ", " + std::to_string(b.tgtLen) + ")";
    const ParallelSplit &train = corpus_.train, &val = corpus_.val;
    auto unknown = [](const ParallelSplit &split) {
      return percent((double)split.unknownSrc, (double)split.tokensSrc) + " / " +
             percent((double)split.unknownTgt, (double)split.tokensTgt);
    };
    return "model " + model.m.model + ": " + std::to_string(model.params.size()) + " param tensors; " +
           std::to_string(train.src.size()) + " train / " + std::to_string(val.src.size()) + " val / " +
           std::to_string(corpus_.test.src.size()) + " test pairs " + s.srcLang + "->" + s.tgtLang + " from " +
           corpus_.dir + "; vocabularies " + s.srcLang + " " + std::to_string(corpus_.srcVocab.size()) + " / " +
           s.tgtLang + " " + std::to_string(corpus_.tgtVocab.size()) + (s.sharedVocab ? " (shared)" : "") +
           ", unknown tokens train " + unknown(train) + ", val " + unknown(val) + "; shapes (S, T)" + shapes +
           ", pairs too long for all skipped: " + std::to_string(skippedTrain_) + " train / " +
           std::to_string(skippedVal_) + " val; padding " +
           percent(paddingFraction(train, buckets_, firstEpoch_, batch_), 1) + " of computed positions; batch " +
           std::to_string(batch_) + (s.gradAccum > 1 ? " x " + std::to_string(s.gradAccum) + " micro-batches" : "") +
           ", " + std::to_string(stepsPerEpoch(s)) + " steps per epoch, " + std::to_string(totalSteps(s)) +
           " steps";
  }
  int64_t stepsPerEpoch(const Settings &s) const override {
    return std::max<int64_t>(1, (int64_t)firstEpoch_.size() / s.gradAccum);
  }
  int64_t totalSteps(const Settings &s) const override {
    return s.steps > 0 ? s.steps : s.epochs * stepsPerEpoch(s);
  }
  bool evaluatesAt(int64_t stepsDone, const Settings &s) const override {
    if (s.evalInterval > 0 && stepsDone % s.evalInterval == 0)
      return true;
    return stepsDone > 0 && stepsDone % stepsPerEpoch(s) == 0; // every epoch
  }
  void loadTrainBatch(Model &model, const Settings &s, int64_t index) override {
    int64_t perEpoch = stepsPerEpoch(s) * s.gradAccum, epoch = index / perEpoch;
    if (epoch != epoch_) {
      // Every epoch has as many batches: which pairs fit which bucket does not change.
      batches_ = epoch == 0 ? firstEpoch_
                            : bucketBatches(corpus_.train, buckets_, batch_, epochSeed(s.seed, epoch), true, nullptr);
      epoch_ = epoch;
    }
    lastItems_ = loadPairs(model, corpus_.train, batches_[(size_t)(index % perEpoch) % batches_.size()]);
  }
  Evaluation evaluate(Model &model, const Settings &s, int64_t, double runningLoss) override {
    Evaluation e;
    e.trainLoss = runningLoss;
    size_t count = s.evalIters > 0 ? std::min(valBatches_.size(), (size_t)s.evalIters) : valBatches_.size();
    if (count == 0)
      return e;
    model.setDropout(0, false);
    double lossSum = 0;
    int64_t tokens = 0, correct = 0;
    for (size_t i = 0; i < count; ++i) {
      int64_t batchTokens = loadPairs(model, corpus_.val, valBatches_[i]);
      lossSum += model.forward() * (double)batchTokens; // the loss is the mean over target tokens
      tokens += batchTokens;
      correct += correctTokens(model);
    }
    e.valLoss = lossSum / (double)tokens;
    e.valPerplexity = std::exp(e.valLoss);
    e.valTokenAccuracy = (double)correct / (double)tokens;
    return e;
  }
  int64_t batchItems(const Model &) const override { return lastItems_; }
  const char *itemName() const override { return "target_tokens"; }
  std::string vocabulary() const override { return serializeVocabularies(corpus_.srcVocab, corpus_.tgtVocab); }

private:
  const Bucket &longest() const {
    return *std::max_element(buckets_.begin(), buckets_.end(), [](const Bucket &a, const Bucket &b) {
      return a.srcLen + a.tgtLen < b.srcLen + b.tgtLen;
    });
  }

  /// Selects the batch's bucket and fills its inputs; rows past the batch's
  /// pairs hold an empty sentence (src <eos>, tgt <bos>, so attention always
  /// sees a key) whose labels are all <pad>. Returns the target tokens (labels
  /// that are not <pad>).
  static int64_t loadPairs(Model &model, const ParallelSplit &split, const BucketBatch &batch) {
    model.selectBucket(batch.bucket);
    int64_t B = model.inputs[0].shape()[0], S = model.inputs[0].shape()[1], T = model.inputs[1].shape()[1];
    int32_t *src = model.inputs[0].as<int32_t>(), *tgt = model.inputs[1].as<int32_t>(),
            *labels = model.inputs[2].as<int32_t>();
    std::fill(src, src + B * S, Vocabulary::kPad);
    std::fill(tgt, tgt + B * T, Vocabulary::kPad);
    std::fill(labels, labels + B * T, Vocabulary::kPad);
    int64_t tokens = 0;
    for (int64_t b = 0; b < B; ++b) {
      if (b >= (int64_t)batch.examples.size()) {
        src[b * S] = Vocabulary::kEos;
        tgt[b * T] = Vocabulary::kBos;
        continue;
      }
      const std::vector<int32_t> &x = split.src[(size_t)batch.examples[(size_t)b]];
      const std::vector<int32_t> &y = split.tgt[(size_t)batch.examples[(size_t)b]];
      std::copy(x.begin(), x.end(), src + b * S);
      src[b * S + (int64_t)x.size()] = Vocabulary::kEos;
      tgt[b * T] = Vocabulary::kBos;
      std::copy(y.begin(), y.end(), tgt + b * T + 1);
      std::copy(y.begin(), y.end(), labels + b * T);
      labels[b * T + (int64_t)y.size()] = Vocabulary::kEos;
      tokens += (int64_t)y.size() + 1;
    }
    return tokens;
  }

  /// Target tokens of the loaded batch whose highest logit (among the
  /// vocabulary's ids) is the label.
  int64_t correctTokens(const Model &model) const {
    const Tensor &labels = model.inputs[2];
    size_t V = (size_t)model.out.shape()[2], vocab = std::min(V, (size_t)corpus_.tgtVocab.size());
    int64_t correct = 0;
    std::vector<double> row(vocab);
    for (size_t position = 0; position < labels.numel(); ++position) {
      int32_t label = labels.as<int32_t>()[position];
      if (label == Vocabulary::kPad)
        continue;
      if (model.out.dtype() == DType::F32)
        std::copy(model.out.as<float>() + position * V, model.out.as<float>() + position * V + vocab, row.begin());
      else
        for (size_t v = 0; v < vocab; ++v)
          row[v] = model.out.get(position * V + v);
      correct += std::max_element(row.begin(), row.end()) - row.begin() == label;
    }
    return correct;
  }

  ParallelCorpus corpus_;
  std::vector<Bucket> buckets_;
  int64_t batch_;
  std::vector<BucketBatch> firstEpoch_, valBatches_;
  int64_t skippedTrain_ = 0, skippedVal_ = 0;
  std::vector<BucketBatch> batches_; // of epoch_
  int64_t epoch_ = -1;
  int64_t lastItems_ = 0;
};

} // namespace

std::unique_ptr<BatchSource> makeParallelBatches(const Manifest &m, const Settings &s) {
  return std::make_unique<ParallelBatches>(loadCorpus(m, s), compiledBuckets(m), s);
}

} // namespace gptc
