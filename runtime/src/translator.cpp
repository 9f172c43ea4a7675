// A translation model's contract checks, its compiled buckets, and decoding
// with a checkpoint of it (see gptc/translator.h).
#include "gptc/translator.h"

#include "gptc/checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
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
  memoryRows_.assign(sources_.size(), std::vector<std::vector<std::vector<char>>>(buckets_.size()));
  options.maxLen = std::min(options.maxLen, maxTargetTokens());
  std::vector<std::vector<int32_t>> ids =
      decode((int64_t)sources_.size(), [this](const std::vector<PrefixRow> &rows) { return score(rows); }, options,
             stats);
  std::vector<std::vector<std::string>> translations(sentences.size());
  for (size_t k = 0; k < order.size(); ++k)
    for (int32_t id : ids[k])
      translations[order[k]].push_back(tgtVocab_.token(id));
  memoryRows_.clear();
  kept_.clear();
  return translations;
}

void Translator::fillSource(int64_t b, int64_t sentence) {
  // Rows past the last prefix hold an empty sentence (<eos>): a row of padding
  // alone would hide every key from the attention.
  static const std::vector<int32_t> kEmpty;
  int64_t S = model_.inputs[0].shape()[1];
  int32_t *src = model_.inputs[0].as<int32_t>() + b * S;
  const std::vector<int32_t> &source = sentence >= 0 ? sources_[(size_t)sentence] : kEmpty;
  std::fill(src, src + S, Vocabulary::kPad);
  std::copy(source.begin(), source.end(), src);
  src[source.size()] = Vocabulary::kEos;
}

void Translator::loadMemory(const std::vector<PrefixRow> &rows, size_t first, size_t end) {
  int64_t B = batchRows(), k = model_.bucket();
  // Encode, B at a time, the sentences of these rows not yet encoded in this bucket.
  std::vector<int64_t> missing;
  for (size_t r = first; r < end; ++r) {
    int64_t sentence = rows[r].sentence;
    if (memoryRows_[(size_t)sentence][(size_t)k].empty() &&
        std::find(missing.begin(), missing.end(), sentence) == missing.end())
      missing.push_back(sentence);
  }
  for (size_t at = 0; at < missing.size(); at += (size_t)B) {
    size_t count = std::min(missing.size() - at, (size_t)B);
    for (int64_t b = 0; b < B; ++b)
      fillSource(b, b < (int64_t)count ? missing[at + (size_t)b] : -1);
    model_.encode();
    ++encodeCalls_;
    for (size_t i = 0; i < count; ++i) {
      std::vector<std::vector<char>> &kept = memoryRows_[(size_t)missing[at + i]][(size_t)k];
      for (const Tensor &t : model_.memory) {
        size_t rowBytes = t.bytes() / (size_t)B;
        const char *row = static_cast<const char *>(t.data()) + i * rowBytes;
        kept.emplace_back(row, row + rowBytes);
      }
    }
  }
  // Row b of every memory tensor: its sentence's kept rows (zeros past the last row).
  for (size_t m = 0; m < model_.memory.size(); ++m) {
    Tensor &t = model_.memory[m];
    size_t rowBytes = t.bytes() / (size_t)B;
    char *data = static_cast<char *>(t.data());
    for (int64_t b = 0; b < B; ++b) {
      size_t r = first + (size_t)b;
      if (r < end) {
        const std::vector<char> &kept = memoryRows_[(size_t)rows[r].sentence][(size_t)k][m];
        std::copy(kept.begin(), kept.end(), data + (size_t)b * rowBytes);
      } else {
        std::fill(data + (size_t)b * rowBytes, data + (size_t)(b + 1) * rowBytes, 0);
      }
    }
  }
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
    if (reusesEncoder())
      loadMemory(rows, first, end);
    if (usesKeyValueCache()) {
      scoreStep(rows, first, end, logits);
      continue;
    }
    int64_t T = model_.inputs[1].shape()[1];
    int32_t *tgt = model_.inputs[1].as<int32_t>();
    std::fill(tgt, tgt + B * T, Vocabulary::kPad);
    model_.inputs[2].fill(Vocabulary::kPad); // no labels: the loss is not used
    for (int64_t b = 0; b < B; ++b) {
      size_t r = first + (size_t)b;
      fillSource(b, r < end ? rows[r].sentence : -1); // decode reads src for the padding masks
      if (r < end)
        std::copy(rows[r].prefix.begin(), rows[r].prefix.end(), tgt + b * T);
      else
        tgt[b * T] = Vocabulary::kBos; // an empty target
    }
    if (reusesEncoder())
      model_.decode();
    else
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
  if (usesKeyValueCache())
    kept_ = std::move(keptNext_), keptNext_.clear();
  return logits;
}

void Translator::scoreStep(const std::vector<PrefixRow> &rows, size_t first, size_t end,
                           std::vector<std::vector<double>> &logits) {
  int64_t B = batchRows(), vocab = tgtVocab_.size();
  int64_t T = model_.inputs[1].shape()[1];
  Model::StepBuffers &step = model_.stepBuffers();
  int32_t *tgt = model_.inputs[1].as<int32_t>();
  std::fill(tgt, tgt + B * T, Vocabulary::kPad);
  model_.inputs[2].fill(Vocabulary::kPad);
  step.slot.fill(0);
  for (Tensor &c : step.caches)
    std::memset(c.data(), 0, c.bytes());
  for (int64_t b = 0; b < B; ++b) {
    size_t r = first + (size_t)b;
    fillSource(b, r < end ? rows[r].sentence : -1);
    std::vector<int32_t> bos = {Vocabulary::kBos};
    const std::vector<int32_t> &prefix = r < end ? rows[r].prefix : bos; // rows past the last: an empty target
    int64_t p = (int64_t)prefix.size() - 1;
    std::copy(prefix.begin(), prefix.end(), tgt + b * T);
    step.token.as<int32_t>()[b] = prefix.back();
    step.position.as<int32_t>()[b] = (int32_t)p;
    step.slot.set((size_t)(b * T + p), 1.0);
    if (r >= end || p == 0)
      continue;
    // Positions < p: kept when this sentence's prefix without its last token was scored.
    auto parent = kept_.find({rows[r].sentence, std::vector<int32_t>(prefix.begin(), prefix.end() - 1)});
    if (parent == kept_.end())
      throw std::logic_error("decoding: no cached keys and values for a prefix's parent");
    for (size_t c = 0; c < step.caches.size(); ++c) {
      Tensor &cache = step.caches[c];
      int64_t heads = cache.shape()[0] / B, rowBytes = (int64_t)(cache.bytes() / (size_t)cache.shape()[0]) / T;
      const std::vector<char> &kept = parent->second[c]; // [heads, p, D]
      char *data = static_cast<char *>(cache.data());
      for (int64_t h = 0; h < heads; ++h)
        std::memcpy(data + ((b * heads + h) * T) * rowBytes, kept.data() + h * p * rowBytes, (size_t)(p * rowBytes));
    }
  }
  model_.decodeStep();
  ++forwardCalls_;
  for (size_t r = first; r < end; ++r) {
    int64_t b = (int64_t)(r - first), p = (int64_t)rows[r].prefix.size() - 1;
    size_t at = (size_t)(b * step.out.shape()[2]);
    std::vector<double> row((size_t)vocab);
    for (int64_t v = 0; v < vocab; ++v)
      row[(size_t)v] = step.out.get(at + (size_t)v);
    logits.push_back(std::move(row));
    // This prefix's cache: its parent's positions and the new one.
    const std::vector<std::vector<char>> *parent = nullptr;
    if (p > 0)
      parent = &kept_.at({rows[r].sentence, std::vector<int32_t>(rows[r].prefix.begin(), rows[r].prefix.end() - 1)});
    std::vector<std::vector<char>> own;
    for (size_t c = 0; c < step.newRows.size(); ++c) {
      const Tensor &added = step.newRows[c];
      int64_t heads = added.shape()[0] / B, rowBytes = (int64_t)(added.bytes() / (size_t)added.shape()[0]);
      std::vector<char> kept((size_t)(heads * (p + 1) * rowBytes));
      const char *fresh = static_cast<const char *>(added.data());
      for (int64_t h = 0; h < heads; ++h) {
        if (parent)
          std::memcpy(kept.data() + h * (p + 1) * rowBytes, (*parent)[c].data() + h * p * rowBytes,
                      (size_t)(p * rowBytes));
        std::memcpy(kept.data() + (h * (p + 1) + p) * rowBytes, fresh + (b * heads + h) * rowBytes,
                    (size_t)rowBytes);
      }
      own.push_back(std::move(kept));
    }
    keptNext_[{rows[r].sentence, rows[r].prefix}] = std::move(own);
  }
}

} // namespace gptc
