"""Independent NumPy oracle for lmlab's mistake catalogue: each mistake written the way a student
would write it, on fixed random inputs. Prints JSON: a list of cases, each with the component,
its arguments, the correct output and every mistake's outputs (one per way of writing it)."""
import json
import math
import re as stdre

import numpy as np
import regex

rng = np.random.default_rng(7)


def softmax(x, axis=-1, shift=True):
    m = np.max(x, axis=axis, keepdims=True) if shift else 0
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def attention(q, k, v, mask=None, scale="sqrt", axis=-1, after=None, fill=-np.inf):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2)
    s = s / {"sqrt": math.sqrt(d), "none": 1.0, "dk": d}[scale]
    if mask is not None and after is None:
        s = np.where(mask, s, np.float32(fill))
    w = softmax(s, axis=axis)
    if mask is not None and after is not None:
        w = np.where(mask, w, np.float32(after))
    return w @ v


def split(m, h, transpose=True):
    t, c = m.shape
    return m.reshape(t, h, c // h).transpose(1, 0, 2) if transpose else m.reshape(h, t, c // h)


def merge(m, transpose=True):
    h, t, hs = m.shape
    return m.transpose(1, 0, 2).reshape(t, h * hs) if transpose else m.reshape(t, h * hs)


def mha(x, w, b, pw, pb, h, order=(0, 1, 2), causal=0, st=True, mt=True, fill=-np.inf, **att):
    t, c = x.shape
    qkv = x @ w + b
    parts = np.split(qkv, 3, axis=-1)
    q, k, v = (parts[i] for i in order)
    mask = None if causal is None else np.tril(np.ones((t, t), dtype=bool), causal)
    o = attention(split(q, h, st), split(k, h, st), split(v, h, st), mask, fill=fill, **att)
    return merge(o, mt) @ pw + pb


def cross(x, ctx, wq, bq, wkv, bkv, wo, bo, h, swap=False, st=True, mt=True, **att):
    q = x @ wq + bq
    k, v = np.split(ctx @ wkv + bkv, 2, axis=-1)
    if swap:
        k, v = v, k
    o = attention(split(q, h, st), split(k, h, st), split(v, h, st), None, **att)
    return merge(o, mt) @ wo + bo


def layer_norm(x, g, b, eps=1e-5, ddof=0, outside=False):
    mu = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True, ddof=ddof)
    den = np.sqrt(var) + eps if outside else np.sqrt(var + eps)
    return (x - mu) / den * g + b


def gelu(x, kind="tanh"):
    if kind == "relu":
        return np.maximum(x, 0)
    if kind == "erf":
        erf = np.vectorize(math.erf)
        return 0.5 * x * (1 + erf(x / math.sqrt(2)))
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def mlp(x, fw, fb, pw, pb, kind="tanh"):
    return gelu(x @ fw + fb, kind) @ pw + pb


def block(x, p, h, pre="", ln={}, act="tanh", res=(True, True), post=False):
    g = lambda n: p[pre + n]
    ln1 = lambda y: layer_norm(y, g("ln_1.weight"), g("ln_1.bias"), **ln)
    ln2 = lambda y: layer_norm(y, g("ln_2.weight"), g("ln_2.bias"), **ln)
    at = lambda y: mha(y, g("attn.c_attn.weight"), g("attn.c_attn.bias"),
                       g("attn.c_proj.weight"), g("attn.c_proj.bias"), h)
    ff = lambda y: mlp(y, g("mlp.c_fc.weight"), g("mlp.c_fc.bias"), g("mlp.c_proj.weight"),
                       g("mlp.c_proj.bias"), act)
    if post:
        x = ln1(x + at(x))
        return ln2(x + ff(x))
    a = at(ln1(x))
    x = x + a if res[0] else a
    m = ff(ln2(x))
    return x + m if res[1] else m


def embed(ids, wte, wpe, pos="ok"):
    t = len(ids)
    e = wte[ids]
    if pos == "missing":
        return e
    return e + (wpe[1:t + 1] if pos == "off" else wpe[:t])


def forward(ids, p, h, pos="ok", ln_f=True, untied=False, **blk):
    x = embed(np.array(ids), p["wte.weight"], p["wpe.weight"], pos)
    i = 0
    while f"h.{i}.ln_1.weight" in p:
        x = block(x, p, h, pre=f"h.{i}.", **blk)
        i += 1
    if ln_f:
        x = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"], **blk.get("ln", {}))
    head = p["lm_head.weight"] if untied else p["wte.weight"]
    return x @ head.T


def greedy(ids, p, h, n, **kw):
    ids = list(ids)
    new = []
    for _ in range(n):
        nxt = int(np.argmax(forward(ids, p, h, **kw)[-1]))
        new.append(nxt)
        ids.append(nxt)
    return new


def cross_entropy(logits, targets, total=False):
    m = logits.max(-1, keepdims=True)
    logp = logits - m - np.log(np.exp(logits - m).sum(-1, keepdims=True))
    nll = -logp[np.arange(len(targets)), targets]
    return float(nll.sum() if total else nll.mean())


# --- tokenizer ---

def bytes_to_unicode():
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


GPT2_PAT = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
WRONG = [
    lambda t: t.split(),
    lambda t: stdre.findall(r"\w+|[^\w\s]+", t),
    lambda t: regex.findall(r"""'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}+|[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""", t),
    lambda t: regex.findall(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+""", t),
]


def bpe_word(word, ranks, by_freq=False):
    word = list(word)
    while len(word) > 1:
        pairs = [(word[i], word[i + 1]) for i in range(len(word) - 1)]
        cands = [p for p in pairs if p in ranks]
        if not cands:
            break
        if by_freq:
            best = min(cands, key=lambda p: (-pairs.count(p), ranks[p]))
        else:
            best = min(cands, key=lambda p: ranks[p])
        out, i = [], 0
        while i < len(word):
            if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                out.append(word[i] + word[i + 1])
                i += 2
            else:
                out.append(word[i])
                i += 1
        word = out
    return word


def bpe_encode(text, enc, merges, pre=lambda t: regex.findall(GPT2_PAT, t), by_freq=False,
               map_bytes=True):
    ranks = {tuple(m): i for i, m in reversed(list(enumerate(merges)))}
    b2u = bytes_to_unicode()
    ids = []
    for piece in pre(text):
        sym = [b2u[b] for b in piece.encode("utf-8")] if map_bytes else list(piece)
        for tok in bpe_word(sym, ranks, by_freq):
            if tok not in enc:
                return None
            ids.append(enc[tok])
    return ids


def decode(ids, vocab, map_bytes=True):
    inv = {i: s for s, i in vocab.items()}
    text = "".join(inv[i] for i in ids)
    if not map_bytes:
        return text
    u2b = {c: b for b, c in bytes_to_unicode().items()}
    return bytes(u2b[c] for c in text).decode("utf-8", errors="replace")


def make_vocab(corpus, n_merges):
    b2u = bytes_to_unicode()
    vocab = {b2u[b]: i for i, b in enumerate(range(256))}
    words = [[b2u[b] for b in w.encode()] for w in regex.findall(GPT2_PAT, corpus)]
    merges = []
    for _ in range(n_merges):
        counts = {}
        for w in words:
            for p in zip(w, w[1:]):
                counts[p] = counts.get(p, 0) + 1
        if not counts:
            break
        best = min(counts, key=lambda p: (-counts[p], p))
        merges.append(list(best))
        vocab[best[0] + best[1]] = len(vocab)
        words = [bpe_word(w, {best: 0}) for w in words]
    return vocab, merges


# --- cases ---

def f32(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def tensor(a):
    a = np.asarray(a)
    if a.dtype == bool:
        return {"bool": a.astype(int).ravel().tolist(), "shape": list(a.shape)}
    flat = np.asarray(a, dtype=np.float64).ravel().tolist()
    flat = [v if math.isfinite(v) else str(v) for v in flat]  # JSON has no NaN/inf
    return {"f": flat, "shape": list(a.shape)}


def out(v):
    if v is None:
        return None
    if isinstance(v, np.ndarray):
        return tensor(v)
    return v


cases = []


def case(component, args, correct, mistakes):
    enc = {}
    for k, v in args.items():
        if isinstance(v, np.ndarray):
            enc[k] = tensor(v)
        elif isinstance(v, dict) and v and isinstance(next(iter(v.values())), np.ndarray):
            enc[k] = {"params": {n: tensor(t) for n, t in v.items()}}
        else:
            enc[k] = {"value": v}
    cases.append({"component": component, "args": enc, "correct": out(correct),
                  "mistakes": {m: [out(o) for o in outs] for m, outs in mistakes.items()}})


x = f32(3, 4, 5, scale=2)
case("softmax", {"x": x, "axis": -1}, softmax(x), {
    "softmax_wrong_axis": [softmax(x, 0), softmax(x, 1)]})

q, k, v = f32(2, 4, 8), f32(2, 5, 8), f32(2, 5, 6)
mask = rng.random((4, 5)) < 0.6
mask[:, 0] = True
att = {"no_scaling": [attention(q, k, v, mask, scale="none")],
       "scale_by_dk": [attention(q, k, v, mask, scale="dk")],
       "softmax_wrong_axis": [attention(q, k, v, mask, axis=-2)],
       "mask_after_softmax": [attention(q, k, v, mask, after=0.0),
                              attention(q, k, v, mask, after=-1e9)],
       "no_causal_mask": [attention(q, k, v, None)]}
case("scaled_dot_product_attention", {"q": q, "k": k, "v": v, "mask": mask},
     attention(q, k, v, mask), att)

case("causal_mask", {"T": 5}, np.tril(np.ones((5, 5), dtype=bool)), {
    "no_causal_mask": [np.ones((5, 5), dtype=bool)],
    "causal_off_by_one": [np.tril(np.ones((5, 5), dtype=bool), 1),
                          np.tril(np.ones((5, 5), dtype=bool), -1)]})

T, C, H = 5, 16, 4
xa, w, b, pw, pb = f32(T, C), f32(C, 3 * C, scale=0.4), f32(3 * C, scale=0.1), \
    f32(C, C, scale=0.3), f32(C, scale=0.1)
A = (xa, w, b, pw, pb, H)
case("multi_head_attention",
     {"x": xa, "c_attn_w": w, "c_attn_b": b, "c_proj_w": pw, "c_proj_b": pb, "n_head": H},
     mha(*A), {
         "no_scaling": [mha(*A, scale="none")], "scale_by_dk": [mha(*A, scale="dk")],
         "softmax_wrong_axis": [mha(*A, axis=-2)],
         "mask_after_softmax": [mha(*A, after=0.0), mha(*A, after=-1e9)],
         "no_causal_mask": [mha(*A, causal=None)],
         "causal_off_by_one": [mha(*A, causal=1), mha(*A, causal=-1),
                               mha(*A, causal=-1, fill=-1e9)],
         "heads_no_transpose": [mha(*A, st=False, mt=False), mha(*A, st=False)],
         "heads_concat_wrong_order": [mha(*A, mt=False)],
         "qkv_wrong_thirds": [mha(*A, order=o) for o in
                              [(0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]]})

xc, ctx = f32(4, C), f32(6, C)
wq, bq, wkv, bkv, wo, bo = f32(C, C, scale=0.4), f32(C, scale=0.1), f32(C, 2 * C, scale=0.4), \
    f32(2 * C, scale=0.1), f32(C, C, scale=0.3), f32(C, scale=0.1)
X = (xc, ctx, wq, bq, wkv, bkv, wo, bo, 2)
case("cross_attention", {"x": xc, "context": ctx, "w_q": wq, "b_q": bq, "w_kv": wkv,
                         "b_kv": bkv, "w_o": wo, "b_o": bo, "n_head": 2}, cross(*X), {
    "no_scaling": [cross(*X, scale="none")], "scale_by_dk": [cross(*X, scale="dk")],
    "softmax_wrong_axis": [cross(*X, axis=-2)],
    "heads_no_transpose": [cross(*X, st=False, mt=False), cross(*X, st=False)],
    "heads_concat_wrong_order": [cross(*X, mt=False)],
    "qkv_wrong_thirds": [cross(*X, swap=True)]})

xl, g, bb = f32(4, 6, scale=0.02), 1 + f32(6, scale=0.1), f32(6, scale=0.1)
case("layer_norm", {"x": xl, "gamma": g, "beta": bb, "eps": 1e-5}, layer_norm(xl, g, bb), {
    "layernorm_unbiased_variance": [layer_norm(xl, g, bb, ddof=1)],
    "eps_outside_sqrt": [layer_norm(xl, g, bb, outside=True)]})

xg = f32(30, scale=3)
case("gelu", {"x": xg}, gelu(xg), {"gelu_erf": [gelu(xg, "erf")],
                                   "relu_instead_of_gelu": [gelu(xg, "relu")]})

xm, fw, fb, mpw, mpb = f32(4, 8), f32(8, 32, scale=0.5), f32(32, scale=0.5), \
    f32(32, 8, scale=0.3), f32(8, scale=0.1)
M = (xm, fw, fb, mpw, mpb)
case("mlp", {"x": xm, "c_fc_w": fw, "c_fc_b": fb, "c_proj_w": mpw, "c_proj_b": mpb}, mlp(*M),
     {"gelu_erf": [mlp(*M, "erf")], "relu_instead_of_gelu": [mlp(*M, "relu")]})


def block_params(c, pre=""):
    return {pre + "ln_1.weight": 1 + f32(c, scale=0.1), pre + "ln_1.bias": f32(c, scale=0.1),
            pre + "attn.c_attn.weight": f32(c, 3 * c, scale=0.3),
            pre + "attn.c_attn.bias": f32(3 * c, scale=0.1),
            pre + "attn.c_proj.weight": f32(c, c, scale=0.3),
            pre + "attn.c_proj.bias": f32(c, scale=0.1),
            pre + "ln_2.weight": 1 + f32(c, scale=0.1), pre + "ln_2.bias": f32(c, scale=0.1),
            pre + "mlp.c_fc.weight": f32(c, 4 * c, scale=0.3),
            pre + "mlp.c_fc.bias": f32(4 * c, scale=0.1),
            pre + "mlp.c_proj.weight": f32(4 * c, c, scale=0.3),
            pre + "mlp.c_proj.bias": f32(c, scale=0.1)}


BLOCK_MISTAKES = lambda f: {
    "layernorm_unbiased_variance": [f(ln={"ddof": 1})],
    "eps_outside_sqrt": [f(ln={"outside": True})],
    "gelu_erf": [f(act="erf")], "relu_instead_of_gelu": [f(act="relu")],
    "missing_residual": [f(res=(False, False)), f(res=(False, True)), f(res=(True, False))],
    "post_ln": [f(post=True)]}

xb, pbk = f32(5, 16), block_params(16)
case("transformer_block", {"x": xb, "params": pbk, "n_head": 2}, block(xb, pbk, 2),
     BLOCK_MISTAKES(lambda **kw: block(xb, pbk, 2, **kw)))

V, CTX = 30, 12
ids = rng.integers(0, V, 6).tolist()
wte, wpe = f32(V, 16, scale=0.5), f32(CTX, 16, scale=0.5)
case("embeddings", {"ids": ids, "wte": wte, "wpe": wpe}, embed(np.array(ids), wte, wpe), {
    "missing_position_embeddings": [embed(np.array(ids), wte, wpe, "missing")],
    "positions_off_by_one": [embed(np.array(ids), wte, wpe, "off")]})

gp = {"wte.weight": wte, "wpe.weight": wpe, **block_params(16, "h.0."), **block_params(16, "h.1."),
      "ln_f.weight": 1 + f32(16, scale=0.1), "ln_f.bias": f32(16, scale=0.1),
      "lm_head.weight": f32(V, 16, scale=0.5)}
MODEL_MISTAKES = lambda f: {
    **BLOCK_MISTAKES(f),
    "missing_ln_f": [f(ln_f=False)], "missing_position_embeddings": [f(pos="missing")],
    "positions_off_by_one": [f(pos="off")], "head_not_tied": [f(untied=True)]}
case("gpt2_forward", {"ids": ids, "params": gp, "n_head": 2}, forward(ids, gp, 2),
     MODEL_MISTAKES(lambda **kw: forward(ids, gp, 2, **kw)))
case("generate_greedy", {"ids": ids[:4], "params": gp, "n_head": 2, "n_new": 4},
     greedy(ids[:4], gp, 2, 4), MODEL_MISTAKES(lambda **kw: greedy(ids[:4], gp, 2, 4, **kw)))

lg, tg = f32(6, V, scale=2), rng.integers(0, V, 6).tolist()
case("cross_entropy", {"logits": lg, "targets": tg}, cross_entropy(lg, np.array(tg)),
     {"cross_entropy_sum": [cross_entropy(lg, np.array(tg), total=True)]})

b2u = bytes_to_unicode()
case("bytes_to_unicode", {}, {str(b): c for b, c in b2u.items()},
     {"missing_byte_to_unicode": [{str(b): chr(b) for b in range(256)}]})

text = "Hello world, it's 2026!  Tabs\tand  spaces  ...  café naïve 東京 🙂"
case("pretokenize", {"text": text}, regex.findall(GPT2_PAT, text),
     {"wrong_pretokenize_pattern": [f(text) for f in WRONG]})

corpus = ("the cat sat on the mat. the hat is on the cat; that cat is a fat cat. "
          "aaaa abab ababab the theme then there. ") * 3
vocab, merges = make_vocab(corpus, 40)
etext = "the  cat,  that  hat... aaaaaaa bababab thethethe  tabs\tend"
case("bpe_encode", {"text": etext, "encoder": vocab, "merges": merges},
     bpe_encode(etext, vocab, merges), {
         "bpe_merge_by_frequency": [bpe_encode(etext, vocab, merges, by_freq=True)],
         "missing_byte_to_unicode": [bpe_encode(etext, vocab, merges, map_bytes=False)],
         "wrong_pretokenize_pattern": [bpe_encode(etext, vocab, merges, pre=f) for f in WRONG]})
dids = bpe_encode("the cat, café 🙂", vocab, merges)
case("decode", {"ids": dids, "decoder_vocab": vocab}, decode(dids, vocab),
     {"missing_byte_to_unicode": [decode(dids, vocab, map_bytes=False)]})

print(json.dumps(cases))
