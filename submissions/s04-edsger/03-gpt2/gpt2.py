# 03-gpt2 -- Edsger Dijkstra (s04-edsger)
import math

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
