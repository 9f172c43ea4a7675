// A compiled model's state in the runtime: parameters, optimizer state, the
// input batch, and the calls into the generated step functions (gptc/abi.h).
#ifndef GPTC_RUNTIME_MODEL_H
#define GPTC_RUNTIME_MODEL_H

#include "gptc/dataset.h"
#include "gptc/manifest.h"
#include "gptc/settings.h"
#include "gptc/tensor.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gptc {

class CudaBackend;
struct StepBuffer;

class Model {
public:
  /// A model compiled for the GPU (manifest.cuda) opens the CUDA backend here,
  /// before any data is read: without a driver this throws a one-line error.
  explicit Model(const Manifest &manifest);
  ~Model();
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;

  const Manifest &m;
  std::vector<Tensor> params, state; // state: per state kind, then per param
  std::vector<Tensor> inputs;        // the current batch (shaped for the current bucket)
  Tensor loss, out, hyper;
  Tensor rng; // [seed, training] for dropout, when the model has any

  /// Draws every parameter from its initializer with the counter-based RNG;
  /// zeroes the optimizer state.
  void initialize(uint64_t seed);

  /// Copies examples order[first .. first + batch) (or first.. when order is
  /// null) into the inputs; a partial last batch wraps around.
  void loadBatch(const Dataset &d, const std::vector<uint32_t> *order, int64_t first);

  /// The loss (and `out`) of the current batch. Without `wantOut`, `out` is
  /// left as it was where that saves work (on the GPU it is not copied down:
  /// a text evaluation reads only the loss).
  double forward(bool wantOut = true);
  /// Sequence-to-sequence models (compiled with @encode / @decode): encode()
  /// computes `memory` from the params and the first input (the source);
  /// decode() computes what forward() does from `memory` and the other inputs,
  /// without the encoder. Every memory tensor is batch-major: row b's values
  /// are the contiguous numel / B elements at b * numel / B.
  bool hasEncoder() const;
  std::vector<Tensor> memory; // the current bucket's (empty until encode())
  void encode();
  double decode();
  /// Incremental decoding (@decode_step, from gptc-incremental-decode): row b
  /// computes the logits of target position p = position[b] only, from token
  /// = tgt[b, p], slot (1 at [b, p], 0 elsewhere), and the caches [N, T, D]
  /// holding the keys and values of every self-attention at positions < p
  /// (zeros from p on; row b owns rows b * N / B .. of each). tgt (inputs[1])
  /// still holds the prefix padded with <pad>: it hides the empty slots.
  /// decodeStep() writes `out` [B, 1, V] and each cache's new [N, 1, D] row.
  struct StepBuffers {
    Tensor token, position, slot, out;
    std::vector<Tensor> caches, newRows;
  };
  bool hasDecodeStep() const;
  StepBuffers &stepBuffers(); // the current bucket's
  void decodeStep();
  /// The loss, and dloss/dparam for every param into `grads`.
  double grad(std::vector<Tensor> &grads);
  /// Dropout draws a fresh mask per seed while training and is off otherwise.
  void setDropout(uint64_t seed, bool training);
  /// Length buckets (a model compiled with `buckets`): bucket k's step
  /// functions run from now on, on inputs shaped [B, S_k] (the first input) and
  /// [B, T_k] (the others), `out` [B, T_k, ...]. Each bucket keeps its buffers.
  int64_t buckets() const { return std::max<int64_t>(1, (int64_t)m.train.buckets.size()); }
  int64_t bucket() const { return bucket_; }
  void selectBucket(int64_t k);
  /// One optimizer step (`step` counts from 0) at learning rate `lr`; returns
  /// the loss before it. `whileRunning` (if any) runs once the step's inputs
  /// are taken: on the GPU while the step computes, on the CPU after it (the
  /// training loop loads the next batch there).
  double trainStep(const Settings &s, int64_t step, double lr, const std::function<void()> &whileRunning = nullptr);
  double trainStep(const Settings &s, int64_t step) { return trainStep(s, step, s.lr); }
  /// One optimizer step from gradients the caller computed (accumulated).
  void applyGrads(const std::vector<Tensor> &grads, const Settings &s, int64_t step, double lr);

  /// Params by their DSL names, then optimizer.<param>.<state kind>: on the
  /// GPU, first copied down from the device (the host copies are current).
  std::vector<std::pair<std::string, const Tensor *>> namedState() const;
  /// On the GPU: the host tensors of params and state are current after
  /// weightsToHost(); after the host wrote them (a checkpoint loaded, a
  /// gradient check's nudge), weightsChangedOnHost() has them copied up
  /// before the next step. On the CPU both do nothing.
  void weightsToHost() const;
  void weightsChangedOnHost();

private:
  /// Calls a step function on `buffers` (gptc/abi.h order), on the GPU
  /// through the backend.
  void call(void (*step)(void **), const std::vector<StepBuffer> &buffers,
            const std::function<void()> &whileRunning = nullptr);
  CudaBackend *cuda_ = nullptr;
  // Params and state are double-buffered: a step reads one copy and writes the
  // other, then they swap.
  std::vector<Tensor> nextParams_, nextState_;
  // The buffers of the buckets not selected (empty until first selected).
  int64_t bucket_ = 0;
  std::vector<std::vector<Tensor>> parkedInputs_;
  std::vector<Tensor> parkedOut_;
  std::vector<std::vector<Tensor>> parkedMemory_;
  std::vector<std::unique_ptr<StepBuffers>> stepBuffers_; // per bucket
};

} // namespace gptc

#endif
