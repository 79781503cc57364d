# 03-gpt2 -- Alan Turing (s02-alan)
import numpy as np

from attention import softmax
from blocks import embeddings, layer_norm, transformer_block


def gpt2_forward(ids, params, n_head):
    ids = np.asarray(ids)
    x = embeddings(ids, params["wte.weight"], params["wpe.weight"])
    n_layer = 0
    while f"h.{n_layer}.ln_1.weight" in params:
        n_layer += 1
    for i in range(n_layer):
        prefix = f"h.{i}."
        block = {}
        for name, value in params.items():
            if name.startswith(prefix):
                block[name[len(prefix):]] = value
        x = transformer_block(x, block, n_head)
    x = layer_norm(x, params["ln_f.weight"], params["ln_f.bias"])
    logits = x @ params["wte.weight"].T
    return logits


def cross_entropy(logits, targets):
    logits = np.asarray(logits)
    targets = np.asarray(targets)
    m = logits.max(axis=-1, keepdims=True)
    log_probs = logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))
    nll = -log_probs[np.arange(len(targets)), targets]
    return float(nll.mean())


def generate_greedy(ids, params, n_head, n_new):
    ids = list(ids)
    out = []
    for _ in range(n_new):
        logits = gpt2_forward(np.array(ids), params, n_head)
        next_id = int(np.argmax(logits[-1]))
        ids.append(next_id)
        out.append(next_id)
    return out


def sample_next(logits, temperature, top_k, top_p, u):
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return int(np.argmax(logits))
    probs = softmax(logits / temperature)
    order = np.argsort(-probs, kind="stable")
    if top_k > 0:
        order = order[:top_k]
    if top_p < 1.0:
        cumulative = np.cumsum(probs[order])
        n_keep = int(np.searchsorted(cumulative, top_p)) + 1
        order = order[:max(1, n_keep)]
    kept = probs[order] / probs[order].sum()
    cumulative = np.cumsum(kept)
    for token, c in zip(order, cumulative):
        if c > u:
            return int(token)
    return int(order[-1])
