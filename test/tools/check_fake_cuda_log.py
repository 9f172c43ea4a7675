"""Checks the calls a GPU `train` made to the fake CUDA driver
(runtime/tests/fake_cuda_driver.cpp, GPTC_FAKE_CUDA_LOG) against the model's
kernels as gptc printed them (--emit=gpu) and its PTX (--emit=ptx).

usage: check_fake_cuda_log.py LOG GPU_IR PTX

Checked (each failure is one line on stderr and exit status 1):
  - the module is loaded once, with exactly the PTX gptc printed, holding one
    .entry per gpu.func of the IR;
  - every kernel is resolved (cuModuleGetFunction) once, before any launch;
  - every launch has its kernel's grid and block sizes (known_grid_size,
    known_block_size of the gpu.func: the PTX's .maxntid) and a device
    address as its first argument;
  - each step function's launches come in the IR's order, call after call,
    and each call makes as many GEMMs as the IR calls gptc_cuda_gemm_*;
  - every cuMemAlloc_v2 is matched by a cuMemFree_v2 of the same size.
Prints one summary line with the counts.
"""
import re
import sys
from collections import Counter


def fail(message):
    print("check_fake_cuda_log: " + message, file=sys.stderr)
    sys.exit(1)


def read_ir(path):
    """Kernel sizes by name, and per host function its launch order and GEMM count."""
    text = open(path).read()
    sizes = {}
    for m in re.finditer(r"gpu\.func @(\w+)\(.*?\) kernel attributes \{known_block_size = array<i32: (\d+), (\d+), (\d+)>, "
                         r"known_grid_size = array<i32: (\d+), (\d+), (\d+)>\}", text):
        g = [int(x) for x in m.groups()[1:]]
        sizes[m.group(1)] = (tuple(g[3:]), tuple(g[:3]))
    functions = {}
    for m in re.finditer(r"^  func\.func @(\w+)\((.*?)^  \}", text, re.S | re.M):
        body = m.group(2)
        launches = re.findall(r"gpu\.launch_func\s+@gptc_kernels::@(\w+)", body)
        gemms = len(re.findall(r"call @gptc_cuda_gemm_(?:f32|f64|bf16_f32)\(", body))
        if launches:
            functions[m.group(1)] = (launches, gemms)
    return sizes, functions


def main():
    if len(sys.argv) != 4:
        fail("usage: check_fake_cuda_log.py LOG GPU_IR PTX")
    log = [line.split() for line in open(sys.argv[1]) if line.strip()]
    sizes, functions = read_ir(sys.argv[2])
    ptx = open(sys.argv[3]).read()
    if not sizes:
        fail("no kernels in " + sys.argv[2])

    loads = [l for l in log if l[0] == "cuModuleLoadDataEx"]
    if len(loads) != 1:
        fail("the module was loaded %d times, not once" % len(loads))
    fields = dict(f.split("=") for f in loads[0][1:])
    if int(fields["ptx_bytes"]) != len(ptx):
        fail("the loaded PTX has %s bytes, gptc --emit=ptx printed %d" % (fields["ptx_bytes"], len(ptx)))
    if int(fields["entries"]) != len(sizes):
        fail("the loaded PTX has %s kernels (.entry), the IR %d" % (fields["entries"], len(sizes)))

    first_launch = next((i for i, l in enumerate(log) if l[0] == "cuLaunchKernel"), len(log))
    resolved = Counter(l[1] for l in log[:first_launch] if l[0] == "cuModuleGetFunction")
    late = [l[1] for l in log[first_launch:] if l[0] == "cuModuleGetFunction"]
    if late:
        fail("kernel %s resolved after the first launch" % late[0])
    if set(resolved) != set(sizes) or any(n != 1 for n in resolved.values()):
        missing = sorted(set(sizes) - set(resolved))
        fail("kernels resolved: %d of %d (missing: %s; twice: %s)" % (
            len(resolved), len(sizes), " ".join(missing[:5]), [k for k, n in resolved.items() if n != 1][:5]))

    launches = [l for l in log if l[0] == "cuLaunchKernel"]
    for l in launches:
        name = l[1]
        f = dict(x.split("=") for x in l[2:])
        grid = tuple(int(x) for x in f["grid"].split(","))
        block = tuple(int(x) for x in f["block"].split(","))
        if (grid, block) != sizes[name]:
            fail("%s launched on grid %s block %s, the IR says grid %s block %s" % (name, grid, block, *sizes[name]))
        if f["arg0_on_device"] != "1":
            fail("%s launched with a first argument that is not device memory" % name)

    # Each host function's kernels are its own (outlined from it): split the
    # launch sequence by function and compare it with the IR's order.
    owner = {k: fn for fn, (order, _) in functions.items() for k in order}
    calls = Counter()
    for fn, (order, gemms) in functions.items():
        seq = [l[1] for l in launches if owner.get(l[1]) == fn]
        if len(seq) % len(order) or seq != order * (len(seq) // len(order)):
            fail("the launches of @%s are not its IR's order, call after call" % fn)
        calls[fn] = len(seq) // len(order)
    gemm_lines = sum(1 for l in log if l[0].startswith("cublas"))
    expected_gemms = sum(calls[fn] * functions[fn][1] for fn in functions)
    if gemm_lines != expected_gemms:
        fail("%d cuBLAS calls, the IR's calls make %d" % (gemm_lines, expected_gemms))

    allocs = Counter(l[1] for l in log if l[0] == "cuMemAlloc_v2" and len(l) == 2)
    frees = Counter(l[1] for l in log if l[0] == "cuMemFree_v2")
    if allocs != frees:
        fail("device memory not freed: %d allocations, %d frees" % (sum(allocs.values()), sum(frees.values())))

    uploads = sum(1 for l in log if l[0] == "cuMemcpyHtoD_v2")
    downloads = sum(1 for l in log if l[0] == "cuMemcpyDtoH_v2")
    print("fake-cuda: 1 module load (%d bytes of PTX, %d kernels), %d kernels resolved, %d launches in the IR's "
          "order with its grid and block sizes, %d GEMMs, %d allocations freed, %d uploads, %d downloads; calls: %s" % (
              len(ptx), len(sizes), len(resolved), len(launches), gemm_lines, sum(allocs.values()), uploads,
              downloads, " ".join("%s=%d" % (fn, calls[fn]) for fn in sorted(calls))))


if __name__ == "__main__":
    main()
