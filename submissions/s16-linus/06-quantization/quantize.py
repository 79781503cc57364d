"""Lab 06 — Quantization. Vectorised NumPy, float32 throughout."""
import numpy as np

QK = 32


def int8_scale(w):
    return float(np.max(np.abs(w)) / np.float32(127))


def quantize_int8(w):
    scale = np.max(np.abs(w)) / np.float32(127)
    if scale == 0:
        return np.zeros(w.shape, np.int8)
    return np.clip(np.round(w / scale), -127, 127).astype(np.int8)


def int8_channel_scales(w):
    return (np.max(np.abs(w), axis=0) / np.float32(127)).astype(np.float32)


def quantize_int8_per_channel(w):
    scale = int8_channel_scales(w)
    safe = np.where(scale > 0, scale, np.float32(1))
    return np.clip(np.round(w / safe), -127, 127).astype(np.int8)


def dequantize_int8(q, scale):
    return q.astype(np.float32) * np.asarray(scale, dtype=np.float32)


def to_fp16(x):
    return x.astype(np.float16).astype(np.float32)


def _blocks(w):
    w = w.astype(np.float32)
    return w.reshape(w.shape[0], -1, QK)


def _inverse(d):
    return np.where(d != 0, np.float32(1) / np.where(d != 0, d, np.float32(1)), np.float32(0))


def q8_0_quantize(w):
    b = _blocks(w)
    d = np.max(np.abs(b), axis=-1, keepdims=True) / np.float32(127)
    v = (b * _inverse(d)).astype(np.float64)
    q = np.sign(v) * np.floor(np.abs(v) + 0.5)
    return np.clip(q, -127, 127).astype(np.int8).reshape(w.shape)


def q8_0_scales(w):
    d = np.max(np.abs(_blocks(w)), axis=-1) / np.float32(127)
    return d.astype(np.float32)


def q8_0_dequantize(codes, scales):
    out, n = codes.shape
    b = codes.reshape(out, n // QK, QK).astype(np.float32)
    return (b * scales.astype(np.float32)[..., None]).reshape(out, n)


def q8_0_matmul(x, codes, scales):
    return x.astype(np.float32) @ q8_0_dequantize(codes, scales).T


def _q4_0(w):
    b = _blocks(w)
    i = np.argmax(np.abs(b), axis=-1)[..., None]
    d = np.take_along_axis(b, i, axis=-1) / np.float32(-8)
    v = b * _inverse(d) + np.float32(8.5)
    q = np.minimum(15, v.astype(np.int8)).astype(np.uint8)
    return q.reshape(w.shape), d[..., 0]


def q4_0_quantize(w):
    return _q4_0(w)[0]


def q4_0_scales(w):
    return _q4_0(w)[1].astype(np.float32)


def q4_0_pack(codes):
    out, n = codes.shape
    b = codes.astype(np.uint8).reshape(out, n // QK, QK)
    return (b[..., :16] | (b[..., 16:] << 4)).astype(np.uint8).reshape(out, n // 2)


def q4_0_unpack(packed):
    out, half = packed.shape
    p = packed.astype(np.uint8).reshape(out, half // 16, 16)
    return np.concatenate([p & 0x0F, p >> 4], axis=-1).reshape(out, half * 2)
