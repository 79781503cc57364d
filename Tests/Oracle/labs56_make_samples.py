"""Writes the sample submissions for labs 05-lora and 06-quantization (two correct styles per
lab, and one submission per catalogued mistake: a correct source with that one line changed)
and appends their [[samples]] entries to submissions/MANIFEST.toml if missing."""
from samples_writer import write_samples

LORA_A = '''"""Lab 05 — LoRA. Vectorised, float32 throughout."""
import numpy as np

SIZES = {"c_attn": (1, 3), "attn.c_proj": (1, 1), "c_fc": (1, 4), "mlp.c_proj": (4, 1)}


def scaling(alpha, lora_a):
    return alpha / lora_a.shape[0]


def lora_forward(x, w, b, lora_a, lora_b, alpha):
    s = scaling(alpha, lora_a)
    return x @ w + b + s * ((x @ lora_a.T) @ lora_b.T)


def lora_merge(w, lora_a, lora_b, alpha):
    s = scaling(alpha, lora_a)
    return w + s * (lora_b @ lora_a).T


def lora_trainable_params(n_layer, n_embd, r, targets):
    total = 0
    for name in targets:
        n_in, n_out = (k * n_embd for k in SIZES[name])
        total += r * n_in + n_out * r
    return n_layer * total


def lora_grad_a(x, lora_a, lora_b, alpha, grad_y):
    s = scaling(alpha, lora_a)
    return s * (grad_y @ lora_b).T @ x


def lora_grad_b(x, lora_a, lora_b, alpha, grad_y):
    s = scaling(alpha, lora_a)
    return s * grad_y.T @ (x @ lora_a.T)
'''

LORA_B = '''"""Lab 05 — LoRA, my own way: everything in float64, the update built as delta W."""
import numpy as np


def _f64(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def lora_forward(x, w, b, lora_a, lora_b, alpha):
    x, w, b, A, B = _f64(x, w, b, lora_a, lora_b)
    r = A.shape[0]
    h = np.einsum("ti,ri->tr", x, A)          # x A^T  [T, r]
    return x @ w + b + (alpha / r) * np.einsum("tr,or->to", h, B)


def lora_merge(w, lora_a, lora_b, alpha):
    w, A, B = _f64(w, lora_a, lora_b)
    delta = np.einsum("ri,or->io", A, B)      # A^T B^T = (B A)^T  [in, out]
    return w + alpha / A.shape[0] * delta


def lora_trainable_params(n_layer, n_embd, r, targets):
    C = n_embd
    shapes = {"c_attn": (C, 3 * C), "attn.c_proj": (C, C), "c_fc": (C, 4 * C),
              "mlp.c_proj": (4 * C, C)}
    return int(sum(n_layer * (r * shapes[t][0] + shapes[t][1] * r) for t in targets))


def lora_grad_a(x, lora_a, lora_b, alpha, grad_y):
    x, A, B, g = _f64(x, lora_a, lora_b, grad_y)
    dh = (alpha / A.shape[0]) * g @ B         # dL/d(xA^T)  [T, r]
    return dh.T @ x


def lora_grad_b(x, lora_a, lora_b, alpha, grad_y):
    x, A, B, g = _f64(x, lora_a, lora_b, grad_y)
    h = x @ A.T
    return (alpha / A.shape[0]) * g.T @ h
'''

QUANT_A = '''"""Lab 06 — Quantization. Vectorised NumPy, float32 throughout."""
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
    return d.astype(np.float16).astype(np.float32)


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
    return _q4_0(w)[1].astype(np.float16).astype(np.float32)


def q4_0_pack(codes):
    out, n = codes.shape
    b = codes.astype(np.uint8).reshape(out, n // QK, QK)
    return (b[..., :16] | (b[..., 16:] << 4)).astype(np.uint8).reshape(out, n // 2)


def q4_0_unpack(packed):
    out, half = packed.shape
    p = packed.astype(np.uint8).reshape(out, half // 16, 16)
    return np.concatenate([p & 0x0F, p >> 4], axis=-1).reshape(out, half * 2)
'''

QUANT_B = '''"""Lab 06 — Quantization, block by block with plain loops (ggml's reference C in Python)."""
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
    return np.float16(x).astype(np.float32) if np.ndim(x) == 0 else \\
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
'''

# (student, lab, entry, source, verdict, mistake, note, (old, new) replacements)
SAMPLES = [
    ("s05-barbara", "05-lora", "lora.py", LORA_A, "full", None,
     "correct, vectorised, float32 throughout", []),
    ("s06-donald", "05-lora", "lora.py", LORA_B, "full", None,
     "correct, independent style (einsum), computes in float64", []),
    ("s07-margaret", "05-lora", "lora.py", LORA_A, "mistake", "lora_alpha_not_scaled",
     "scales the update by alpha, not alpha / r",
     [("    return alpha / lora_a.shape[0]", "    return alpha")]),
    ("s08-john", "05-lora", "lora.py", LORA_A, "mistake", "lora_ba_transposed",
     "uses B·A as if it were [in, out] (forward and merge)",
     [("s * ((x @ lora_a.T) @ lora_b.T)", "s * (x @ (lora_b @ lora_a))"),
      ("w + s * (lora_b @ lora_a).T", "w + s * (lora_b @ lora_a)")]),
    ("s09-frances", "05-lora", "lora.py", LORA_A, "mistake", "lora_merge_wrong_sign",
     "merges with a minus sign", [("w + s * (lora_b @ lora_a).T", "w - s * (lora_b @ lora_a).T")]),
    ("s10-ken", "06-quantization", "quantize.py", QUANT_A, "full", None,
     "correct, vectorised, float32 throughout", []),
    ("s11-radia", "06-quantization", "quantize.py", QUANT_B, "full", None,
     "correct, independent style: loops over blocks as ggml's reference C does", []),
    ("s12-tim", "06-quantization", "quantize.py", QUANT_A, "mistake", "int8_128_not_127",
     "divides the absmax by 128 (int8 scale, codes and Q8_0), clipping to int8's -128…127",
     [("np.max(np.abs(w)) / np.float32(127)", "np.max(np.abs(w)) / np.float32(128)"),
      ("np.clip(np.round(w / scale), -127, 127)", "np.clip(np.round(w / scale), -128, 127)"),
      ("axis=0) / np.float32(127)", "axis=0) / np.float32(128)"),
      ("axis=-1, keepdims=True) / np.float32(127)", "axis=-1, keepdims=True) / np.float32(128)")]),
    ("s13-sophie", "06-quantization", "quantize.py", QUANT_A, "mistake", "quant_floor_not_round",
     "np.floor instead of np.round for the int8 codes",
     [("np.clip(np.round(w / scale), -127, 127)", "np.clip(np.floor(w / scale), -127, 127)"),
      ("np.clip(np.round(w / safe), -127, 127)", "np.clip(np.floor(w / safe), -127, 127)")]),
    ("s14-yukihiro", "06-quantization", "quantize.py", QUANT_A, "mistake",
     "per_tensor_not_per_channel", "one absmax for the whole matrix in the per-channel functions",
     [("(np.max(np.abs(w), axis=0) / np.float32(127)).astype(np.float32)",
       "np.full(w.shape[1], np.max(np.abs(w)) / np.float32(127), dtype=np.float32)")]),
    ("s15-guido", "06-quantization", "quantize.py", QUANT_A, "mistake", "q4_0_nibble_order",
     "packs neighbouring codes (2j, 2j+1) into a byte",
     [("    b = codes.astype(np.uint8).reshape(out, n // QK, QK)\n"
       "    return (b[..., :16] | (b[..., 16:] << 4)).astype(np.uint8).reshape(out, n // 2)",
       "    b = codes.astype(np.uint8).reshape(out, n // 2, 2)\n"
       "    return (b[..., 0] | (b[..., 1] << 4)).astype(np.uint8)"),
      ("    p = packed.astype(np.uint8).reshape(out, half // 16, 16)\n"
       "    return np.concatenate([p & 0x0F, p >> 4], axis=-1).reshape(out, half * 2)",
       "    p = packed.astype(np.uint8)\n"
       "    return np.stack([p & 0x0F, p >> 4], axis=-1).reshape(out, half * 2)")]),
    ("s16-linus", "06-quantization", "quantize.py", QUANT_A, "mistake", "scale_not_fp16",
     "returns the float32 block scales, never rounded to fp16",
     [("    return d.astype(np.float16).astype(np.float32)", "    return d.astype(np.float32)"),
      ("    return _q4_0(w)[1].astype(np.float16).astype(np.float32)",
       "    return _q4_0(w)[1].astype(np.float32)")]),
]


def main():
    write_samples(SAMPLES)


if __name__ == "__main__":
    main()
