// `train bleu`: translates the source side of a corpus split (test: the
// test_2016_flickr files, or val) with a checkpoint of a translation model and
// scores it with corpus BLEU against the target side, tokenized as the
// training data (lowercased \w+|[^\w\s] tokens); prints the score, its parts
// and the decoding speed, then a JSON summary line.
#include "gptc/cli.h"
#include "gptc/commands.h"
#include "gptc/translator.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>

namespace gptc {

void addBleuOptions(CLI::App &bleu, BleuOptions &o, const Manifest &m) {
  addTranslateOptions(bleu, o.decoding, m);
  bleu.add_option("--data", o.data,
                  "the corpus directory (default: the train section's, " +
                      (m.train.dataDir.empty() ? std::string("none") : m.train.dataDir) + ")")
      ->type_name("DIR");
  bleu.add_option("--split", o.split, "test (test_2016_flickr.*, the default) or val")
      ->check(CLI::IsMember({"test", "val"}))->type_name("SPLIT");
  bleu.add_option("--output", o.output, "write the translations there, one line of tokens each")->type_name("FILE");
}

namespace {

/// A value rounded to `scale` for the JSON summary.
double rounded(double v, double scale) { return std::round(v * scale) / scale; }

} // namespace

int runBleu(const Manifest &m, const BleuOptions &o) {
  Translator translator(m, o.decoding.ckpt);
  translator.setReencode(o.decoding.reencode);
  translator.setKeyValueCache(!o.decoding.noCache);
  DecodeOptions options = decodeOptions(o.decoding, translator);
  std::string dir = o.data.empty() ? m.train.dataDir : o.data;
  if (dir.empty())
    throw std::runtime_error("no data: give the corpus directory with --data");
  std::string split = o.split == "val" ? "val" : "test_2016_flickr";
  std::vector<std::string> paths;
  for (const std::string &lang : {m.train.srcLang, m.train.tgtLang}) {
    paths.push_back(findCorpusFile(dir, split, lang));
    if (paths.back().empty()) {
      std::string plain = dir + "/" + split + "." + lang;
      throw std::runtime_error("cannot find " + plain + " or " + plain + ".gz");
    }
  }
  std::vector<std::string> sourceLines = readLines(paths[0]), referenceLines = readLines(paths[1]);
  if (sourceLines.size() != referenceLines.size())
    throw std::runtime_error(paths[0] + " has " + std::to_string(sourceLines.size()) + " lines but " + paths[1] +
                             " has " + std::to_string(referenceLines.size()) + "; the lines of a split are pairs");
  std::vector<std::vector<std::string>> sources, references;
  for (size_t i = 0; i < sourceLines.size(); ++i) {
    sources.push_back(tokenize(sourceLines[i]));
    references.push_back(tokenize(referenceLines[i]));
  }

  auto start = std::chrono::steady_clock::now();
  DecodeStats stats;
  std::vector<std::vector<std::string>> hypotheses = translator.translate(sources, options, &stats);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BleuScore score = corpusBleu(hypotheses, references);

  if (!o.output.empty()) {
    std::ofstream out(o.output);
    for (const std::vector<std::string> &h : hypotheses)
      out << joinTokens(h) << "\n";
    if (!out.flush())
      throw std::runtime_error("cannot write " + o.output);
  }
  double perSecond = seconds > 0 ? (double)sources.size() / seconds : 0;
  std::string search = options.beam == 1 ? "greedy" : "beam " + std::to_string(options.beam);
  std::printf("BLEU = %.2f %.1f/%.1f/%.1f/%.1f (BP = %.3f ratio = %.3f hyp_len = %lld ref_len = %lld)\n", score.bleu,
              score.precisions[0], score.precisions[1], score.precisions[2], score.precisions[3],
              score.brevityPenalty, score.ratio, (long long)score.hypLength, (long long)score.refLength);
  std::printf("%zu %s sentences %s->%s from %s, %s search (alpha %g, max length %lld): %.2f s, %.1f sentences/s, "
              "%lld %s calls of %lld rows (%.1f used per call), %lld encoder calls\n",
              sources.size(), o.split.c_str(), m.train.srcLang.c_str(), m.train.tgtLang.c_str(), paths[0].c_str(),
              search.c_str(), options.alpha,
              (long long)std::min(options.maxLen, translator.maxTargetTokens()), seconds, perSecond,
              (long long)translator.forwardCalls(),
              translator.usesKeyValueCache() ? "decoder-step" : translator.reusesEncoder() ? "decoder" : "forward",
              (long long)translator.batchRows(),
              translator.forwardCalls() ? (double)stats.rows / (double)translator.forwardCalls() : 0.0,
              (long long)translator.encodeCalls());
  nlohmann::ordered_json summary;
  summary["bleu"] = rounded(score.bleu, 1e4);
  summary["precisions"] = {rounded(score.precisions[0], 1e4), rounded(score.precisions[1], 1e4),
                           rounded(score.precisions[2], 1e4), rounded(score.precisions[3], 1e4)};
  summary["brevity_penalty"] = rounded(score.brevityPenalty, 1e6);
  summary["ratio"] = rounded(score.ratio, 1e6);
  summary["hyp_len"] = score.hypLength;
  summary["ref_len"] = score.refLength;
  summary["split"] = o.split;
  summary["sentences"] = sources.size();
  summary["beam"] = options.beam;
  summary["alpha"] = options.alpha;
  summary["seconds"] = rounded(seconds, 1e2);
  summary["sentences_per_second"] = rounded(perSecond, 1e1);
  summary["model_calls"] = translator.forwardCalls();
  summary["encoder_calls"] = translator.encodeCalls();
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}

} // namespace gptc
