# 01-attention -- Guido van Rossum (s15-guido)
import numpy as np


def softmax(x, axis=-1):
    x = np.asarray(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=axis, keepdims=True)


def causal_mask(T)
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


def split_heads(x, n_head):
    T, C = x.shape
    x = x.reshape(T, n_head, C // n_head)
    return x.transpose(1, 0, 2)


def merge_heads(x):
    n_head, T, d = x.shape
    x = x.transpose(1, 0, 2)
    return x.reshape(T, n_head * d)


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
