"""Lab 08 — the catalogued mistakes: each is the reference with one step done the way students
get it wrong, with the lecture's words for the hint."""
import numpy as np

from reference import _softmax


def temperature_multiplied(logits, temperature):
    return _softmax(np.asarray(logits, dtype=np.float64) * temperature)


def top_k_not_renormalised(logits, k):
    probs = _softmax(logits)
    out = np.zeros_like(probs)
    keep = np.argsort(-probs, kind="stable")[:k]
    out[keep] = probs[keep]
    return out


def top_k_keeps_k_plus_one(logits, k):
    logits = np.asarray(logits, dtype=np.float64)
    keep = np.argsort(-logits, kind="stable")[:k + 1]
    out = np.zeros_like(logits)
    out[keep] = _softmax(logits[keep])
    return out


def top_p_drops_crossing_token(logits, p):
    probs = _softmax(logits)
    order = np.argsort(-probs, kind="stable")
    cumulative = np.cumsum(probs[order])
    keep = order[:max(int(np.sum(cumulative < p)), 1)]
    out = np.zeros_like(probs)
    out[keep] = probs[keep] / probs[keep].sum()
    return out


def top_p_unsorted(logits, p):
    probs = _softmax(logits)
    cumulative = np.cumsum(probs)
    count = int(np.searchsorted(cumulative, p)) + 1
    out = np.zeros_like(probs)
    out[:count] = probs[:count] / probs[:count].sum()
    return out


def penalty_divides_negative(logits, ids, penalty):
    out = np.array(logits, dtype=np.float64)
    for token in set(ids):
        out[token] = out[token] / penalty
    return out


def penalty_per_occurrence(logits, ids, penalty):
    out = np.array(logits, dtype=np.float64)
    for token in ids:
        out[token] = out[token] / penalty if out[token] > 0 else out[token] * penalty
    return out


MISTAKES = [
    {"id": "temperature_multiplied", "component": "temperature_probs",
     "function": temperature_multiplied,
     "title": "Logits multiplied by the temperature instead of divided",
     "hint": "Temperature divides the logits before the softmax: softmax(logits / T). A low "
             "temperature (T < 1) makes the distribution sharper, a high one flatter; "
             "multiplying does the opposite."},
    {"id": "top_k_not_renormalised", "component": "top_k_probs",
     "function": top_k_not_renormalised,
     "title": "Top-k probabilities not renormalised",
     "hint": "After keeping the k most likely tokens, their probabilities must sum to 1 again: "
             "take the softmax over the kept logits only (or divide by their sum)."},
    {"id": "top_k_keeps_k_plus_one", "component": "top_k_probs",
     "function": top_k_keeps_k_plus_one,
     "title": "Top-k keeps k + 1 tokens",
     "hint": "Keep exactly the k largest logits: np.argsort(-logits)[:k]. Comparing with >= the "
             "k-th value after an off-by-one index keeps one token too many."},
    {"id": "top_p_drops_crossing_token", "component": "top_p_probs",
     "function": top_p_drops_crossing_token,
     "title": "Top-p drops the token that reaches p",
     "hint": "The nucleus is the SMALLEST set of most likely tokens whose probability reaches p: "
             "keep tokens while the cumulative probability before them is below p, so the token "
             "that crosses p is kept."},
    {"id": "top_p_unsorted", "component": "top_p_probs", "function": top_p_unsorted,
     "title": "Top-p cumulative sum taken in vocabulary order",
     "hint": "Sort the probabilities from the most likely token down before the cumulative sum; "
             "the nucleus is about the most likely tokens, not the first ids of the vocabulary."},
    {"id": "penalty_divides_negative", "component": "apply_repetition_penalty",
     "function": penalty_divides_negative,
     "title": "Repetition penalty divides negative logits too",
     "hint": "Dividing a negative logit by a penalty > 1 makes it LARGER, i.e. the repeated "
             "token more likely. Divide positive logits and multiply negative ones."},
    {"id": "penalty_per_occurrence", "component": "apply_repetition_penalty",
     "function": penalty_per_occurrence,
     "title": "Repetition penalty applied once per occurrence",
     "hint": "The penalty is applied once to every token that already appeared, however often "
             "it appeared: loop over set(ids), not over ids."},
]
