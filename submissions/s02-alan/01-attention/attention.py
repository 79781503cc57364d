# 01-attention -- Alan Turing (s02-alan)
import math

import numpy as np


def softmax(x, axis=-1):
    x = np.array(x, dtype=np.float64)
    m = x.max(axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=axis, keepdims=True)


def causal_mask(T):
    i = np.arange(T)
    return i[:, None] >= i[None, :]


def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    scores = np.einsum("...qd,...kd->...qk", q, k) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    return np.einsum("...qk,...kd->...qd", softmax(scores), v)


def multi_head_attention(x, c_attn_w, c_attn_b, c_proj_w, c_proj_b, n_head):
    x = np.asarray(x, dtype=np.float64)
    T, C = x.shape
    hs = C // n_head
    q, k, v = np.split(x @ c_attn_w + c_attn_b, 3, axis=1)
    heads = []
    for h in range(n_head):
        cols = slice(h * hs, (h + 1) * hs)
        heads.append(scaled_dot_product_attention(q[:, cols], k[:, cols], v[:, cols],
                                                  causal_mask(T)))
    return np.concatenate(heads, axis=1) @ c_proj_w + c_proj_b


def cross_attention(x, context, w_q, b_q, w_kv, b_kv, w_o, b_o, n_head):
    x = np.asarray(x, dtype=np.float64)
    C = x.shape[1]
    hs = C // n_head
    q = x @ w_q + b_q
    k, v = np.split(np.asarray(context, dtype=np.float64) @ w_kv + b_kv, 2, axis=1)
    heads = []
    for h in range(n_head):
        cols = slice(h * hs, (h + 1) * hs)
        heads.append(scaled_dot_product_attention(q[:, cols], k[:, cols], v[:, cols]))
    return np.concatenate(heads, axis=1) @ w_o + b_o
