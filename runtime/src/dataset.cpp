#include "gptc/dataset.h"

#include "gptc/idx.h"
#include "gptc/rng.h"

#include <algorithm>
#include <stdexcept>
#include <sys/stat.h>

namespace gptc {

int64_t perSample(const ManifestTensor &t) {
  int64_t n = 1;
  for (size_t i = 1; i < t.shape.size(); ++i)
    n *= t.shape[i];
  return n;
}

namespace {

/// Turns images + labels into the model's two inputs: pixels, and either
/// one-hot rows (f32[B, C]) or class indices (i32[B]).
Dataset imagesToDataset(const ImageSet &set, int64_t begin, int64_t end, const Manifest &m,
                        const std::string &what) {
  if (m.inputs.size() != 2)
    throw std::runtime_error("idx_images data needs a model with two inputs (images, labels); '" +
                             m.model + "' has " + std::to_string(m.inputs.size()));
  const ManifestTensor &x = m.inputs[0], &y = m.inputs[1];
  int64_t pixels = set.rows * set.cols;
  if (x.dtype == DType::I32 || perSample(x) != pixels)
    throw std::runtime_error(what + " images are " + std::to_string(set.rows) + "x" + std::to_string(set.cols) +
                             " (" + std::to_string(pixels) + " values) but model input '" + x.name +
                             "' holds " + std::to_string(perSample(x)) + " floats per example");
  bool oneHot = y.dtype != DType::I32;
  int64_t classes = oneHot ? perSample(y) : (m.hasOutput ? m.outputShape.back() : 0);
  if (!oneHot && perSample(y) != 1)
    throw std::runtime_error("model input '" + y.name + "' must be i32[B] (class indices) or f32[B, C] (one-hot)");
  Dataset d;
  d.count = end - begin;
  d.columns.resize(2);
  d.columns[0].assign(set.pixels.begin() + begin * pixels, set.pixels.begin() + end * pixels);
  d.labels.assign(set.labels.begin() + begin, set.labels.begin() + end);
  for (int32_t label : d.labels)
    if (label < 0 || (classes > 0 && label >= classes))
      throw std::runtime_error(what + " has label " + std::to_string(label) + " but the model has " +
                               std::to_string(classes) + " classes");
  if (oneHot) {
    d.columns[1].assign(d.count * classes, 0.0f);
    for (int64_t i = 0; i < d.count; ++i)
      d.columns[1][i * classes + d.labels[i]] = 1.0f;
  } else {
    d.columns[1].assign(d.labels.begin(), d.labels.end());
  }
  return d;
}

/// Synthetic data for tests: normal floats; class indices for i32 inputs.
Dataset randomDataset(const Manifest &m, int64_t count, uint64_t seed, uint64_t part) {
  Dataset d;
  d.count = count;
  int64_t classes = m.hasOutput ? m.outputShape.back() : 2;
  for (size_t c = 0; c < m.inputs.size(); ++c) {
    const ManifestTensor &t = m.inputs[c];
    std::vector<float> col(count * perSample(t));
    uint64_t stream = kStreamData + part * 64 + c;
    for (size_t i = 0; i < col.size(); ++i)
      col[i] = t.dtype == DType::I32 ? (float)(int64_t)(uniformAt(seed, stream, i) * classes)
                                     : (float)normalAt(seed, stream, i);
    if (t.dtype == DType::I32 && perSample(t) == 1)
      d.labels.assign(col.begin(), col.end());
    d.columns.push_back(std::move(col));
  }
  return d;
}

} // namespace

Splits loadData(const Settings &s, const Manifest &m) {
  Splits out;
  if (s.data == DataKind::Random) {
    out.train = randomDataset(m, m.train.batch * 8, s.seed, 0);
    out.val = randomDataset(m, m.train.batch * 2, s.seed, 1);
    out.test = randomDataset(m, m.train.batch * 2, s.seed, 2);
    return out;
  }
  struct stat st;
  if (stat(s.dataDir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw std::runtime_error("data directory " + s.dataDir + " does not exist (pass --data DIR; "
                             "Fashion-MNIST is Debian's dataset-fashion-mnist package)");
  ImageSet train = loadIdxImages(s.dataDir, "train");
  ImageSet test = loadIdxImages(s.dataDir, "t10k");
  int64_t holdout = std::min<int64_t>(s.validation, train.count);
  int64_t trainCount = train.count - holdout;
  if (s.maxTrain > 0)
    trainCount = std::min(trainCount, s.maxTrain);
  out.train = imagesToDataset(train, 0, trainCount, m, "training set");
  out.val = imagesToDataset(train, train.count - holdout, train.count, m, "validation set");
  out.test = imagesToDataset(test, 0, test.count, m, "test set");
  if (out.train.count < m.train.batch)
    throw std::runtime_error("the training set has " + std::to_string(out.train.count) +
                             " examples, fewer than one batch of " + std::to_string(m.train.batch));
  return out;
}

} // namespace gptc
