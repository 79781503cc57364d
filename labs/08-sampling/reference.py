"""Lab 08 — the instructor's reference solution (lmlab computes the expected values with it, in a
sandboxed session of its own). NumPy, float64."""
import numpy as np


def _softmax(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def temperature_probs(logits, temperature):
    return _softmax(np.asarray(logits, dtype=np.float64) / temperature)


def top_k_probs(logits, k):
    logits = np.asarray(logits, dtype=np.float64)
    keep = np.argsort(-logits, kind="stable")[:k]
    out = np.zeros_like(logits)
    out[keep] = _softmax(logits[keep])
    return out


def top_p_probs(logits, p):
    probs = _softmax(logits)
    order = np.argsort(-probs, kind="stable")
    cumulative = np.cumsum(probs[order])
    count = int(np.searchsorted(cumulative, p)) + 1   # the first token that reaches p is kept
    keep = order[:min(count, len(order))]
    out = np.zeros_like(probs)
    out[keep] = probs[keep] / probs[keep].sum()
    return out


def apply_repetition_penalty(logits, ids, penalty):
    out = np.array(logits, dtype=np.float64)
    for token in set(ids):
        out[token] = out[token] / penalty if out[token] > 0 else out[token] * penalty
    return out
