// The manifest: the JSON description of a compiled model (param names, shapes
// and initializers, inputs, output, train settings) embedded in the object as
// the `gptc_manifest` string. Its keys are the contract's (gptc/contract.h);
// the runtime reads it with runtime/src/manifest.cpp.
#ifndef GPTC_FRONTEND_MANIFEST_H
#define GPTC_FRONTEND_MANIFEST_H

#include "compiler/Frontend/Sema.h"

namespace gptc {

/// `dtype` is "f32" or "f64": the float type the step functions were compiled for.
/// `cuda`: the model is compiled for the GPU (the manifest says "target": "cuda").
/// `matmulPrecision`: "f32", or "bf16" (the manifest says "matmul_precision": "bf16").
std::string buildManifest(const CheckedProgram &program, const std::string &dtype, bool cuda = false,
                          const std::string &matmulPrecision = "f32");

} // namespace gptc

#endif
