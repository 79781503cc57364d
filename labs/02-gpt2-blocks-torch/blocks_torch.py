"""Lab 02 — GPT-2 building blocks, PyTorch edition (starter).

Every tensor argument is a CPU torch.Tensor (float32 unless a test says float64; in
transformer_block, every value of params); return a tensor of the same dtype (CPU, no grad:
.detach() if needed). Use tensor operations (torch.matmul, x.mean, torch.tanh, indexing, ...) —
not torch.nn.functional's ready-made layer_norm, gelu or linear (nor nn.LayerNorm, nn.GELU,
nn.Linear): the point is to build them. T time, C channels (n_embd), V vocabulary size. Weights use
GPT-2's Conv1D layout: a weight is [in, out] and a layer computes x @ w + b.
You may paste your Lab 01 (PyTorch) attention code into this file (multi_head_attention is needed
by transformer_block). Check yourself with:  lmlab check blocks_torch.py --lab 02-gpt2-blocks-torch
"""
import torch


def layer_norm(x, gamma, beta, eps=1e-5):
    """Layer normalisation over the last axis.

    x: [..., C]; gamma, beta: [C]. mean and variance over the last axis (the biased variance:
    divide by C, not C - 1 — torch.var divides by C - 1 unless told correction=0), best in
    float64 (x.double(), then .to(x.dtype)): a float32 mean of rows like 3.0 ± 0.001 loses digits.
    y = gamma * (x - mean) / sqrt(var + eps) + beta. Returns [..., C].
    """
    raise NotImplementedError


def gelu(x):
    """GELU, GPT-2's tanh approximation:
    0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3))). Same shape as x.
    """
    raise NotImplementedError


def linear(x, w, b):
    """x: [..., in], w: [in, out], b: [out] -> [..., out]  (x @ w + b)."""
    raise NotImplementedError


def mlp(x, c_fc_w, c_fc_b, c_proj_w, c_proj_b):
    """The block's feed-forward network: linear C -> 4C, GELU, linear 4C -> C.

    x: [T, C], c_fc_w: [C, 4C], c_fc_b: [4C], c_proj_w: [4C, C], c_proj_b: [C]. Returns [T, C].
    """
    raise NotImplementedError


def transformer_block(x, params, n_head):
    """One pre-LN GPT-2 block.

    x: [T, C]; params: dict of tensors with Hugging Face names inside a block:
      "ln_1.weight", "ln_1.bias", "attn.c_attn.weight" [C, 3C], "attn.c_attn.bias" [3C],
      "attn.c_proj.weight" [C, C], "attn.c_proj.bias" [C], "ln_2.weight", "ln_2.bias",
      "mlp.c_fc.weight" [C, 4C], "mlp.c_fc.bias" [4C], "mlp.c_proj.weight" [4C, C],
      "mlp.c_proj.bias" [C].
    x = x + attention(ln_1(x));  x = x + mlp(ln_2(x)).  Returns [T, C].
    """
    raise NotImplementedError


def embeddings(ids, wte, wpe):
    """Token + position embeddings.

    ids: the token ids [T], a list of ints (torch.as_tensor(ids) makes a tensor of them);
    wte: [V, C] token embeddings; wpe: [n_ctx, C] position embeddings (T <= n_ctx).
    Returns wte[ids] + wpe[0..T)  ->  [T, C].
    """
    raise NotImplementedError
