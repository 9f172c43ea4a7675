"""torch.matmul on the shapes of bench/gemm_shapes.h (the peer of bench/gemm.cpp).

Usage: torch_gemm.py THREADS [CONFIG] [--gptc GEMM_BENCH] [--rounds N]
Without --gptc: one JSON line per shape (torch alone, best of 10 timings).
With --gptc: side by side, shape by shape: N rounds (default 20), each one
timing window (at least 10 ms) of the runtime's GEMM (GEMM_BENCH --serve)
and then one of torch.matmul, so that the two alternate every few
milliseconds and meet the same phases of a noisy machine (on the 2-core VM
a neighbour takes 10-40% of a core for seconds at a time); prints the best
window of each, and their ratio, one JSON line per shape."""
import json, re, subprocess, sys, time, pathlib
import torch


def shapes(config=None):
    text = pathlib.Path(__file__).with_name("gemm_shapes.h").read_text()
    for m in re.finditer(r'X\("([^"]+)", "([^"]+)", (\d+), (\d+), (\d+), (\d+), (\d), (\d)\)', text):
        if config and m.group(1) != config:
            continue
        yield (m.group(1), m.group(2)) + tuple(int(g) for g in m.groups()[2:])


class TorchProduct:
    """One shape's operands for torch.matmul, kept while its timings last."""

    def __init__(self, batch, M, N, K, ta, tb):
        a = torch.full((batch, K, M) if ta else (batch, M, K), 0.5)
        b = torch.full((batch, N, K) if tb else (batch, K, N), 0.25)
        self.A = a.transpose(1, 2) if ta else a
        self.B = b.transpose(1, 2) if tb else b
        if batch == 1:
            self.A, self.B = self.A[0], self.B[0]
        self.out = torch.matmul(self.A, self.B)

    def best(self, windows):
        """Best seconds per product over `windows` windows of at least 10 ms."""
        best = 1e30
        for _ in range(windows):
            reps, start = 0, time.perf_counter()
            while True:
                torch.matmul(self.A, self.B, out=self.out)
                reps += 1
                elapsed = time.perf_counter() - start
                if elapsed >= 0.01:
                    break
            best = min(best, elapsed / reps)
        return best


def main():
    args = sys.argv[1:]
    gptc, rounds = None, 20
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
    server = None
    if gptc:
        server = subprocess.Popen([gptc, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def gptc_window(config_, what):
        server.stdin.write("%s\t%s\t1\n" % (config_, what))
        server.stdin.flush()
        line = server.stdout.readline()
        if not line:
            sys.exit("torch_gemm.py: %s --serve stopped" % gptc)
        return json.loads(line)["us"] * 1e-6

    for config_, what, batch, M, N, K, ta, tb in shapes(config):
        flops = 2.0 * batch * M * N * K
        product = TorchProduct(batch, M, N, K, ta, tb)
        if not gptc:
            best = product.best(10)
            print(json.dumps({"config": config_, "what": what, "us": round(best * 1e6, 2),
                              "gflops": round(flops / best * 1e-9, 1)}))
            continue
        gptc_best = torch_best = 1e30
        for _ in range(rounds):
            # The same pause after each window: an OpenMP team that has just
            # finished spins before it sleeps, on the cores the other side's
            # window needs: LLVM's libomp (gptc) for 200 ms (KMP_BLOCKTIME),
            # libgomp (torch) for a few ms (GOMP_SPINCOUNT).
            gptc_best = min(gptc_best, gptc_window(config_, what))
            time.sleep(0.25)
            torch_best = min(torch_best, product.best(1))
            time.sleep(0.25)
        del product
        print(json.dumps({"config": config_, "what": what, "batch": batch, "m": M, "n": N, "k": K,
                          "ta": ta, "tb": tb, "rounds": rounds,
                          "gptc_gflops": round(flops / gptc_best * 1e-9, 1),
                          "torch_gflops": round(flops / torch_best * 1e-9, 1),
                          "ratio": round(torch_best / gptc_best, 3)}), flush=True)
    if server:
        server.stdin.close()
        server.wait()


if __name__ == "__main__":
    main()
