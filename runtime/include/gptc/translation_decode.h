// Decoding a translation model: greedy search and beam search over any
// function that gives the next-token logits of a set of target prefixes, so
// the search is independent of the model (train translate / train bleu plug
// in Model::forward; the unit tests plug in hand-made scorers). Many
// sentences are decoded at once: every scorer call advances the hypotheses of
// as many sentences as fit in its rows, and a sentence that finishes makes
// room for the next one.
#ifndef GPTC_RUNTIME_TRANSLATION_DECODE_H
#define GPTC_RUNTIME_TRANSLATION_DECODE_H

#include <cstdint>
#include <functional>
#include <vector>

namespace gptc {

/// One row of a scorer call: a sentence (its index in the decoded list) and a
/// target prefix, <bos> first, then the tokens generated so far.
struct PrefixRow {
  int64_t sentence;
  std::vector<int32_t> prefix;
};

/// For each row, the logits of the token that follows its prefix (one value
/// per target id; every row of every call the same length, at least 4).
using NextTokenLogits = std::function<std::vector<std::vector<double>>(const std::vector<PrefixRow> &rows)>;

struct DecodeOptions {
  int64_t beam = 1;        // hypotheses kept per sentence (decode: 1 is greedy)
  double alpha = 0.7;      // the length penalty's exponent
  int64_t maxLen = 100;    // generated tokens per sentence, <eos> included, at least 1
  int64_t rowsPerCall = 1; // rows per scorer call (a sentence's beam is never split, so a call
                           // may hold up to `beam` rows when beam > rowsPerCall)
};

/// What decoding cost.
struct DecodeStats {
  int64_t calls = 0, rows = 0; // scorer calls, and the rows they held in all
};

/// The length penalty ((5 + length) / 6)^alpha that divides a finished
/// hypothesis' summed log-probability (Wu et al., 2016, as the reference
/// Transformer implementations use).
double lengthPenalty(int64_t length, double alpha);

/// Greedy search: each sentence appends the argmax of its logits (the lowest
/// id on a tie) until <eos> or maxLen tokens. <pad> and <bos> are never
/// generated. Returns each sentence's tokens without <bos> and <eos>. Throws
/// std::invalid_argument on options out of range or a scorer answer of the
/// wrong shape.
std::vector<std::vector<int32_t>> greedyDecode(int64_t sentences, const NextTokenLogits &scorer,
                                               const DecodeOptions &options, DecodeStats *stats = nullptr);

/// Beam search: each step expands every live hypothesis by each token,
/// scored by the summed log-probabilities (log-softmax in double), and keeps
/// the `beam` best expansions (ties: the earlier hypothesis, then the higher
/// logit, then the lower id); an expansion ending in <eos>, or reaching
/// maxLen tokens, is finished with score sum / lengthPenalty(its length,
/// <eos> included). A sentence stops when no hypothesis is live, or when its
/// best finished score is at least what any live hypothesis could still
/// reach. Returns the best finished hypothesis of each sentence (the first
/// finished on a tie), without <bos> and <eos>. With beam 1 the result is
/// exactly greedyDecode's. Throws as greedyDecode.
std::vector<std::vector<int32_t>> beamSearch(int64_t sentences, const NextTokenLogits &scorer,
                                             const DecodeOptions &options, DecodeStats *stats = nullptr);

/// greedyDecode for beam 1, beamSearch otherwise.
std::vector<std::vector<int32_t>> decode(int64_t sentences, const NextTokenLogits &scorer,
                                         const DecodeOptions &options, DecodeStats *stats = nullptr);

} // namespace gptc

#endif
