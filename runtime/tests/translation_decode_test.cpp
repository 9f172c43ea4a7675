// Greedy and beam-search decoding (gptc/translation_decode.h) over hand-made
// scorers: beam 1 is greedy, beam search finds what greedy misses, the length
// penalty, <eos>, the maximum length, and how sentences share scorer calls.
#include "gptc/translation.h"
#include "gptc/translation_decode.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <vector>

namespace {

using gptc::DecodeOptions;
using gptc::PrefixRow;
using gptc::Vocabulary;
using Ids = std::vector<int32_t>;

constexpr int32_t kEos = Vocabulary::kEos, kA = 4, kB = 5, kC = 6;
constexpr double kNever = -30; // a logit no search should pick

/// A scorer from a function of (sentence, prefix) to logits, checking that
/// every prefix starts with <bos> and never holds <eos>, and recording the
/// calls.
struct Scorer {
  std::function<std::vector<double>(int64_t sentence, const Ids &prefix)> logits;
  std::vector<size_t> callRows;        // rows of each call
  std::map<int64_t, int64_t> rowsOf;   // rows asked per sentence
  size_t longestPrefix = 0;

  gptc::NextTokenLogits fn() {
    return [this](const std::vector<PrefixRow> &rows) {
      callRows.push_back(rows.size());
      std::vector<std::vector<double>> out;
      for (const PrefixRow &r : rows) {
        EXPECT_FALSE(r.prefix.empty());
        EXPECT_EQ(r.prefix.front(), Vocabulary::kBos);
        for (size_t i = 1; i < r.prefix.size(); ++i)
          EXPECT_NE(r.prefix[i], kEos) << "a finished hypothesis was extended";
        ++rowsOf[r.sentence];
        longestPrefix = std::max(longestPrefix, r.prefix.size());
        out.push_back(logits(r.sentence, r.prefix));
      }
      return out;
    };
  }
};

/// Logits over 4 specials and `words` more ids, all kNever but the given ones.
std::vector<double> logitsWith(std::map<int32_t, double> chosen, int words = 3) {
  std::vector<double> row(4 + words, kNever);
  for (auto [id, value] : chosen)
    row[id] = value;
  return row;
}

/// Pseudo-random logits of a (sentence, prefix) over 16 ids; <eos> grows
/// likelier with the prefix length so sentences end at different lengths.
std::vector<double> hashedLogits(int64_t sentence, const Ids &prefix) {
  uint64_t h = 1469598103934665603ull ^ (uint64_t)sentence;
  for (int32_t id : prefix)
    h = (h ^ (uint64_t)id) * 1099511628211ull;
  std::vector<double> row(16);
  for (size_t v = 0; v < row.size(); ++v) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    row[v] = (double)(h >> 40) / (double)(1ull << 24) * 4.0;
  }
  row[kEos] += 0.25 * (double)prefix.size();
  return row;
}

DecodeOptions options(int64_t beam, int64_t maxLen, int64_t rows, double alpha = 0.7) {
  DecodeOptions o;
  o.beam = beam;
  o.maxLen = maxLen;
  o.rowsPerCall = rows;
  o.alpha = alpha;
  return o;
}

TEST(Decode, LengthPenaltyIsGnmts) {
  EXPECT_DOUBLE_EQ(gptc::lengthPenalty(1, 0.7), 1.0); // (5 + 1) / 6
  EXPECT_DOUBLE_EQ(gptc::lengthPenalty(7, 1.0), 2.0);
  EXPECT_DOUBLE_EQ(gptc::lengthPenalty(13, 0.5), std::sqrt(3.0));
  EXPECT_DOUBLE_EQ(gptc::lengthPenalty(40, 0.0), 1.0);
  EXPECT_NEAR(gptc::lengthPenalty(10, 0.7), std::pow(2.5, 0.7), 1e-15);
}

TEST(Decode, BeamOneIsExactlyGreedy) {
  for (int64_t maxLen : {1, 5, 40})
    for (int64_t rows : {1, 7, 64}) {
      Scorer greedy{hashedLogits}, beam{hashedLogits};
      std::vector<Ids> g = gptc::greedyDecode(50, greedy.fn(), options(1, maxLen, rows));
      std::vector<Ids> b = gptc::beamSearch(50, beam.fn(), options(1, maxLen, rows));
      EXPECT_EQ(g, b) << "max length " << maxLen << ", " << rows << " rows per call";
      EXPECT_EQ(greedy.callRows, beam.callRows);
      // decode() with beam 1 is greedy.
      Scorer dispatched{hashedLogits};
      EXPECT_EQ(gptc::decode(50, dispatched.fn(), options(1, maxLen, rows)), g);
    }
}

TEST(Decode, BeamFindsTheLikelierSequenceGreedyMisses) {
  // From <bos>: a 0.5, b 0.4, <eos> 0.1. After a: a, b, <eos> a third each.
  // After b: <eos> 0.9. Greedy takes a (then <eos>, the lowest id of the tie):
  // 0.5 / 3 = 0.167. Beam 2 keeps b and finds b <eos>: 0.4 * 0.9 = 0.36.
  auto logits = [](int64_t, const Ids &prefix) {
    if (prefix.size() == 1)
      return logitsWith({{kA, std::log(0.5)}, {kB, std::log(0.4)}, {kEos, std::log(0.1)}});
    if (prefix[1] == kA)
      return logitsWith({{kA, 0.0}, {kB, 0.0}, {kEos, 0.0}});
    return logitsWith({{kEos, std::log(0.9)}, {kA, std::log(0.1)}});
  };
  Scorer greedy{logits}, beam{logits};
  EXPECT_EQ(gptc::greedyDecode(1, greedy.fn(), options(1, 10, 4)), std::vector<Ids>{Ids{kA}});
  EXPECT_EQ(gptc::beamSearch(1, beam.fn(), options(2, 10, 4, 0.0)), std::vector<Ids>{Ids{kB}});
}

TEST(Decode, LengthPenaltyLetsALongerHypothesisWin) {
  // a <eos> has probability 0.6; b c c c c <eos> 0.4 (every step after b is
  // near certain). Without a penalty the shorter wins; with alpha 3 the
  // longer: -0.51 / (7/6)^3 = -0.32 against -0.92 / (11/6)^3 = -0.15.
  auto logits = [](int64_t, const Ids &prefix) {
    if (prefix.size() == 1)
      return logitsWith({{kA, std::log(0.6)}, {kB, std::log(0.4)}});
    if (prefix[1] == kA || prefix.size() == 6)
      return logitsWith({{kEos, 0.0}});
    return logitsWith({{kC, 0.0}});
  };
  Scorer plain{logits}, penalized{logits};
  EXPECT_EQ(gptc::beamSearch(1, plain.fn(), options(2, 10, 2, 0.0)), std::vector<Ids>{Ids{kA}});
  EXPECT_EQ(gptc::beamSearch(1, penalized.fn(), options(2, 10, 2, 3.0)), (std::vector<Ids>{Ids{kB, kC, kC, kC, kC}}));
}

TEST(Decode, EosEndsASentenceAndIsNotReturned) {
  // Sentence i says a i times, then <eos>.
  auto logits = [](int64_t sentence, const Ids &prefix) {
    return (int64_t)prefix.size() > sentence ? logitsWith({{kEos, 1.0}, {kA, 0.0}})
                                             : logitsWith({{kA, 1.0}, {kEos, 0.0}});
  };
  for (int64_t beam : {1, 3}) {
    Scorer s{logits};
    std::vector<Ids> out = gptc::decode(6, s.fn(), options(beam, 50, 64));
    ASSERT_EQ(out.size(), 6u);
    for (int64_t i = 0; i < 6; ++i) {
      EXPECT_EQ(out[i], Ids(i, kA)) << "beam " << beam << ", sentence " << i;
      if (beam == 1) {
        EXPECT_EQ(s.rowsOf[i], i + 1); // i tokens and the <eos>: one row per step, none after
      }
    }
  }
}

TEST(Decode, PadAndBosAreNeverGenerated) {
  auto logits = [](int64_t, const Ids &prefix) {
    return prefix.size() < 3 ? logitsWith({{Vocabulary::kPad, 9.0}, {Vocabulary::kBos, 8.0}, {kB, 1.0}})
                             : logitsWith({{Vocabulary::kPad, 9.0}, {kEos, 1.0}});
  };
  Scorer greedy{logits}, beam{logits};
  EXPECT_EQ(gptc::greedyDecode(1, greedy.fn(), options(1, 10, 1)), (std::vector<Ids>{Ids{kB, kB}}));
  EXPECT_EQ(gptc::beamSearch(1, beam.fn(), options(3, 10, 3)), (std::vector<Ids>{Ids{kB, kB}}));
}

TEST(Decode, MaxLengthBoundsEveryHypothesis) {
  // <eos> is never likely: every search runs to the maximum length.
  auto logits = [](int64_t, const Ids &) { return logitsWith({{kA, 1.0}, {kB, 0.5}}); };
  for (int64_t beam : {1, 4}) {
    Scorer s{logits};
    std::vector<Ids> out = gptc::decode(3, s.fn(), options(beam, 7, 16));
    for (const Ids &ids : out)
      EXPECT_EQ(ids, Ids(7, kA)) << "beam " << beam;
    EXPECT_EQ(s.longestPrefix, 7u) << "beam " << beam; // <bos> and 6 tokens score the 7th
  }
}

TEST(Decode, SentencesShareCallsUpToTheRowsPerCall) {
  Scorer one{hashedLogits}, packed{hashedLogits};
  gptc::DecodeStats oneStats, packedStats;
  std::vector<Ids> alone = gptc::greedyDecode(20, one.fn(), options(1, 30, 1), &oneStats);
  std::vector<Ids> together = gptc::greedyDecode(20, packed.fn(), options(1, 30, 8), &packedStats);
  EXPECT_EQ(alone, together); // rows are independent
  EXPECT_EQ(packed.callRows.front(), 8u);
  for (size_t rows : packed.callRows)
    EXPECT_LE(rows, 8u);
  EXPECT_EQ(oneStats.rows, packedStats.rows);
  EXPECT_EQ(packedStats.calls, (int64_t)packed.callRows.size());
  EXPECT_LT(packedStats.calls * 4, oneStats.calls);

  // Beam 3 in 8 rows: two sentences' beams per call. A beam wider than the
  // rows still decodes, one sentence per call.
  Scorer beams{hashedLogits}, wide{hashedLogits};
  std::vector<Ids> b3 = gptc::beamSearch(10, beams.fn(), options(3, 30, 8));
  for (size_t rows : beams.callRows)
    EXPECT_LE(rows, 6u);
  Scorer beamsAlone{hashedLogits};
  EXPECT_EQ(gptc::beamSearch(10, beamsAlone.fn(), options(3, 30, 3)), b3);
  gptc::beamSearch(4, wide.fn(), options(5, 30, 2));
  for (size_t rows : wide.callRows)
    EXPECT_LE(rows, 5u);
  EXPECT_EQ(wide.rowsOf.size(), 4u);
}

TEST(Decode, BadOptionsAndScorerAnswersAreErrors) {
  Scorer s{hashedLogits};
  EXPECT_THROW(gptc::decode(1, s.fn(), options(0, 10, 1)), std::invalid_argument);
  EXPECT_THROW(gptc::decode(1, s.fn(), options(1, 0, 1)), std::invalid_argument);
  EXPECT_THROW(gptc::decode(1, s.fn(), options(1, 10, 0)), std::invalid_argument);
  EXPECT_THROW(gptc::decode(1, s.fn(), options(2, 10, 1, NAN)), std::invalid_argument);
  EXPECT_TRUE(gptc::decode(0, s.fn(), options(1, 10, 1)).empty());
  auto missingRow = [](const std::vector<PrefixRow> &) { return std::vector<std::vector<double>>{}; };
  EXPECT_THROW(gptc::decode(1, missingRow, options(1, 10, 1)), std::invalid_argument);
  auto ragged = [](const std::vector<PrefixRow> &rows) {
    std::vector<std::vector<double>> out;
    for (const PrefixRow &r : rows)
      out.push_back(std::vector<double>(5 + r.prefix.size(), 0.0));
    return out;
  };
  EXPECT_THROW(gptc::decode(1, ragged, options(1, 10, 1)), std::invalid_argument);
  for (double bad : {NAN, INFINITY}) {
    Scorer diverged{[bad](int64_t, const Ids &) { return logitsWith({{kA, bad}}); }};
    EXPECT_THROW(gptc::decode(1, diverged.fn(), options(2, 10, 2)), std::invalid_argument) << bad;
  }
  Scorer nothing{[](int64_t, const Ids &) { return std::vector<double>(8, -INFINITY); }};
  EXPECT_THROW(gptc::decode(1, nothing.fn(), options(1, 10, 1)), std::invalid_argument);
  // -inf rules a token out.
  Scorer masked{[](int64_t, const Ids &) { return logitsWith({{kA, -INFINITY}, {kB, 1.0}, {kEos, 2.0}}); }};
  EXPECT_EQ(gptc::decode(1, masked.fn(), options(2, 10, 2)), std::vector<Ids>{Ids{}});
}

} // namespace
