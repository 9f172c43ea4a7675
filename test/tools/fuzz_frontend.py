"""Mutation fuzzing of gptc's frontend: random edits of real programs must give
exit status 0 or 1 with diagnostics, never a crash, an assertion or an internal
error. Deterministic for a given seed.

usage: fuzz_frontend.py GPTC SEED COUNT FILE...
"""
import random
import subprocess
import sys
import tempfile

TOKENS = ["(", ")", "{", "}", "[", "]", ",", "=", "@", "^", "-", "*", "/", "+", "B", "x", "0", "1e99",
          "-3", "axis = 5", "sum(", "reshape(x, [])", "param", "model", "train", '"', "#", ":", "i32",
          "f64", "out", "loss", ";", "softmax(", "cross_entropy(", "transpose(", "mean(x, axis=-9)",
          "0.0", "1/0", "|>", "block", "\n", "\t", "\x00", "é"]


def mutate(rng, text):
    for _ in range(rng.randint(1, 4)):
        pos = rng.randrange(len(text))
        r = rng.random()
        if r < 0.4:
            text = text[:pos] + text[pos + rng.randint(1, 8):]
        elif r < 0.8:
            text = text[:pos] + rng.choice(TOKENS) + text[pos:]
        else:
            a, b = sorted([rng.randrange(len(text)), rng.randrange(len(text))])
            text = text[:a] + text[b:]
    return text


def main():
    gptc, seed, count, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    rng = random.Random(seed)
    sources = [open(f, encoding="utf-8").read() for f in files]
    failures = 0
    with tempfile.NamedTemporaryFile("w", suffix=".dsl", encoding="utf-8") as f:
        for i in range(count):
            text = mutate(rng, rng.choice(sources))
            f.seek(0)
            f.truncate()
            f.write(text)
            f.flush()
            p = subprocess.run([gptc, f.name, "--emit=linalg"], capture_output=True, timeout=60)
            err = p.stderr.decode("utf-8", "replace")
            if p.returncode not in (0, 1) or "internal error" in err or "LLVM ERROR" in err:
                failures += 1
                print(f"case {i}: exit {p.returncode}\n--- input ---\n{text}\n--- stderr ---\n{err[-2000:]}")
    print(f"{count} mutated programs, {failures} crashes")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
