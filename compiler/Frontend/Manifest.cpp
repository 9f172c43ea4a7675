#include "compiler/Frontend/Manifest.h"

#include <iomanip>
#include <sstream>

namespace gptc {

static void shape(std::ostream &os, const std::vector<int64_t> &dims) {
  os << " " << dims.size();
  for (int64_t d : dims)
    os << " " << d;
}

std::string buildManifest(const CheckedProgram &p, const std::string &dtype) {
  std::ostringstream os;
  os << std::setprecision(17);
  os << "gptc-manifest 1\n";
  os << "dtype " << dtype << "\n";
  os << "model " << p.model->name << "\n";
  for (const InputInfo &in : p.inputs) {
    os << "input " << in.name << " " << (in.elem == ElemType::F32 ? "f32" : "i32");
    shape(os, in.shape);
    os << "\n";
  }
  for (const ParamInfo &param : p.params) {
    os << "param " << param.name << " " << spelling(param.init.kind) << " " << param.init.a << " "
       << param.init.b;
    shape(os, param.shape);
    os << "\n";
  }
  if (p.out >= 0) {
    os << "output out";
    shape(os, p.outType().shape);
    os << "\n";
  }
  if (p.hasDropout)
    os << "rng\n";
  const TrainSettings &o = p.train;
  os << "optimizer " << spelling(o.optimizer) << " " << o.lr << " " << o.momentum << " " << o.weightDecay << " "
     << o.beta1 << " " << o.beta2 << " " << o.eps << "\n";
  os << "data " << spelling(p.train.data) << " " << p.train.dataDir << "\n";
  os << "batch " << p.train.batch << "\n";
  os << "epochs " << p.train.epochs << "\n";
  os << "steps " << p.train.steps << "\n";
  os << "seed " << p.train.seed << "\n";
  os << "validation " << p.train.validation << "\n";
  os << "eval " << p.train.evalInterval << " " << p.train.evalIters << "\n";
  os << "clip " << p.train.clip << "\n";
  os << "accum " << p.train.gradAccum << "\n";
  os << "schedule " << spelling(o.schedule) << " " << o.warmup << " " << o.minLr << " " << o.decaySteps << "\n";
  return os.str();
}

} // namespace gptc
