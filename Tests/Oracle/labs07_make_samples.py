"""Writes the sample submissions for lab 07-llama (two correct styles, one submission per
catalogued mistake — a correct source with that one step changed — and one with a mistake the
catalogue does not know) and appends their [[samples]] entries to submissions/MANIFEST.toml if
missing."""
from samples_writer import write_samples

LLAMA_A = '''"""Lab 07 — LLaMA-style attention. Vectorised NumPy, float32, Hugging Face's layout."""
import numpy as np


def rms_norm(x, weight, eps=1e-6):
    variance = np.mean(x * x, axis=-1, keepdims=True)
    return weight * (x / np.sqrt(variance + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def rope(x, theta):
    T, d = x.shape[-2], x.shape[-1]
    inv_freq = 1.0 / (theta ** (np.arange(0, d, 2, dtype=np.float32) / d))
    angles = np.outer(np.arange(T, dtype=np.float32), inv_freq)
    emb = np.concatenate([angles, angles], axis=-1)
    return x * np.cos(emb) + rotate_half(x) * np.sin(emb)


def repeat_kv(kv, n_rep):
    return np.repeat(kv, n_rep, axis=0)


def silu(z):
    return z / (1 + np.exp(-z))


def swiglu_mlp(x, w_gate, w_up, w_down):
    gate = x @ w_gate
    up = x @ w_up
    return (silu(gate) * up) @ w_down


def split_heads(x, n):
    T = x.shape[0]
    return x.reshape(T, n, -1).transpose(1, 0, 2)


def softmax(s):
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def grouped_query_attention(x, w_q, w_k, w_v, w_o, n_head, n_kv_head, theta):
    T = x.shape[0]
    q = rope(split_heads(x @ w_q, n_head), theta)
    k = rope(split_heads(x @ w_k, n_kv_head), theta)
    v = split_heads(x @ w_v, n_kv_head)
    k = repeat_kv(k, n_head // n_kv_head)
    v = repeat_kv(v, n_head // n_kv_head)
    d = q.shape[-1]
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(d)
    scores = np.where(np.tril(np.ones((T, T), dtype=bool)), scores, -np.inf)
    out = softmax(scores) @ v
    return out.transpose(1, 0, 2).reshape(T, -1) @ w_o


def llama_block(x, attn_norm, w_q, w_k, w_v, w_o, mlp_norm, w_gate, w_up, w_down, n_head,
                n_kv_head, theta, eps=1e-6):
    h = x + grouped_query_attention(rms_norm(x, attn_norm, eps), w_q, w_k, w_v, w_o, n_head,
                                    n_kv_head, theta)
    return h + swiglu_mlp(rms_norm(h, mlp_norm, eps), w_gate, w_up, w_down)
'''

LLAMA_B = '''"""Lab 07 — my own way: float64, RoPE as explicit 2-D rotations of (i, i + d/2), one head at
a time."""
import math

import numpy as np


def rms_norm(x, weight, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    rms = np.sqrt((x ** 2).sum(axis=-1, keepdims=True) / x.shape[-1] + eps)
    return x / rms * weight


def rope(x, theta):
    x = np.asarray(x, dtype=np.float64)
    out = x.copy()
    d = x.shape[-1]
    half = d // 2
    for p in range(x.shape[-2]):
        for i in range(half):
            a = p * theta ** (-2.0 * i / d)
            c, s = math.cos(a), math.sin(a)
            x1, x2 = x[..., p, i], x[..., p, i + half]
            out[..., p, i] = x1 * c - x2 * s
            out[..., p, i + half] = x2 * c + x1 * s
    return out


def repeat_kv(kv, n_rep):
    return np.stack([kv[j // n_rep] for j in range(kv.shape[0] * n_rep)])


def swiglu_mlp(x, w_gate, w_up, w_down):
    g = np.asarray(x, dtype=np.float64) @ w_gate
    return ((g / (1.0 + np.exp(-g))) * (x @ w_up)) @ w_down


def grouped_query_attention(x, w_q, w_k, w_v, w_o, n_head, n_kv_head, theta):
    x = np.asarray(x, dtype=np.float64)
    T, C = x.shape
    d = C // n_head
    group = n_head // n_kv_head
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    heads = []
    for h in range(n_head):
        j = h // group
        qh = rope(q[None, :, h * d:(h + 1) * d], theta)[0]
        kh = rope(k[None, :, j * d:(j + 1) * d], theta)[0]
        vh = v[:, j * d:(j + 1) * d]
        s = qh @ kh.T / math.sqrt(d)
        s[np.triu_indices(T, 1)] = -np.inf
        w = np.exp(s - s.max(axis=1, keepdims=True))
        heads.append((w / w.sum(axis=1, keepdims=True)) @ vh)
    return np.concatenate(heads, axis=1) @ w_o


def llama_block(x, attn_norm, w_q, w_k, w_v, w_o, mlp_norm, w_gate, w_up, w_down, n_head,
                n_kv_head, theta, eps=1e-6):
    h = x + grouped_query_attention(rms_norm(x, attn_norm, eps), w_q, w_k, w_v, w_o, n_head,
                                    n_kv_head, theta)
    return h + swiglu_mlp(rms_norm(h, mlp_norm, eps), w_gate, w_up, w_down)
'''

LAB = "07-llama"
ENTRY = "llama.py"

# (student, source, verdict, mistake, note, (old, new) replacements)
SAMPLES = [
    ("s01-ada", LLAMA_A, "full", None, "correct, vectorised, float32, Hugging Face's layout", []),
    ("s02-alan", LLAMA_B, "full", None,
     "correct, independent style: float64, RoPE as explicit rotations, one head at a time", []),
    ("s03-grace", LLAMA_A, "mistake", "rmsnorm_subtracts_mean",
     "centres each row before the RMS, as layer norm does",
     [("    variance = np.mean(x * x, axis=-1, keepdims=True)\n",
       "    x = x - np.mean(x, axis=-1, keepdims=True)\n"
       "    variance = np.mean(x * x, axis=-1, keepdims=True)\n")]),
    ("s04-edsger", LLAMA_A, "mistake", "rope_interleaved",
     "rotates neighbouring pairs (2i, 2i+1), the paper's layout",
     [("    emb = np.concatenate([angles, angles], axis=-1)\n"
       "    return x * np.cos(emb) + rotate_half(x) * np.sin(emb)",
       "    emb = np.repeat(angles, 2, axis=-1)\n"
       "    pairs = np.stack([-x[..., 1::2], x[..., 0::2]], axis=-1).reshape(x.shape)\n"
       "    return x * np.cos(emb) + pairs * np.sin(emb)")]),
    ("s05-barbara", LLAMA_A, "mistake", "rope_rotates_backwards",
     "rotate_half with the minus sign on the first half",
     [("np.concatenate([-x[..., half:], x[..., :half]], axis=-1)",
       "np.concatenate([x[..., half:], -x[..., :half]], axis=-1)")]),
    ("s06-donald", LLAMA_A, "mistake", "rope_theta_ignored", "hard-codes theta = 10000",
     [("1.0 / (theta ** (", "1.0 / (10000.0 ** (")]),
    ("s07-margaret", LLAMA_A, "mistake", "rope_on_values", "rotates the values too",
     [("    v = split_heads(x @ w_v, n_kv_head)\n",
       "    v = rope(split_heads(x @ w_v, n_kv_head), theta)\n")]),
    ("s08-john", LLAMA_A, "mistake", "kv_repeat_tiled", "np.tile instead of np.repeat",
     [("    return np.repeat(kv, n_rep, axis=0)", "    return np.tile(kv, (n_rep, 1, 1))")]),
    ("s09-frances", LLAMA_A, "mistake", "gqa_no_causal_mask", "forgets the causal mask",
     [("    scores = np.where(np.tril(np.ones((T, T), dtype=bool)), scores, -np.inf)\n", "")]),
    ("s10-ken", LLAMA_A, "mistake", "swiglu_gelu", "GPT-2's GELU in the gate",
     [("    return z / (1 + np.exp(-z))",
       "    return 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z ** 3)))")]),
    ("s11-radia", LLAMA_A, "mistake", "swiglu_gate_up_swapped", "SiLU on the up projection",
     [("(silu(gate) * up) @ w_down", "(gate * silu(up)) @ w_down")]),
    ("s12-tim", LLAMA_A, "uncatalogued", None,
     "forgets RMSNorm's weight (a mistake the catalogue does not know)",
     [("    return weight * (x / np.sqrt(variance + eps))", "    return x / np.sqrt(variance + eps)")]),
]


def main():
    write_samples([(student, LAB, ENTRY, source, verdict, mistake, note, edits)
                   for student, source, verdict, mistake, note, edits in SAMPLES])


if __name__ == "__main__":
    main()
