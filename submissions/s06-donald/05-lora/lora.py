"""Lab 05 — LoRA, my own way: everything in float64, the update built as delta W."""
import numpy as np


def _f64(*arrays):
    return [np.asarray(a, dtype=np.float64) for a in arrays]


def lora_forward(x, w, b, lora_a, lora_b, alpha):
    x, w, b, A, B = _f64(x, w, b, lora_a, lora_b)
    r = A.shape[0]
    h = np.einsum("ti,ri->tr", x, A)          # x A^T  [T, r]
    return x @ w + b + (alpha / r) * np.einsum("tr,or->to", h, B)


def lora_merge(w, lora_a, lora_b, alpha):
    w, A, B = _f64(w, lora_a, lora_b)
    delta = np.einsum("ri,or->io", A, B)      # A^T B^T = (B A)^T  [in, out]
    return w + alpha / A.shape[0] * delta


def lora_trainable_params(n_layer, n_embd, r, targets):
    C = n_embd
    shapes = {"c_attn": (C, 3 * C), "attn.c_proj": (C, C), "c_fc": (C, 4 * C),
              "mlp.c_proj": (4 * C, C)}
    return int(sum(n_layer * (r * shapes[t][0] + shapes[t][1] * r) for t in targets))


def lora_grad_a(x, lora_a, lora_b, alpha, grad_y):
    x, A, B, g = _f64(x, lora_a, lora_b, grad_y)
    dh = (alpha / A.shape[0]) * g @ B         # dL/d(xA^T)  [T, r]
    return dh.T @ x


def lora_grad_b(x, lora_a, lora_b, alpha, grad_y):
    x, A, B, g = _f64(x, lora_a, lora_b, grad_y)
    h = x @ A.T
    return (alpha / A.shape[0]) * g.T @ h
