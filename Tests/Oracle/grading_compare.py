# Oracle for Grading's allclose comparison: NumPy's own max abs/rel error, its position, the
# number of elements np.isclose rejects, and the element furthest outside the tolerance.
# stdin: JSON list of {"got": [...], "want": [...], "shape": [...], "atol": a, "rtol": r}
# stdout: JSON list of {"max_abs", "max_abs_at", "max_rel", "outside", "worst_at"}.
import json
import sys

import numpy as np


def main():
    cases = json.load(sys.stdin)
    out = []
    for case in cases:
        shape = tuple(case["shape"])
        got = np.asarray(case["got"], dtype=np.float64).reshape(shape)
        want = np.asarray(case["want"], dtype=np.float64).reshape(shape)
        atol, rtol = case["atol"], case["rtol"]
        diff = np.abs(got - want)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(want != 0, diff / np.abs(want), np.where(diff > 0, np.inf, 0.0))
            ratio = diff / (atol + rtol * np.abs(want))
        close = np.isclose(got, want, atol=atol, rtol=rtol, equal_nan=False)
        out.append({
            "max_abs": float(diff.max()),
            "max_abs_at": [int(i) for i in np.unravel_index(int(diff.argmax()), shape)],
            "max_rel": float(rel.max()),
            "outside": int((~close).sum()),
            "worst_at": [int(i) for i in np.unravel_index(int(ratio.argmax()), shape)],
        })
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
