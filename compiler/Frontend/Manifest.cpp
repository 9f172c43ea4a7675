#include "compiler/Frontend/Manifest.h"

#include "gptc/contract.h"

#include <nlohmann/json.hpp>

namespace gptc {

namespace key = manifest_key;
using nlohmann::ordered_json;

std::string buildManifest(const CheckedProgram &p, const std::string &dtype, bool cuda,
                          const std::string &matmulPrecision) {
  ordered_json j;
  j[key::kFormat] = key::kVersion;
  j[key::kDType] = dtype;
  j[key::kModel] = p.model->name;
  j[key::kInputs] = ordered_json::array();
  for (const InputInfo &in : p.inputs)
    j[key::kInputs].push_back(
        {{key::kName, in.name}, {key::kDType, in.elem == ElemType::I32 ? "i32" : dtype}, {key::kShape, in.shape}});
  j[key::kParams] = ordered_json::array();
  for (const ParamInfo &param : p.params)
    j[key::kParams].push_back({{key::kName, param.name},
                               {key::kShape, param.shape},
                               {key::kInit, spelling(param.init.kind)},
                               {key::kInitA, param.init.a},
                               {key::kInitB, param.init.b}});
  if (p.out >= 0)
    j[key::kOutput] = {{key::kShape, p.outType().shape}};
  j[key::kRng] = p.hasDropout;
  if (cuda)
    j[key::kTarget] = "cuda";
  if (matmulPrecision != "f32")
    j[key::kMatmulPrecision] = matmulPrecision;

  const TrainSettings &t = p.train;
  ordered_json &train = j[key::kTrain];
  train[key::kData] = spelling(t.data);
  train[key::kDataDir] = t.dataDir;
  train[key::kBatch] = t.batch;
  train[key::kEpochs] = t.epochs;
  train[key::kSteps] = t.steps;
  train[key::kSeed] = t.seed;
  train[key::kValidation] = t.validation;
  train[key::kEvalInterval] = t.evalInterval;
  train[key::kEvalIters] = t.evalIters;
  train[key::kGradAccum] = t.gradAccum;
  train[key::kClip] = t.clip;
  train[key::kOptimizer] = spelling(t.optimizer);
  train[key::kLr] = t.lr;
  train[key::kMomentum] = t.momentum;
  train[key::kWeightDecay] = t.weightDecay;
  train[key::kBeta1] = t.beta1;
  train[key::kBeta2] = t.beta2;
  train[key::kEps] = t.eps;
  train[key::kSchedule] = spelling(t.schedule);
  train[key::kWarmup] = t.warmup;
  train[key::kDecaySteps] = t.decaySteps;
  train[key::kMinLr] = t.minLr;
  train[key::kNoamDModel] = t.noamDModel;
  train[key::kNoamScale] = t.noamScale;
  train[key::kSrcLang] = t.srcLang;
  train[key::kTgtLang] = t.tgtLang;
  train[key::kMinCount] = t.minCount;
  train[key::kSrcVocab] = t.srcVocab;
  train[key::kTgtVocab] = t.tgtVocab;
  train[key::kSharedVocab] = t.sharedVocab;
  train[key::kBuckets] = t.buckets;
  return j.dump(2);
}

} // namespace gptc
