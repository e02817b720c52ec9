"""How long the SymPy proofs take (brute force ≡ closed form), case by case.

Each chapter runs one of these on every build, and the goal is under 3 s per
chapter on a 2-core machine. For a peer in the same process, each case is also
timed with SymPy's general ``simplify`` alone (what :func:`mlp_lib.symbolic.difference`
tries last) on *every* entry — ``--peer``, slow: minutes for the generic cases —
and the ratio is printed.

Run:  python benchmarks/bench_symbolic.py [--no-peer]
"""

from __future__ import annotations

import argparse
import time

import sympy as sp

from mlp_lib.symbolic import SymbolicMLP, canonical, is_zero_matrix

CASES = [
    ([2, 2, 2], "generic", "generic", "generic"),
    ([2, 2, 2, 2], "generic", "generic", "generic"),
    ([2, 2, 2], "generic", "generic", "mse"),
    ([2, 2, 1], "sigmoid", "sigmoid", "bce"),
    ([2, 2, 2], "relu", "relu", "mse"),
    ([2, 2, 2], "tanh", "identity", "mse"),
    ([2, 3], "generic", "softmax", "cce"),
]


def _peer(net: SymbolicMLP) -> bool:
    """The same checks as ``verify()`` with plain ``sp.simplify`` on every entry."""
    ok = True
    for j in range(1, net.J + 1):
        for brute, closed in (
            (net.brute_force_phi(j), net.closed_form_phi(j)),
            (net.brute_force_gradient(net.W[j]), net.closed_form_weight_gradient(j)),
            (net.brute_force_gradient(net.b[j]), net.closed_form_bias_gradient(j)),
        ):
            ok &= is_zero_matrix((brute - closed).applyfunc(lambda e: sp.simplify(canonical(e))))
    return ok


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--peer", action="store_true", help="also time the plain-simplify peer (slow)")
    args = parser.parse_args(argv)
    print(f"{'case':45s} {'verify() s':>10s} {'all zero':>9s} {'of 3 s':>7s} {'peer s':>8s} {'ratio':>7s}")
    for sizes, hidden, output, loss in CASES:
        t0 = time.perf_counter()
        net = SymbolicMLP(sizes, hidden, output, loss)
        ok = all(is_zero_matrix(d) for d in net.verify().values())
        ours = time.perf_counter() - t0
        label = f"{sizes} {hidden}/{output}/{loss}"
        share = f"{ours / 3.0:6.0%}"
        if not args.peer:
            print(f"{label:45s} {ours:10.2f} {str(ok):>9s} {share:>7s}")
            continue
        t0 = time.perf_counter()
        _peer(SymbolicMLP(sizes, hidden, output, loss))
        peer = time.perf_counter() - t0
        print(f"{label:45s} {ours:10.2f} {str(ok):>9s} {share:>7s} {peer:8.2f} {peer / ours:6.1f}×")


if __name__ == "__main__":
    main()
