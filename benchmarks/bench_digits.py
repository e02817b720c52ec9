"""Speed of mlp_lib against scikit-learn's MLPClassifier on the handwritten digits.

Both train the same network — 64 → 64 (ReLU) → 10 (softmax), mean
cross-entropy over each mini-batch, plain SGD (no momentum, no weight decay,
constant learning rate), shuffled mini-batches — with the same learning rate,
batch size and number of epochs, on the same stratified 75/25 split of the
1797 digits (inputs scaled to [0, 1]). Each is trained ``--repeats`` times
in this one process, the two back to back in each repeat; the table shows the
best and median time per epoch, the test accuracy, and how many times faster
mlp_lib is than scikit-learn: best time against best time, median against
median, and the median of the repeats' own ratios (the steadiest of the three
on a shared machine, whose speed drifts between repeats).

Run:  python benchmarks/bench_digits.py [--quick] [--repeats N] [--floor]

``--floor`` adds two more contestants: the same training written as bare NumPy with no
bookkeeping at all, and the same again with the per-batch record mlp_lib keeps (loss,
accuracy, divergence check); see :func:`run_numpy_floor`. They show how much of
mlp_lib's time is the work it does and how much its plain structure costs.

This is a benchmark, not a test: timings depend on the machine, its BLAS and
its load. All contestants use the machine's default BLAS threads (printed);
``--threads N`` limits them for all alike (threadpoolctl). Environment variables
such as OPENBLAS_CORETYPE, when set, are printed too and left as they are.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np

import mlp_lib
from mlp_lib.datasets import digits, train_test_split

SEED = 0


def blas_report() -> str:
    lines = []
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if var in os.environ:
            lines.append(f"  env {var}={os.environ[var]}")
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return "\n".join(lines + ["  threadpoolctl not installed"])
    for pool in threadpool_info():
        lines.append(
            "  {user_api}/{internal_api} {version} threads={num_threads} arch={arch} ({lib})".format(
                user_api=pool.get("user_api"),
                internal_api=pool.get("internal_api"),
                version=pool.get("version"),
                num_threads=pool.get("num_threads"),
                arch=pool.get("architecture"),
                lib=os.path.basename(pool.get("filepath", "")),
            )
        )
    return "\n".join(lines) or "  (no BLAS found)"


def run_mlp_lib(train, test, lr, bs, epochs, seed):
    model = mlp_lib.MLP([64, 64, 10], hidden="relu", output="softmax", loss="cce", seed=seed)
    start = time.perf_counter()
    mlp_lib.train(model, train.x, train.y, epochs=epochs, learning_rate=lr, batch_size=bs, seed=seed)
    elapsed = time.perf_counter() - start
    return elapsed / epochs, model.accuracy(test.x, test.y)


def run_numpy_floor(train, test, lr, bs, epochs, seed, record=False):
    """The same training written as bare NumPy, as a yardstick for mlp_lib's own cost.

    Same network, initial weights, shuffling and arithmetic as mlp_lib.train (so the same
    accuracy), written as straight-line NumPy with no functions or objects. With
    ``record=False`` it does nothing else: no loss, no accuracy, no divergence check.
    With ``record=True`` it also does, per batch, the work mlp_lib.train does for its
    epoch record and its safety: the loss from the logits (log-sum-exp), the count of
    right answers, and the check that the loss and the new weights are finite. The gap
    between mlp_lib and this second floor is what mlp_lib's plain structure costs (one
    function per equation, the loss recomputing softmax, lists of layers).
    """
    model = mlp_lib.MLP([64, 64, 10], hidden="relu", output="softmax", loss="cce", seed=seed)
    W1, b1, W2, b2 = model.W[1], model.b[1], model.W[2], model.b[2]
    x, y = model.check_targets(train.x, train.y)
    rng = np.random.default_rng(seed)
    m = x.shape[1]
    start = time.perf_counter()
    for _ in range(epochs):
        order = rng.permutation(m)
        loss_sum, correct = 0.0, 0
        for s in range(0, m, bs):
            batch = order[s : s + bs]
            xb, yb = x[:, batch], y[:, batch]
            z1 = W1 @ xb + b1
            a1 = np.maximum(z1, 0.0)
            z2 = W2 @ a1 + b2
            z2max = z2.max(axis=0, keepdims=True)
            e = np.exp(z2 - z2max)
            phi2 = (e / e.sum(axis=0, keepdims=True) - yb) / xb.shape[1]
            phi1 = (W2.T @ phi2) * (z1 > 0)
            W2n = W2 - lr * (phi2 @ a1.T)
            b2n = b2 - lr * phi2.sum(axis=1, keepdims=True)
            W1n = W1 - lr * (phi1 @ xb.T)
            b1n = b1 - lr * phi1.sum(axis=1, keepdims=True)
            if record:
                loss = float(np.sum(z2max[0] + np.log(e.sum(axis=0)) - (yb * z2).sum(axis=0)))
                correct += int(np.count_nonzero(z2.argmax(axis=0) == yb.argmax(axis=0)))
                if not (
                    np.isfinite(loss)
                    and np.isfinite(W1n).all()
                    and np.isfinite(b1n).all()
                    and np.isfinite(W2n).all()
                    and np.isfinite(b2n).all()
                ):
                    raise FloatingPointError("diverged")
                loss_sum += loss
            W1, b1, W2, b2 = W1n, b1n, W2n, b2n
    elapsed = time.perf_counter() - start
    model.W, model.b = [None, W1, W2], [None, b1, b2]
    return elapsed / epochs, model.accuracy(test.x, test.y)


def run_sklearn(train, test, lr, bs, epochs, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=(64,),
        activation="relu",
        solver="sgd",
        momentum=0,
        nesterovs_momentum=False,
        learning_rate="constant",
        learning_rate_init=lr,
        batch_size=bs,
        alpha=0,
        max_iter=epochs,
        shuffle=True,
        tol=0,
        n_iter_no_change=epochs + 1,
        random_state=seed,
    )
    X_train, X_test = train.x.T, test.x.T  # scikit-learn puts samples in rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        clf.fit(X_train, train.y)
        elapsed = time.perf_counter() - start
    if clf.n_iter_ != epochs:
        raise RuntimeError(f"expected scikit-learn to run {epochs} epochs, it ran {clf.n_iter_}")
    return elapsed / epochs, float(np.mean(clf.predict(X_test) == test.y))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and repeats (a smoke run)")
    parser.add_argument("--repeats", type=int, default=None, help="trainings per library (default 9, quick 2)")
    parser.add_argument("--epochs", type=int, default=None, help="default 40, quick 10")
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time the same training as bare NumPy (no bookkeeping), as a yardstick",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="limit BLAS/OpenMP threads for both libraries (threadpoolctl); default: leave as configured",
    )
    args = parser.parse_args(argv)
    import sklearn.neural_network  # noqa: F401  load every BLAS before limiting threads, so limits reach all

    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=args.threads):
            return _run(args)
    return _run(args)


def _run(args):
    epochs = args.epochs or (10 if args.quick else 40)
    repeats = args.repeats or (2 if args.quick else 9)

    data = digits(seed=SEED)
    train, test = train_test_split(data, test_fraction=0.25, seed=SEED)
    print(f"digits: {train.m} train / {test.m} test, 64 → 64 relu → 10 softmax, cross-entropy")
    print(
        f"SGD lr={args.lr} batch={args.batch_size} epochs={epochs}, {repeats} repeats (seeds {SEED}…{SEED + repeats - 1})"
    )
    print("BLAS:")
    print(blas_report())

    results = {"mlp_lib": [], "scikit-learn": []}
    if args.floor:
        results["numpy floor"], results["floor+record"] = [], []
    for r in range(repeats):  # interleave so drifts in machine load hit all alike
        results["mlp_lib"].append(run_mlp_lib(train, test, args.lr, args.batch_size, epochs, SEED + r))
        results["scikit-learn"].append(run_sklearn(train, test, args.lr, args.batch_size, epochs, SEED + r))
        if args.floor:
            results["numpy floor"].append(run_numpy_floor(train, test, args.lr, args.batch_size, epochs, SEED + r))
            results["floor+record"].append(
                run_numpy_floor(train, test, args.lr, args.batch_size, epochs, SEED + r, record=True)
            )

    print()
    print(f"{'library':<14}{'best ms/epoch':>15}{'median ms/epoch':>17}{'test acc (median)':>19}{'acc range':>15}")
    summary = {}
    for name, runs in results.items():
        times = [t for t, _ in runs]
        accs = [a for _, a in runs]
        summary[name] = (min(times), statistics.median(times), statistics.median(accs))
        print(
            f"{name:<14}{1e3 * min(times):>15.2f}{1e3 * statistics.median(times):>17.2f}"
            f"{100 * statistics.median(accs):>18.1f}%{100 * min(accs):>8.1f}–{100 * max(accs):.1f}%"
        )
    best_ratio = summary["scikit-learn"][0] / summary["mlp_lib"][0]
    median_ratio = summary["scikit-learn"][1] / summary["mlp_lib"][1]
    paired = [s / m for (s, _), (m, _) in zip(results["scikit-learn"], results["mlp_lib"])]
    gap = 100 * (summary["mlp_lib"][2] - summary["scikit-learn"][2])
    print()
    print(
        f"speed ratio scikit-learn / mlp_lib: best {best_ratio:.2f}×, median {median_ratio:.2f}×, "
        f"median of the repeats' ratios {statistics.median(paired):.2f}× (>1: mlp_lib faster)"
    )
    print("  each repeat: " + ", ".join(f"{r:.2f}×" for r in paired))
    print(f"accuracy gap mlp_lib − scikit-learn (medians): {gap:+.1f} points")
    print(
        f"goal: scikit-learn / mlp_lib ≥ 2× (median of the repeats' ratios): "
        f"{'met' if statistics.median(paired) >= 2 else 'NOT met'}"
    )
    if args.floor:
        for name in ("numpy floor", "floor+record"):
            pairs = [lib / fl for (lib, _), (fl, _) in zip(results["mlp_lib"], results[name])]
            print(
                f"mlp_lib / {name}: median of the repeats' ratios {statistics.median(pairs):.2f}× "
                f"(each: {', '.join(f'{q:.2f}' for q in pairs)})"
            )
        pairs = [lib / fl for (lib, _), (fl, _) in zip(results["floor+record"], results["numpy floor"])]
        print(
            f"  of which the epoch record and divergence check (floor+record / floor): {statistics.median(pairs):.2f}×"
        )
        print("  goal: mlp_lib ≤ 1.3× the bare floor. What plain code costs: mlp_lib does per batch the")
        print("  loss from the logits, the count of right answers and a finite check on every new array")
        print("  (see floor+record), recomputes softmax in Eq. (1)'s fused form, and calls one function per")
        print("  equation; the ratios above say how much each costs on this machine.")


if __name__ == "__main__":
    main()
