"""Lab 08 — my own way: plain Python loops over sorted (probability, token) pairs, float64."""
import math


def _probs(logits):
    m = max(logits)
    e = [math.exp(float(z) - m) for z in logits]
    s = sum(e)
    return [v / s for v in e]


def temperature_probs(logits, temperature):
    return _probs([float(z) / temperature for z in logits])


def top_k_probs(logits, k):
    ranked = sorted(range(len(logits)), key=lambda i: -float(logits[i]))[:k]
    kept = _probs([float(logits[i]) for i in ranked])
    out = [0.0] * len(logits)
    for i, q in zip(ranked, kept):
        out[i] = q
    return out


def top_p_probs(logits, p):
    probs = _probs(logits)
    total, kept = 0.0, []
    for q, i in sorted(((q, i) for i, q in enumerate(probs)), key=lambda t: -t[0]):
        kept.append(i)
        total += q
        if total >= p:
            break
    out = [0.0] * len(probs)
    for i in kept:
        out[i] = probs[i] / total
    return out


def apply_repetition_penalty(logits, ids, penalty):
    out = [float(z) for z in logits]
    for i in set(ids):
        out[i] = out[i] / penalty if out[i] > 0 else out[i] * penalty
    return out
