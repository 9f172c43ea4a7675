// `train translate`: source sentences from stdin, one per line, translated
// with a checkpoint of a translation model (greedy or beam search) to stdout,
// one line of space-separated target tokens each.
#include "gptc/cli.h"
#include "gptc/commands.h"
#include "gptc/translator.h"

#include <algorithm>
#include <iostream>
#include <stdexcept>

namespace gptc {

void addTranslateOptions(CLI::App &translate, TranslateOptions &o, const Manifest &m) {
  std::string longest = "T";
  if (isTranslationModel(m)) {
    int64_t T = 0;
    for (const Bucket &b : compiledBuckets(m))
      T = std::max(T, b.tgtLen);
    longest = std::to_string(T);
  }
  translate.add_option("--ckpt", o.ckpt, "a checkpoint of this model's parallel-data run (--save, --save-best)")
      ->required()->type_name("FILE");
  translate.add_option("--beam", o.beam, "hypotheses kept per sentence (default 1: greedy search)")
      ->check(cli::Positive)->type_name("N");
  translate.add_option("--alpha", o.alpha,
                       "length penalty of beam search: a finished hypothesis scores its summed log-probability "
                       "/ ((5 + length) / 6)^X (default 0.7)")
      ->check(cli::NonNegative)->type_name("X");
  translate.add_option("--max-len", o.maxLen,
                       "most tokens per translation, <eos> included (default 100; at most the longest compiled "
                       "target length, " + longest + ": tgt holds <bos> and the tokens before the last)")
      ->check(cli::Positive)->type_name("N");
  translate.add_option("--batch-rows", o.batchRows,
                       "model rows per forward call: sentences (x beam hypotheses) decoded together (default and "
                       "most: the compiled batch, " + std::to_string(m.train.batch) + ")")
      ->check(cli::Positive)->type_name("N");
  translate.add_flag("--reencode", o.reencode,
                     "run the whole model for every token instead of encoding each sentence once (the same "
                     "translations, slower: a check of the encoder reuse)");
  translate.add_flag("--no-cache", o.noCache,
                     "recompute the whole target prefix for every token instead of keeping each hypothesis' "
                     "self-attention keys and values (the same translations, slower: a check of the cache)");
}

DecodeOptions decodeOptions(const TranslateOptions &o, const Translator &translator) {
  if (o.batchRows > translator.batchRows())
    throw std::runtime_error("--batch-rows " + std::to_string(o.batchRows) + ": the model was compiled for batch " +
                             std::to_string(translator.batchRows()) + ", the most rows one forward call holds");
  DecodeOptions options;
  options.beam = o.beam;
  options.alpha = o.alpha;
  options.maxLen = o.maxLen;
  options.rowsPerCall = o.batchRows > 0 ? o.batchRows : translator.batchRows();
  return options;
}

int runTranslate(const Manifest &m, const TranslateOptions &o) {
  Translator translator(m, o.ckpt);
  translator.setReencode(o.reencode);
  translator.setKeyValueCache(!o.noCache);
  DecodeOptions options = decodeOptions(o, translator);
  std::vector<std::vector<std::string>> sentences;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    sentences.push_back(tokenize(line));
  }
  for (const std::vector<std::string> &translation : translator.translate(sentences, options))
    std::cout << joinTokens(translation) << "\n";
  std::cout.flush();
  return 0;
}

} // namespace gptc
