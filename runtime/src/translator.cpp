// A translation model's contract checks, its compiled buckets, and decoding
// with a checkpoint of it (see gptc/translator.h).
#include "gptc/translator.h"

#include "gptc/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace gptc {

bool isTranslationModel(const Manifest &m) {
  bool ok = m.inputs.size() == 3 && m.hasOutput && m.outputShape.size() == 3;
  for (size_t i = 0; ok && i < 3; ++i)
    ok = m.inputs[i].dtype == DType::I32 && m.inputs[i].shape.size() == 2;
  return ok && m.inputs[1].shape == m.inputs[2].shape && m.outputShape[0] == m.inputs[1].shape[0] &&
         m.outputShape[1] == m.inputs[1].shape[1];
}

void checkTranslationModel(const Manifest &m) {
  if (!isTranslationModel(m))
    throw std::runtime_error("parallel data needs a model with three inputs, src: i32[B, S], tgt: i32[B, T] and "
                             "labels: i32[B, T] (in that order), that assigns its logits [B, T, V] to 'out'");
}

void checkTargetVocabulary(const Manifest &m, int64_t size, const std::string &where) {
  int64_t logits = m.outputShape.back();
  if (size > logits)
    throw std::runtime_error(where + ": the target vocabulary has " + std::to_string(size) +
                             " entries but the model was compiled for " + std::to_string(logits) +
                             " logits (recompile with gptc -D tgt_vocab=" + std::to_string(size) + ")");
}

std::vector<Bucket> compiledBuckets(const Manifest &m) {
  if (m.train.buckets.empty())
    return {{m.inputs[0].shape[1], m.inputs[1].shape[1]}};
  std::vector<Bucket> buckets;
  for (const std::vector<int64_t> &lengths : m.train.buckets)
    buckets.push_back({lengths[0], lengths[1]});
  return buckets;
}

Translator::Translator(const Manifest &m, const std::string &checkpoint) : model_(m) {
  checkTranslationModel(m);
  buckets_ = compiledBuckets(m);
  Settings s;
  static_cast<TrainSettings &>(s) = m.train;
  Progress progress;
  loadCheckpoint(checkpoint, model_, s, progress);
  if (progress.vocab.empty())
    throw std::runtime_error(checkpoint + ": no vocabularies in the checkpoint (written by a parallel-data run?)");
  try {
    deserializeVocabularies(progress.vocab, srcVocab_, tgtVocab_);
  } catch (const std::runtime_error &e) {
    throw std::runtime_error(checkpoint + ": " + e.what() + " (written by a parallel-data run?)");
  }
  checkTargetVocabulary(m, tgtVocab_.size(), checkpoint);
  model_.setDropout(0, false);
}

int64_t Translator::maxSourceTokens() const {
  int64_t longest = 0;
  for (const Bucket &b : buckets_)
    longest = std::max(longest, b.srcLen);
  return longest - 1;
}

int64_t Translator::maxTargetTokens() const {
  int64_t longest = 0;
  for (const Bucket &b : buckets_)
    longest = std::max(longest, b.tgtLen);
  return longest;
}

std::vector<std::vector<std::string>> Translator::translate(const std::vector<std::vector<std::string>> &sentences,
                                                            DecodeOptions options, DecodeStats *stats) {
  std::vector<std::vector<int32_t>> encoded;
  for (size_t i = 0; i < sentences.size(); ++i) {
    encoded.push_back(srcVocab_.encode(sentences[i]));
    if ((int64_t)encoded.back().size() > maxSourceTokens()) {
      std::fprintf(stderr, "warning: sentence %zu has %zu tokens but the model reads at most %lld: translating "
                           "its first %lld\n",
                   i + 1, encoded.back().size(), (long long)maxSourceTokens(), (long long)maxSourceTokens());
      encoded.back().resize((size_t)maxSourceTokens());
    }
  }
  // Decoded shortest source first, so the sentences sharing a forward call
  // have similar lengths and it runs in a small bucket (each row's result
  // does not depend on the others).
  std::vector<size_t> order(encoded.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return encoded[a].size() < encoded[b].size(); });
  sources_.clear();
  for (size_t i : order)
    sources_.push_back(encoded[i]);
  options.maxLen = std::min(options.maxLen, maxTargetTokens());
  std::vector<std::vector<int32_t>> ids =
      decode((int64_t)sources_.size(), [this](const std::vector<PrefixRow> &rows) { return score(rows); }, options,
             stats);
  std::vector<std::vector<std::string>> translations(sentences.size());
  for (size_t k = 0; k < order.size(); ++k)
    for (int32_t id : ids[k])
      translations[order[k]].push_back(tgtVocab_.token(id));
  return translations;
}

std::vector<std::vector<double>> Translator::score(const std::vector<PrefixRow> &rows) {
  std::vector<std::vector<double>> logits;
  int64_t B = batchRows(), vocab = tgtVocab_.size();
  for (size_t first = 0; first < rows.size(); first += (size_t)B) {
    size_t end = std::min(rows.size(), first + (size_t)B);
    int64_t srcNeed = 1, tgtNeed = 1;
    for (size_t r = first; r < end; ++r) {
      srcNeed = std::max(srcNeed, (int64_t)sources_[(size_t)rows[r].sentence].size() + 1);
      tgtNeed = std::max(tgtNeed, (int64_t)rows[r].prefix.size());
    }
    int64_t chosen = -1;
    for (size_t k = 0; k < buckets_.size(); ++k)
      if (buckets_[k].srcLen >= srcNeed && buckets_[k].tgtLen >= tgtNeed &&
          (chosen < 0 || buckets_[k].srcLen + buckets_[k].tgtLen <
                             buckets_[(size_t)chosen].srcLen + buckets_[(size_t)chosen].tgtLen))
        chosen = (int64_t)k;
    if (chosen < 0)
      throw std::logic_error("decoding asked for a prefix longer than every compiled target length");
    model_.selectBucket(chosen);
    int64_t S = model_.inputs[0].shape()[1], T = model_.inputs[1].shape()[1];
    int32_t *src = model_.inputs[0].as<int32_t>(), *tgt = model_.inputs[1].as<int32_t>();
    std::fill(src, src + B * S, Vocabulary::kPad);
    std::fill(tgt, tgt + B * T, Vocabulary::kPad);
    model_.inputs[2].fill(Vocabulary::kPad); // no labels: the loss is not used
    // Rows past the last prefix hold an empty sentence (<eos> / <bos>): a row
    // of padding alone would hide every key from the attention.
    static const std::vector<int32_t> kEmpty;
    for (int64_t b = 0; b < B; ++b) {
      size_t r = first + (size_t)b;
      const std::vector<int32_t> &source = r < end ? sources_[(size_t)rows[r].sentence] : kEmpty;
      std::copy(source.begin(), source.end(), src + b * S);
      src[b * S + (int64_t)source.size()] = Vocabulary::kEos;
      if (r < end)
        std::copy(rows[r].prefix.begin(), rows[r].prefix.end(), tgt + b * T);
      else
        tgt[b * T] = Vocabulary::kBos;
    }
    model_.forward();
    ++forwardCalls_;
    int64_t V = model_.out.shape()[2];
    for (size_t r = first; r < end; ++r) {
      size_t at = (((r - first) * (size_t)T) + rows[r].prefix.size() - 1) * (size_t)V;
      std::vector<double> row((size_t)vocab);
      if (model_.out.dtype() == DType::F32)
        std::copy(model_.out.as<float>() + at, model_.out.as<float>() + at + vocab, row.begin());
      else
        for (int64_t v = 0; v < vocab; ++v)
          row[(size_t)v] = model_.out.get(at + (size_t)v);
      logits.push_back(std::move(row));
    }
  }
  return logits;
}

} // namespace gptc
