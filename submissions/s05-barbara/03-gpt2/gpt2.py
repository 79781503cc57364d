# 03-gpt2 -- Barbara Liskov (s05-barbara)
import numpy as np


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
    return float(nll.sum())


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
