"""NumPy oracle for Tensor.matmul: random operands and float64 products, as .npy files.

make DIR  writes case<i>_a.npy, case<i>_b.npy (float32) and case<i>_want.npy (float64, computed
          in float64 from the float32 operands) and prints the list of cases as JSON.
"""
import json
import sys

import numpy as np


def make(d):
    rng = np.random.default_rng(99)
    cases = []

    def add(a_shape, b_shape, trans_self=False, trans_other=False):
        a = rng.standard_normal(a_shape).astype(np.float32)
        b = rng.standard_normal(b_shape).astype(np.float32)
        a64 = np.swapaxes(a, -1, -2) if trans_self else a
        b64 = np.swapaxes(b, -1, -2) if trans_other else b
        want = np.matmul(a64.astype(np.float64), b64.astype(np.float64))
        i = len(cases)
        np.save(f"{d}/case{i}_a.npy", a)
        np.save(f"{d}/case{i}_b.npy", b)
        np.save(f"{d}/case{i}_want.npy", want)
        cases.append({"index": i, "transposeSelf": trans_self, "transposeOther": trans_other,
                      "k": int(a64.shape[-1])})

    for _ in range(6):  # plain 2-D, random sizes
        m, k, n = (int(x) for x in rng.integers(1, 70, size=3))
        add((m, k), (k, n))
    add((1, 37), (37, 19))  # m = 1
    add((23, 41), (41, 1))  # n = 1
    add((1, 64), (64, 1))  # both
    add((17, 300), (300, 9))  # longer k
    for _ in range(3):  # batched @ batched
        bsz, m, k, n = (int(x) for x in rng.integers(1, 20, size=4))
        add((bsz, m, k), (bsz, k, n))
    add((3, 5, 8), (8, 6))  # batched @ 2-D (folded into one sgemm)
    add((2, 3, 4, 5), (2, 3, 5, 2))  # two batch axes
    add((7, 12), (9, 12), trans_other=True)  # x @ W^T with W [n, k]
    add((4, 1, 16), (4, 6, 16), trans_other=True)  # batched, m = 1
    add((5, 11, 8), (3, 8), trans_other=True)  # batched @ 2-D^T
    add((4, 6, 3), (4, 6, 5), trans_self=True)  # A^T B, batched
    add((6, 3), (6, 1), trans_self=True)  # A^T b, n = 1
    print(json.dumps(cases))


if __name__ == "__main__":
    {"make": make}[sys.argv[1]](sys.argv[2])
