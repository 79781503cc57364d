"""Lab 07 — LLaMA-style attention. Vectorised NumPy, float32, Hugging Face's layout."""
import numpy as np


def rms_norm(x, weight, eps=1e-6):
    variance = np.mean(x * x, axis=-1, keepdims=True)
    return weight * (x / np.sqrt(variance + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def rope(x, theta):
    T, d = x.shape[-2], x.shape[-1]
    inv_freq = 1.0 / (theta ** (np.arange(0, d, 2, dtype=np.float32) / d))
    angles = np.outer(np.arange(T, dtype=np.float32), inv_freq)
    emb = np.concatenate([angles, angles], axis=-1)
    return x * np.cos(emb) + rotate_half(x) * np.sin(emb)


def repeat_kv(kv, n_rep):
    return np.repeat(kv, n_rep, axis=0)


def silu(z):
    return z / (1 + np.exp(-z))


def swiglu_mlp(x, w_gate, w_up, w_down):
    gate = x @ w_gate
    up = x @ w_up
    return (silu(gate) * up) @ w_down


def split_heads(x, n):
    T = x.shape[0]
    return x.reshape(T, n, -1).transpose(1, 0, 2)


def softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def grouped_query_attention(x, w_q, w_k, w_v, w_o, n_head, n_kv_head, theta):
    T = x.shape[0]
    q = rope(split_heads(x @ w_q, n_head), theta)
    k = rope(split_heads(x @ w_k, n_kv_head), theta)
    v = rope(split_heads(x @ w_v, n_kv_head), theta)
    k = repeat_kv(k, n_head // n_kv_head)
    v = repeat_kv(v, n_head // n_kv_head)
    d = q.shape[-1]
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(d)
    scores = np.where(np.tril(np.ones((T, T), dtype=bool)), scores, -np.inf)
    out = softmax(scores) @ v
    return out.transpose(1, 0, 2).reshape(T, -1) @ w_o


def llama_block(x, attn_norm, w_q, w_k, w_v, w_o, mlp_norm, w_gate, w_up, w_down, n_head,
                n_kv_head, theta, eps=1e-6):
    h = x + grouped_query_attention(rms_norm(x, attn_norm, eps), w_q, w_k, w_v, w_o, n_head,
                                    n_kv_head, theta)
    return h + swiglu_mlp(rms_norm(h, mlp_norm, eps), w_gate, w_up, w_down)
