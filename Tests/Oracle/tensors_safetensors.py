"""Independent safetensors oracle for lmlab, using the reference `safetensors` package.

make DIR   writes good.safetensors with safetensors.numpy.save_file, bf16.safetensors crafted
           by hand (numpy has no bfloat16), reference.safetensors (formula values, for a byte
           comparison) and one corrupt file per error case. Prints JSON: the expected tensors
           (values as float32 bit patterns or integers, all as decimal strings) and, for each
           corrupt file, whether the reference implementation also refuses it.
check DIR  loads DIR/ours.safetensors with the reference deserializer and prints JSON with
           every tensor's dtype, shape and values (floats as float32 bits), the metadata and
           the header length, for the Swift test to compare with what it wrote.
"""
import json
import struct
import sys

import numpy as np
from safetensors import deserialize, safe_open
from safetensors.numpy import load_file, save_file


def f32_bits(a):
    return [str(int(x)) for x in np.asarray(a, dtype=np.float32).reshape(-1).view(np.uint32)]


def raw_file(path, header, data=b"", pad=True):
    """A safetensors file from a header (dict or raw text) and data bytes, no checks."""
    text = header if isinstance(header, (str, bytes)) else json.dumps(header, separators=(",", ":"))
    h = text.encode() if isinstance(text, str) else text
    if pad:
        h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


def formula_tensors():
    """Values both sides compute exactly: i/4 - 3 for floats, i*7 - 20 for ints."""
    def f(shape, dtype):
        n = int(np.prod(shape))
        return (np.arange(n, dtype=np.float64) / 4 - 3).astype(dtype).reshape(shape)

    def i(shape, dtype):
        n = int(np.prod(shape))
        return (np.arange(n, dtype=np.int64) * 7 - 20).astype(dtype).reshape(shape)

    return {
        "wte.weight": f((4, 3), np.float32),
        "h.0.attn.bias": f((5,), np.float16),
        "ids": i((2, 2), np.int64),
        "pos": i((3,), np.int32),
        "small": i((3,), np.int8),
        "bytes": (np.arange(5) * 50).astype(np.uint8),
        "scalar": np.array(1.5, dtype=np.float32),
        "empty": np.zeros((0, 2), dtype=np.float32),
    }


def make(d):
    rng = np.random.default_rng(7)
    good = {
        "f32": rng.standard_normal((3, 4)).astype(np.float32),
        "f16": rng.standard_normal((2, 5)).astype(np.float16),
        "i64": np.array([0, -1, 2**62 + 3, -(2**63), 2**63 - 1], dtype=np.int64),
        "i32": rng.integers(-(2**31), 2**31 - 1, size=(2, 2), dtype=np.int32),
        "i8": np.array([-128, -1, 0, 127], dtype=np.int8),
        "u8": np.array([0, 1, 200, 255], dtype=np.uint8),
        "f64": np.array([0.1, -1e300, 3.0], dtype=np.float64),
        "scalar": np.array(-2.25, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
    }
    good["f16"].flat[0] = np.inf
    good["f16"].flat[1] = np.float16(6e-8)  # subnormal
    save_file(good, f"{d}/good.safetensors", metadata={"format": "np", "note": "ünïcode"})
    expected = []
    for name, a in good.items():
        item = {"name": name, "dtype": a.dtype.name, "shape": list(a.shape)}
        if a.dtype.kind == "f":
            with np.errstate(over="ignore"):  # -1e300 -> -inf in float32, as lmlab rounds it
                item["bits"] = f32_bits(a.astype(np.float32))
        else:
            item["ints"] = [str(int(x)) for x in a.reshape(-1)]
        expected.append(item)

    # bf16 by hand: float32 values rounded to nearest even on the upper 16 bits.
    x = rng.standard_normal(6).astype(np.float32)
    x[0] = -np.inf
    b = x.view(np.uint32).astype(np.uint64)
    bf = (((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF).astype(np.uint16)
    raw_file(f"{d}/bf16.safetensors",
             {"w": {"dtype": "BF16", "shape": [2, 3], "data_offsets": [0, 12]}},
             bf.astype("<u2").tobytes())
    widened = (bf.astype(np.uint32) << 16).view(np.float32)
    expected.append({"name": "w", "dtype": "bfloat16", "shape": [2, 3], "bits": f32_bits(widened)})

    save_file(formula_tensors(), f"{d}/reference.safetensors", metadata={"made_by": "oracle"})

    # Corrupt files, one per error.
    f4 = np.arange(4, dtype="<f4").tobytes()  # 16 bytes
    ent = lambda dt, shape, a, b: {"dtype": dt, "shape": shape, "data_offsets": [a, b]}
    open(f"{d}/too_small.safetensors", "wb").write(b"\x10\x00\x00")
    open(f"{d}/huge_header.safetensors", "wb").write(struct.pack("<Q", 2**40) + b"{}")
    open(f"{d}/header_past_end.safetensors", "wb").write(struct.pack("<Q", 1000) + b"{}      ")
    raw_file(f"{d}/bad_json.safetensors", '{"a": {"dtype": "F32",', f4)
    raw_file(f"{d}/not_object.safetensors", "[1, 2]", b"")
    raw_file(f"{d}/missing_dtype.safetensors",
             {"a": {"shape": [4], "data_offsets": [0, 16]}}, f4)
    raw_file(f"{d}/missing_shape.safetensors",
             {"a": {"dtype": "F32", "data_offsets": [0, 16]}}, f4)
    raw_file(f"{d}/missing_offsets.safetensors", {"a": {"dtype": "F32", "shape": [4]}}, f4)
    raw_file(f"{d}/unknown_dtype.safetensors", {"a": ent("Q4", [4], 0, 16)}, f4)
    raw_file(f"{d}/overlap.safetensors",
             {"a": ent("F32", [2], 0, 8), "b": ent("F32", [2], 4, 12)}, f4[:12])
    raw_file(f"{d}/gap.safetensors",
             {"a": ent("F32", [1], 0, 4), "b": ent("F32", [2], 8, 16)}, f4)
    raw_file(f"{d}/uncovered.safetensors", {"a": ent("F32", [2], 0, 8)}, f4)
    raw_file(f"{d}/past_end.safetensors", {"a": ent("F32", [4], 0, 16)}, f4[:8])
    raw_file(f"{d}/byte_count.safetensors", {"a": ent("F32", [3], 0, 16)}, f4)
    raw_file(f"{d}/duplicate.safetensors",
             '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
             '"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}', f4)
    raw_file(f"{d}/bad_metadata.safetensors",
             {"__metadata__": {"k": 1}, "a": ent("F32", [4], 0, 16)}, f4)
    whole = open(f"{d}/good.safetensors", "rb").read()
    open(f"{d}/truncated.safetensors", "wb").write(whole[:-10])

    corrupt = {}
    for name in ["too_small", "huge_header", "header_past_end", "bad_json", "not_object",
                 "missing_dtype", "missing_shape", "missing_offsets", "unknown_dtype",
                 "overlap", "gap", "uncovered", "past_end", "byte_count", "duplicate",
                 "bad_metadata", "truncated"]:
        try:
            deserialize(open(f"{d}/{name}.safetensors", "rb").read())
            corrupt[name] = False
        except Exception:
            corrupt[name] = True
    print(json.dumps({"tensors": expected, "reference_rejects": corrupt}))


def check(d):
    path = f"{d}/ours.safetensors"
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    tensors = []
    for name, info in deserialize(raw):
        dt, shape, data = info["dtype"], info["shape"], bytes(info["data"])
        item = {"name": name, "dtype": dt, "shape": shape}
        if dt == "BF16":
            u = np.frombuffer(data, dtype="<u2").astype(np.uint32) << 16
            item["bits"] = f32_bits(u.view(np.float32))
        elif dt in ("F16", "F32", "F64"):
            a = np.frombuffer(data, dtype={"F16": "<f2", "F32": "<f4", "F64": "<f8"}[dt])
            with np.errstate(over="ignore"):
                item["bits"] = f32_bits(a.astype(np.float32))
        else:
            np_dt = {"I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1",
                     "BOOL": "u1"}[dt]
            item["ints"] = [str(int(x)) for x in np.frombuffer(data, dtype=np_dt)]
        tensors.append(item)
    # The numpy loader and safe_open must accept it too (bf16 aside, which numpy lacks).
    if not any(t["dtype"] == "BF16" for t in tensors):
        load_file(path)
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata() or {}
    print(json.dumps({"tensors": tensors, "metadata": metadata, "header_length": n,
                      "header_keys": list(header.keys())}))


if __name__ == "__main__":
    {"make": make, "check": check}[sys.argv[1]](sys.argv[2])
