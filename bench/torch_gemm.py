"""torch.matmul on the shapes of bench/gemm_shapes.h (the peer of bench/gemm.cpp).
Usage: torch_gemm.py THREADS [CONFIG]. Prints one JSON line per shape."""
import json, re, sys, time, pathlib
import torch

torch.set_num_threads(int(sys.argv[1]))
text = pathlib.Path(__file__).with_name("gemm_shapes.h").read_text()
for m in re.finditer(r'X\("([^"]+)", "([^"]+)", (\d+), (\d+), (\d+), (\d+), (\d), (\d)\)', text):
    config, what = m.group(1), m.group(2)
    if len(sys.argv) > 2 and config != sys.argv[2]:
        continue
    batch, M, N, K, ta, tb = (int(g) for g in m.groups()[2:])
    a = torch.full((batch, K, M) if ta else (batch, M, K), 0.5)
    b = torch.full((batch, N, K) if tb else (batch, K, N), 0.25)
    A = a.transpose(1, 2) if ta else a
    B = b.transpose(1, 2) if tb else b
    if batch == 1:
        A, B = A[0], B[0]
    out = torch.matmul(A, B)
    best = 1e30
    for _ in range(5):
        reps, start = 0, time.perf_counter()
        while True:
            torch.matmul(A, B, out=out)
            reps += 1
            elapsed = time.perf_counter() - start
            if elapsed >= 0.05:
                break
        best = min(best, elapsed / reps)
    print(json.dumps({"config": config, "what": what, "us": round(best * 1e6, 2),
                      "gflops": round(2.0 * batch * M * N * K / best * 1e-9, 1)}))
