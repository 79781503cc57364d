"""Lab 07 — my own way: float64, RoPE as explicit 2-D rotations of (i, i + d/2), one head at
a time."""
import math

import numpy as np


def rms_norm(x, weight, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    rms = np.sqrt((x ** 2).sum(axis=-1, keepdims=True) / x.shape[-1] + eps)
    return x / rms * weight


def rope(x, theta):
    x = np.asarray(x, dtype=np.float64)
    out = x.copy()
    d = x.shape[-1]
    half = d // 2
    for p in range(x.shape[-2]):
        for i in range(half):
            a = p * theta ** (-2.0 * i / d)
            c, s = math.cos(a), math.sin(a)
            x1, x2 = x[..., p, i], x[..., p, i + half]
            out[..., p, i] = x1 * c - x2 * s
            out[..., p, i + half] = x2 * c + x1 * s
    return out


def repeat_kv(kv, n_rep):
    return np.stack([kv[j // n_rep] for j in range(kv.shape[0] * n_rep)])


def swiglu_mlp(x, w_gate, w_up, w_down):
    g = np.asarray(x, dtype=np.float64) @ w_gate
    return ((g / (1.0 + np.exp(-g))) * (x @ w_up)) @ w_down


def grouped_query_attention(x, w_q, w_k, w_v, w_o, n_head, n_kv_head, theta):
    x = np.asarray(x, dtype=np.float64)
    T, C = x.shape
    d = C // n_head
    group = n_head // n_kv_head
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    heads = []
    for h in range(n_head):
        j = h // group
        qh = rope(q[None, :, h * d:(h + 1) * d], theta)[0]
        kh = rope(k[None, :, j * d:(j + 1) * d], theta)[0]
        vh = v[:, j * d:(j + 1) * d]
        s = qh @ kh.T / math.sqrt(d)
        s[np.triu_indices(T, 1)] = -np.inf
        w = np.exp(s - s.max(axis=1, keepdims=True))
        heads.append((w / w.sum(axis=1, keepdims=True)) @ vh)
    return np.concatenate(heads, axis=1) @ w_o


def llama_block(x, attn_norm, w_q, w_k, w_v, w_o, mlp_norm, w_gate, w_up, w_down, n_head,
                n_kv_head, theta, eps=1e-6):
    h = x + grouped_query_attention(rms_norm(x, attn_norm, eps), w_q, w_k, w_v, w_o, n_head,
                                    n_kv_head, theta)
    return h + swiglu_mlp(rms_norm(h, mlp_norm, eps), w_gate, w_up, w_down)
