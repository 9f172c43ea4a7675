// --gradcheck and --dump: the first batch of the run's own batch source, so
// what is checked or replayed is exactly what training sees.
#include "gptc/rng.h"
#include "gptc/safetensors.h"
#include "gptc/training.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace gptc {

int runGradcheck(Model &model, BatchSource &source, const Settings &s) {
  source.loadTrainBatch(model, s, 0);
  bool f64 = model.m.floatType == DType::F64;
  double h = f64 ? 1e-5 : 1e-2; // near the cube root of machine epsilon
  double tol = s.gradcheckTol >= 0 ? s.gradcheckTol : (f64 ? 1e-6 : 1e-2);
  // Relative error |a - n| / max(|a|, |n|, floor): the floor keeps gradients
  // that are zero up to rounding from dividing by nothing.
  double floor = 1e-3;
  model.setDropout(dropoutSeed(s.seed, 0), true); // forward and grad draw the same masks
  std::vector<Tensor> grads;
  model.grad(grads);
  double worst = 0;
  std::string worstName;
  for (size_t i = 0; i < model.params.size(); ++i) {
    Tensor &p = model.params[i];
    double paramWorst = 0;
    int64_t n = std::min<int64_t>(s.gradcheckSamples, p.numel());
    for (int64_t k = 0; k < n; ++k) {
      size_t j = n == (int64_t)p.numel() ? k : (size_t)(uniformAt(s.seed, kStreamGradcheck + i, k) * p.numel());
      double orig = p.get(j);
      p.set(j, orig + h);
      model.weightsChangedOnHost();
      double up = model.forward();
      p.set(j, orig - h);
      model.weightsChangedOnHost();
      double down = model.forward();
      p.set(j, orig);
      model.weightsChangedOnHost();
      double numeric = (up - down) / (2 * h);
      double analytic = grads[i].get(j);
      double err = std::fabs(analytic - numeric) / std::max({std::fabs(analytic), std::fabs(numeric), floor});
      paramWorst = std::max(paramWorst, err);
    }
    std::printf("gradcheck %-16s %8lld elements checked  worst relative error %.3e\n",
                model.m.params[i].name.c_str(), (long long)n, paramWorst);
    if (paramWorst >= worst) {
      worst = paramWorst;
      worstName = model.m.params[i].name;
    }
  }
  bool ok = worst <= tol;
  nlohmann::ordered_json summary;
  summary["gradcheck"] = ok ? "pass" : "fail";
  summary["worst_relative_error"] = worst;
  summary["worst_param"] = worstName;
  summary["tolerance"] = tol;
  std::printf("%s\n", summary.dump().c_str());
  return ok ? 0 : 1;
}

void runDump(Model &model, BatchSource &source, const Settings &s) {
  if (s.gradAccum > 1)
    throw std::runtime_error("--dump records one batch per step; leave out --grad-accum");
  source.loadTrainBatch(model, s, 0);
  model.setDropout(dropoutSeed(s.seed, 0), true); // as training's step 0
  std::vector<Tensor> grads;
  model.grad(grads);
  Tensor lossAtStart = model.loss;
  std::vector<Tensor> initial = model.params, firstInputs = model.inputs;
  int64_t total = s.steps > 0 ? s.steps : s.dumpSteps;
  std::vector<Tensor> batches;
  Tensor lrs(DType::F64, {s.dumpSteps});
  for (int64_t step = 0; step < s.dumpSteps; ++step) {
    source.loadTrainBatch(model, s, step);
    for (const Tensor &in : model.inputs)
      batches.push_back(in);
    double lr = learningRateAt(s, step, total);
    lrs.set(step, lr);
    model.setDropout(dropoutSeed(s.seed, step), true);
    model.trainStep(s, step, lr);
  }
  size_t numInputs = model.inputs.size();
  model.weightsToHost(); // the final params (on the GPU: copied down)
  std::vector<std::pair<std::string, const Tensor *>> named;
  for (size_t i = 0; i < initial.size(); ++i)
    named.emplace_back("param." + model.m.params[i].name, &initial[i]);
  for (size_t i = 0; i < numInputs; ++i)
    named.emplace_back("input." + model.m.inputs[i].name, &firstInputs[i]);
  named.emplace_back("loss", &lossAtStart);
  for (size_t i = 0; i < grads.size(); ++i)
    named.emplace_back("grad." + model.m.params[i].name, &grads[i]);
  for (size_t k = 0; k < batches.size(); ++k)
    named.emplace_back("batch" + std::to_string(k / numInputs) + "." + model.m.inputs[k % numInputs].name,
                       &batches[k]);
  named.emplace_back("lr", &lrs);
  for (size_t i = 0; i < model.params.size(); ++i)
    named.emplace_back("final." + model.m.params[i].name, &model.params[i]);
  auto g17 = [](double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return std::string(buf);
  };
  std::string optimizer = std::string(spelling(s.optimizer)) + " " + g17(s.lr) + " " + g17(s.momentum) + " " +
                          g17(s.weightDecay) + " " + g17(s.beta1) + " " + g17(s.beta2) + " " + g17(s.eps);
  std::string schedule = std::string(spelling(s.schedule)) + " " + std::to_string(s.warmup) + " " + g17(s.minLr) +
                         " " + std::to_string(s.decaySteps > 0 ? s.decaySteps : total) + " " +
                         std::to_string(s.dumpSteps);
  saveSafetensors(s.dump, named,
                  {{"gptc.model", model.m.model},
                   {"gptc.optimizer", optimizer},
                   {"gptc.schedule", schedule},
                   {"gptc.clip", g17(s.clip)}});
}

} // namespace gptc
