"""One epoch of mlp_lib.train at a large batch against the same matrix products alone.

A 784 → 512 → 512 → 10 network (ReLU, softmax + cross-entropy) on 16,384 synthetic
samples, batch 4096: four steps per epoch. At this size nearly all the time is
matrix products, so mlp_lib should cost little more than the products it must do.
The yardstick runs exactly the products of one step, with the same shapes:

* forward:  z^j = w^j a^{j−1}             three products
* Eq. (2):  (w^{j+1})ᵀ ϕ^{j+1}            two products
* Eq. (3):  ϕ^j (a^{j−1})ᵀ                three products

and nothing else (no bias, activation, loss, update, shuffling or copying).
Both run with the machine's default BLAS threads (printed), interleaved, in one
process; the table gives best and median seconds per epoch and the median of
the paired repeats' ratios (mlp_lib / products), the figure to read.

Run:  python benchmarks/bench_large_batch.py [--repeats N] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import mlp_lib

SIZES = [784, 512, 512, 10]


def synthetic(m: int, seed: int = 0):
    """m samples of 784 inputs in [0, 1] with 10 classes (labels from a random linear map)."""
    rng = np.random.default_rng(seed)
    x = rng.random((SIZES[0], m))
    labels = np.argmax(rng.normal(size=(SIZES[-1], SIZES[0])) @ (x - 0.5), axis=0)
    return x, labels


def epoch_mlp_lib(model, x, labels, batch_size, seed):
    start = time.perf_counter()
    mlp_lib.train(model, x, labels, epochs=1, learning_rate=0.01, batch_size=batch_size, seed=seed)
    return time.perf_counter() - start


def epoch_products(model, x, batch_size):
    W = model.W
    m = x.shape[1]
    start = time.perf_counter()
    for s in range(0, m, batch_size):
        a0 = x[:, s : s + batch_size]
        z1 = W[1] @ a0
        z2 = W[2] @ z1
        z3 = W[3] @ z2
        g2 = W[3].T @ z3  # (w^3)ᵀ ϕ^3, with z3 standing in for ϕ^3 (same shape)
        g1 = W[2].T @ g2
        _ = (z3 @ z2.T, g2 @ z1.T, g1 @ a0.T)  # Eq. (3) for the three layers
    return time.perf_counter() - start


def blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return "unknown (threadpoolctl not installed)"
    return (
        ", ".join(
            f"{p.get('internal_api')} {p.get('num_threads')} threads"
            for p in threadpool_info()
            if p.get("user_api") == "blas"
        )
        or "no BLAS found"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=None, help="epochs timed per contestant (default 7, quick 2)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    parser.add_argument("--samples", type=int, default=16384)
    parser.add_argument("--batch-size", type=int, default=4096)
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 7)
    x, labels = synthetic(args.samples)
    model = mlp_lib.MLP(SIZES, hidden="relu", output="softmax", loss="cce", seed=0)
    print(f"{'-'.join(map(str, SIZES))}, {args.samples} samples, batch {args.batch_size}; BLAS: {blas_threads()}")
    epoch_mlp_lib(model.copy(), x, labels, args.batch_size, 0)  # warm up both
    epoch_products(model, x, args.batch_size)
    lib, prod = [], []
    for r in range(repeats):
        lib.append(epoch_mlp_lib(model.copy(), x, labels, args.batch_size, r))
        prod.append(epoch_products(model, x, args.batch_size))
    ratios = [a / b for a, b in zip(lib, prod)]
    print(f"{'contestant':<22}{'best s/epoch':>14}{'median s/epoch':>16}")
    for name, times in (("mlp_lib.train", lib), ("matrix products alone", prod)):
        print(f"{name:<22}{min(times):>14.3f}{statistics.median(times):>16.3f}")
    print(
        f"mlp_lib / products: median of paired ratios {statistics.median(ratios):.2f}× "
        f"(each: {', '.join(f'{q:.2f}' for q in ratios)}); goal ≤ 1.4×"
    )


if __name__ == "__main__":
    main()
