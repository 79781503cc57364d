"""Writes the sample submissions for lab 08-sampling (two correct styles, one submission per
mistake of labs/08-sampling/mistakes.py — a correct source with that one step changed — and one
with a mistake the catalogue does not know) and appends their [[samples]] entries to
submissions/MANIFEST.toml if missing."""
from samples_writer import write_samples

SAMPLING_A = '''"""Lab 08 — sampling strategies. Vectorised NumPy, float32."""
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
    idx = np.argsort(probs)[::-1]
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
'''

SAMPLING_B = '''"""Lab 08 — my own way: plain Python loops over sorted (probability, token) pairs, float64."""
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
'''

LAB = "08-sampling"
ENTRY = "sampling.py"

# (student, source, verdict, mistake, note, (old, new) replacements)
SAMPLES = [
    ("s13-sophie", SAMPLING_A, "full", None, "correct, vectorised, float32", []),
    ("s14-yukihiro", SAMPLING_B, "full", None,
     "correct, independent style: plain Python loops, float64, returns lists", []),
    ("s15-guido", SAMPLING_A, "mistake", "temperature_multiplied", "logits * temperature",
     [("softmax(logits / temperature)", "softmax(logits * temperature)")]),
    ("s16-linus", SAMPLING_A, "mistake", "top_k_not_renormalised",
     "zeroes the rest of the full softmax without renormalising",
     [("    out[idx] = softmax(logits[idx])", "    out[idx] = softmax(logits)[idx]")]),
    ("s17-hedy", SAMPLING_A, "mistake", "top_k_keeps_k_plus_one", "slices [:k + 1]",
     [("[::-1][:k]", "[::-1][:k + 1]")]),
    ("s18-marvin", SAMPLING_A, "mistake", "top_p_drops_crossing_token",
     "keeps tokens while the cumulative probability INCLUDING them is below p",
     [("    before = np.cumsum(probs[idx]) - probs[idx]\n", "    before = np.cumsum(probs[idx])\n"),
      ("    keep = idx[before < p]", "    keep = idx[before < p] if np.any(before < p) else idx[:1]")]),
    ("s01-ada", SAMPLING_A, "mistake", "top_p_unsorted", "cumulative sum in vocabulary order",
     [("    idx = np.argsort(probs)[::-1]\n", "    idx = np.arange(len(probs))\n")]),
    ("s02-alan", SAMPLING_A, "mistake", "penalty_divides_negative",
     "divides every repeated logit by the penalty",
     [("np.where(out[seen] > 0, out[seen] / penalty, out[seen] * penalty)", "out[seen] / penalty")]),
    ("s03-grace", SAMPLING_A, "mistake", "penalty_per_occurrence",
     "penalises a token once for every time it appeared",
     [("    seen = np.unique(ids)\n"
       "    out[seen] = np.where(out[seen] > 0, out[seen] / penalty, out[seen] * penalty)",
       "    for i in ids:\n"
       "        out[i] = out[i] / penalty if out[i] > 0 else out[i] * penalty")]),
    ("s04-edsger", SAMPLING_A, "uncatalogued", None,
     "top-k keeps the k LEAST likely tokens (a mistake the catalogue does not know)",
     [("np.argsort(logits)[::-1][:k]", "np.argsort(logits)[:k]")]),
]


def main():
    write_samples([(student, LAB, ENTRY, source, verdict, mistake, note, edits)
                   for student, source, verdict, mistake, note, edits in SAMPLES])


if __name__ == "__main__":
    main()
