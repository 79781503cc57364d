#!/usr/bin/env python3
"""Independent NumPy oracle for lmlab's LLaMA-style reference (lab 07), written the way Hugging
Face's modeling_llama.py computes it (inv_freq, cos/sin tables, rotate_half, repeat_kv via
expand/reshape, eager attention), in float64, no code shared with the Swift side.

Usage: llama_oracle.py DIR — draws seeded inputs, writes them to DIR as float32 .npy and the
expected outputs as out_*.npy.
"""
import os
import sys

import numpy as np


def rms_norm(x, weight, eps):
    variance = np.mean(x**2, axis=-1, keepdims=True)
    return weight * (x / np.sqrt(variance + eps))


def rope_tables(T, d, theta):
    inv_freq = 1.0 / (theta ** (np.arange(0, d, 2, dtype=np.float64) / d))  # [d/2]
    freqs = np.outer(np.arange(T, dtype=np.float64), inv_freq)  # [T, d/2]
    emb = np.concatenate([freqs, freqs], axis=-1)  # [T, d]
    return np.cos(emb), np.sin(emb)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return np.concatenate([-x2, x1], axis=-1)


def apply_rope(x, theta):  # [H, T, d]
    cos, sin = rope_tables(x.shape[-2], x.shape[-1], theta)
    return x * cos + rotate_half(x) * sin


def repeat_kv(kv, n_rep):  # [KV, T, d] -> [KV*n_rep, T, d], as HF's expand + reshape
    n_kv, T, d = kv.shape
    return np.broadcast_to(kv[:, None], (n_kv, n_rep, T, d)).reshape(n_kv * n_rep, T, d)


def silu(z):
    return z / (1 + np.exp(-z))


def swiglu(x, w_gate, w_up, w_down):
    return (silu(x @ w_gate) * (x @ w_up)) @ w_down


def gqa(x, w_q, w_k, w_v, w_o, n_head, n_kv_head, theta):
    T, C = x.shape
    d = C // n_head
    q = (x @ w_q).reshape(T, n_head, d).transpose(1, 0, 2)
    k = (x @ w_k).reshape(T, n_kv_head, d).transpose(1, 0, 2)
    v = (x @ w_v).reshape(T, n_kv_head, d).transpose(1, 0, 2)
    q, k = apply_rope(q, theta), apply_rope(k, theta)
    k, v = repeat_kv(k, n_head // n_kv_head), repeat_kv(v, n_head // n_kv_head)
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(d)
    scores = scores + np.triu(np.full((T, T), -np.inf), k=1)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return (weights @ v).transpose(1, 0, 2).reshape(T, n_head * d) @ w_o


def block(x, p, n_head, n_kv_head, theta, eps):
    h = x + gqa(rms_norm(x, p["attn_norm"], eps), p["w_q"], p["w_k"], p["w_v"], p["w_o"],
                n_head, n_kv_head, theta)
    return h + swiglu(rms_norm(h, p["mlp_norm"], eps), p["w_gate"], p["w_up"], p["w_down"])


def main(out):
    rng = np.random.default_rng(7007)
    T, C, H, KV, F, theta, eps = 7, 24, 6, 2, 40, 500.0, 1e-6
    d = C // H

    def draw(name, shape, scale=1.0, offset=0.0):
        value = (offset + scale * rng.standard_normal(shape)).astype(np.float32)
        np.save(os.path.join(out, name + ".npy"), value)
        return value.astype(np.float64)

    def put(name, value):
        np.save(os.path.join(out, "out_" + name + ".npy"), np.asarray(value, dtype=np.float32))

    x = draw("x", (T, C), offset=0.3)
    p = {"attn_norm": draw("attn_norm", (C,), 0.1, 1.0), "w_q": draw("w_q", (C, H * d), 0.4),
         "w_k": draw("w_k", (C, KV * d), 0.4), "w_v": draw("w_v", (C, KV * d), 0.4),
         "w_o": draw("w_o", (H * d, C), 0.3), "mlp_norm": draw("mlp_norm", (C,), 0.1, 1.0),
         "w_gate": draw("w_gate", (C, F), 0.3), "w_up": draw("w_up", (C, F), 0.3),
         "w_down": draw("w_down", (F, C), 0.3)}
    heads = draw("heads", (H, T, d))
    kv = draw("kv", (KV, T, d))
    put("rms_norm", rms_norm(x, p["attn_norm"], eps))
    put("rope", apply_rope(heads, theta))
    put("rope_10000", apply_rope(heads, 10000.0))
    put("repeat_kv", repeat_kv(kv, H // KV))
    put("swiglu", swiglu(x, p["w_gate"], p["w_up"], p["w_down"]))
    put("gqa", gqa(x, p["w_q"], p["w_k"], p["w_v"], p["w_o"], H, KV, theta))
    put("block", block(x, p, H, KV, theta, eps))


if __name__ == "__main__":
    main(sys.argv[1])
