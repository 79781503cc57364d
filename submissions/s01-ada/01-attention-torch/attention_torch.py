# 01-attention-torch -- Ada Lovelace (s01-ada)
import math

import torch


def softmax(x, axis=-1):
    shifted = x - x.amax(dim=axis, keepdim=True)
    exps = torch.exp(shifted)
    return exps / exps.sum(dim=axis, keepdim=True)


def causal_mask(T):
    return torch.tril(torch.ones(T, T, dtype=torch.bool))


def scaled_dot_product_attention(q, k, v, mask=None):
    d_k = q.shape[-1]
    scores = q @ k.transpose(-2, -1)
    scores = scores / math.sqrt(d_k)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return softmax(scores, axis=-1) @ v


def split_heads(x, n_head):
    T, C = x.shape
    return x.reshape(T, n_head, C // n_head).transpose(0, 1)


def merge_heads(x):
    n_head, T, d = x.shape
    return x.transpose(0, 1).reshape(T, n_head * d)


def multi_head_attention(x, c_attn_w, c_attn_b, c_proj_w, c_proj_b, n_head):
    T, C = x.shape
    q, k, v = (x @ c_attn_w + c_attn_b).split(C, dim=-1)
    out = scaled_dot_product_attention(
        split_heads(q, n_head), split_heads(k, n_head), split_heads(v, n_head), causal_mask(T))
    return merge_heads(out) @ c_proj_w + c_proj_b


def cross_attention(x, context, w_q, b_q, w_kv, b_kv, w_o, b_o, n_head):
    C = x.shape[-1]
    q = x @ w_q + b_q
    k, v = (context @ w_kv + b_kv).split(C, dim=-1)
    out = scaled_dot_product_attention(
        split_heads(q, n_head), split_heads(k, n_head), split_heads(v, n_head))
    return merge_heads(out) @ w_o + b_o
