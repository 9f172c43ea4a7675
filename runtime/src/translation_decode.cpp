// Greedy and beam-search decoding over a next-token scorer, many sentences
// per scorer call (see gptc/translation_decode.h).
#include "gptc/translation_decode.h"

#include "gptc/translation.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

namespace gptc {
namespace {

/// Whether a search may generate `token` (<pad> and <bos> are never outputs).
bool generatable(int32_t token) { return token != Vocabulary::kPad && token != Vocabulary::kBos; }

/// <bos> followed by `tokens`.
std::vector<int32_t> withBos(const std::vector<int32_t> &tokens) {
  std::vector<int32_t> prefix = {Vocabulary::kBos};
  prefix.insert(prefix.end(), tokens.begin(), tokens.end());
  return prefix;
}

/// `tokens` without a final <eos>.
std::vector<int32_t> withoutEos(std::vector<int32_t> tokens) {
  if (!tokens.empty() && tokens.back() == Vocabulary::kEos)
    tokens.pop_back();
  return tokens;
}

/// The search state of one sentence.
class Search {
public:
  virtual ~Search() = default;
  /// The prefixes (<bos> first) whose next-token logits the next step needs.
  virtual std::vector<std::vector<int32_t>> prefixes() const = 0;
  /// One step, from the logits of prefixes() in their order.
  virtual void advance(const std::vector<const std::vector<double> *> &logits) = 0;
  virtual bool done() const = 0;
  /// The decoded tokens, without <bos> and <eos>; once done.
  virtual std::vector<int32_t> result() const = 0;
};

class GreedySearch : public Search {
public:
  explicit GreedySearch(int64_t maxLen) : maxLen_(maxLen) {}

  std::vector<std::vector<int32_t>> prefixes() const override { return {withBos(tokens_)}; }
  void advance(const std::vector<const std::vector<double> *> &logits) override {
    const std::vector<double> &row = *logits[0];
    int32_t best = -1;
    for (int32_t id = 0; id < (int32_t)row.size(); ++id)
      if (generatable(id) && (best < 0 || row[id] > row[best]))
        best = id;
    tokens_.push_back(best);
  }
  bool done() const override {
    return !tokens_.empty() && (tokens_.back() == Vocabulary::kEos || (int64_t)tokens_.size() >= maxLen_);
  }
  std::vector<int32_t> result() const override { return withoutEos(tokens_); }

private:
  int64_t maxLen_;
  std::vector<int32_t> tokens_;
};

class BeamSearch : public Search {
public:
  explicit BeamSearch(const DecodeOptions &o) : o_(o), live_{{{}, 0.0}} {}

  std::vector<std::vector<int32_t>> prefixes() const override {
    std::vector<std::vector<int32_t>> rows;
    for (const Hypothesis &h : live_)
      rows.push_back(withBos(h.tokens));
    return rows;
  }

  void advance(const std::vector<const std::vector<double> *> &logits) override {
    // Each hypothesis' `beam` best tokens by logit (no other token of it can
    // be among the best `beam` expansions), then the best of those overall.
    std::vector<Candidate> candidates;
    for (size_t h = 0; h < live_.size(); ++h) {
      const std::vector<double> &row = *logits[h];
      double top = *std::max_element(row.begin(), row.end()), sum = 0;
      for (double x : row)
        sum += std::exp(x - top);
      double logNormalizer = top + std::log(sum);
      std::vector<int32_t> ids;
      for (int32_t id = 0; id < (int32_t)row.size(); ++id)
        if (generatable(id))
          ids.push_back(id);
      size_t keep = std::min(ids.size(), (size_t)o_.beam);
      std::partial_sort(ids.begin(), ids.begin() + keep, ids.end(), [&](int32_t a, int32_t b) {
        return row[a] != row[b] ? row[a] > row[b] : a < b;
      });
      for (size_t rank = 0; rank < keep; ++rank)
        candidates.push_back({live_[h].logProb + (row[ids[rank]] - logNormalizer), h, rank, ids[rank]});
    }
    size_t keep = std::min(candidates.size(), (size_t)o_.beam);
    std::partial_sort(candidates.begin(), candidates.begin() + keep, candidates.end(),
                      [](const Candidate &a, const Candidate &b) {
                        if (a.logProb != b.logProb)
                          return a.logProb > b.logProb;
                        return a.hypothesis != b.hypothesis ? a.hypothesis < b.hypothesis : a.rank < b.rank;
                      });
    std::vector<Hypothesis> next;
    for (size_t c = 0; c < keep; ++c) {
      const Candidate &cand = candidates[c];
      Hypothesis h{live_[cand.hypothesis].tokens, cand.logProb};
      h.tokens.push_back(cand.token);
      if (cand.token == Vocabulary::kEos || (int64_t)h.tokens.size() >= o_.maxLen)
        finished_.push_back({h.tokens, h.logProb / lengthPenalty((int64_t)h.tokens.size(), o_.alpha)});
      else
        next.push_back(std::move(h));
    }
    live_ = std::move(next);
  }

  bool done() const override {
    if (live_.empty())
      return true;
    if (finished_.empty())
      return false;
    // A live hypothesis' log-probability only falls (it is <= 0), and its
    // final length lies between one more than now and maxLen.
    double reachable = -INFINITY;
    for (const Hypothesis &h : live_) {
      double penalty =
          std::max(lengthPenalty((int64_t)h.tokens.size() + 1, o_.alpha), lengthPenalty(o_.maxLen, o_.alpha));
      reachable = std::max(reachable, h.logProb / penalty);
    }
    return best().score >= reachable;
  }

  std::vector<int32_t> result() const override { return withoutEos(best().tokens); }

private:
  struct Hypothesis {
    std::vector<int32_t> tokens; // generated, without <bos>
    double logProb;              // summed log-probability of the tokens
  };
  struct Finished {
    std::vector<int32_t> tokens;
    double score; // logProb / lengthPenalty
  };
  struct Candidate {
    double logProb;
    size_t hypothesis, rank; // rank: by logit among the hypothesis' tokens
    int32_t token;
  };

  /// The first finished hypothesis of the highest score.
  const Finished &best() const {
    const Finished *winner = &finished_.front();
    for (const Finished &f : finished_)
      if (f.score > winner->score)
        winner = &f;
    return *winner;
  }

  DecodeOptions o_;
  std::vector<Hypothesis> live_;
  std::vector<Finished> finished_;
};

void checkOptions(int64_t sentences, const DecodeOptions &o) {
  if (sentences < 0 || o.beam < 1 || o.maxLen < 1 || o.rowsPerCall < 1 || !std::isfinite(o.alpha))
    throw std::invalid_argument("decoding: " + std::to_string(sentences) + " sentences, beam " +
                                std::to_string(o.beam) + ", max length " + std::to_string(o.maxLen) + ", " +
                                std::to_string(o.rowsPerCall) + " rows per call, alpha " + std::to_string(o.alpha) +
                                " (expected sentences >= 0, beam, max length and rows >= 1, a finite alpha)");
}

/// Runs one search per sentence: each scorer call takes the rows of as many
/// sentences as `rowsPerSentence` lets fit in rowsPerCall (at least one), and
/// a finished sentence's rows go to the next one.
std::vector<std::vector<int32_t>> runSearches(int64_t sentences, const NextTokenLogits &scorer,
                                              const DecodeOptions &o, int64_t rowsPerSentence,
                                              const std::function<std::unique_ptr<Search>()> &start,
                                              DecodeStats *stats) {
  checkOptions(sentences, o);
  std::vector<std::vector<int32_t>> results((size_t)sentences);
  std::vector<std::pair<int64_t, std::unique_ptr<Search>>> active; // (sentence, its search)
  int64_t next = 0;
  size_t vocabulary = 0; // the logits' length, from the first answer
  while (next < sentences || !active.empty()) {
    while (next < sentences && (active.empty() || (int64_t)(active.size() + 1) * rowsPerSentence <= o.rowsPerCall))
      active.emplace_back(next++, start());
    std::vector<PrefixRow> rows;
    std::vector<size_t> firstRow;
    for (const auto &[sentence, search] : active) {
      firstRow.push_back(rows.size());
      for (std::vector<int32_t> &prefix : search->prefixes())
        rows.push_back({sentence, std::move(prefix)});
    }
    std::vector<std::vector<double>> logits = scorer(rows);
    if (vocabulary == 0 && !logits.empty())
      vocabulary = logits[0].size();
    if (logits.size() != rows.size() || vocabulary < 4)
      throw std::invalid_argument("decoding: the scorer answered " + std::to_string(logits.size()) + " rows of " +
                                  std::to_string(vocabulary) + " logits for " + std::to_string(rows.size()) +
                                  " prefixes (expected one row each, of at least the 4 specials)");
    for (size_t r = 0; r < logits.size(); ++r) {
      const std::vector<double> &row = logits[r];
      if (row.size() != vocabulary)
        throw std::invalid_argument("decoding: the scorer answered rows of " + std::to_string(row.size()) +
                                    " logits after rows of " + std::to_string(vocabulary));
      // -inf rules a token out; NaN, +inf or no finite logit leave nothing to rank.
      bool finite = false, broken = false;
      for (double x : row) {
        finite = finite || std::isfinite(x);
        broken = broken || std::isnan(x) || x == INFINITY;
      }
      if (broken || !finite)
        throw std::invalid_argument("decoding: the logits of sentence " + std::to_string(rows[r].sentence + 1) +
                                    " hold NaN or +inf, or no finite value (a diverged model?)");
    }
    if (stats) {
      ++stats->calls;
      stats->rows += (int64_t)rows.size();
    }
    for (size_t a = 0; a < active.size(); ++a) {
      size_t end = a + 1 < active.size() ? firstRow[a + 1] : rows.size();
      std::vector<const std::vector<double> *> own;
      for (size_t r = firstRow[a]; r < end; ++r)
        own.push_back(&logits[r]);
      active[a].second->advance(own);
    }
    std::vector<std::pair<int64_t, std::unique_ptr<Search>>> running;
    for (auto &entry : active) {
      if (entry.second->done())
        results[(size_t)entry.first] = entry.second->result();
      else
        running.push_back(std::move(entry));
    }
    active = std::move(running);
  }
  return results;
}

} // namespace

double lengthPenalty(int64_t length, double alpha) { return std::pow((5.0 + (double)length) / 6.0, alpha); }

std::vector<std::vector<int32_t>> greedyDecode(int64_t sentences, const NextTokenLogits &scorer,
                                               const DecodeOptions &options, DecodeStats *stats) {
  return runSearches(sentences, scorer, options, 1,
                     [&] { return std::make_unique<GreedySearch>(options.maxLen); }, stats);
}

std::vector<std::vector<int32_t>> beamSearch(int64_t sentences, const NextTokenLogits &scorer,
                                             const DecodeOptions &options, DecodeStats *stats) {
  return runSearches(sentences, scorer, options, options.beam,
                     [&] { return std::make_unique<BeamSearch>(options); }, stats);
}

std::vector<std::vector<int32_t>> decode(int64_t sentences, const NextTokenLogits &scorer,
                                         const DecodeOptions &options, DecodeStats *stats) {
  return options.beam == 1 ? greedyDecode(sentences, scorer, options, stats)
                           : beamSearch(sentences, scorer, options, stats);
}

} // namespace gptc
