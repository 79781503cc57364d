# 01-attention -- Edsger Dijkstra (s04-edsger)
import numpy as np

from helpers import merge_heads, softmax, split_heads


def causal_mask(T):
    mask = np.tril(np.ones((T, T)))
    return mask.astype(bool)


def scaled_dot_product_attention(q, k, v, mask=None):
    d_k = q.shape[-1]
    scores = np.matmul(q, np.swapaxes(k, -2, -1))
    scores = scores / np.sqrt(d_k)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = softmax(scores, axis=-1)
    return np.matmul(weights, v)


def multi_head_attention(x, c_attn_w, c_attn_b, c_proj_w, c_proj_b, n_head):
    T, C = x.shape
    qkv = x @ c_attn_w + c_attn_b
    q = qkv[:, :C]
    k = qkv[:, C:2 * C]
    v = qkv[:, 2 * C:]
    q, k, v = split_heads(q, n_head), split_heads(k, n_head), split_heads(v, n_head)
    mask = causal_mask(T)
    out = scaled_dot_product_attention(q, k, v, mask)
    out = merge_heads(out)
    return out @ c_proj_w + c_proj_b


def cross_attention(x, context, w_q, b_q, w_kv, b_kv, w_o, b_o, n_head):
    C = x.shape[-1]
    q = x @ w_q + b_q
    kv = context @ w_kv + b_kv
    k = kv[:, :C]
    v = kv[:, C:]
    out = scaled_dot_product_attention(
        split_heads(q, n_head), split_heads(k, n_head), split_heads(v, n_head))
    return merge_heads(out) @ w_o + b_o
