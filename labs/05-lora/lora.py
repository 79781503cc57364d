"""Lab 05 — LoRA: low-rank adapters (starter).

NumPy only. GPT-2's linear layers use the Conv1D layout: W is [in, out] and y = x @ W + b.
A LoRA adapter of rank r is A [r, in] and B [out, r] (PEFT's layout), scaled by alpha / r.
Check yourself with:  lmlab check lora.py --lab 05-lora
"""
import numpy as np


def lora_forward(x, w, b, lora_a, lora_b, alpha):
    """The adapted layer: y = x @ W + b + (alpha / r) * (x @ A.T) @ B.T.

    x: [T, in], w: [in, out], b: [out], lora_a: [r, in], lora_b: [out, r], alpha: float;
    r = lora_a.shape[0]. Returns [T, out].
    """
    raise NotImplementedError


def lora_merge(w, lora_a, lora_b, alpha):
    """The weight with the adapter folded in: W + (alpha / r) * (B @ A).T, [in, out]."""
    raise NotImplementedError


def lora_trainable_params(n_layer, n_embd, r, targets):
    """How many parameters LoRA trains (the base model is frozen).

    targets: a list of layer names among "c_attn" [C, 3C], "attn.c_proj" [C, C],
    "c_fc" [C, 4C], "mlp.c_proj" [4C, C] (C = n_embd); each of the n_layer blocks gets one
    adapter per target, and an adapter on a [in, out] layer has r * in + out * r parameters.
    Returns an int.
    """
    raise NotImplementedError


def lora_grad_a(x, lora_a, lora_b, alpha, grad_y):
    """dL/dA [r, in] for the adapted layer, given x [T, in] and grad_y = dL/dy [T, out]."""
    raise NotImplementedError


def lora_grad_b(x, lora_a, lora_b, alpha, grad_y):
    """dL/dB [out, r] for the adapted layer, given x [T, in] and grad_y = dL/dy [T, out]."""
    raise NotImplementedError
