"""Independent .npy oracle for lmlab's Npy reader/writer, using numpy itself.

make DIR   writes arrays with numpy.save (and some deliberately bad files) into DIR and prints
           JSON describing each good array: dtype, shape, and its values as bit patterns
           (decimal strings, so 64-bit values survive JSON).
check DIR  reads a JSON list on stdin of {file, dtype, shape, bits} for files lmlab wrote,
           loads each with numpy.load and prints JSON {file, ok, dtype, shape, max_diff}.
"""
import json
import sys

import numpy as np

BITS = {"<f4": np.uint32, "<f8": np.uint64, "<i4": np.int32, "<i8": np.int64}


def bits_of(a):
    """Values as exact decimal strings: float bit patterns, or the integers themselves."""
    return [str(int(x)) for x in a.reshape(-1).view(BITS[a.dtype.str])]


def make(d):
    rng = np.random.default_rng(1234)
    f4 = rng.standard_normal((3, 5)).astype("<f4")
    f4.flat[:5] = [np.nan, np.inf, -np.inf, -0.0, np.float32(1e-45)]  # special values
    f8 = rng.standard_normal(7).astype("<f8")
    f8[0] = 5e-324
    i4 = rng.integers(-(2**31), 2**31 - 1, size=(2, 3), dtype="<i4")
    i8 = np.array([[0, -1, 2**62 + 1], [-(2**63), 2**63 - 1, 12345]], dtype="<i8")
    good = {
        "f4": f4,
        "f8": f8,
        "i4": i4,
        "i8": i8,
        "scalar0d": np.array(2.5, dtype="<f4"),
        "empty": np.zeros((0, 4), dtype="<f4"),
        "three_d": rng.standard_normal((2, 3, 4)).astype("<f4"),
    }
    out = []
    for name, a in good.items():
        np.save(f"{d}/{name}.npy", a)
        out.append({"file": f"{name}.npy", "dtype": a.dtype.str, "shape": list(a.shape),
                    "bits": bits_of(a)})
    # Version 2.0 header, written explicitly.
    v2 = rng.standard_normal((4, 2)).astype("<f4")
    with open(f"{d}/v2.npy", "wb") as f:
        np.lib.format.write_array(f, v2, version=(2, 0))
    out.append({"file": "v2.npy", "dtype": "<f4", "shape": [4, 2], "bits": bits_of(v2)})

    # Bad files: each must give its own clear error.
    np.save(f"{d}/bigendian.npy", np.arange(4, dtype=">f4"))
    np.save(f"{d}/fortran.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
    np.save(f"{d}/object.npy", np.array([1, "a"], dtype=object), allow_pickle=True)
    np.save(f"{d}/float16.npy", np.arange(3, dtype="<f2"))
    raw = open(f"{d}/f4.npy", "rb").read()
    open(f"{d}/truncated.npy", "wb").write(raw[:-5])
    open(f"{d}/extra.npy", "wb").write(raw + b"\0\0\0\0")
    open(f"{d}/badmagic.npy", "wb").write(b"PK\x03\x04" + raw[4:])
    open(f"{d}/version3.npy", "wb").write(raw[:6] + b"\x03\x00" + raw[8:])
    print(json.dumps(out))


def check(d):
    results = []
    for item in json.load(sys.stdin):
        a = np.load(f"{d}/{item['file']}")
        ok = a.dtype.str == item["dtype"] and list(a.shape) == item["shape"]
        ok = ok and a.flags["C_CONTIGUOUS"]
        got = bits_of(a) if ok else []
        ok = ok and got == item["bits"]
        # Max difference over the finite values, for the failure message (bits decide ok).
        diff = -1.0
        if a.dtype.str == item["dtype"] and a.size == len(item["bits"]):
            want = np.array([int(b) for b in item["bits"]], dtype=BITS[item["dtype"]])
            want = want.view(item["dtype"]).astype(np.float64)
            got_f = a.reshape(-1).astype(np.float64)
            finite = np.isfinite(want) & np.isfinite(got_f)
            diff = float(np.max(np.abs(got_f[finite] - want[finite]), initial=0.0))
        results.append({"file": item["file"], "ok": bool(ok), "dtype": a.dtype.str,
                        "shape": list(a.shape), "max_diff": diff})
    print(json.dumps(results))


if __name__ == "__main__":
    {"make": make, "check": check}[sys.argv[1]](sys.argv[2])
