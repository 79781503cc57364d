"""Lab 08 — sampling strategies (starter).

NumPy only. logits: [V], one score per token of the vocabulary. Every function returns [V].
Check yourself with:  lmlab check sampling.py --lab 08-sampling
"""
import numpy as np


def temperature_probs(logits, temperature):
    """softmax(logits / temperature): the next-token distribution at this temperature."""
    raise NotImplementedError


def top_k_probs(logits, k):
    """Keep the k most likely tokens: softmax over their logits, 0 for every other token."""
    raise NotImplementedError


def top_p_probs(logits, p):
    """Nucleus sampling's distribution: sort by probability, keep the smallest set of most likely
    tokens whose probability reaches p (the token that crosses p is kept), renormalise, 0 else."""
    raise NotImplementedError


def apply_repetition_penalty(logits, ids, penalty):
    """For every token in ids (the text so far), once: a positive logit is divided by penalty, a
    negative one multiplied by it. Other logits unchanged."""
    raise NotImplementedError
