"""Lab 08 — sampling strategies. Vectorised NumPy, float32."""
import numpy as np


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


def temperature_probs(logits, temperature):
    return softmax(logits / temperature)


def top_k_probs(logits, k):
    idx = np.argsort(logits)[::-1][:k]
    out = np.zeros_like(logits)
    out[idx] = softmax(logits[idx])
    return out


def top_p_probs(logits, p):
    probs = softmax(logits)
    idx = np.arange(len(probs))
    before = np.cumsum(probs[idx]) - probs[idx]
    keep = idx[before < p]
    out = np.zeros_like(probs)
    out[keep] = probs[keep] / np.sum(probs[keep])
    return out


def apply_repetition_penalty(logits, ids, penalty):
    out = logits.copy()
    seen = np.unique(ids)
    out[seen] = np.where(out[seen] > 0, out[seen] / penalty, out[seen] * penalty)
    return out
