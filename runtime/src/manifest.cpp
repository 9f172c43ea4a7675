#include "gptc/manifest.h"

#include <sstream>
#include <stdexcept>

namespace gptc {

std::vector<std::string> Manifest::stateNames() const {
  if (optimizer == "adamw")
    return {"m", "v"};
  return {"velocity"};
}

static std::vector<int64_t> readShape(std::istringstream &is) {
  int rank = 0;
  is >> rank;
  std::vector<int64_t> shape(rank);
  for (int i = 0; i < rank; ++i)
    is >> shape[i];
  return shape;
}

Manifest parseManifest(const std::string &text) {
  Manifest m;
  std::istringstream lines(text);
  std::string line;
  bool sawHeader = false;
  while (std::getline(lines, line)) {
    if (line.empty())
      continue;
    std::istringstream is(line);
    std::string key;
    is >> key;
    if (key == "gptc-manifest") {
      int version = 0;
      is >> version;
      if (version != 1)
        throw std::runtime_error("unsupported model manifest version " + std::to_string(version));
      sawHeader = true;
    } else if (key == "dtype") {
      std::string t;
      is >> t;
      m.floatType = t == "f64" ? DType::F64 : DType::F32;
    } else if (key == "model") {
      is >> m.model;
    } else if (key == "input") {
      ManifestTensor t;
      std::string elem;
      is >> t.name >> elem;
      t.dtype = elem == "i32" ? DType::I32 : m.floatType;
      t.shape = readShape(is);
      m.inputs.push_back(t);
    } else if (key == "param") {
      ManifestTensor t;
      is >> t.name >> t.init >> t.a >> t.b;
      t.dtype = m.floatType;
      t.shape = readShape(is);
      m.params.push_back(t);
    } else if (key == "output") {
      std::string name;
      is >> name;
      m.hasOutput = true;
      m.outputShape = readShape(is);
    } else if (key == "optimizer") {
      is >> m.optimizer >> m.train.lr >> m.train.momentum >> m.train.weightDecay >> m.train.beta1 >>
          m.train.beta2 >> m.train.eps;
    } else if (key == "data") {
      is >> m.train.data;
      std::getline(is >> std::ws, m.train.dataDir);
    } else if (key == "batch") {
      is >> m.train.batch;
    } else if (key == "epochs") {
      is >> m.train.epochs;
    } else if (key == "steps") {
      is >> m.train.steps;
    } else if (key == "seed") {
      is >> m.train.seed;
    } else if (key == "validation") {
      is >> m.train.validation;
    } else if (key == "eval") {
      is >> m.train.evalInterval >> m.train.evalIters;
    } else if (key == "accum") {
      is >> m.train.gradAccum;
    } else if (key == "clip") {
      is >> m.train.clip;
    } else if (key == "schedule") {
      is >> m.train.schedule >> m.train.warmup >> m.train.minLr >> m.train.decaySteps;
    } else if (key == "rng") {
      m.hasRng = true;
    }
    if (is.fail())
      throw std::runtime_error("malformed model manifest line: " + line);
  }
  if (!sawHeader)
    throw std::runtime_error("model manifest is missing its header");
  return m;
}

} // namespace gptc
