# Independent NumPy reference solutions of labs 01-04 (attention, GPT-2 blocks, GPT-2, tokenizer).
# Written apart from the sample submissions; labs_check_samples.py grades the samples against it.
import numpy as np

# ---------------------------------------------------------------- lab 01: attention


def softmax(x, axis=-1):
    x = np.asarray(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def causal_mask(T):
    return np.tril(np.ones((T, T), dtype=bool))  # [T, T], True may attend


def scaled_dot_product_attention(q, k, v, mask=None):
    # q [..., Tq, dk], k [..., Tk, dk], v [..., Tk, dv] -> [..., Tq, dv]
    d_k = q.shape[-1]
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d_k)  # [..., Tq, Tk]
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    return softmax(scores, axis=-1) @ v


def _split_heads(x, n_head):
    T, C = x.shape  # [T, C] -> [n_head, T, C/n_head]
    return x.reshape(T, n_head, C // n_head).transpose(1, 0, 2)


def _merge_heads(x):
    H, T, D = x.shape  # [n_head, T, D] -> [T, n_head*D]
    return x.transpose(1, 0, 2).reshape(T, H * D)


def multi_head_attention(x, c_attn_w, c_attn_b, c_proj_w, c_proj_b, n_head):
    T, C = x.shape
    qkv = x @ c_attn_w + c_attn_b  # [T, 3C]
    q, k, v = (_split_heads(part, n_head) for part in np.split(qkv, 3, axis=-1))
    out = scaled_dot_product_attention(q, k, v, causal_mask(T))  # [n_head, T, D]
    return _merge_heads(out) @ c_proj_w + c_proj_b  # [T, C]


def cross_attention(x, context, w_q, b_q, w_kv, b_kv, w_o, b_o, n_head):
    q = _split_heads(x @ w_q + b_q, n_head)  # [H, Tq, D]
    k, v = (_split_heads(p, n_head) for p in np.split(context @ w_kv + b_kv, 2, axis=-1))
    return _merge_heads(scaled_dot_product_attention(q, k, v)) @ w_o + b_o  # [Tq, C]


# ---------------------------------------------------------------- lab 02: GPT-2 blocks


def layer_norm(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)  # biased variance
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def linear(x, w, b):
    return x @ w + b  # Conv1D layout: w [in, out]


def mlp(x, c_fc_w, c_fc_b, c_proj_w, c_proj_b):
    return linear(gelu(linear(x, c_fc_w, c_fc_b)), c_proj_w, c_proj_b)  # [T, C] -> [T, C]


def transformer_block(x, params, n_head):
    p = params
    a = layer_norm(x, p["ln_1.weight"], p["ln_1.bias"])
    x = x + multi_head_attention(a, p["attn.c_attn.weight"], p["attn.c_attn.bias"],
                                 p["attn.c_proj.weight"], p["attn.c_proj.bias"], n_head)
    m = layer_norm(x, p["ln_2.weight"], p["ln_2.bias"])
    return x + mlp(m, p["mlp.c_fc.weight"], p["mlp.c_fc.bias"],
                   p["mlp.c_proj.weight"], p["mlp.c_proj.bias"])


def embeddings(ids, wte, wpe):
    ids = np.asarray(ids, dtype=np.int64)
    return wte[ids] + wpe[: len(ids)]  # [T, C]


# ---------------------------------------------------------------- lab 03: GPT-2


def gpt2_forward(ids, params, n_head):
    x = embeddings(ids, params["wte.weight"], params["wpe.weight"])
    i = 0
    while f"h.{i}.ln_1.weight" in params:
        prefix = f"h.{i}."
        block = {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}
        x = transformer_block(x, block, n_head)
        i += 1
    x = layer_norm(x, params["ln_f.weight"], params["ln_f.bias"])
    return x @ params["wte.weight"].T  # tied head: [T, C] -> [T, V]


def cross_entropy(logits, targets):
    logits = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.int64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return float(-log_probs[np.arange(len(targets)), targets].mean())


def generate_greedy(ids, params, n_head, n_new):
    ids = [int(i) for i in ids]
    new = []
    for _ in range(n_new):
        logits = gpt2_forward(np.array(ids), params, n_head)
        nxt = int(np.argmax(logits[-1]))
        ids.append(nxt)
        new.append(nxt)
    return new


def sample_next(logits, temperature, top_k, top_p, u):
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return int(np.argmax(logits))
    probs = softmax(logits / temperature)
    order = sorted(range(len(probs)), key=lambda i: (-probs[i], i))
    if top_k > 0:
        order = order[:top_k]
    if top_p < 1:
        total, keep = 0.0, []
        for i in order:
            keep.append(i)
            total += probs[i]
            if total >= top_p:
                break
        order = keep
    kept = probs[order] / probs[order].sum()
    total = 0.0
    for i, p in zip(order, kept):
        total += p
        if total > u:
            return int(i)
    return int(order[-1])


# ---------------------------------------------------------------- lab 04: tokenizer

GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""


def bytes_to_unicode():
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    mapping, extra = {}, 0
    for b in range(256):
        if b in printable:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(256 + extra)
            extra += 1
    # Keep GPT-2's order: printable bytes first, then the shifted ones.
    return {b: mapping[b] for b in printable + [b for b in range(256) if b not in printable]}


def pretokenize(text):
    import regex
    return regex.findall(GPT2_PATTERN, text)


def _bpe(word, ranks):
    symbols = list(word)
    while len(symbols) > 1:
        pairs = [(ranks.get((a, b), float("inf")), i)
                 for i, (a, b) in enumerate(zip(symbols, symbols[1:]))]
        best_rank = min(pairs)[0]
        if best_rank == float("inf"):
            break
        a, b = next((symbols[i], symbols[i + 1]) for r, i in pairs if r == best_rank)
        merged, i = [], 0
        while i < len(symbols):
            if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
                merged.append(a + b)
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
    return symbols


def bpe_encode(text, encoder, merges):
    byte_map = bytes_to_unicode()
    ranks = {tuple(pair): rank for rank, pair in enumerate(merges)}
    ids = []
    for piece in pretokenize(text):
        word = "".join(byte_map[b] for b in piece.encode("utf-8"))
        ids.extend(encoder[s] for s in _bpe(word, ranks))
    return ids


def decode(ids, decoder_vocab):
    inverse = {i: s for s, i in decoder_vocab.items()}
    byte_of = {c: b for b, c in bytes_to_unicode().items()}
    text = "".join(inverse[int(i)] for i in ids)
    return bytes(byte_of[c] for c in text).decode("utf-8", errors="replace")


# ---------------------------------------------------------------- fixtures


def load_vocab(path):
    import json
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_merges(path):
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    return [line.split(" ") for line in lines if line and not line.startswith("#version")]
