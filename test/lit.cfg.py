# lit configuration for gptc. lit.site.cfg.py fills in the paths; the logic is here.
import os

import lit.formats

config.name = "gptc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".dsl", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.gptc_obj_root, "test")

config.environment["PATH"] = os.pathsep.join(
    [config.gptc_bin_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
# Tests read data from the shared places named in the README, never from the repo.
config.environment["HOME"] = os.environ.get("HOME", "/tmp")

fashion = "/usr/share/datasets/fashion-mnist"
if os.path.exists(os.path.join(fashion, "train-images-idx3-ubyte.gz")):
    config.available_features.add("fashion-mnist")

config.substitutions.append(("%gptc-opt", os.path.join(config.gptc_bin_dir, "gptc-opt")))
config.substitutions.append(("%gptc", os.path.join(config.gptc_bin_dir, "gptc")))
# Debian's interpreter, which has python3-torch (the first python3 on PATH may be another).
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%fashion", fashion))
config.substitutions.append(("%examples", os.path.join(config.gptc_src_root, "examples")))
config.substitutions.append(("%testtools", os.path.join(config.gptc_src_root, "test", "tools")))

# tinyshakespeare lives next to the repository (../shared/data), never in it.
shakespeare = os.path.normpath(os.path.join(config.gptc_src_root, "..", "shared", "data", "tinyshakespeare.txt"))
if os.path.exists(shakespeare):
    config.available_features.add("shakespeare")
config.substitutions.append(("%shakespeare", shakespeare))
# Multi30k (German-English sentence pairs), also next to the repository.
multi30k = os.path.normpath(os.path.join(config.gptc_src_root, "..", "shared", "data", "multi30k"))
if os.path.exists(os.path.join(multi30k, "train.de.gz")):
    config.available_features.add("multi30k")
config.substitutions.append(("%multi30k", multi30k))

# The frontend fuzzer needs clang-19 with libFuzzer (Debian: clang-19 libclang-rt-19-dev).
import shutil
if shutil.which("clang++-19") and os.path.exists("/usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.fuzzer-x86_64.a"):
    config.available_features.add("libfuzzer")
config.substitutions.append(("%srcroot", config.gptc_src_root))

# mlir-opt and mlir-cpu-runner (Debian's mlir-19-tools) run small kernels on
# the CPU: test/GPU/foreach-kernel-runs.mlir checks a GPU kernel loop's index
# arithmetic by running it.
llvm_lib = os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")
runner_utils = os.path.join(llvm_lib, "libmlir_runner_utils.so")
c_runner_utils = os.path.join(llvm_lib, "libmlir_c_runner_utils.so")
if all(os.path.exists(p) for p in (os.path.join(config.llvm_tools_dir, "mlir-cpu-runner"),
                                   os.path.join(config.llvm_tools_dir, "mlir-opt"), runner_utils, c_runner_utils)):
    config.available_features.add("mlir-cpu-runner")
config.substitutions.append(("%mlir_runner_utils", runner_utils))
config.substitutions.append(("%mlir_c_runner_utils", c_runner_utils))

# The GPU path's PTX is checked with CUDA's ptxas where the toolkit is installed
# (gptc --emit=ptx also needs its libdevice); test/GPU/ptxas-*.test are
# UNSUPPORTED elsewhere, never passed.
cuda = os.environ.get("CUDA_HOME") or "/usr/local/cuda"
ptxas = os.path.join(cuda, "bin", "ptxas")
if os.path.exists(ptxas) and os.path.exists(os.path.join(cuda, "nvvm", "libdevice", "libdevice.10.bc")):
    config.available_features.add("ptxas")
config.substitutions.append(("%ptxas", ptxas))

# The GPU `train` runs without a GPU against a fake libcuda and libcublas
# (runtime/tests/fake_cuda_driver.cpp); a machine with a real driver is told
# apart, as a run there may use it.
config.substitutions.append(("%fake_cuda", os.path.join(config.gptc_obj_root, "lib", "fake-libcuda.so")))
import ctypes
try:
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass
