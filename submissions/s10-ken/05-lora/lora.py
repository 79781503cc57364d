"""Lab 05 — LoRA. Vectorised, float32 throughout."""
import numpy as np

SIZES = {"c_attn": (1, 3), "attn.c_proj": (1, 1), "c_fc": (1, 4), "mlp.c_proj": (4, 1)}


def scaling(alpha, lora_a):
    return alpha / lora_a.shape[0]


def lora_forward(x, w, b, lora_a, lora_b, alpha):
    s = scaling(alpha, lora_a)
    return x @ w + b + s * ((x @ lora_a.T) @ lora_b.T)


def lora_merge(w, lora_a, lora_b, alpha):
    s = scaling(alpha, lora_a)
    return w + s * (lora_b @ lora_a).T


def lora_trainable_params(n_layer, n_embd, r, targets):
    total = 0
    for name in targets:
        n_in, n_out = (k * n_embd for k in SIZES[name])
        total += r * n_in + n_out * r
    return n_layer * total


def lora_grad_a(x, lora_a, lora_b, alpha, grad_y):
    s = scaling(alpha, lora_a)
    return s * (grad_y @ lora_b).T @ x


def lora_grad_b(x, lora_a, lora_b, alpha, grad_y):
    s = scaling(alpha, lora_a)
    return s * grad_y.T @ (x @ lora_a.T)
