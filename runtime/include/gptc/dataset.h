// Training data as the model's inputs see it: one column per model input,
// `perSample` values per example, plus the class of each example for accuracy.
#ifndef GPTC_RUNTIME_DATASET_H
#define GPTC_RUNTIME_DATASET_H

#include "gptc/settings.h"

#include <cstdint>
#include <vector>

namespace gptc {

struct Dataset {
  int64_t count = 0;
  std::vector<std::vector<float>> columns;
  std::vector<int32_t> labels; // class of each example, when known (accuracy)
};

struct Splits {
  Dataset train, val, test;
};

/// Values per example of a model input (its shape without the batch dimension).
int64_t perSample(const ManifestTensor &t);

/// Loads the train section's data source: for idx_images, the training set
/// minus `validation` held-out images, those images, and the t10k test set.
/// Throws std::runtime_error naming the file and the problem.
Splits loadData(const Settings &s, const Manifest &m);

} // namespace gptc

#endif
