# Source texts of the sample class's submissions (two independent student styles per lab) and the
# one-line edits that plant each catalogued mistake; labs_make_samples.py writes them to disk.

# ---------------------------------------------------------------- style A (float32, vectorised)

ATTENTION_A = '''import numpy as np


def softmax(x, axis=-1):
    x = np.asarray(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=axis, keepdims=True)


def causal_mask(T):
    mask = np.tril(np.ones((T, T)))
    return mask.astype(bool)


def scaled_dot_product_attention(q, k, v, mask=None):
    d_k = q.shape[-1]
    scores = np.matmul(q, np.swapaxes(k, -2, -1))
    scores = scores / np.sqrt(d_k)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = softmax(scores, axis=-1)
    return np.matmul(weights, v)


def split_heads(x, n_head):
    T, C = x.shape
    x = x.reshape(T, n_head, C // n_head)
    return x.transpose(1, 0, 2)


def merge_heads(x):
    n_head, T, d = x.shape
    x = x.transpose(1, 0, 2)
    return x.reshape(T, n_head * d)


def multi_head_attention(x, c_attn_w, c_attn_b, c_proj_w, c_proj_b, n_head):
    T, C = x.shape
    qkv = x @ c_attn_w + c_attn_b
    q = qkv[:, :C]
    k = qkv[:, C:2 * C]
    v = qkv[:, 2 * C:]
    q, k, v = split_heads(q, n_head), split_heads(k, n_head), split_heads(v, n_head)
    mask = causal_mask(T)
    out = scaled_dot_product_attention(q, k, v, mask)
    out = merge_heads(out)
    return out @ c_proj_w + c_proj_b


def cross_attention(x, context, w_q, b_q, w_kv, b_kv, w_o, b_o, n_head):
    C = x.shape[-1]
    q = x @ w_q + b_q
    kv = context @ w_kv + b_kv
    k = kv[:, :C]
    v = kv[:, C:]
    out = scaled_dot_product_attention(
        split_heads(q, n_head), split_heads(k, n_head), split_heads(v, n_head))
    return merge_heads(out) @ w_o + b_o
'''

BLOCKS_A = '''

def layer_norm(x, gamma, beta, eps=1e-5):
    mean = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma * x_hat + beta


def gelu(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * np.power(x, 3))))


def linear(x, w, b):
    return x @ w + b


def mlp(x, c_fc_w, c_fc_b, c_proj_w, c_proj_b):
    h = gelu(linear(x, c_fc_w, c_fc_b))
    return linear(h, c_proj_w, c_proj_b)


def transformer_block(x, params, n_head):
    h = layer_norm(x, params["ln_1.weight"], params["ln_1.bias"])
    x = x + multi_head_attention(h, params["attn.c_attn.weight"], params["attn.c_attn.bias"],
                                 params["attn.c_proj.weight"], params["attn.c_proj.bias"], n_head)
    h = layer_norm(x, params["ln_2.weight"], params["ln_2.bias"])
    x = x + mlp(h, params["mlp.c_fc.weight"], params["mlp.c_fc.bias"],
                params["mlp.c_proj.weight"], params["mlp.c_proj.bias"])
    return x


def embeddings(ids, wte, wpe):
    ids = np.asarray(ids)
    T = len(ids)
    return wte[ids] + wpe[:T]
'''

GPT2_A = '''

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
'''

TOKENIZER_A = r'''import regex as re

PAT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
          + list(range(ord("®"), ord("ÿ") + 1)))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def pretokenize(text):
    return PAT.findall(text)


def get_pairs(word):
    return set(zip(word, word[1:]))


def bpe(token, ranks):
    word = tuple(token)
    while len(word) > 1:
        pairs = get_pairs(word)
        bigram = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if bigram not in ranks:
            break
        first, second = bigram
        new_word = []
        i = 0
        while i < len(word):
            if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                new_word.append(first + second)
                i += 2
            else:
                new_word.append(word[i])
                i += 1
        word = tuple(new_word)
    return list(word)


def bpe_encode(text, encoder, merges):
    byte_encoder = bytes_to_unicode()
    ranks = {tuple(m): i for i, m in enumerate(merges)}
    ids = []
    for piece in pretokenize(text):
        token = "".join(byte_encoder[b] for b in piece.encode("utf-8"))
        for symbol in bpe(token, ranks):
            ids.append(encoder[symbol])
    return ids


def decode(ids, decoder_vocab):
    decoder = {v: k for k, v in decoder_vocab.items()}
    byte_decoder = {v: k for k, v in bytes_to_unicode().items()}
    text = "".join(decoder[int(i)] for i in ids)
    return bytearray([byte_decoder[c] for c in text]).decode("utf-8", errors="replace")
'''

# ---------------------------------------------------------------- style B (float64, loops/einsum)

ATTENTION_B = '''import math

import numpy as np


def softmax(x, axis=-1):
    x = np.array(x, dtype=np.float64)
    m = x.max(axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / e.sum(axis=axis, keepdims=True)


def causal_mask(T):
    i = np.arange(T)
    return i[:, None] >= i[None, :]


def scaled_dot_product_attention(q, k, v, mask=None):
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    scores = np.einsum("...qd,...kd->...qk", q, k) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    return np.einsum("...qk,...kd->...qd", softmax(scores), v)


def multi_head_attention(x, c_attn_w, c_attn_b, c_proj_w, c_proj_b, n_head):
    x = np.asarray(x, dtype=np.float64)
    T, C = x.shape
    hs = C // n_head
    q, k, v = np.split(x @ c_attn_w + c_attn_b, 3, axis=1)
    heads = []
    for h in range(n_head):
        cols = slice(h * hs, (h + 1) * hs)
        heads.append(scaled_dot_product_attention(q[:, cols], k[:, cols], v[:, cols],
                                                  causal_mask(T)))
    return np.concatenate(heads, axis=1) @ c_proj_w + c_proj_b


def cross_attention(x, context, w_q, b_q, w_kv, b_kv, w_o, b_o, n_head):
    x = np.asarray(x, dtype=np.float64)
    C = x.shape[1]
    hs = C // n_head
    q = x @ w_q + b_q
    k, v = np.split(np.asarray(context, dtype=np.float64) @ w_kv + b_kv, 2, axis=1)
    heads = []
    for h in range(n_head):
        cols = slice(h * hs, (h + 1) * hs)
        heads.append(scaled_dot_product_attention(q[:, cols], k[:, cols], v[:, cols]))
    return np.concatenate(heads, axis=1) @ w_o + b_o
'''

BLOCKS_B = '''

def layer_norm(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=np.float64)
    mu = x.mean(-1, keepdims=True)
    sigma2 = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(sigma2 + eps) * gamma + beta


def gelu(x):
    x = np.asarray(x, dtype=np.float64)
    c = math.sqrt(2 / math.pi)
    return 0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x * x * x)))


def linear(x, w, b):
    return np.asarray(x, dtype=np.float64) @ w + b


def mlp(x, c_fc_w, c_fc_b, c_proj_w, c_proj_b):
    return linear(gelu(linear(x, c_fc_w, c_fc_b)), c_proj_w, c_proj_b)


def transformer_block(x, params, n_head):
    p = params
    x = np.asarray(x, dtype=np.float64)
    a = multi_head_attention(layer_norm(x, p["ln_1.weight"], p["ln_1.bias"]),
                             p["attn.c_attn.weight"], p["attn.c_attn.bias"],
                             p["attn.c_proj.weight"], p["attn.c_proj.bias"], n_head)
    x = x + a
    m = mlp(layer_norm(x, p["ln_2.weight"], p["ln_2.bias"]),
            p["mlp.c_fc.weight"], p["mlp.c_fc.bias"], p["mlp.c_proj.weight"], p["mlp.c_proj.bias"])
    return x + m


def embeddings(ids, wte, wpe):
    rows = [np.asarray(wte[int(t)], dtype=np.float64) + wpe[pos] for pos, t in enumerate(ids)]
    return np.stack(rows)
'''

GPT2_B = '''

def gpt2_forward(ids, params, n_head):
    x = embeddings(ids, params["wte.weight"], params["wpe.weight"])
    layers = sorted({int(name.split(".")[1]) for name in params if name.startswith("h.")})
    for i in layers:
        block = {name[len(f"h.{i}."):]: w for name, w in params.items()
                 if name.startswith(f"h.{i}.")}
        x = transformer_block(x, block, n_head)
    x = layer_norm(x, params["ln_f.weight"], params["ln_f.bias"])
    return x @ np.asarray(params["wte.weight"], dtype=np.float64).T


def cross_entropy(logits, targets):
    total = 0.0
    for row, t in zip(np.asarray(logits, dtype=np.float64), targets):
        m = row.max()
        total += m + math.log(np.exp(row - m).sum()) - row[int(t)]
    return total / len(targets)


def generate_greedy(ids, params, n_head, n_new):
    tokens = [int(t) for t in ids]
    for _ in range(n_new):
        tokens.append(int(np.argmax(gpt2_forward(tokens, params, n_head)[-1])))
    return tokens[-n_new:] if n_new > 0 else []


def sample_next(logits, temperature, top_k, top_p, u):
    logits = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return int(np.argmax(logits))
    p = softmax(logits / temperature)
    ranked = sorted(range(len(p)), key=lambda i: (-p[i], i))
    if top_k > 0:
        ranked = ranked[:top_k]
    if top_p < 1:
        acc = 0.0
        for n, i in enumerate(ranked):
            acc += p[i]
            if acc >= top_p:
                ranked = ranked[:n + 1]
                break
    z = sum(p[i] for i in ranked)
    acc = 0.0
    for i in ranked:
        acc += p[i] / z
        if acc > u:
            return i
    return ranked[-1]
'''

TOKENIZER_B = r'''import regex

SPLIT = regex.compile(
    r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def bytes_to_unicode():
    keep = set(range(33, 127)) | set(range(161, 173)) | set(range(174, 256))
    table = {}
    shift = 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + shift)
            shift += 1
    return table


def pretokenize(text):
    return [m.group(0) for m in SPLIT.finditer(text)]


def merge_all(symbols, a, b):
    out = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def bpe_encode(text, encoder, merges):
    # Applying the merges one after another in rank order gives the same result as always
    # merging the lowest-ranked pair: a merge can only use symbols made by earlier merges.
    table = bytes_to_unicode()
    ids = []
    for piece in pretokenize(text):
        symbols = [table[b] for b in piece.encode("utf-8")]
        for a, b in merges:
            if len(symbols) == 1:
                break
            symbols = merge_all(symbols, a, b)
        ids += [encoder[s] for s in symbols]
    return ids


def decode(ids, decoder_vocab):
    inverse = dict((i, s) for s, i in decoder_vocab.items())
    back = dict((c, b) for b, c in bytes_to_unicode().items())
    data = bytes(back[c] for i in ids for c in inverse[int(i)])
    return data.decode("utf-8", errors="replace")
'''

# ---------------------------------------------------------------- mistakes: (old, new) edits

MISTAKES = {
    "01-attention": {
        "no_scaling": ("    scores = scores / np.sqrt(d_k)\n", ""),
        "scale_by_dk": ("scores = scores / np.sqrt(d_k)", "scores = scores / d_k"),
        "softmax_wrong_axis": ("weights = softmax(scores, axis=-1)",
                               "weights = softmax(scores, axis=-2)"),
        "mask_after_softmax": (
            "    if mask is not None:\n        scores = np.where(mask, scores, -np.inf)\n"
            "    weights = softmax(scores, axis=-1)\n",
            "    weights = softmax(scores, axis=-1)\n    if mask is not None:\n"
            "        weights = np.where(mask, weights, 0.0)\n"),
        "no_causal_mask": ("out = scaled_dot_product_attention(q, k, v, mask)",
                           "out = scaled_dot_product_attention(q, k, v)"),
        "causal_off_by_one": ("np.tril(np.ones((T, T)))", "np.tril(np.ones((T, T)), k=1)"),
        "softmax_no_max_shift": ("shifted = x - np.max(x, axis=axis, keepdims=True)",
                                 "shifted = x"),
        "heads_no_transpose": (
            "    x = x.reshape(T, n_head, C // n_head)\n    return x.transpose(1, 0, 2)\n",
            "    return x.reshape(n_head, T, C // n_head)\n"),
        "heads_concat_wrong_order": (
            "    x = x.transpose(1, 0, 2)\n    return x.reshape(T, n_head * d)\n",
            "    return x.reshape(T, n_head * d)\n"),
        "qkv_wrong_thirds": (
            "    k = qkv[:, C:2 * C]\n    v = qkv[:, 2 * C:]\n",
            "    v = qkv[:, C:2 * C]\n    k = qkv[:, 2 * C:]\n"),
    },
    "02-gpt2-blocks": {
        "layernorm_unbiased_variance": ("var = np.var(x, axis=-1, keepdims=True)",
                                        "var = np.var(x, axis=-1, keepdims=True, ddof=1)"),
        "eps_outside_sqrt": ("np.sqrt(var + eps)", "(np.sqrt(var) + eps)"),
        "gelu_erf": (
            "    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * "
            "np.power(x, 3))))\n",
            "    import math\n    erf = np.vectorize(math.erf)\n"
            "    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))\n"),
        "relu_instead_of_gelu": ("h = gelu(linear(x, c_fc_w, c_fc_b))",
                                 "h = np.maximum(0.0, linear(x, c_fc_w, c_fc_b))"),
        "missing_residual": ("    x = x + multi_head_attention(h,", "    x = multi_head_attention(h,"),
        "post_ln": (
            '''    h = layer_norm(x, params["ln_1.weight"], params["ln_1.bias"])
    x = x + multi_head_attention(h, params["attn.c_attn.weight"], params["attn.c_attn.bias"],
                                 params["attn.c_proj.weight"], params["attn.c_proj.bias"], n_head)
    h = layer_norm(x, params["ln_2.weight"], params["ln_2.bias"])
    x = x + mlp(h, params["mlp.c_fc.weight"], params["mlp.c_fc.bias"],
                params["mlp.c_proj.weight"], params["mlp.c_proj.bias"])
''',
            '''    a = multi_head_attention(x, params["attn.c_attn.weight"], params["attn.c_attn.bias"],
                             params["attn.c_proj.weight"], params["attn.c_proj.bias"], n_head)
    x = layer_norm(x + a, params["ln_1.weight"], params["ln_1.bias"])
    m = mlp(x, params["mlp.c_fc.weight"], params["mlp.c_fc.bias"],
            params["mlp.c_proj.weight"], params["mlp.c_proj.bias"])
    x = layer_norm(x + m, params["ln_2.weight"], params["ln_2.bias"])
'''),
    },
    "03-gpt2": {
        "missing_ln_f": ('    x = layer_norm(x, params["ln_f.weight"], params["ln_f.bias"])\n', ""),
        "missing_position_embeddings": (
            'x = embeddings(ids, params["wte.weight"], params["wpe.weight"])',
            'x = params["wte.weight"][ids]'),
        "positions_off_by_one": (
            'x = embeddings(ids, params["wte.weight"], params["wpe.weight"])',
            'x = params["wte.weight"][ids] + params["wpe.weight"][1:len(ids) + 1]'),
        "head_not_tied": ('logits = x @ params["wte.weight"].T',
                          'logits = x @ params["lm_head.weight"].T'),
        "cross_entropy_sum": ("return float(nll.mean())", "return float(nll.sum())"),
    },
    "04-tokenizer": {
        "bpe_merge_by_frequency": (
            '''        pairs = get_pairs(word)
        bigram = min(pairs, key=lambda p: ranks.get(p, float("inf")))
        if bigram not in ranks:
            break
''',
            '''        known = [p for p in zip(word, word[1:]) if p in ranks]
        if not known:
            break
        bigram = max(set(known), key=lambda p: (known.count(p), -ranks[p]))
'''),
        "missing_byte_to_unicode": (
            '        token = "".join(byte_encoder[b] for b in piece.encode("utf-8"))\n',
            "        token = piece\n"),
        "wrong_pretokenize_pattern": (
            r'''PAT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")''',
            r'''PAT = re.compile(r"\w+|[^\w\s]+|\s+")'''),
    },
}


def style_a(lab):
    return {"01-attention": ATTENTION_A, "02-gpt2-blocks": ATTENTION_A + BLOCKS_A,
            "03-gpt2": ATTENTION_A + BLOCKS_A + GPT2_A, "04-tokenizer": TOKENIZER_A}[lab]


def style_b(lab):
    return {"01-attention": ATTENTION_B, "02-gpt2-blocks": ATTENTION_B + BLOCKS_B,
            "03-gpt2": ATTENTION_B + BLOCKS_B + GPT2_B, "04-tokenizer": TOKENIZER_B}[lab]


def with_mistake(lab, mistake):
    old, new = MISTAKES[lab][mistake]
    source = style_a(lab)
    assert source.count(old) == 1, (lab, mistake, source.count(old))
    return source.replace(old, new)
