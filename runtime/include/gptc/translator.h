// A translation model in the runtime: the contract of its inputs (src, tgt,
// labels) and output checked against the manifest, its compiled length
// buckets, and translating sentences with a checkpoint of it (train translate,
// train bleu). A model compiled with @encode / @decode (gptc-split-encoder) runs
// its encoder once per sentence and bucket and keeps the result; otherwise
// every token runs the whole forward step.
#ifndef GPTC_RUNTIME_TRANSLATOR_H
#define GPTC_RUNTIME_TRANSLATOR_H

#include "gptc/model.h"
#include "gptc/translation.h"
#include "gptc/translation_decode.h"

#include <map>
#include <string>
#include <vector>

namespace gptc {

/// Whether the model has the three i32 inputs src [B, S], tgt [B, T],
/// labels [B, T] and assigns its logits [B, T, V] to `out`.
bool isTranslationModel(const Manifest &m);
/// Throws std::runtime_error saying what a translation model needs unless it is one.
void checkTranslationModel(const Manifest &m);

/// Throws std::runtime_error (naming `where`, the remedy and the sizes) when
/// the model's V logits cannot score every id of a target vocabulary of `size`.
void checkTargetVocabulary(const Manifest &m, int64_t size, const std::string &where);

/// The compiled (source, target) lengths: the train section's buckets, or
/// the one shape of the model's inputs.
std::vector<Bucket> compiledBuckets(const Manifest &m);

class Translator {
public:
  /// Loads the weights and both vocabularies of a checkpoint written by a
  /// parallel-data run; throws std::runtime_error naming the file.
  Translator(const Manifest &m, const std::string &checkpoint);

  const Vocabulary &sourceVocabulary() const { return srcVocab_; }
  const Vocabulary &targetVocabulary() const { return tgtVocab_; }
  /// The longest source the compiled shapes hold (tokens, without <eos>).
  int64_t maxSourceTokens() const;
  /// The most tokens a translation can have, <eos> included: the longest
  /// compiled target length (tgt holds <bos> and all but the last token).
  int64_t maxTargetTokens() const;
  /// Model rows per forward call.
  int64_t batchRows() const { return model_.m.train.batch; }
  /// Forward (or decode) calls made so far.
  int64_t forwardCalls() const { return forwardCalls_; }
  /// Encoder calls made so far (0 when every token runs the whole model).
  int64_t encodeCalls() const { return encodeCalls_; }
  /// Whether decoding reuses each sentence's encoder output (the model has
  /// @encode / @decode and setReencode(true) was not called).
  bool reusesEncoder() const { return model_.hasEncoder() && !reencode_; }
  /// Runs the whole model for every token even when it has @encode / @decode
  /// (to check that both give the same translations).
  void setReencode(bool reencode) { reencode_ = reencode; }
  /// Whether each token computes only its own position, with the keys and
  /// values of the earlier ones kept per hypothesis (the model has
  /// @decode_step and neither setReencode(true) nor setKeyValueCache(false)).
  bool usesKeyValueCache() const { return reusesEncoder() && model_.hasDecodeStep() && cache_; }
  void setKeyValueCache(bool cache) { cache_ = cache; }

  /// The translations of tokenized sentences, as target tokens (<unk> for the
  /// unknown id). options.maxLen is capped at maxTargetTokens(); a source
  /// longer than maxSourceTokens() is cut to fit, with a warning on stderr.
  std::vector<std::vector<std::string>> translate(const std::vector<std::vector<std::string>> &sentences,
                                                  DecodeOptions options, DecodeStats *stats = nullptr);

private:
  /// The next-token logits of each row (a source of sources_ and a target
  /// prefix), B rows per forward call, each call in the smallest bucket that
  /// holds all of its rows.
  std::vector<std::vector<double>> score(const std::vector<PrefixRow> &rows);
  /// score() with @decode_step: rows[first, end) in the selected bucket.
  void scoreStep(const std::vector<PrefixRow> &rows, size_t first, size_t end,
                 std::vector<std::vector<double>> &logits);
  /// Fills the model's memory rows for rows[first, end) in the selected bucket,
  /// encoding the sentences that have no kept memory for it yet.
  void loadMemory(const std::vector<PrefixRow> &rows, size_t first, size_t end);
  /// Writes the source of sentence `sentence` (or an empty one when < 0) + <eos>
  /// into row b of the selected bucket's src input.
  void fillSource(int64_t b, int64_t sentence);

  Model model_;
  Vocabulary srcVocab_, tgtVocab_;
  std::vector<Bucket> buckets_;
  std::vector<std::vector<int32_t>> sources_; // the sentences being translated, as ids
  int64_t forwardCalls_ = 0, encodeCalls_ = 0;
  bool reencode_ = false, cache_ = true;
  /// The key/value cache: per (sentence, prefix) scored in the last scorer
  /// call, each cache tensor's rows for that sentence, positions 0 .. |prefix| - 1
  /// ([N / B, |prefix|, D] as bytes).
  using PrefixKey = std::pair<int64_t, std::vector<int32_t>>;
  std::map<PrefixKey, std::vector<std::vector<char>>> kept_, keptNext_;
  /// Each sentence's rows of every memory tensor, per bucket: [sentence][bucket].
  std::vector<std::vector<std::vector<std::vector<char>>>> memoryRows_;
};

} // namespace gptc

#endif
