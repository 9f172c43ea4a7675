// The manifest is the contract between a compiled model and the runtime: a few
// text lines (param names, shapes and initializers, inputs, optimizer, train
// settings) embedded in the object as the `gptc_manifest` string.
#ifndef GPTC_FRONTEND_MANIFEST_H
#define GPTC_FRONTEND_MANIFEST_H

#include "compiler/Frontend/Sema.h"

namespace gptc {

/// `dtype` is "f32" or "f64": the float type the step functions were compiled for.
std::string buildManifest(const CheckedProgram &program, const std::string &dtype);

} // namespace gptc

#endif
