"""Lab 06 — Quantization, block by block with plain loops (ggml's reference C in Python)."""
import math

import numpy as np


def int8_scale(w):
    return float(np.float32(np.abs(w).max()) / np.float32(127.0))


def _int8(values):
    scale = np.float32(np.abs(values).max()) / np.float32(127.0)
    if scale == 0:
        return np.zeros(values.shape, dtype=np.int8)
    q = np.rint(values / scale)          # rint: halves to even, like np.round
    return np.clip(q, -127, 127).astype(np.int8)


def quantize_int8(w):
    return _int8(np.asarray(w, np.float32))


def int8_channel_scales(w):
    w = np.asarray(w, np.float32)
    return np.array([np.abs(w[:, j]).max() / np.float32(127.0) for j in range(w.shape[1])],
                    dtype=np.float32)


def quantize_int8_per_channel(w):
    w = np.asarray(w, np.float32)
    out = np.zeros(w.shape, dtype=np.int8)
    for j in range(w.shape[1]):
        out[:, j] = _int8(w[:, j])
    return out


def dequantize_int8(q, scale):
    scale = np.asarray(scale, dtype=np.float32)
    return (q.astype(np.float32) * scale).astype(np.float32)


def to_fp16(x):
    return np.float16(x).astype(np.float32) if np.ndim(x) == 0 else \
        np.asarray(x, np.float32).astype(np.float16).astype(np.float32)


def _roundf(v):
    return math.copysign(math.floor(abs(float(v)) + 0.5), float(v))


def _q8_0_row(row):
    codes, scales = [], []
    for start in range(0, len(row), 32):
        block = row[start:start + 32]
        d = np.float32(np.abs(block).max()) / np.float32(127.0)
        inv = np.float32(1.0) / d if d != 0 else np.float32(0.0)
        codes += [int(_roundf(np.float32(x) * inv)) for x in block]
        scales.append(np.float16(d))
    return codes, scales


def q8_0_quantize(w):
    w = np.asarray(w, np.float32)
    return np.array([_q8_0_row(row)[0] for row in w], dtype=np.int8)


def q8_0_scales(w):
    w = np.asarray(w, np.float32)
    return np.array([_q8_0_row(row)[1] for row in w], dtype=np.float16)


def q8_0_dequantize(codes, scales):
    out = np.zeros(codes.shape, dtype=np.float32)
    for i in range(codes.shape[0]):
        for b in range(codes.shape[1] // 32):
            out[i, 32 * b:32 * b + 32] = codes[i, 32 * b:32 * b + 32] * np.float32(scales[i, b])
    return out


def q8_0_matmul(x, codes, scales):
    # Row by row on the quantized weight: y[:, o] = sum over blocks of d * (x_block . q_block).
    x = np.asarray(x, np.float32)
    y = np.zeros((x.shape[0], codes.shape[0]), dtype=np.float32)
    for o in range(codes.shape[0]):
        for b in range(codes.shape[1] // 32):
            q = codes[o, 32 * b:32 * b + 32].astype(np.float32)
            y[:, o] += np.float32(scales[o, b]) * (x[:, 32 * b:32 * b + 32] @ q)
    return y


def _q4_0_row(row):
    codes, scales = [], []
    for start in range(0, len(row), 32):
        block = row[start:start + 32]
        amax, m = np.float32(0), np.float32(0)
        for x in block:
            if amax < abs(x):
                amax, m = abs(x), x
        d = m / np.float32(-8.0)
        inv = np.float32(1.0) / d if d != 0 else np.float32(0.0)
        codes += [min(15, int(np.float32(x * inv) + np.float32(8.5))) for x in block]
        scales.append(np.float16(d))
    return codes, scales


def q4_0_quantize(w):
    w = np.asarray(w, np.float32)
    return np.array([_q4_0_row(row)[0] for row in w], dtype=np.uint8)


def q4_0_scales(w):
    w = np.asarray(w, np.float32)
    return np.array([_q4_0_row(row)[1] for row in w], dtype=np.float16)


def q4_0_pack(codes):
    out = np.zeros((codes.shape[0], codes.shape[1] // 2), dtype=np.uint8)
    for i in range(codes.shape[0]):
        for b in range(codes.shape[1] // 32):
            for j in range(16):
                lo, hi = int(codes[i, 32 * b + j]), int(codes[i, 32 * b + j + 16])
                out[i, 16 * b + j] = lo | (hi << 4)
    return out


def q4_0_unpack(packed):
    out = np.zeros((packed.shape[0], packed.shape[1] * 2), dtype=np.uint8)
    for i in range(packed.shape[0]):
        for b in range(packed.shape[1] // 16):
            for j in range(16):
                byte = int(packed[i, 16 * b + j])
                out[i, 32 * b + j] = byte & 0x0F
                out[i, 32 * b + j + 16] = byte >> 4
    return out
