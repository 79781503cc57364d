#!/usr/bin/env python3
"""Independent NumPy oracle for lmlab's weight quantization schemes.

Reads {"scheme": S, "shape": [in, out], "bits": [float32 bit patterns, row-major]} as JSON on
stdin (W is a GPT-2 Conv1D weight [in, out]) and writes {"codes", "scales", "dequant"} as JSON:
  codes   -- integers in ggml's row layout: rows are OUTPUT channels, i.e. W.T [out, in]
             (for q4_0 the packed bytes [out, in/2]; for fp16/bf16 the 16-bit patterns)
  scales  -- q8_0/q4_0: fp16 bit patterns [out, in/32]; int8: [one float32 bit pattern];
             int8-channel: float32 bit patterns [out]; fp32/fp16/bf16: []
  dequant -- float32 bit patterns of the dequantized W, [in, out] row-major.

Q8_0 and Q4_0 transcribe ggml's reference C (ggml-quants.c: quantize_row_q8_0_ref,
quantize_row_q4_0_ref, dequantize_row_q8_0, dequantize_row_q4_0) block by block. The int8
schemes follow their definitions: scale = absmax / 127, q = np.round(x / scale) (half to even),
clipped to [-127, 127]. Everything is float32 arithmetic, as in C.

Edge values follow ggml exactly: 1/d is computed from the fp32 d, not from its fp16 copy, so a
block whose fp16 scale underflows to 0 still gets its ordinary codes. When 1/d overflows to inf
(absmax below ~3.7e-37 for Q8_0, every subnormal block included) x·id is ±inf or NaN, and C's
cast to int8 -- undefined by the standard -- is x86-64's cvttss2si, whose 0x80000000 has low
byte 0: such codes are 0 (Q4_0: min(15, 0) = 0). The oracle writes that rule out instead of
relying on NumPy's own cast of inf.
"""
import json
import sys

import numpy as np

QK = 32
f32 = np.float32


def roundf(v):
    """C roundf: half away from zero. Done in float64, where |v| + 0.5 is exact."""
    with np.errstate(invalid="ignore"):
        a = np.floor(np.abs(v.astype(np.float64)) + 0.5)
        return (np.sign(v) * a).astype(np.float32)


def fp16_bits(v):
    return np.asarray(v, dtype=np.float32).astype(np.float16).view(np.uint16)


def fp16_value(bits):
    return np.asarray(bits, dtype=np.uint16).view(np.float16).astype(np.float32)


def bf16_bits(v):
    u = np.asarray(v, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16  # round to nearest even
    return rounded.astype(np.uint16)


def c_int8_cast(v):
    """(int8_t)v as ggml's C compiles on x86-64: truncation in range, 0 for ±inf and NaN."""
    v = np.asarray(v, dtype=np.float32)
    finite = np.isfinite(v)
    return np.where(finite, np.trunc(np.where(finite, v, 0)), 0).astype(np.int64)


def q8_0_row(x):
    """quantize_row_q8_0_ref then dequantize_row_q8_0, for one row (len % 32 == 0)."""
    codes, scales, deq = [], [], []
    for b in range(len(x) // QK):
        xb = x[b * QK:(b + 1) * QK]
        amax = f32(np.max(np.abs(xb)))
        d = f32(amax / f32(127))
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            idv = f32(f32(1) / d) if d != 0 else f32(0)
            q = c_int8_cast(roundf((xb * idv).astype(np.float32))).astype(np.int8)
        dh = fp16_bits(d)
        codes += q.tolist()
        scales.append(int(dh))
        deq += (q.astype(np.float32) * fp16_value(dh)).tolist()
    return codes, scales, deq


def q4_0_row(x):
    """quantize_row_q4_0_ref then dequantize_row_q4_0, for one row (len % 32 == 0)."""
    packed, scales, deq = [], [], []
    for b in range(len(x) // QK):
        xb = x[b * QK:(b + 1) * QK]
        amax, vmax = f32(0), f32(0)
        for v in xb:  # first element of largest magnitude, keeping its sign
            if amax < abs(v):
                amax, vmax = f32(abs(v)), f32(v)
        d = f32(vmax / f32(-8))
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            idv = f32(f32(1) / d) if d != 0 else f32(0)
            shifted = ((xb * idv).astype(np.float32) + f32(8.5)).astype(np.float32)
            q = np.minimum(15, c_int8_cast(shifted)).astype(np.uint8)
        lo, hi = q[:QK // 2], q[QK // 2:]
        packed += (lo | (hi << 4)).tolist()
        dh = fp16_bits(d)
        scales.append(int(dh))
        deq_block = np.zeros(QK, dtype=np.float32)
        byte = lo | (hi << 4)
        deq_block[:QK // 2] = ((byte & 0x0F).astype(np.int32) - 8).astype(np.float32) * fp16_value(dh)
        deq_block[QK // 2:] = ((byte >> 4).astype(np.int32) - 8).astype(np.float32) * fp16_value(dh)
        deq += deq_block.tolist()
    return packed, scales, deq


def int8_sym(x):
    amax = f32(np.max(np.abs(x))) if x.size else f32(0)
    scale = f32(amax / f32(127))
    if scale == 0:
        return np.zeros(x.shape, np.int8), scale
    q = np.clip(np.round((x / scale).astype(np.float32)), -127, 127).astype(np.int8)
    return q, scale


def bits32(a):
    return np.asarray(a, dtype=np.float32).view(np.uint32).tolist()


def main():
    req = json.load(sys.stdin)
    scheme = req["scheme"]
    n_in, n_out = req["shape"]
    w = np.array(req["bits"], dtype=np.uint32).view(np.float32).reshape(n_in, n_out)
    rows = np.ascontiguousarray(w.T)  # ggml layout: [out, in], rows are output channels
    codes, scales = [], []
    if scheme == "fp32":
        deq_rows = rows
    elif scheme == "fp16":
        h = fp16_bits(rows)
        codes, deq_rows = h.ravel().tolist(), fp16_value(h)
    elif scheme == "bf16":
        h = bf16_bits(rows)
        codes = h.ravel().tolist()
        deq_rows = (h.astype(np.uint32) << 16).view(np.float32)
    elif scheme == "int8":
        q, s = int8_sym(rows)
        codes, scales = q.ravel().tolist(), bits32([s])
        deq_rows = q.astype(np.float32) * s
    elif scheme == "int8-channel":
        deq_rows = np.zeros_like(rows)
        for o in range(n_out):
            q, s = int8_sym(rows[o])
            codes += q.tolist()
            scales += bits32([s])
            deq_rows[o] = q.astype(np.float32) * s
    elif scheme in ("q8_0", "q4_0"):
        fn = q8_0_row if scheme == "q8_0" else q4_0_row
        deq_rows = np.zeros_like(rows)
        for o in range(n_out):
            c, s, d = fn(rows[o])
            codes += c
            scales += s
            deq_rows[o] = np.array(d, dtype=np.float32)
    else:
        raise SystemExit(f"unknown scheme {scheme}")
    deq = np.ascontiguousarray(np.asarray(deq_rows, dtype=np.float32).T)  # back to [in, out]
    json.dump({"codes": [int(c) for c in codes], "scales": [int(s) for s in scales],
               "dequant": bits32(deq.ravel())}, sys.stdout)


if __name__ == "__main__":
    main()
