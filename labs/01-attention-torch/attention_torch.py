"""Lab 01 — Attention from scratch, PyTorch edition (starter).

Every tensor argument is a CPU torch.Tensor (float32 unless a test says float64; the mask a bool
tensor); return a tensor of the same dtype (CPU, no grad: .detach() if needed). Use tensor
operations (torch.matmul, .transpose, .masked_fill, ...) — not torch.nn.functional's ready-made
softmax or attention: the point is to build them. Shapes use: T time (sequence length), C channels
(embedding size), d_k key/query size, d_v value size, H heads. "..." means any leading batch or
head dimensions. Check yourself with:  lmlab check attention_torch.py --lab 01-attention-torch
"""
import torch


def softmax(x, axis=-1):
    """Stable softmax along `axis`.

    x: tensor of any shape. Returns the same shape; the values along `axis` are positive and sum
    to 1. Subtract the maximum along `axis` before exponentiating so large scores (say 1000) do
    not overflow.
    """
    raise NotImplementedError


def causal_mask(T):
    """Causal mask for a sequence of length T.

    Returns a bool tensor [T, T]: True where query position i may attend to key position j,
    i.e. on and below the diagonal (j <= i).
    """
    raise NotImplementedError


def scaled_dot_product_attention(q, k, v, mask=None):
    """Attention step by step: scores = Q Kᵀ / √d_k, softmax over the keys, weighted sum of V.

    q: [..., Tq, d_k]   queries (the tokens we focus on)
    k: [..., Tk, d_k]   keys (every token, to match against)
    v: [..., Tk, d_v]   values (the information each token carries)
    mask: None, or a bool tensor broadcastable to [..., Tq, Tk]; True = may attend.
          Masked scores are set to -inf BEFORE the softmax.
    Returns [..., Tq, d_v].
    """
    raise NotImplementedError


def multi_head_attention(x, c_attn_w, c_attn_b, c_proj_w, c_proj_b, n_head):
    """GPT-2 causal self-attention.

    x: [T, C]; c_attn_w: [C, 3C], c_attn_b: [3C] (x @ w + b gives q | k | v along the last axis);
    c_proj_w: [C, C], c_proj_b: [C]; n_head divides C.
    Split q, k, v into heads [T, C] -> [n_head, T, C // n_head], attend with the causal mask,
    put the heads back together [n_head, T, C // n_head] -> [T, C], then project.
    Returns [T, C].
    """
    raise NotImplementedError


def cross_attention(x, context, w_q, b_q, w_kv, b_kv, w_o, b_o, n_head):
    """Cross-attention: the sequence x attends to another sequence, context (no mask).

    x: [Tq, C], context: [Tk, C]; queries q = x @ w_q + b_q (w_q [C, C]);
    keys | values = context @ w_kv + b_kv (w_kv [C, 2C], k first then v);
    heads as in multi_head_attention; output projection w_o [C, C], b_o [C].
    Returns [Tq, C].
    """
    raise NotImplementedError
