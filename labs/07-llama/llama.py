"""Lab 07 — modern attention, LLaMA-style (starter).

NumPy only. T time, C channels, d = C / n_head the size of one head. Weights are [in, out] and a
layer computes x @ w (no biases). Check yourself with:  lmlab check llama.py --lab 07-llama
"""
import numpy as np


def rms_norm(x, weight, eps=1e-6):
    """x: [..., C], weight: [C] -> x / sqrt(mean(x**2, last axis) + eps) * weight."""
    raise NotImplementedError


def rope(x, theta):
    """Rotary embeddings, Hugging Face's rotate-half convention.

    x: [n_head, T, d], row p of each head at position p. Pair i < d/2 is (i, i + d/2), rotated by
    p * theta ** (-2 i / d): x * cos + rotate_half(x) * sin. Returns [n_head, T, d].
    """
    raise NotImplementedError


def repeat_kv(kv, n_rep):
    """[n_kv_head, T, d] -> [n_kv_head * n_rep, T, d]: KV head j for query heads j*n_rep ... ."""
    raise NotImplementedError


def swiglu_mlp(x, w_gate, w_up, w_down):
    """x: [T, C], w_gate, w_up: [C, F], w_down: [F, C] -> (silu(x @ w_gate) * (x @ w_up)) @ w_down."""
    raise NotImplementedError


def grouped_query_attention(x, w_q, w_k, w_v, w_o, n_head, n_kv_head, theta):
    """Causal self-attention with n_kv_head shared key/value heads. x: [T, C].

    w_q: [C, n_head*d], w_k, w_v: [C, n_kv_head*d], w_o: [n_head*d, C]. RoPE on q and k,
    repeat_kv, softmax(q k^T / sqrt(d) + causal mask) v, merge heads, @ w_o. Returns [T, C].
    """
    raise NotImplementedError


def llama_block(x, attn_norm, w_q, w_k, w_v, w_o, mlp_norm, w_gate, w_up, w_down, n_head,
                n_kv_head, theta, eps=1e-6):
    """h = x + attention(rms_norm(x, attn_norm)); out = h + swiglu_mlp(rms_norm(h, mlp_norm))."""
    raise NotImplementedError
