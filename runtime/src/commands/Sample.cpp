// `train sample`: text from a language-model checkpoint, as nanoGPT's sample.py
// (temperature, top-k, a prompt), reproducible from --seed.
#include "gptc/checkpoint.h"
#include "gptc/cli.h"
#include "gptc/commands.h"
#include "gptc/rng.h"
#include "gptc/text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <stdexcept>

namespace gptc {

void checkLanguageModelInputs(const Manifest &m);

void addSampleOptions(CLI::App &sample, SampleOptions &o) {
  sample.add_option("--ckpt", o.ckpt, "the checkpoint of a language-model run")->required()->type_name("FILE");
  sample.add_option("--prompt", o.prompt, "text to continue (default: a newline)")->type_name("TEXT");
  sample.add_option("--tokens", o.tokens, "characters to generate (default 500)")
      ->check(cli::NonNegative)->type_name("N");
  sample.add_option("--temperature", o.temperature, "divides the logits (default 1)")
      ->check(cli::Positive)->type_name("X");
  sample.add_option("--top-k", o.topK, "sample among the K likeliest (0: all)")
      ->check(cli::NonNegative)->type_name("K");
  sample.add_option("--seed", o.seed, "seed of the draws (default 1337)")->type_name("N");
}

int runSample(const Manifest &m, const SampleOptions &o) {
  checkLanguageModelInputs(m);
  if (!m.hasOutput || m.outputShape.size() != 3)
    throw std::runtime_error("sampling needs the model to assign its logits [B, T, vocab] to 'out'");
  Model model(m);
  Settings s;
  static_cast<TrainSettings &>(s) = m.train;
  Progress progress;
  loadCheckpoint(o.ckpt, model, s, progress);
  if (progress.vocab.empty())
    throw std::runtime_error(o.ckpt + ": no vocabulary in the checkpoint (saved by a language-model run?)");
  int64_t T = m.inputs[0].shape[1], V = m.outputShape[2];
  std::vector<uint16_t> context = encode(progress.vocab, o.prompt);
  if (context.empty())
    context.push_back(0);
  std::fwrite(o.prompt.data(), 1, o.prompt.size(), stdout);
  model.setDropout(0, false);
  int64_t vocab = std::min<int64_t>(V, progress.vocab.size());
  for (int64_t n = 0; n < o.tokens; ++n) {
    // The last T tokens of the context in row 0; later positions do not
    // influence earlier ones (causal), so the padding is never seen.
    int64_t len = std::min<int64_t>(context.size(), T);
    int32_t *x = model.inputs[0].as<int32_t>();
    std::fill(x, x + model.inputs[0].numel(), 0);
    for (int64_t t = 0; t < len; ++t)
      x[t] = context[context.size() - len + t];
    model.forward();
    std::vector<std::pair<double, int64_t>> logits;
    for (int64_t v = 0; v < vocab; ++v)
      logits.emplace_back(model.out.get((len - 1) * V + v) / o.temperature, v);
    if (o.topK > 0 && o.topK < vocab) {
      std::nth_element(logits.begin(), logits.begin() + o.topK - 1, logits.end(), std::greater<>());
      logits.resize(o.topK);
    }
    double top = -INFINITY, sum = 0;
    for (auto &[l, v] : logits)
      top = std::max(top, l);
    for (auto &[l, v] : logits)
      sum += (l = std::exp(l - top));
    double r = uniformAt(o.seed, kStreamSample, n) * sum;
    int64_t chosen = logits.back().second;
    for (auto &[p, v] : logits) {
      if (r < p) {
        chosen = v;
        break;
      }
      r -= p;
    }
    context.push_back((uint16_t)chosen);
    std::fputc(progress.vocab[chosen], stdout);
    std::fflush(stdout);
  }
  std::fputc('\n', stdout);
  return 0;
}

} // namespace gptc
