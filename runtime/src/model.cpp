#include "gptc/model.h"

#include "gptc/abi.h"
#include "gptc/cuda_backend.h"
#include "gptc/rng.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace gptc {
namespace {

/// The step functions of one compiled shape.
struct StepFunctions {
  void (*forward)(void **), (*grad)(void **), (*trainStep)(void **), (*applyGrads)(void **);
  void (*encode)(void **), (*decode)(void **); // sequence-to-sequence models only
  const char *encoderOutputs;                 // the memory's types, one line per tensor
  void (*decodeStep)(void **);                // incremental decoding, when the compiler could derive it
  const char *decodeCaches;                   // its caches' types, one line per tensor
};

#define GPTC_BUCKET(k)                                                                                             \
  {gptc_forward_##k, gptc_grad_##k,   gptc_train_step_##k,     gptc_apply_grads_##k,                            \
   gptc_encode_##k,  gptc_decode_##k, gptc_encoder_outputs_##k, gptc_decode_step_##k, gptc_decode_caches_##k}
const StepFunctions kBucketSteps[kMaxBuckets] = {
    {gptc_forward, gptc_grad, gptc_train_step, gptc_apply_grads, gptc_encode, gptc_decode, gptc_encoder_outputs,
     gptc_decode_step, gptc_decode_caches},
    GPTC_BUCKET(1), GPTC_BUCKET(2), GPTC_BUCKET(3), GPTC_BUCKET(4), GPTC_BUCKET(5), GPTC_BUCKET(6), GPTC_BUCKET(7),
    GPTC_BUCKET(8), GPTC_BUCKET(9), GPTC_BUCKET(10), GPTC_BUCKET(11)};
#undef GPTC_BUCKET

} // namespace

void Model::selectBucket(int64_t k) {
  if (k == bucket_)
    return;
  if (k < 0 || k >= buckets())
    throw std::runtime_error("bucket " + std::to_string(k) + " of a model compiled for " +
                             std::to_string(buckets()) + " shapes");
  if (!kBucketSteps[k].trainStep)
    throw std::runtime_error("this executable lacks the step functions of bucket " + std::to_string(k) +
                             " (recompile the model)");
  parkedInputs_.resize(buckets());
  parkedOut_.resize(buckets());
  parkedMemory_.resize(buckets());
  std::swap(inputs, parkedInputs_[bucket_]);
  std::swap(out, parkedOut_[bucket_]);
  std::swap(memory, parkedMemory_[bucket_]);
  bucket_ = k;
  std::swap(inputs, parkedInputs_[k]);
  std::swap(out, parkedOut_[k]);
  std::swap(memory, parkedMemory_[k]);
  if (!inputs.empty())
    return;
  // First use: the first input is [B, S_k], the others [B, T_k], out [B, T_k, ...].
  const std::vector<int64_t> &lengths = m.train.buckets[k];
  for (size_t c = 0; c < m.inputs.size(); ++c) {
    std::vector<int64_t> shape = m.inputs[c].shape;
    if (shape.size() >= 2)
      shape[1] = lengths[c == 0 ? 0 : 1];
    inputs.emplace_back(m.inputs[c].dtype, shape);
  }
  if (m.hasOutput) {
    std::vector<int64_t> shape = m.outputShape;
    if (shape.size() >= 2)
      shape[1] = lengths[1];
    out = Tensor(m.floatType, shape);
  }
}

Model::Model(const Manifest &manifest) : m(manifest) {
  for (auto &p : m.params)
    params.emplace_back(m.floatType, p.shape);
  for (size_t k = 0; k < m.stateNames().size(); ++k)
    for (auto &p : m.params)
      state.emplace_back(m.floatType, p.shape);
  for (auto &in : m.inputs) {
    if (in.shape.empty() || in.shape[0] != m.train.batch)
      throw std::runtime_error("model input '" + in.name + "' does not start with the batch dimension");
    inputs.emplace_back(in.dtype, in.shape);
  }
  loss = Tensor(m.floatType, {});
  if (m.hasOutput)
    out = Tensor(m.floatType, m.outputShape);
  hyper = Tensor(m.floatType, {hyper::kSize});
  rng = Tensor(DType::I32, {2});
  rng.fill(0);
  if (m.cuda)
    cuda_ = &CudaBackend::open();
}

Model::~Model() {
  if (!cuda_)
    return;
  try {
    cuda_->forgetWeights();
  } catch (const std::exception &) {
    // Only bookkeeping failed, while the program is ending: nothing to report.
  }
}

void Model::call(void (*step)(void **), const std::vector<StepBuffer> &buffers,
                 const std::function<void()> &whileRunning) {
  if (cuda_)
    return cuda_->run(step, buffers, whileRunning);
  std::vector<void *> pointers;
  for (const StepBuffer &b : buffers)
    pointers.push_back(b.tensor->data());
  step(pointers.data());
  if (whileRunning)
    whileRunning();
}

void Model::weightsToHost() const {
  if (cuda_)
    cuda_->syncToHost();
}

void Model::weightsChangedOnHost() {
  if (cuda_)
    cuda_->hostChanged();
}

namespace {

/// Appends `tensors` to `buffers`, each used as `use`.
void add(std::vector<StepBuffer> &buffers, std::vector<Tensor> &tensors, BufferUse use) {
  for (Tensor &t : tensors)
    buffers.push_back({&t, use});
}

} // namespace

void Model::setDropout(uint64_t seed, bool training) {
  rng.as<int32_t>()[0] = (int32_t)(uint32_t)(seed ^ (seed >> 32));
  rng.as<int32_t>()[1] = training ? 1 : 0;
}

void Model::initialize(uint64_t seed) {
  for (size_t i = 0; i < params.size(); ++i) {
    const ManifestTensor &spec = m.params[i];
    Tensor &t = params[i];
    uint64_t stream = kStreamInit + i;
    double bound = 0;
    if (spec.init == InitKind::Xavier) {
      int64_t fanIn = spec.shape[spec.shape.size() - 2], fanOut = spec.shape.back();
      bound = std::sqrt(6.0 / (double)(fanIn + fanOut));
    }
    for (size_t j = 0; j < t.numel(); ++j) {
      double v = 0;
      switch (spec.init) {
      case InitKind::Normal: v = spec.a + spec.b * normalAt(seed, stream, j); break;
      case InitKind::Uniform: v = spec.a + (spec.b - spec.a) * uniformAt(seed, stream, j); break;
      case InitKind::Ones: v = 1; break;
      case InitKind::Xavier: v = -bound + 2 * bound * uniformAt(seed, stream, j); break;
      case InitKind::Zeros: break;
      }
      t.set(j, v);
    }
  }
  for (Tensor &t : state)
    t.fill(0);
  weightsChangedOnHost();
}

void Model::loadBatch(const Dataset &d, const std::vector<uint32_t> *order, int64_t first) {
  for (size_t c = 0; c < inputs.size(); ++c) {
    int64_t n = perSample(m.inputs[c]);
    Tensor &t = inputs[c];
    const std::vector<float> &col = d.columns[c];
    for (int64_t b = 0; b < m.train.batch; ++b) {
      int64_t pos = (first + b) % d.count; // a partial last batch wraps around
      int64_t example = order ? (*order)[pos] : pos;
      const float *src = col.data() + example * n;
      if (t.dtype() == DType::F32)
        std::memcpy(t.as<float>() + b * n, src, n * sizeof(float));
      else
        for (int64_t j = 0; j < n; ++j)
          t.set(b * n + j, src[j]);
    }
  }
}

double Model::forward(bool wantOut) {
  std::vector<StepBuffer> buffers;
  add(buffers, params, BufferUse::Weights);
  add(buffers, inputs, BufferUse::Input);
  if (m.hasRng) buffers.push_back({&rng, BufferUse::Input});
  buffers.push_back({&loss, BufferUse::Output});
  if (m.hasOutput) buffers.push_back({&out, wantOut ? BufferUse::Output : BufferUse::Discarded});
  call(kBucketSteps[bucket_].forward, buffers);
  return loss.get(0);
}

bool Model::hasEncoder() const {
  for (int64_t k = 0; k < buckets(); ++k)
    if (!kBucketSteps[k].encode || !kBucketSteps[k].decode || !kBucketSteps[k].encoderOutputs)
      return false;
  return true;
}

/// The batch-major tensors described by `text` (gptc::entry::kEncoderOutputsSymbol,
/// kDecodeCachesSymbol).
static std::vector<Tensor> memoryTensors(const char *text, int64_t batch) {
  std::vector<Tensor> memory;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string dtype;
    fields >> dtype;
    std::vector<int64_t> shape;
    for (int64_t d; fields >> d;)
      shape.push_back(d);
    if ((dtype != "f32" && dtype != "f64" && dtype != "i32") || shape.empty() || shape[0] % batch != 0)
      throw std::runtime_error("the compiled model describes an encoder output as '" + line +
                               "' (expected a batch-major f32, f64 or i32 tensor)");
    memory.emplace_back(dtype == "f32" ? DType::F32 : dtype == "f64" ? DType::F64 : DType::I32, shape);
  }
  return memory;
}

void Model::encode() {
  if (!hasEncoder())
    throw std::logic_error("Model::encode: the model was compiled without @encode / @decode");
  if (memory.empty())
    memory = memoryTensors(kBucketSteps[bucket_].encoderOutputs, m.train.batch);
  std::vector<StepBuffer> buffers;
  add(buffers, params, BufferUse::Weights);
  add(buffers, inputs, BufferUse::Input);
  if (m.hasRng) buffers.push_back({&rng, BufferUse::Input});
  add(buffers, memory, BufferUse::Output);
  call(kBucketSteps[bucket_].encode, buffers);
}

double Model::decode() {
  if (memory.empty())
    throw std::logic_error("Model::decode before Model::encode in this bucket");
  std::vector<StepBuffer> buffers;
  add(buffers, params, BufferUse::Weights);
  add(buffers, inputs, BufferUse::Input);
  if (m.hasRng) buffers.push_back({&rng, BufferUse::Input});
  add(buffers, memory, BufferUse::Input);
  buffers.push_back({&loss, BufferUse::Output});
  if (m.hasOutput) buffers.push_back({&out, BufferUse::Output});
  call(kBucketSteps[bucket_].decode, buffers);
  return loss.get(0);
}

bool Model::hasDecodeStep() const {
  if (!hasEncoder())
    return false;
  for (int64_t k = 0; k < buckets(); ++k)
    if (!kBucketSteps[k].decodeStep || !kBucketSteps[k].decodeCaches)
      return false;
  return true;
}

Model::StepBuffers &Model::stepBuffers() {
  if (!hasDecodeStep())
    throw std::logic_error("Model::stepBuffers: the model was compiled without @decode_step");
  stepBuffers_.resize((size_t)buckets());
  std::unique_ptr<StepBuffers> &s = stepBuffers_[(size_t)bucket_];
  if (!s) {
    s = std::make_unique<StepBuffers>();
    int64_t B = m.train.batch, T = inputs[1].shape()[1];
    s->token = Tensor(DType::I32, {B, 1});
    s->position = Tensor(DType::I32, {B, 1});
    s->slot = Tensor(m.floatType, {B, T});
    s->caches = memoryTensors(kBucketSteps[bucket_].decodeCaches, B);
    for (const Tensor &c : s->caches) {
      if (c.shape().size() != 3 || c.shape()[1] != T)
        throw std::runtime_error("the compiled model describes a decoding cache as " + c.shapeString() +
                                 " (expected [N, " + std::to_string(T) + ", D])");
      s->newRows.emplace_back(c.dtype(), std::vector<int64_t>{c.shape()[0], 1, c.shape()[2]});
    }
    std::vector<int64_t> shape = m.outputShape;
    shape[1] = 1;
    s->out = Tensor(m.floatType, shape);
  }
  return *s;
}

void Model::decodeStep() {
  if (memory.empty())
    throw std::logic_error("Model::decodeStep before Model::encode in this bucket");
  StepBuffers &s = stepBuffers();
  std::vector<StepBuffer> buffers;
  add(buffers, params, BufferUse::Weights);
  add(buffers, inputs, BufferUse::Input);
  if (m.hasRng) buffers.push_back({&rng, BufferUse::Input});
  add(buffers, memory, BufferUse::Input);
  buffers.push_back({&s.token, BufferUse::Input});
  buffers.push_back({&s.position, BufferUse::Input});
  buffers.push_back({&s.slot, BufferUse::Input});
  add(buffers, s.caches, BufferUse::Input);
  buffers.push_back({&s.out, BufferUse::Output});
  add(buffers, s.newRows, BufferUse::Output);
  call(kBucketSteps[bucket_].decodeStep, buffers);
}

double Model::grad(std::vector<Tensor> &grads) {
  grads.clear();
  for (auto &p : m.params)
    grads.emplace_back(m.floatType, p.shape);
  std::vector<StepBuffer> buffers;
  add(buffers, params, BufferUse::Weights);
  add(buffers, inputs, BufferUse::Input);
  if (m.hasRng) buffers.push_back({&rng, BufferUse::Input});
  buffers.push_back({&loss, BufferUse::Output});
  add(buffers, grads, BufferUse::Output);
  call(kBucketSteps[bucket_].grad, buffers);
  return loss.get(0);
}

/// The hyperparameter vector of a step, by the contract's named slots (see
/// nn.sgd_update / nn.adamw_update / nn.clip_scale).
static void fillHyper(Tensor &h, const Manifest &m, const Settings &s, int64_t step, double lr) {
  double t = (double)(step + 1);
  std::vector<double> v(hyper::kSize, 0.0);
  switch (m.train.optimizer) {
  case OptimizerKind::AdamW:
    v[hyper::kAdamLr] = lr;
    v[hyper::kAdamBeta1] = s.beta1;
    v[hyper::kAdamBeta2] = s.beta2;
    v[hyper::kAdamEps] = s.eps;
    v[hyper::kAdamWeightDecay] = s.weightDecay;
    v[hyper::kAdamBiasCorrection1] = 1 - std::pow(s.beta1, t);
    v[hyper::kAdamBiasCorrection2] = 1 - std::pow(s.beta2, t);
    v[hyper::kAdamOneMinusBeta1] = 1 - s.beta1;
    v[hyper::kAdamOneMinusBeta2] = 1 - s.beta2;
    break;
  case OptimizerKind::Sgd:
    v[hyper::kSgdLr] = lr;
    v[hyper::kSgdMomentum] = s.momentum;
    v[hyper::kSgdWeightDecay] = s.weightDecay;
    break;
  }
  v[hyper::kClipMaxNorm] = s.clip;
  for (int64_t i = 0; i < hyper::kSize; ++i)
    h.set(i, v[i]);
}

double Model::trainStep(const Settings &s, int64_t step, double lr, const std::function<void()> &whileRunning) {
  if (nextParams_.empty()) {
    nextParams_ = params;
    nextState_ = state;
  }
  fillHyper(hyper, m, s, step, lr);
  std::vector<StepBuffer> buffers;
  add(buffers, params, BufferUse::Weights);
  add(buffers, state, BufferUse::Weights);
  add(buffers, inputs, BufferUse::Input);
  if (m.hasRng) buffers.push_back({&rng, BufferUse::Input});
  buffers.push_back({&hyper, BufferUse::Input});
  buffers.push_back({&loss, BufferUse::Output});
  add(buffers, nextParams_, BufferUse::NewWeights);
  add(buffers, nextState_, BufferUse::NewWeights);
  call(kBucketSteps[bucket_].trainStep, buffers, whileRunning);
  std::swap(params, nextParams_);
  std::swap(state, nextState_);
  return loss.get(0);
}

void Model::applyGrads(const std::vector<Tensor> &grads, const Settings &s, int64_t step, double lr) {
  if (nextParams_.empty()) {
    nextParams_ = params;
    nextState_ = state;
  }
  fillHyper(hyper, m, s, step, lr);
  std::vector<StepBuffer> buffers;
  add(buffers, params, BufferUse::Weights);
  add(buffers, state, BufferUse::Weights);
  add(buffers, const_cast<std::vector<Tensor> &>(grads), BufferUse::Input); // only read
  buffers.push_back({&hyper, BufferUse::Input});
  add(buffers, nextParams_, BufferUse::NewWeights);
  add(buffers, nextState_, BufferUse::NewWeights);
  call(kBucketSteps[bucket_].applyGrads, buffers);
  std::swap(params, nextParams_);
  std::swap(state, nextState_);
}

std::vector<std::pair<std::string, const Tensor *>> Model::namedState() const {
  weightsToHost();
  std::vector<std::pair<std::string, const Tensor *>> named;
  for (size_t i = 0; i < params.size(); ++i)
    named.emplace_back(m.params[i].name, &params[i]);
  std::vector<std::string> kinds = m.stateNames();
  for (size_t k = 0; k < kinds.size(); ++k)
    for (size_t i = 0; i < params.size(); ++i)
      named.emplace_back("optimizer." + m.params[i].name + "." + kinds[k], &state[k * params.size() + i]);
  return named;
}

} // namespace gptc
