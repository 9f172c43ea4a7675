#include "gptc/checkpoint.h"

#include "gptc/safetensors.h"
#include "gptc/text.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>

namespace gptc {

void saveCheckpoint(const std::string &path, const Model &model, const Settings &s, const Progress &p) {
  std::map<std::string, std::string> meta = {
      {"format", "pt"},
      {"gptc.model", model.m.model},
      {"gptc.step", std::to_string(p.step)},
      {"gptc.seed", std::to_string(s.seed)},
      {"gptc.optimizer", spelling(model.m.train.optimizer)},
      {"gptc.best_test_accuracy", std::to_string(p.best)},
      {"gptc.best_val_loss", std::to_string(p.bestValLoss)}};
  if (!p.vocab.empty())
    meta["gptc.vocab_hex"] = vocabToHex(p.vocab);
  saveSafetensors(path, model.namedState(), meta);
}

void loadCheckpoint(const std::string &path, Model &model, Settings &s, Progress &p) {
  SafetensorsFile f = loadSafetensors(path);
  auto named = model.namedState();
  for (auto &[name, tensor] : named) {
    auto it = f.tensors.find(name);
    if (it == f.tensors.end()) {
      auto other = f.metadata.find("gptc.model");
      std::string whose = other != f.metadata.end() && other->second != model.m.model
                              ? "a checkpoint of model '" + other->second + "', not '" + model.m.model + "'"
                              : "a checkpoint of another model?";
      throw std::runtime_error(path + ": no tensor '" + name + "' (" + whose + ")");
    }
    const Tensor &src = it->second;
    if (src.shape() != tensor->shape() || src.dtype() != tensor->dtype())
      throw std::runtime_error(path + ": tensor '" + name + "' is " + dtypeName(src.dtype()) + src.shapeString() +
                               " but the model needs " + dtypeName(tensor->dtype()) + tensor->shapeString());
    std::memcpy(const_cast<Tensor *>(tensor)->data(), src.data(), src.bytes());
  }
  model.weightsChangedOnHost(); // on the GPU: copied up before the next step
  auto meta = [&](const char *key) -> std::string {
    auto it = f.metadata.find(key);
    if (it == f.metadata.end())
      throw std::runtime_error(path + ": missing metadata '" + key + "' (not a gptc checkpoint?)");
    return it->second;
  };
  auto number = [&](const char *key) {
    std::string text = meta(key);
    char *end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end)
      throw std::runtime_error(path + ": metadata '" + key + "' is not a number: '" + text + "'");
    return v;
  };
  // The step and seed index the RNG streams and the schedule: a negative or
  // fractional one would silently train something else (or index past a split).
  auto count = [&](const char *key) {
    double v = number(key);
    if (!(v >= 0 && v == std::floor(v) && v < 9.2e18))
      throw std::runtime_error(path + ": metadata '" + key + "' is " + meta(key) +
                               ", not a non-negative integer");
    return (int64_t)v;
  };
  p.step = count("gptc.step");
  s.seed = count("gptc.seed");
  p.best = number("gptc.best_test_accuracy");
  p.bestValLoss = number("gptc.best_val_loss");
  if (auto it = f.metadata.find("gptc.vocab_hex"); it != f.metadata.end()) {
    try {
      p.vocab = vocabFromHex(it->second);
    } catch (const std::runtime_error &e) {
      throw std::runtime_error(path + ": metadata 'gptc.vocab_hex': " + e.what());
    }
  }
}

} // namespace gptc
