// The config section: named constants, each a number computed from the ones
// before it. `-D name=value` replaces a constant's value; `-D` may also set a
// train setting (Train.cpp), and any other name is an error.
#include "compiler/Frontend/Sema/Checker.h"

#include <cmath>

namespace gptc::sema {

void Checker::checkConfig(Program &program, const std::map<std::string, double> &overrides) {
  for (Setting &s : program.config) {
    if (constants_.count(s.name)) {
      error(s.loc, "duplicate config constant '" + s.name + "'");
      continue;
    }
    ExprType t = check(*s.value);
    if (!t.isValid())
      continue;
    if (t.kind != ExprType::Constant) {
      error(s.value->loc, "config constant '" + s.name + "' must be a number, got " + t.str());
      continue;
    }
    double v = t.value;
    bool isInt = t.isInteger;
    if (auto it = overrides.find(s.name); it != overrides.end()) {
      v = it->second;
      isInt = v == std::floor(v);
    }
    constants_[s.name] = v;
    integral_[s.name] = isInt;
  }
  for (auto &[name, value] : overrides)
    if (!constants_.count(name) && !isOverridableTrainSetting(name))
      error({}, "-D " + name + ": no config constant or train setting named '" + name + "'");
}

std::optional<double> Checker::constant(const std::string &name) const {
  if (auto it = constants_.find(name); it != constants_.end())
    return it->second;
  return std::nullopt;
}

} // namespace gptc::sema
