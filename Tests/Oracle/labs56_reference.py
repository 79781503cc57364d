"""Independent NumPy reference for labs 05-lora and 06-quantization, written from the handouts
(not from lmlab's Swift), plus each catalogued mistake written the way a student would.
Run as a script it prints JSON oracle cases for Tests/GradingTests/Labs56Tests.swift: every
component on fixed random inputs with the correct output and every mistake's outputs."""
import json
import sys

import numpy as np

QK = 32
LAYERS = {"c_attn": (1, 3), "attn.c_proj": (1, 1), "c_fc": (1, 4), "mlp.c_proj": (4, 1)}


# ---------------------------------------------------------------- lab 05: LoRA


def lora_forward(x, w, b, lora_a, lora_b, alpha, scale_alpha=False, transpose=True):
    s = alpha if scale_alpha else alpha / lora_a.shape[0]
    if not transpose:
        return x @ w + b + s * (x @ (lora_b @ lora_a))
    return x @ w + b + s * ((x @ lora_a.T) @ lora_b.T)


def lora_merge(w, lora_a, lora_b, alpha, scale_alpha=False, transpose=True, sign=1.0):
    s = alpha if scale_alpha else alpha / lora_a.shape[0]
    delta = lora_b @ lora_a
    return w + sign * s * (delta.T if transpose else delta)


def lora_trainable_params(n_layer, n_embd, r, targets):
    return int(sum(n_layer * r * (i + o) * n_embd for t, (i, o) in LAYERS.items()
                   if t in targets))


def lora_grad_a(x, lora_a, lora_b, alpha, grad_y, scale_alpha=False):
    s = alpha if scale_alpha else alpha / lora_a.shape[0]
    return s * (grad_y @ lora_b).T @ x


def lora_grad_b(x, lora_a, lora_b, alpha, grad_y, scale_alpha=False):
    s = alpha if scale_alpha else alpha / lora_a.shape[0]
    return s * grad_y.T @ (x @ lora_a.T)


# ---------------------------------------------------------------- lab 06: quantization


def _f32(w):
    return np.asarray(w, dtype=np.float32)


def _codes(v, overflow="clamp"):
    if overflow == "int8":
        return np.clip(v, -128, 127).astype(np.int8)
    if overflow == "wrap":
        return v.astype(np.int64).astype(np.int8)  # 128 wraps to -128
    return np.clip(v, -127, 127).astype(np.int8)


def int8_scale(w, divisor=127):
    return float(np.max(np.abs(_f32(w))) / np.float32(divisor))


def quantize_int8(w, divisor=127, floor=False, overflow="clamp"):
    w = _f32(w)
    scale = np.max(np.abs(w)) / np.float32(divisor)
    if scale == 0:
        return np.zeros(w.shape, np.int8)
    v = w / scale
    return _codes(np.floor(v) if floor else np.round(v), overflow)


def int8_channel_scales(w, divisor=127, per_tensor=False):
    w = _f32(w)
    if per_tensor:
        return np.full(w.shape[1], np.max(np.abs(w)) / np.float32(divisor), np.float32)
    return (np.max(np.abs(w), axis=0) / np.float32(divisor)).astype(np.float32)


def quantize_int8_per_channel(w, divisor=127, floor=False, overflow="clamp", per_tensor=False):
    w = _f32(w)
    if per_tensor:
        return quantize_int8(w, divisor, floor, overflow)
    scale = np.max(np.abs(w), axis=0) / np.float32(divisor)
    v = np.where(scale > 0, w / np.where(scale > 0, scale, 1), 0).astype(np.float32)
    return _codes(np.floor(v) if floor else np.round(v), overflow)


def dequantize_int8(q, scale):
    return (np.asarray(q).astype(np.float32) * np.asarray(scale, np.float32)).astype(np.float32)


def to_fp16(x):
    return np.asarray(x).astype(np.float32).astype(np.float16).astype(np.float32)


def _blocks(w):
    w = _f32(w)
    return w.reshape(w.shape[0], w.shape[1] // QK, QK)


def _q8_0(w, divisor=127, floor=False, overflow="clamp", fp16=True):
    b = _blocks(w)
    d = np.max(np.abs(b), axis=-1, keepdims=True) / np.float32(divisor)
    inv = np.where(d != 0, np.float32(1) / np.where(d != 0, d, 1), 0).astype(np.float32)
    v = (b * inv).astype(np.float32).astype(np.float64)
    r = np.floor(v) if floor else np.sign(v) * np.floor(np.abs(v) + 0.5)  # C roundf
    codes = _codes(r, overflow).reshape(np.shape(w))
    scales = d[..., 0].astype(np.float16).astype(np.float32) if fp16 else d[..., 0]
    return codes, scales


def q8_0_quantize(w, **mistake):
    return _q8_0(w, **mistake)[0]


def q8_0_scales(w, **mistake):
    return _q8_0(w, **mistake)[1]


def q8_0_dequantize(codes, scales):
    out, n = codes.shape
    s = np.asarray(scales).astype(np.float16).astype(np.float32)
    return (codes.reshape(out, n // QK, QK).astype(np.float32) * s[..., None]).reshape(out, n)


def q8_0_matmul(x, codes, scales):
    return (np.asarray(x, np.float64) @ q8_0_dequantize(codes, scales).astype(np.float64).T)


def _q4_0(w, floor=False, fp16=True):
    b = _blocks(w)
    idx = np.argmax(np.abs(b), axis=-1)[..., None]  # first of equal magnitudes, as ggml
    m = np.take_along_axis(b, idx, axis=-1)
    d = (m / np.float32(-8)).astype(np.float32)
    inv = np.where(d != 0, np.float32(1) / np.where(d != 0, d, 1), 0).astype(np.float32)
    v = (b * inv).astype(np.float32) + np.float32(8 if floor else 8.5)
    codes = np.minimum(15, np.floor(v)).astype(np.uint8).reshape(np.shape(w))
    scales = d[..., 0].astype(np.float16).astype(np.float32) if fp16 else d[..., 0]
    return codes, scales


def q4_0_quantize(w, floor=False):
    return _q4_0(w, floor=floor)[0]


def q4_0_scales(w, fp16=True):
    return _q4_0(w, fp16=fp16)[1]


def q4_0_pack(codes, order="ggml"):
    c = np.asarray(codes).astype(np.uint8)
    out, n = c.shape
    if order == "consecutive":
        pairs = c.reshape(out, n // 2, 2)
        return (pairs[..., 0] | (pairs[..., 1] << 4)).astype(np.uint8)
    b = c.reshape(out, n // QK, QK)
    lo, hi = b[..., :QK // 2], b[..., QK // 2:]
    if order == "swapped":
        lo, hi = hi, lo
    return (lo | (hi << 4)).astype(np.uint8).reshape(out, n // 2)


def q4_0_unpack(packed, order="ggml"):
    p = np.asarray(packed).astype(np.uint8)
    out, half = p.shape
    lo, hi = p & 0x0F, p >> 4
    if order == "consecutive":
        return np.stack([lo, hi], axis=-1).reshape(out, half * 2)
    lo, hi = lo.reshape(out, half // 16, 16), hi.reshape(out, half // 16, 16)
    if order == "swapped":
        lo, hi = hi, lo
    return np.concatenate([lo, hi], axis=-1).reshape(out, half * 2)


# ---------------------------------------------------------------- inputs for new dtypes


def make_typed(spec, rng):
    """A lab.toml tensor spec with dtype int8 / uint8 / float16 (None for other specs)."""
    dtype = spec.get("dtype") if isinstance(spec, dict) and "tensor" in spec else None
    if dtype not in ("int8", "uint8", "float16"):
        return None
    shape = tuple(spec["tensor"])
    if dtype in ("int8", "uint8"):
        return rng.integers(int(spec["low"]), int(spec["high"]) + 1, shape).astype(dtype)
    if spec.get("dist", "normal") == "uniform":
        base = rng.uniform(spec.get("low", 0.0), spec.get("high", 1.0), shape)
    else:
        base = rng.standard_normal(shape)
    return (base * spec.get("scale", 1.0) + spec.get("offset", 0.0)).astype(np.float16)


# ---------------------------------------------------------------- oracle cases (JSON)


def encode(v):
    if isinstance(v, np.ndarray):
        kind = {"i": "i", "u": "i", "f": "f", "b": "b"}[v.dtype.kind]
        return {kind: [float(t) for t in v.ravel()], "shape": list(v.shape),
                "dtype": v.dtype.str}
    return {"value": v}


def main():
    rng = np.random.default_rng(56)

    def f32(*shape, scale=1.0, offset=0.0):
        return (rng.standard_normal(shape) * scale + offset).astype(np.float32)

    def ints(shape, low, high, dtype):
        return rng.integers(low, high + 1, shape).astype(dtype)

    cases = []

    def case(component, args, correct, mistakes):
        cases.append({"component": component, "args": {k: encode(v) for k, v in args.items()},
                      "correct": encode(correct),
                      "mistakes": {k: [encode(o) for o in v] for k, v in mistakes.items()}})

    for (n_in, n_out, r, alpha) in [(16, 48, 4, 16.0), (16, 16, 8, 32.0)]:
        x, w, b = f32(6, n_in), f32(n_in, n_out, scale=0.3), f32(n_out, scale=0.1)
        a, bb = f32(r, n_in, scale=0.3), f32(n_out, r, scale=0.3)
        args = dict(x=x, w=w, b=b, lora_a=a, lora_b=bb, alpha=alpha)
        m = {"lora_alpha_not_scaled": [lora_forward(**args, scale_alpha=True)]}
        if n_in == n_out:
            m["lora_ba_transposed"] = [lora_forward(**args, transpose=False)]
        case("lora_forward", args, lora_forward(**args), m)
        margs = dict(w=w, lora_a=a, lora_b=bb, alpha=alpha)
        m = {"lora_alpha_not_scaled": [lora_merge(**margs, scale_alpha=True)],
             "lora_merge_wrong_sign": [lora_merge(**margs, sign=-1.0)]}
        if n_in == n_out:
            m["lora_ba_transposed"] = [lora_merge(**margs, transpose=False)]
        case("lora_merge", margs, lora_merge(**margs), m)
        gargs = dict(x=x, lora_a=a, lora_b=bb, alpha=alpha, grad_y=f32(6, n_out))
        for name, fn in [("lora_grad_a", lora_grad_a), ("lora_grad_b", lora_grad_b)]:
            case(name, gargs, fn(**gargs), {"lora_alpha_not_scaled": [fn(**gargs,
                                                                           scale_alpha=True)]})
    case("lora_trainable_params", dict(n_layer=12, n_embd=768, r=8, targets=["c_attn"]),
         np.array(294912), {})
    case("lora_trainable_params",
         dict(n_layer=3, n_embd=64, r=4, targets=["c_attn", "attn.c_proj", "c_fc", "mlp.c_proj"]),
         np.array(lora_trainable_params(3, 64, 4, list(LAYERS))), {})

    overflows = ["clamp", "int8", "wrap"]
    for w in [f32(16, 24, scale=0.05), f32(24, 40, offset=-0.5)]:
        case("int8_scale", dict(w=w), np.array(int8_scale(w)),
             {"int8_128_not_127": [np.array(int8_scale(w, 128))]})
        case("quantize_int8", dict(w=w), quantize_int8(w),
             {"int8_128_not_127": [quantize_int8(w, 128, overflow=o) for o in overflows],
              "quant_floor_not_round": [quantize_int8(w, floor=True)]})
        case("int8_channel_scales", dict(w=w), int8_channel_scales(w),
             {"int8_128_not_127": [int8_channel_scales(w, 128)],
              "per_tensor_not_per_channel": [int8_channel_scales(w, per_tensor=True)]})
        case("quantize_int8_per_channel", dict(w=w), quantize_int8_per_channel(w),
             {"int8_128_not_127": [quantize_int8_per_channel(w, 128, overflow=o)
                                   for o in overflows],
              "quant_floor_not_round": [quantize_int8_per_channel(w, floor=True)],
              "per_tensor_not_per_channel": [quantize_int8_per_channel(w, per_tensor=True)]})
    q = ints((16, 24), -127, 127, np.int8)
    case("dequantize_int8", dict(q=q, scale=0.0123), dequantize_int8(q, 0.0123), {})
    s = rng.uniform(0.001, 0.05, 24).astype(np.float32)
    case("dequantize_int8", dict(q=q, scale=s), dequantize_int8(q, s), {})
    for x in [f32(64, scale=10.0), f32(8, 16, scale=1e-5)]:
        case("to_fp16", dict(x=x), to_fp16(x), {})
    # Scales of order 1e-2 and more: diagnosis matches mistakes within atol 1e-5, so at 1e-3
    # "absmax / 128" and "d not rounded to fp16" would be indistinguishable (see lab.toml).
    for w in [f32(8, 64), f32(4, 128, offset=-0.2)]:
        case("q8_0_quantize", dict(w=w), q8_0_quantize(w),
             {"int8_128_not_127": [q8_0_quantize(w, divisor=128, overflow=o) for o in overflows],
              "quant_floor_not_round": [q8_0_quantize(w, floor=True)]})
        case("q8_0_scales", dict(w=w), q8_0_scales(w),
             {"int8_128_not_127": [q8_0_scales(w, divisor=128)],
              "scale_not_fp16": [q8_0_scales(w, fp16=False)]})
        case("q4_0_quantize", dict(w=w), q4_0_quantize(w),
             {"quant_floor_not_round": [q4_0_quantize(w, floor=True)]})
        case("q4_0_scales", dict(w=w), q4_0_scales(w),
             {"scale_not_fp16": [q4_0_scales(w, fp16=False)]})
    codes = ints((8, 64), -127, 127, np.int8)
    scales = rng.uniform(0.001, 0.05, (8, 2)).astype(np.float16)
    case("q8_0_dequantize", dict(codes=codes, scales=scales), q8_0_dequantize(codes, scales), {})
    x = f32(5, 64)
    case("q8_0_matmul", dict(x=x, codes=codes, scales=scales), q8_0_matmul(x, codes, scales), {})
    nib = ints((4, 64), 0, 15, np.uint8)
    case("q4_0_pack", dict(codes=nib), q4_0_pack(nib),
         {"q4_0_nibble_order": [q4_0_pack(nib, "swapped"), q4_0_pack(nib, "consecutive")]})
    packed = ints((4, 32), 0, 255, np.uint8)
    case("q4_0_unpack", dict(packed=packed), q4_0_unpack(packed),
         {"q4_0_nibble_order": [q4_0_unpack(packed, "swapped"),
                                q4_0_unpack(packed, "consecutive")]})
    json.dump(cases, sys.stdout)


if __name__ == "__main__":
    main()
