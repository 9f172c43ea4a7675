"""ms per training step of the nanoGPT-style GPT in PyTorch (the bench peer).

usage: torch_gpt.py N_LAYER N_HEAD N_EMBD BLOCK BATCH STEPS MODE THREADS [DEVICE]

MODE: eager | compile (torch.compile of the model). One step = forward,
backward, clip_grad_norm_(1.0), AdamW step with nanoGPT's decay groups, on
random tokens of a 65-character vocabulary. Prints one JSON line with the best
and the median ms/step over STEPS timed steps after warm-up. DEVICE: cpu
(default) or cuda (each timed step waits for the GPU).
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "Parity"))
from gpt_parity import GPT  # noqa: E402  (the same reference model as the parity test)


def main():
    n_layer, n_head, n_embd, block, batch, steps = map(int, sys.argv[1:7])
    mode, threads = sys.argv[7], int(sys.argv[8])
    device = sys.argv[9] if len(sys.argv) > 9 else "cpu"
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = GPT(65, block, n_layer, n_head, n_embd).to(device)
    params = dict(model.named_parameters())
    groups = [{"params": [p for p in params.values() if p.dim() >= 2], "weight_decay": 0.1},
              {"params": [p for p in params.values() if p.dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=1e-3, betas=(0.9, 0.99))
    run = torch.compile(model) if mode == "compile" else model
    x = torch.randint(0, 65, (batch, block), device=device)
    y = torch.randint(0, 65, (batch, block), device=device)
    wait = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def step():
        opt.zero_grad(set_to_none=True)
        run(x, y).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(3 if mode == "eager" else 5):  # warm-up (and compilation)
        step()
    times = []
    for _ in range(steps):
        wait()
        t0 = time.perf_counter()
        step()
        wait()
        times.append(1000 * (time.perf_counter() - t0))
    times.sort()
    print(json.dumps({"mode": mode, "threads": threads, "best_ms": times[0], "median_ms": times[len(times) // 2],
                      "device": device, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
