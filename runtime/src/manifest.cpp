#include "gptc/manifest.h"

#include <nlohmann/json.hpp>

#include <set>
#include <stdexcept>

namespace gptc {
namespace {

using nlohmann::json;
namespace key = manifest_key;

[[noreturn]] void fail(const std::string &where, const std::string &what) {
  throw std::runtime_error("model manifest: " + where + ": " + what);
}

/// One JSON object of the manifest, read field by field: every key must be
/// known (`expect` lists them), and each read checks the type.
class ObjectReader {
public:
  ObjectReader(const json &j, std::string where, std::set<std::string> known) : j_(j), where_(std::move(where)) {
    if (!j.is_object())
      fail(where_, "expected an object");
    for (auto &[k, v] : j.items())
      if (!known.count(k))
        fail(where_, "unknown key '" + k + "'");
  }
  bool has(const char *k) const { return j_.contains(k); }
  const json &at(const char *k) const {
    if (!j_.contains(k))
      fail(where_, "missing key '" + std::string(k) + "'");
    return j_.at(k);
  }
  std::string string(const char *k) const {
    const json &v = at(k);
    if (!v.is_string())
      fail(path(k), "expected a string");
    return v.get<std::string>();
  }
  int64_t integer(const char *k) const {
    const json &v = at(k);
    if (!v.is_number_integer())
      fail(path(k), "expected an integer");
    return v.get<int64_t>();
  }
  double number(const char *k) const {
    const json &v = at(k);
    if (!v.is_number())
      fail(path(k), "expected a number");
    return v.get<double>();
  }
  bool boolean(const char *k) const {
    const json &v = at(k);
    if (!v.is_boolean())
      fail(path(k), "expected true or false");
    return v.get<bool>();
  }
  std::vector<int64_t> shape(const char *k) const {
    const json &v = at(k);
    if (!v.is_array())
      fail(path(k), "expected an array of dimensions");
    std::vector<int64_t> dims;
    for (const json &d : v) {
      if (!d.is_number_integer() || d.get<int64_t>() < 1)
        fail(path(k), "expected positive integer dimensions");
      dims.push_back(d.get<int64_t>());
    }
    return dims;
  }
  template <typename Kind>
  Kind kind(const char *k, std::optional<Kind> (*parse)(std::string_view), const std::string &choices) const {
    std::string word = string(k);
    std::optional<Kind> parsed = parse(word);
    if (!parsed)
      fail(path(k), "'" + word + "' is not one of " + choices);
    return *parsed;
  }
  std::string path(const char *k) const { return where_ + "." + k; }

private:
  const json &j_;
  std::string where_;
};

DType floatTypeOf(const std::string &name, const std::string &where) {
  if (name == "f32")
    return DType::F32;
  if (name == "f64")
    return DType::F64;
  fail(where, "expected \"f32\" or \"f64\", got '" + name + "'");
}

TrainSettings readTrain(const json &j) {
  ObjectReader r(j, key::kTrain,
                 {key::kData, key::kDataDir, key::kBatch, key::kEpochs, key::kSteps, key::kSeed, key::kValidation,
                  key::kEvalInterval, key::kEvalIters, key::kGradAccum, key::kClip, key::kOptimizer, key::kLr,
                  key::kMomentum, key::kWeightDecay, key::kBeta1, key::kBeta2, key::kEps, key::kSchedule,
                  key::kWarmup, key::kDecaySteps, key::kMinLr, key::kNoamDModel, key::kNoamScale, key::kSrcLang,
                  key::kTgtLang, key::kMinCount, key::kSrcVocab, key::kTgtVocab, key::kSharedVocab, key::kBuckets});
  TrainSettings t;
  t.data = r.kind<DataKind>(key::kData, parseDataKind, dataKindChoices());
  t.dataDir = r.string(key::kDataDir);
  t.batch = r.integer(key::kBatch);
  t.epochs = r.integer(key::kEpochs);
  t.steps = r.integer(key::kSteps);
  t.seed = r.integer(key::kSeed);
  t.validation = r.integer(key::kValidation);
  t.evalInterval = r.integer(key::kEvalInterval);
  t.evalIters = r.integer(key::kEvalIters);
  t.gradAccum = r.integer(key::kGradAccum);
  t.clip = r.number(key::kClip);
  t.optimizer = r.kind<OptimizerKind>(key::kOptimizer, parseOptimizerKind, optimizerKindChoices());
  t.lr = r.number(key::kLr);
  t.momentum = r.number(key::kMomentum);
  t.weightDecay = r.number(key::kWeightDecay);
  t.beta1 = r.number(key::kBeta1);
  t.beta2 = r.number(key::kBeta2);
  t.eps = r.number(key::kEps);
  t.schedule = r.kind<ScheduleKind>(key::kSchedule, parseScheduleKind, scheduleKindChoices());
  t.warmup = r.integer(key::kWarmup);
  t.decaySteps = r.integer(key::kDecaySteps);
  t.minLr = r.number(key::kMinLr);
  t.noamDModel = r.number(key::kNoamDModel);
  t.noamScale = r.number(key::kNoamScale);
  t.srcLang = r.string(key::kSrcLang);
  t.tgtLang = r.string(key::kTgtLang);
  t.minCount = r.integer(key::kMinCount);
  t.srcVocab = r.integer(key::kSrcVocab);
  t.tgtVocab = r.integer(key::kTgtVocab);
  t.sharedVocab = r.boolean(key::kSharedVocab);
  const json &buckets = r.at(key::kBuckets);
  if (!buckets.is_array() || (int64_t)buckets.size() > kMaxBuckets)
    fail(r.path(key::kBuckets), "must be a list of at most " + std::to_string(kMaxBuckets) + " [S, T] pairs");
  for (const json &b : buckets) {
    if (!b.is_array() || b.size() != 2 || !b[0].is_number_integer() || !b[1].is_number_integer() || b[0] < 1 ||
        b[1] < 1)
      fail(r.path(key::kBuckets), "must hold [S, T] pairs of positive integers");
    t.buckets.push_back({b[0].get<int64_t>(), b[1].get<int64_t>()});
  }
  if (t.batch < 1)
    fail(r.path(key::kBatch), "must be positive");
  if (t.gradAccum < 1)
    fail(r.path(key::kGradAccum), "must be positive");
  return t;
}

nlohmann::ordered_json trainToJson(const TrainSettings &t) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j[key::kData] = spelling(t.data);
  j[key::kDataDir] = t.dataDir;
  j[key::kBatch] = t.batch;
  j[key::kEpochs] = t.epochs;
  j[key::kSteps] = t.steps;
  j[key::kSeed] = t.seed;
  j[key::kValidation] = t.validation;
  j[key::kEvalInterval] = t.evalInterval;
  j[key::kEvalIters] = t.evalIters;
  j[key::kGradAccum] = t.gradAccum;
  j[key::kClip] = t.clip;
  j[key::kOptimizer] = spelling(t.optimizer);
  j[key::kLr] = t.lr;
  j[key::kMomentum] = t.momentum;
  j[key::kWeightDecay] = t.weightDecay;
  j[key::kBeta1] = t.beta1;
  j[key::kBeta2] = t.beta2;
  j[key::kEps] = t.eps;
  j[key::kSchedule] = spelling(t.schedule);
  j[key::kWarmup] = t.warmup;
  j[key::kDecaySteps] = t.decaySteps;
  j[key::kMinLr] = t.minLr;
  j[key::kNoamDModel] = t.noamDModel;
  j[key::kNoamScale] = t.noamScale;
  j[key::kSrcLang] = t.srcLang;
  j[key::kTgtLang] = t.tgtLang;
  j[key::kMinCount] = t.minCount;
  j[key::kSrcVocab] = t.srcVocab;
  j[key::kTgtVocab] = t.tgtVocab;
  j[key::kSharedVocab] = t.sharedVocab;
  j[key::kBuckets] = t.buckets;
  return j;
}

} // namespace

Manifest parseManifest(const std::string &text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    fail("the embedded text", "not valid JSON");
  ObjectReader r(j, "manifest",
                 {key::kFormat, key::kDType, key::kModel, key::kInputs, key::kParams, key::kOutput, key::kRng,
                  key::kTarget, key::kMatmulPrecision, key::kTrain});
  int64_t version = r.integer(key::kFormat);
  if (version != key::kVersion)
    fail(r.path(key::kFormat), "version " + std::to_string(version) + ", but this runtime reads version " +
                                   std::to_string(key::kVersion) + " (recompile the model)");
  Manifest m;
  m.floatType = floatTypeOf(r.string(key::kDType), r.path(key::kDType));
  m.model = r.string(key::kModel);
  auto list = [&](const char *k) -> const json & {
    const json &v = r.at(k);
    if (!v.is_array())
      fail(r.path(k), "expected an array");
    return v;
  };
  int index = 0;
  for (const json &in : list(key::kInputs)) {
    ObjectReader t(in, "inputs[" + std::to_string(index++) + "]", {key::kName, key::kDType, key::kShape});
    ManifestTensor tensor;
    tensor.name = t.string(key::kName);
    std::string dtype = t.string(key::kDType);
    tensor.dtype = dtype == "i32" ? DType::I32 : floatTypeOf(dtype, t.path(key::kDType));
    if (tensor.dtype != DType::I32 && tensor.dtype != m.floatType)
      fail(t.path(key::kDType), "a float input must have the model's dtype");
    tensor.shape = t.shape(key::kShape);
    m.inputs.push_back(tensor);
  }
  index = 0;
  for (const json &p : list(key::kParams)) {
    ObjectReader t(p, "params[" + std::to_string(index++) + "]",
                   {key::kName, key::kShape, key::kInit, key::kInitA, key::kInitB});
    ManifestTensor tensor;
    tensor.name = t.string(key::kName);
    tensor.dtype = m.floatType;
    tensor.shape = t.shape(key::kShape);
    tensor.init = t.kind<InitKind>(key::kInit, parseInitKind, initKindChoices());
    tensor.a = t.number(key::kInitA);
    tensor.b = t.number(key::kInitB);
    m.params.push_back(tensor);
  }
  if (r.has(key::kOutput)) {
    ObjectReader o(r.at(key::kOutput), r.path(key::kOutput), {key::kShape});
    m.hasOutput = true;
    m.outputShape = o.shape(key::kShape);
  }
  m.hasRng = r.boolean(key::kRng);
  if (r.has(key::kTarget)) {
    std::string target = r.string(key::kTarget);
    if (target != "cuda")
      fail(r.path(key::kTarget), "'" + target + "', but this runtime knows only 'cuda' (absent: the CPU)");
    m.cuda = true;
  }
  if (r.has(key::kMatmulPrecision)) {
    std::string precision = r.string(key::kMatmulPrecision);
    if (precision != "bf16")
      fail(r.path(key::kMatmulPrecision), "'" + precision + "', but this runtime knows only 'bf16' (absent: f32)");
    m.bf16Matmuls = true;
  }
  m.train = readTrain(r.at(key::kTrain));
  return m;
}

std::string manifestToJson(const Manifest &m) {
  using json = nlohmann::ordered_json; // the compiler's key order
  json j = json::object();
  j[key::kFormat] = key::kVersion;
  j[key::kDType] = m.floatType == DType::F64 ? "f64" : "f32";
  j[key::kModel] = m.model;
  j[key::kInputs] = json::array();
  for (const ManifestTensor &t : m.inputs)
    j[key::kInputs].push_back({{key::kName, t.name},
                               {key::kDType, t.dtype == DType::I32 ? "i32" : j[key::kDType].get<std::string>()},
                               {key::kShape, t.shape}});
  j[key::kParams] = json::array();
  for (const ManifestTensor &t : m.params)
    j[key::kParams].push_back({{key::kName, t.name},
                               {key::kShape, t.shape},
                               {key::kInit, spelling(t.init)},
                               {key::kInitA, t.a},
                               {key::kInitB, t.b}});
  if (m.hasOutput)
    j[key::kOutput] = {{key::kShape, m.outputShape}};
  j[key::kRng] = m.hasRng;
  if (m.cuda)
    j[key::kTarget] = "cuda";
  if (m.bf16Matmuls)
    j[key::kMatmulPrecision] = "bf16";
  j[key::kTrain] = trainToJson(m.train);
  return j.dump(2);
}

} // namespace gptc
