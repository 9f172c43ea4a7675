// A translation model in the runtime: the contract of its inputs (src, tgt,
// labels) and output checked against the manifest, its compiled length
// buckets, and translating sentences with a checkpoint of it (train translate,
// train bleu) through the model's forward step.
#ifndef GPTC_RUNTIME_TRANSLATOR_H
#define GPTC_RUNTIME_TRANSLATOR_H

#include "gptc/model.h"
#include "gptc/translation.h"
#include "gptc/translation_decode.h"

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
  /// Forward calls made so far.
  int64_t forwardCalls() const { return forwardCalls_; }

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

  Model model_;
  Vocabulary srcVocab_, tgtVocab_;
  std::vector<Bucket> buckets_;
  std::vector<std::vector<int32_t>> sources_; // the sentences being translated, as ids
  int64_t forwardCalls_ = 0;
};

} // namespace gptc

#endif
