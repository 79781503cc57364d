"""Oracle for metric summaries: folds logged points (in logging order) into per-key summaries
with plain Python, and cross-checks min/max/count with SQLite's own aggregates.

stdin: {"points": [{"key": str, "step": int, "value": float | "NaN"}]} in logging order.
stdout: {key: {"last": float | "NaN", "last_step", "min", "min_step", "max", "max_step",
"count", "nan_count"}}.
"""
import json
import math
import sqlite3
import sys


def main():
    points = json.load(sys.stdin)["points"]
    out = {}
    for order, p in enumerate(points):
        v = float("nan") if p["value"] == "NaN" else float(p["value"])
        s = out.setdefault(p["key"], {"count": 0, "nan_count": 0, "min": None, "min_step": None,
                                      "max": None, "max_step": None, "last_step": None})
        s["count"] += 1
        # The last value is the one at the greatest step; of equal steps, the later logged.
        if s["last_step"] is None or p["step"] >= s["last_step"]:
            s["last_step"] = p["step"]
            s["last"] = "NaN" if math.isnan(v) else v
        if math.isnan(v):
            s["nan_count"] += 1
            continue
        if s["min"] is None or v < s["min"]:
            s["min"], s["min_step"] = v, p["step"]
        if s["max"] is None or v > s["max"]:
            s["max"], s["max_step"] = v, p["step"]
    # Cross-check the extremes and counts with SQLite over the same rows.
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE m (key TEXT, value REAL)")
    db.executemany("INSERT INTO m VALUES (?, ?)",
                   [(p["key"], None if p["value"] == "NaN" else float(p["value"])) for p in points])
    for key, lo, hi, n, finite in db.execute(
            "SELECT key, MIN(value), MAX(value), COUNT(*), COUNT(value) FROM m GROUP BY key"):
        s = out[key]
        assert (lo, hi, n, n - finite) == (s["min"], s["max"], s["count"], s["nan_count"]), key
    json.dump(out, sys.stdout)


main()
