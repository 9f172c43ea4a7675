"""torch.matmul on the shapes of bench/gemm_shapes.h (the peer of bench/gemm.cpp).

Usage: torch_gemm.py THREADS [CONFIG] [--gptc GEMM_BENCH] [--rounds N]
Without --gptc: one JSON line per shape (torch alone, best of 10 timings).
With --gptc: side by side, shape by shape: each round times the shape with
the runtime's GEMM (GEMM_BENCH CONFIG WHAT, its own best of 10) and then with
torch.matmul, N rounds (default 3) alternating, so both meet the same phase
of a noisy machine; prints the best of the rounds for each, and their ratio,
one JSON line per shape."""
import json, re, subprocess, sys, time, pathlib
import torch


def shapes(config=None):
    text = pathlib.Path(__file__).with_name("gemm_shapes.h").read_text()
    for m in re.finditer(r'X\("([^"]+)", "([^"]+)", (\d+), (\d+), (\d+), (\d+), (\d), (\d)\)', text):
        if config and m.group(1) != config:
            continue
        yield (m.group(1), m.group(2)) + tuple(int(g) for g in m.groups()[2:])


def time_torch(batch, M, N, K, ta, tb):
    """Best seconds per torch.matmul of 10 timings of at least 10 ms each."""
    a = torch.full((batch, K, M) if ta else (batch, M, K), 0.5)
    b = torch.full((batch, N, K) if tb else (batch, K, N), 0.25)
    A = a.transpose(1, 2) if ta else a
    B = b.transpose(1, 2) if tb else b
    if batch == 1:
        A, B = A[0], B[0]
    out = torch.matmul(A, B)
    best = 1e30
    for _ in range(10):
        reps, start = 0, time.perf_counter()
        while True:
            torch.matmul(A, B, out=out)
            reps += 1
            elapsed = time.perf_counter() - start
            if elapsed >= 0.01:
                break
        best = min(best, elapsed / reps)
    return best


def main():
    args = sys.argv[1:]
    gptc, rounds = None, 3
    if "--gptc" in args:
        i = args.index("--gptc")
        gptc = args[i + 1]
        del args[i:i + 2]
    if "--rounds" in args:
        i = args.index("--rounds")
        rounds = int(args[i + 1])
        del args[i:i + 2]
    threads = int(args[0])
    config = args[1] if len(args) > 1 else None
    torch.set_num_threads(threads)
    for config_, what, batch, M, N, K, ta, tb in shapes(config):
        flops = 2.0 * batch * M * N * K
        if not gptc:
            best = time_torch(batch, M, N, K, ta, tb)
            print(json.dumps({"config": config_, "what": what, "us": round(best * 1e6, 2),
                              "gflops": round(flops / best * 1e-9, 1)}))
            continue
        gptc_best = torch_best = 1e30
        for _ in range(rounds):
            line = subprocess.run([gptc, config_, what], check=True, capture_output=True, text=True).stdout
            gptc_best = min(gptc_best, json.loads(line)["us"] * 1e-6)
            torch_best = min(torch_best, time_torch(batch, M, N, K, ta, tb))
        print(json.dumps({"config": config_, "what": what, "batch": batch, "m": M, "n": N, "k": K,
                          "ta": ta, "tb": tb, "rounds": rounds,
                          "gptc_gflops": round(flops / gptc_best * 1e-9, 1),
                          "torch_gflops": round(flops / torch_best * 1e-9, 1),
                          "ratio": round(torch_best / gptc_best, 3)}), flush=True)


if __name__ == "__main__":
    main()
