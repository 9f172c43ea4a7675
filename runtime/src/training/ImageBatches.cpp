// Images by epoch (idx_images, random): each epoch a fresh seeded permutation
// of the training set; evaluation over the whole val and test sets, with the
// accuracy when the model assigns class scores to `out`.
#include "gptc/dataset.h"
#include "gptc/rng.h"
#include "gptc/training.h"

#include <algorithm>

namespace gptc {
namespace {

class ImageBatches : public BatchSource {
public:
  explicit ImageBatches(Splits data) : data_(std::move(data)) {}

  std::string describe(const Model &model, const Settings &s) const override {
    return "model " + model.m.model + ": " + std::to_string(model.params.size()) + " param tensors, " +
           std::to_string(data_.train.count) + " train / " + std::to_string(data_.val.count) + " val / " +
           std::to_string(data_.test.count) + " test examples, batch " + std::to_string(s.batch) +
           (s.gradAccum > 1 ? " x " + std::to_string(s.gradAccum) + " micro-batches" : "") + ", " +
           std::to_string(stepsPerEpoch(s)) + " steps per epoch";
  }
  int64_t stepsPerEpoch(const Settings &s) const override {
    return std::max<int64_t>(1, data_.train.count / s.batch / s.gradAccum);
  }
  int64_t totalSteps(const Settings &s) const override {
    return s.steps > 0 ? s.steps : s.epochs * stepsPerEpoch(s);
  }
  bool evaluatesAt(int64_t stepsDone, const Settings &s) const override {
    if (s.evalInterval > 0)
      return stepsDone % s.evalInterval == 0;
    return stepsDone > 0 && stepsDone % stepsPerEpoch(s) == 0; // every epoch
  }
  void loadTrainBatch(Model &model, const Settings &s, int64_t index) override {
    int64_t perEpoch = stepsPerEpoch(s) * s.gradAccum;
    int64_t epoch = index / perEpoch;
    if (epoch != orderEpoch_) {
      order_ = permutation(s.seed, kStreamShuffle + epoch, (uint32_t)data_.train.count);
      orderEpoch_ = epoch;
    }
    model.loadBatch(data_.train, &order_, (index % perEpoch) * s.batch);
  }
  Evaluation evaluate(Model &model, const Settings &s, int64_t, double runningLoss) override {
    Evaluation e;
    e.trainLoss = runningLoss;
    measure(model, data_.val, e.valLoss, e.valAccuracy);
    measure(model, data_.test, e.testLoss, e.testAccuracy);
    return e;
  }
  int64_t batchItems(const Model &model) const override { return model.m.train.batch; }
  const char *itemName() const override { return "examples"; }

private:
  /// The mean loss over a whole split (a padded last batch counts by its real
  /// examples), and the accuracy when `out` holds class scores [B, C].
  static void measure(Model &model, const Dataset &d, double &loss, double &accuracy) {
    if (d.count == 0)
      return;
    int64_t B = model.m.train.batch, correct = 0, seen = 0;
    double lossSum = 0;
    bool scores = model.m.hasOutput && model.m.outputShape.size() == 2 && (int64_t)d.labels.size() == d.count;
    model.setDropout(0, false);
    for (int64_t first = 0; first < d.count; first += B) {
      int64_t real = std::min(B, d.count - first);
      model.loadBatch(d, nullptr, first);
      lossSum += model.forward() * real;
      seen += real;
      if (!scores)
        continue;
      int64_t classes = model.m.outputShape.back();
      for (int64_t b = 0; b < real; ++b) {
        int64_t best = 0;
        for (int64_t c = 1; c < classes; ++c)
          if (model.out.get(b * classes + c) > model.out.get(b * classes + best))
            best = c;
        correct += best == d.labels[first + b];
      }
    }
    loss = lossSum / seen;
    if (scores)
      accuracy = (double)correct / (double)seen;
  }

  Splits data_;
  std::vector<uint32_t> order_;
  int64_t orderEpoch_ = -1;
};

} // namespace

std::unique_ptr<BatchSource> makeImageBatches(const Manifest &m, const Settings &s) {
  return std::make_unique<ImageBatches>(loadData(s, m));
}

} // namespace gptc
