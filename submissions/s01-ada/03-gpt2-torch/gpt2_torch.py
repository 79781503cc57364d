# 03-gpt2-torch -- Ada Lovelace (s01-ada)
import math

import torch


def softmax(x, axis=-1):
    shifted = x - x.amax(dim=axis, keepdim=True)
    exps = torch.exp(shifted)
    return exps / exps.sum(dim=axis, keepdim=True)


def causal_mask(T):
    return torch.tril(torch.ones(T, T, dtype=torch.bool))


def scaled_dot_product_attention(q, k, v, mask=None):
    d_k = q.shape[-1]
    scores = q @ k.transpose(-2, -1)
    scores = scores / math.sqrt(d_k)
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return softmax(scores, axis=-1) @ v


def split_heads(x, n_head):
    T, C = x.shape
    return x.reshape(T, n_head, C // n_head).transpose(0, 1)


def merge_heads(x):
    n_head, T, d = x.shape
    return x.transpose(0, 1).reshape(T, n_head * d)


def multi_head_attention(x, c_attn_w, c_attn_b, c_proj_w, c_proj_b, n_head):
    T, C = x.shape
    q, k, v = (x @ c_attn_w + c_attn_b).split(C, dim=-1)
    out = scaled_dot_product_attention(
        split_heads(q, n_head), split_heads(k, n_head), split_heads(v, n_head), causal_mask(T))
    return merge_heads(out) @ c_proj_w + c_proj_b


def cross_attention(x, context, w_q, b_q, w_kv, b_kv, w_o, b_o, n_head):
    C = x.shape[-1]
    q = x @ w_q + b_q
    k, v = (context @ w_kv + b_kv).split(C, dim=-1)
    out = scaled_dot_product_attention(
        split_heads(q, n_head), split_heads(k, n_head), split_heads(v, n_head))
    return merge_heads(out) @ w_o + b_o


def layer_norm(x, gamma, beta, eps=1e-5):
    # Mean and variance in float64: a float32 mean of a row like 3.0 +- 0.001 loses digits.
    x64 = x.double()
    mean = x64.mean(dim=-1, keepdim=True)
    var = x64.var(dim=-1, keepdim=True, correction=0)
    return gamma * ((x64 - mean) / torch.sqrt(var + eps)).to(x.dtype) + beta


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def linear(x, w, b):
    return x @ w + b


def mlp(x, c_fc_w, c_fc_b, c_proj_w, c_proj_b):
    return linear(gelu(linear(x, c_fc_w, c_fc_b)), c_proj_w, c_proj_b)


def transformer_block(x, params, n_head):
    h = layer_norm(x, params["ln_1.weight"], params["ln_1.bias"])
    x = x + multi_head_attention(h, params["attn.c_attn.weight"], params["attn.c_attn.bias"],
                                 params["attn.c_proj.weight"], params["attn.c_proj.bias"], n_head)
    h = layer_norm(x, params["ln_2.weight"], params["ln_2.bias"])
    return x + mlp(h, params["mlp.c_fc.weight"], params["mlp.c_fc.bias"],
                   params["mlp.c_proj.weight"], params["mlp.c_proj.bias"])


def embeddings(ids, wte, wpe):
    ids = torch.as_tensor(ids, dtype=torch.long)
    return wte[ids] + wpe[:len(ids)]


def gpt2_forward(ids, params, n_head):
    x = embeddings(ids, params["wte.weight"], params["wpe.weight"])
    n_layer = len({name.split(".")[1] for name in params if name.startswith("h.")})
    for i in range(n_layer):
        prefix = f"h.{i}."
        block = {name[len(prefix):]: value for name, value in params.items()
                 if name.startswith(prefix)}
        x = transformer_block(x, block, n_head)
    x = layer_norm(x, params["ln_f.weight"], params["ln_f.bias"])
    return x @ params["wte.weight"].T


def cross_entropy(logits, targets):
    targets = torch.as_tensor(targets, dtype=torch.long)
    shifted = logits - logits.amax(dim=-1, keepdim=True)
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=-1, keepdim=True))
    nll = -log_probs[torch.arange(len(targets)), targets]
    return nll.mean().item()


def generate_greedy(ids, params, n_head, n_new):
    ids = torch.as_tensor(ids, dtype=torch.long)
    new = []
    for _ in range(n_new):
        next_id = torch.argmax(gpt2_forward(ids, params, n_head)[-1])
        ids = torch.cat([ids, next_id.reshape(1)])
        new.append(int(next_id))
    return new


def sample_next(logits, temperature, top_k, top_p, u):
    logits = logits.double()
    if temperature == 0:
        return int(torch.argmax(logits))
    probs, order = torch.sort(softmax(logits / temperature), descending=True, stable=True)
    if top_k > 0:
        probs, order = probs[:top_k], order[:top_k]
    if top_p < 1.0:
        n_keep = int((torch.cumsum(probs, dim=0) < top_p).sum()) + 1
        probs, order = probs[:n_keep], order[:n_keep]
    cumulative = torch.cumsum(probs / probs.sum(), dim=0)
    past_u = torch.nonzero(cumulative > u)
    return int(order[past_u[0, 0]]) if len(past_u) else int(order[-1])
