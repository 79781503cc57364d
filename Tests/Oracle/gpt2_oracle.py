#!/usr/bin/env python3
"""Independent NumPy oracle for lmlab's reference GPT-2, picoGPT-style: one short function per
concept, float64 maths, no code shared with the Swift side.

Usage: gpt2_oracle.py CASE DIR
  Most cases draw their own inputs (seeded), write them to DIR as float32 .npy, and write the
  expected outputs as out_*.npy. `forward` instead reads a checkpoint folder DIR (config.json +
  model.safetensors, as Swift saved it) and DIR/ids.npy, and writes DIR/out_logits.npy.
"""
import json
import os
import sys

import numpy as np

# ---- the model, picoGPT-style -------------------------------------------------------------


def gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def layer_norm(x, g, b, eps=1e-5):
    mean = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)  # biased
    return g * (x - mean) / np.sqrt(var + eps) + b


def linear(x, w, b):  # [m, in] @ [in, out] + [out] -> [m, out]
    return x @ w + b


def ffn(x, c_fc, c_proj):  # [n_seq, n_embd] -> [n_seq, n_embd]
    return linear(gelu(linear(x, **c_fc)), **c_proj)


def attention(q, k, v, mask=None):  # [..., n_q, d_k], [..., n_k, d_k], [..., n_k, d_v]
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores + mask
    return softmax(scores) @ v


def split(x, n_head):  # [n_seq, n_embd] -> [n_head, n_seq, n_embd/n_head]
    return np.stack(np.split(x, n_head, axis=-1))


def merge(x):  # [n_head, n_seq, hs] -> [n_seq, n_embd]
    return np.hstack(list(x))


def mha(x, c_attn, c_proj, n_head):  # [n_seq, n_embd] -> [n_seq, n_embd]
    x = linear(x, **c_attn)  # [n_seq, 3*n_embd]
    q, k, v = (split(t, n_head) for t in np.split(x, 3, axis=-1))
    causal = (1 - np.tri(x.shape[0])) * -1e10  # [n_seq, n_seq]
    return linear(merge(attention(q, k, v, causal)), **c_proj)


def cross_attention(x, ctx, w_q, b_q, w_kv, b_kv, w_o, b_o, n_head):
    q = split(x @ w_q + b_q, n_head)  # [n_head, n_q, hs]
    k, v = (split(t, n_head) for t in np.split(ctx @ w_kv + b_kv, 2, axis=-1))
    return merge(attention(q, k, v)) @ w_o + b_o  # [n_q, n_embd]


def block(x, mlp, attn, ln_1, ln_2, n_head, eps=1e-5):
    x = x + mha(layer_norm(x, **ln_1, eps=eps), **attn, n_head=n_head)
    return x + ffn(layer_norm(x, **ln_2, eps=eps), **mlp)


def gpt2(ids, wte, wpe, blocks, ln_f, n_head, eps=1e-5):  # [n_seq] -> [n_seq, n_vocab]
    x = wte[ids] + wpe[range(len(ids))]
    for b in blocks:
        x = block(x, **b, n_head=n_head, eps=eps)
    return layer_norm(x, **ln_f, eps=eps) @ wte.T


# ---- the same model under a Hugging Face config.json (GPT2Config's keys) -------------------


def erf(x):
    from math import erf as scalar_erf
    return np.vectorize(scalar_erf)(x)


ACTIVATIONS = {  # HF's ACT2FN, written out
    "gelu_new": gelu, "gelu_pytorch_tanh": gelu, "gelu_fast": gelu,
    "gelu": lambda x: 0.5 * x * (1 + erf(x / np.sqrt(2))),
    "gelu_python": lambda x: 0.5 * x * (1 + erf(x / np.sqrt(2))),
    "relu": lambda x: np.maximum(x, 0),
    "silu": lambda x: x / (1 + np.exp(-x)), "swish": lambda x: x / (1 + np.exp(-x)),
    "quick_gelu": lambda x: x / (1 + np.exp(-1.702 * x)),
}


def gpt2_hf(ids, params, config, lm_head=None):
    """GPT2LMHeadModel's logits as transformers computes them for `config` (float64)."""
    n_head, eps = config["n_head"], config.get("layer_norm_epsilon", 1e-5)
    act = ACTIVATIONS[config.get("activation_function", "gelu_new")]
    x = params["wte"][ids] + params["wpe"][range(len(ids))]
    n = len(ids)
    causal = (1 - np.tri(n)) * -1e10
    for layer, b in enumerate(params["blocks"]):
        h = linear(layer_norm(x, **b["ln_1"], eps=eps), **b["attn"]["c_attn"])
        q, k, v = (split(t, n_head) for t in np.split(h, 3, axis=-1))
        scores = q @ np.swapaxes(k, -1, -2)
        if config.get("scale_attn_weights", True):
            scores = scores / np.sqrt(v.shape[-1])
        if config.get("scale_attn_by_inverse_layer_idx", False):
            scores = scores / (layer + 1)
        a = merge(softmax(scores + causal) @ v)
        x = x + linear(a, **b["attn"]["c_proj"])
        m = act(linear(layer_norm(x, **b["ln_2"], eps=eps), **b["mlp"]["c_fc"]))
        x = x + linear(m, **b["mlp"]["c_proj"])
    head = params["wte"] if config.get("tie_word_embeddings", True) else lm_head
    return layer_norm(x, **params["ln_f"], eps=eps) @ head.T


def case_config(d):
    """DIR/request.json {"config": {...}, "seed": s}: a random checkpoint under that config.json
    (n_inner-wide MLPs, lm_head.weight when untied), DIR/ids.npy and the logits out_logits.npy."""
    with open(os.path.join(d, "request.json")) as fh:
        request = json.load(fh)
    config = request["config"]
    rng = np.random.default_rng(request["seed"])
    c, v, p, n_layer = config["n_embd"], config["vocab_size"], config["n_positions"], config["n_layer"]
    inner = config.get("n_inner") or 4 * c
    flat = random_checkpoint(rng, n_layer, config["n_head"], c, v, p)
    r = lambda *s: (rng.standard_normal(s) * 0.2).astype(np.float32)  # noqa: E731
    for i in range(n_layer):
        flat[f"h.{i}.mlp.c_fc.weight"] = r(c, inner)
        flat[f"h.{i}.mlp.c_fc.bias"] = r(inner)
        flat[f"h.{i}.mlp.c_proj.weight"] = r(inner, c)
    lm_head = r(v, c)
    if not config.get("tie_word_embeddings", True):
        flat["lm_head.weight"] = lm_head
    write_checkpoint(d, flat, config, np.float32, "", False)
    ids = rng.integers(0, v, p)
    params = nest(flat, n_layer)
    save(d, ids=ids, out_logits=gpt2_hf(ids, params, config, lm_head.astype(np.float64)))


def cross_entropy(logits, targets):
    z = logits - logits.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return -np.mean(logp[np.arange(len(targets)), targets])


# ---- checkpoints --------------------------------------------------------------------------


def nest(flat, n_layer, prefix=""):
    """Hugging Face flat names -> picoGPT's nested params (float64)."""
    p = lambda name: flat[prefix + name].astype(np.float64)  # noqa: E731
    lb = lambda n: {"g": p(n + ".weight"), "b": p(n + ".bias")}  # noqa: E731
    wb = lambda n: {"w": p(n + ".weight"), "b": p(n + ".bias")}  # noqa: E731
    blocks = [
        {
            "ln_1": lb(f"h.{i}.ln_1"),
            "ln_2": lb(f"h.{i}.ln_2"),
            "attn": {"c_attn": wb(f"h.{i}.attn.c_attn"), "c_proj": wb(f"h.{i}.attn.c_proj")},
            "mlp": {"c_fc": wb(f"h.{i}.mlp.c_fc"), "c_proj": wb(f"h.{i}.mlp.c_proj")},
        }
        for i in range(n_layer)
    ]
    return {"wte": p("wte.weight"), "wpe": p("wpe.weight"), "blocks": blocks, "ln_f": lb("ln_f")}


def random_checkpoint(rng, n_layer, n_head, n_embd, n_vocab, n_ctx):
    c = n_embd
    r = lambda *s: (rng.standard_normal(s) * 0.2).astype(np.float32)  # noqa: E731
    flat = {"wte.weight": r(n_vocab, c), "wpe.weight": r(n_ctx, c)}
    for i in range(n_layer):
        h = f"h.{i}."
        flat |= {
            h + "ln_1.weight": 1 + r(c), h + "ln_1.bias": r(c),
            h + "attn.c_attn.weight": r(c, 3 * c), h + "attn.c_attn.bias": r(3 * c),
            h + "attn.c_proj.weight": r(c, c), h + "attn.c_proj.bias": r(c),
            h + "ln_2.weight": 1 + r(c), h + "ln_2.bias": r(c),
            h + "mlp.c_fc.weight": r(c, 4 * c), h + "mlp.c_fc.bias": r(4 * c),
            h + "mlp.c_proj.weight": r(4 * c, c), h + "mlp.c_proj.bias": r(c),
        }
    flat |= {"ln_f.weight": 1 + r(c), "ln_f.bias": r(c)}
    return flat


# ---- cases --------------------------------------------------------------------------------


# ---- the catalogued mistakes, written as a student would (the Transformer's variants) -----


def student_softmax(x, axis=-1, max_shift=True):  # float32 NumPy, as a student computes
    e = np.exp(x - np.max(x, axis=axis, keepdims=True)) if max_shift else np.exp(x)
    return e / np.sum(e, axis=axis, keepdims=True)


def student_weights(q, k, allowed=None, scale="sqrt", axis=-1, fill=-np.inf, after=None):
    d = q.shape[-1]
    s = q @ np.swapaxes(k, -1, -2) * {"sqrt": 1 / np.sqrt(d), "none": 1.0, "dk": 1 / d}[scale]
    if allowed is not None and after is None:
        s = np.where(allowed, s, fill)
    w = student_softmax(s, axis)
    if allowed is not None and after is not None:
        w = np.where(allowed, w, after)
    return w  # [..., n_q, n_k]


def student_attention(q, k, v, allowed=None, **att):
    return student_weights(q, k, allowed, **att) @ v


def student_heads(x, w, b, h, order=(0, 1, 2), split_t=True):  # q, k, v: [h, t, hs] each
    t, c = x.shape
    parts = np.split(x @ w + b, 3, axis=-1)
    return (parts[i].reshape(t, h, c // h).transpose(1, 0, 2) if split_t
            else parts[i].reshape(h, t, c // h) for i in order)


def student_mha_weights(x, w, b, h, order=(0, 1, 2), offset=0, split_t=True, **att):
    t = x.shape[0]
    q, k, _ = student_heads(x, w, b, h, order, split_t)
    allowed = None if offset is None else np.tril(np.ones((t, t), dtype=bool), offset)
    return student_weights(q, k, allowed, **att)  # [h, t, t]


def student_mha(x, w, b, pw, pb, h, order=(0, 1, 2), offset=0, split_t=True, merge_t=True,
                **att):
    t, c = x.shape
    q, k, v = student_heads(x, w, b, h, order, split_t)
    allowed = None if offset is None else np.tril(np.ones((t, t), dtype=bool), offset)
    o = student_attention(q, k, v, allowed, **att)  # [h, t, hs]
    merged = o.transpose(1, 0, 2).reshape(t, c) if merge_t else o.reshape(t, c)
    return merged @ pw + pb


def student_layer_norm(x, g, b, eps=1e-5, ddof=0, eps_outside=False):
    m = x.mean(-1, keepdims=True)
    sd = np.sqrt(x.var(-1, keepdims=True, ddof=ddof)) + eps if eps_outside \
        else np.sqrt(x.var(-1, keepdims=True, ddof=ddof) + eps)
    return (x - m) / sd * g + b


def case_variants(d, rng):
    f = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    t, c, h = 5, 8, 2
    x, q, k, v = f(t, c), f(h, t, 4), f(h, t, 4), f(h, t, 3)
    w, b, pw, pb = f(c, 3 * c) * 0.5, f(3 * c), f(c, c) * 0.5, f(c)
    big = (f(2, 4) + 1000).astype(np.float32)
    g, beta = 1 + f(c) * 0.1, f(c) * 0.1
    causal = np.tril(np.ones((t, t), dtype=bool))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = {
            "out_unstable": student_softmax(big, max_shift=False),  # NaN
            "out_causal_plus": np.tril(np.ones((t, t)), 1),
            "out_causal_minus": np.tril(np.ones((t, t)), -1),
            "out_att_none": student_attention(q, k, v, causal, scale="none"),
            "out_att_dk": student_attention(q, k, v, causal, scale="dk"),
            "out_att_axis": student_attention(q, k, v, causal, axis=-2),
            "out_att_after0": student_attention(q, k, v, causal, after=0.0),
            "out_att_after_large": student_attention(q, k, v, causal, after=-1e9),
            "out_att_fill_large": student_attention(q, k, v, np.tril(causal, -1), fill=-1e9),
            "out_att_empty_row": student_attention(q, k, v, np.tril(causal, -1)),  # NaN row 0
            "out_mha_order": student_mha(x, w, b, pw, pb, h, order=(2, 0, 1)),
            "out_mha_split": student_mha(x, w, b, pw, pb, h, split_t=False, merge_t=False),
            "out_mha_merge": student_mha(x, w, b, pw, pb, h, merge_t=False),
            "out_mha_offset": student_mha(x, w, b, pw, pb, h, offset=1),
            "out_mha_nomask": student_mha(x, w, b, pw, pb, h, offset=None),
            "out_w_ref": student_mha_weights(x, w, b, h),
            "out_w_nomask": student_mha_weights(x, w, b, h, offset=None),
            "out_w_order": student_mha_weights(x, w, b, h, order=(2, 0, 1)),
            "out_w_split": student_mha_weights(x, w, b, h, split_t=False),
            "out_w_noscale": student_mha_weights(x, w, b, h, scale="none"),
            "out_w_sdpa_dk": student_weights(q, k, causal, scale="dk"),
            "out_ln_unbiased": student_layer_norm(x, g, beta, ddof=1),
            "out_ln_eps_outside": student_layer_norm(x * 1e-3, g, beta, eps_outside=True),
        }
    save(d, x=x, q=q, k=k, v=v, w=w, b=b, pw=pw, pb=pb, big=big, g=g, beta=beta, **out)


def save(d, **arrays):
    for name, a in arrays.items():
        np.save(os.path.join(d, name + ".npy"), np.asarray(a, dtype=np.float32))


def case_softmax(d, rng):
    x = rng.standard_normal((3, 4, 5)).astype(np.float32) * 3
    big = (rng.standard_normal((2, 6)) + 1000).astype(np.float32)
    save(d, x=x, big=big, out_axis0=softmax(x.astype(np.float64), 0),
         out_axis1=softmax(x.astype(np.float64), 1), out_last=softmax(x.astype(np.float64), -1),
         out_big=softmax(big.astype(np.float64)))


def case_attention(d, rng):
    f = lambda *s: rng.standard_normal(s).astype(np.float32)  # noqa: E731
    q, k, v = f(2, 3, 4, 8), f(2, 3, 6, 8), f(2, 3, 6, 5)
    allowed = rng.random((4, 6)) < 0.6
    allowed[:, 0] = True  # every query sees at least one key
    additive = f(3, 4, 6)  # broadcasts over the leading batch axis
    additive[:, :, 5] = -np.inf
    q64, k64, v64 = (t.astype(np.float64) for t in (q, k, v))
    save(d, q=q, k=k, v=v, allowed=allowed, additive=additive,
         out_plain=attention(q64, k64, v64),
         out_boolean=attention(q64, k64, v64, np.where(allowed, 0.0, -np.inf)),
         out_additive=attention(q64, k64, v64, additive.astype(np.float64)),
         out_causal=np.tril(np.ones((5, 5))), out_causal_offset=np.tril(np.ones((3, 7)), k=4))


def layer_params(rng, c):
    r = lambda *s: (rng.standard_normal(s) * 0.3).astype(np.float32)  # noqa: E731
    return {"ln_1_g": 1 + r(c), "ln_1_b": r(c), "c_attn_w": r(c, 3 * c), "c_attn_b": r(3 * c),
            "c_proj_w": r(c, c), "c_proj_b": r(c), "ln_2_g": 1 + r(c), "ln_2_b": r(c),
            "c_fc_w": r(c, 4 * c), "c_fc_b": r(4 * c), "mlp_proj_w": r(4 * c, c),
            "mlp_proj_b": r(c)}


def case_layers(d, rng):
    t, c, n_head = 7, 16, 4
    x = rng.standard_normal((t, c)).astype(np.float32)
    p = layer_params(rng, c)
    save(d, x=x, **p)
    x, p = x.astype(np.float64), {k: v.astype(np.float64) for k, v in p.items()}
    attn = {"c_attn": {"w": p["c_attn_w"], "b": p["c_attn_b"]},
            "c_proj": {"w": p["c_proj_w"], "b": p["c_proj_b"]}}
    mlp = {"c_fc": {"w": p["c_fc_w"], "b": p["c_fc_b"]},
           "c_proj": {"w": p["mlp_proj_w"], "b": p["mlp_proj_b"]}}
    ln_1, ln_2 = {"g": p["ln_1_g"], "b": p["ln_1_b"]}, {"g": p["ln_2_g"], "b": p["ln_2_b"]}
    save(d, out_layer_norm=layer_norm(x, **ln_1), out_gelu=gelu(x * 3),
         out_linear=linear(x, p["c_attn_w"], p["c_attn_b"]), out_mlp=ffn(x, **mlp),
         out_mha=mha(x, **attn, n_head=n_head),
         out_block=block(x, mlp, attn, ln_1, ln_2, n_head),
         out_split=split(x, n_head))


def case_cross(d, rng):
    c, n_head = 16, 4
    f = lambda *s: (rng.standard_normal(s) * 0.3).astype(np.float32)  # noqa: E731
    ins = {"x": f(5, c), "ctx": f(9, c), "w_q": f(c, c), "b_q": f(c), "w_kv": f(c, 2 * c),
           "b_kv": f(2 * c), "w_o": f(c, c), "b_o": f(c)}
    save(d, **ins)
    out = cross_attention(**{k: v.astype(np.float64) for k, v in ins.items()}, n_head=n_head)
    save(d, out_cross=out)


def case_embed(d, rng):
    wte = rng.standard_normal((50, 16)).astype(np.float32)
    wpe = rng.standard_normal((16, 16)).astype(np.float32)
    ids = np.array([3, 49, 0, 7, 7])
    save(d, wte=wte, wpe=wpe, ids=ids, out_embed=wte[ids] + wpe[3:3 + len(ids)])


def case_loss(d, rng):
    logits = (rng.standard_normal((6, 50)) * 4).astype(np.float32)
    targets = rng.integers(0, 50, 6)
    loss = cross_entropy(logits.astype(np.float64), targets)
    save(d, logits=logits, targets=targets, out_loss=[loss], out_perplexity=[np.exp(loss)])


def write_checkpoint(d, flat, config, dtype, prefix, buffers):
    from safetensors.numpy import save_file

    n_ctx = config["n_positions"]
    out = {prefix + k: v.astype(dtype) for k, v in flat.items()}
    if buffers:  # the causal-mask buffers older HF checkpoints carry
        for i in range(config["n_layer"]):
            out[f"{prefix}h.{i}.attn.bias"] = np.tril(np.ones((1, 1, n_ctx, n_ctx), dtype))
            out[f"{prefix}h.{i}.attn.masked_bias"] = np.array(-1e4, dtype=dtype)
    save_file(out, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(d, "config.json"), "w") as fh:
        json.dump(config, fh)


def to_bf16(a):
    """float32 -> bfloat16 bit patterns (uint16), rounding to nearest even."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def from_bf16(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def write_bf16_safetensors(path, flat):
    """safetensors by hand (NumPy has no bfloat16): JSON header, then the raw little-endian data."""
    header, blobs, offset = {}, [], 0
    for name in sorted(flat):
        raw = to_bf16(flat[name]).astype("<u2").tobytes()
        header[name] = {"dtype": "BF16", "shape": list(flat[name].shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as fh:
        fh.write(len(text).to_bytes(8, "little") + text + b"".join(blobs))


def case_checkpoint_bf16(d, rng):
    config = {"n_layer": 2, "n_head": 2, "n_embd": 16, "vocab_size": 50, "n_positions": 16}
    flat = random_checkpoint(rng, 2, 2, 16, 50, 16)
    write_bf16_safetensors(os.path.join(d, "model.safetensors"), flat)
    with open(os.path.join(d, "config.json"), "w") as fh:
        json.dump(config, fh)
    params = nest({k: from_bf16(to_bf16(v)) for k, v in flat.items()}, 2)
    ids = np.array([5, 0, 49, 17, 17, 3, 8, 21, 44, 1, 2, 30, 11, 6, 9, 12])
    save(d, ids=ids, out_logits=gpt2(ids, **params, n_head=2),
         out_logits1=gpt2(ids[:1], **params, n_head=2),
         out_loss=[cross_entropy(gpt2(ids[:-1], **params, n_head=2), ids[1:])])


def case_checkpoint(d, rng, dtype=np.float32, prefix="", buffers=False):
    """A random tiny HF checkpoint (2 layers, 2 heads, C=16, V=50, ctx=16) and its logits."""
    config = {"model_type": "gpt2", "n_layer": 2, "n_head": 2, "n_embd": 16, "vocab_size": 50,
              "n_positions": 16, "n_ctx": 16, "layer_norm_epsilon": 1e-5}
    flat = random_checkpoint(rng, 2, 2, 16, 50, 16)
    write_checkpoint(d, flat, config, dtype, prefix, buffers)
    # The oracle computes with exactly the stored (possibly half-precision) values.
    params = nest({k: v.astype(dtype) for k, v in flat.items()}, 2)
    ids = np.array([5, 0, 49, 17, 17, 3, 8, 21, 44, 1, 2, 30, 11, 6, 9, 12])
    save(d, ids=ids, out_logits=gpt2(ids, **params, n_head=2),
         out_logits1=gpt2(ids[:1], **params, n_head=2))
    targets = ids[1:]
    save(d, out_loss=[cross_entropy(gpt2(ids[:-1], **params, n_head=2), targets)])


def case_forward(d):
    """Reads a checkpoint folder (e.g. saved by Swift) and writes the logits for DIR/ids.npy."""
    from safetensors.numpy import load_file

    with open(os.path.join(d, "config.json")) as fh:
        config = json.load(fh)
    params = nest(load_file(os.path.join(d, "model.safetensors")), config["n_layer"])
    ids = np.load(os.path.join(d, "ids.npy")).astype(np.int64)
    eps = config.get("layer_norm_epsilon", 1e-5)
    save(d, out_logits=gpt2(ids, **params, n_head=config["n_head"], eps=eps))


def case_attention_weights(d):
    """Reads a checkpoint folder and DIR/ids.npy; writes every block's attention weights,
    softmax(q k^T / sqrt(hs) + causal) as GPT-2 computes them, as out_attn [L, H, T, T]."""
    from safetensors.numpy import load_file

    with open(os.path.join(d, "config.json")) as fh:
        config = json.load(fh)
    n_head, eps = config["n_head"], config.get("layer_norm_epsilon", 1e-5)
    params = nest(load_file(os.path.join(d, "model.safetensors")), config["n_layer"])
    ids = np.load(os.path.join(d, "ids.npy")).astype(np.int64)
    x = params["wte"][ids].astype(np.float64) + params["wpe"][range(len(ids))]
    causal = (1 - np.tri(len(ids))) * -1e10
    maps = []
    for b in params["blocks"]:
        h = linear(layer_norm(x, **b["ln_1"], eps=eps), **b["attn"]["c_attn"])
        q, k, v = (split(t, n_head) for t in np.split(h, 3, axis=-1))
        maps.append(softmax(q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1]) + causal))
        x = block(x, **b, n_head=n_head, eps=eps)
    save(d, out_attn=np.stack(maps))


def main():
    case, d = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(1234)
    cases = {
        "softmax": lambda: case_softmax(d, rng),
        "attention": lambda: case_attention(d, rng),
        "layers": lambda: case_layers(d, rng),
        "cross": lambda: case_cross(d, rng),
        "embed": lambda: case_embed(d, rng),
        "loss": lambda: case_loss(d, rng),
        "variants": lambda: case_variants(d, rng),
        "checkpoint": lambda: case_checkpoint(d, rng),
        "checkpoint_f16": lambda: case_checkpoint(d, rng, np.float16, "transformer.", True),
        "checkpoint_prefixed": lambda: case_checkpoint(d, rng, np.float32, "transformer.", True),
        "checkpoint_bf16": lambda: case_checkpoint_bf16(d, rng),
        "forward": lambda: case_forward(d),
        "attention_weights": lambda: case_attention_weights(d),
        "config": lambda: case_config(d),
    }
    cases[case]()


if __name__ == "__main__":
    main()
