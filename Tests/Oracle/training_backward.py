#!/usr/bin/env python3
"""Independent NumPy oracle for lmlab's training code: GPT-2's loss and the gradient of every
parameter (and of LoRA adapters), derived by hand from the maths, picoGPT-style, in float64.
Each sequence of the batch is run on its own and the gradients summed (lmlab batches them).
Before answering, the oracle checks its own backward against central finite differences on a
few coordinates and exits 1 if they disagree.

Usage:
  training_backward.py grads DIR   DIR: config.json + model.safetensors (HF GPT-2), inputs.npy
                                   and targets.npy [B, T]. Writes out_loss.npy and
                                   out_grads.safetensors (HF names, float32).
  training_backward.py lora DIR [--qv-only]
                                   as grads, plus DIR/adapter/ (adapter_config.json +
                                   adapter_model.safetensors, PEFT layout). Writes out_loss.npy
                                   and out_lora_grads.safetensors (PEFT names, float32).
  training_backward.py peft_names N_LAYER TARGET...
                                   prints JSON: the tensor names PEFT writes for those targets
                                   and the keys of its adapter_config.json.
"""
import json
import os
import sys

import numpy as np
from safetensors.numpy import load_file, save_file

# ---- forward pieces, each with its backward right after ------------------------------------


def gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def gelu_grad(x):  # d gelu / dx
    k = np.sqrt(2 / np.pi)
    t = np.tanh(k * (x + 0.044715 * x**3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * k * (1 + 3 * 0.044715 * x**2)


def layer_norm(x, g, b, eps):  # [T, C] -> [T, C]
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return g * (x - mu) / np.sqrt(var + eps) + b


def layer_norm_back(dy, x, g, eps):  # -> dx, dg, db
    n = x.shape[-1]
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    inv = 1 / np.sqrt(var + eps)
    xh = (x - mu) * inv
    dxh = dy * g
    # d/dx of xh: inv * (I - 1/n - xh xh^T / n)
    dx = inv * (dxh - dxh.sum(-1, keepdims=True) / n - xh * (dxh * xh).sum(-1, keepdims=True) / n)
    return dx, (dy * xh).sum(0), dy.sum(0)


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def lin(x, w, b, ad=None):  # x [T, in] @ w [in, out] + b, plus s * x A^T B^T
    y = x @ w + b
    if ad is not None:
        y = y + ad["s"] * (x @ ad["A"].T) @ ad["B"].T
    return y


def lin_back(dy, x, w, ad=None):  # -> dx, dw, db, (dA, dB)
    dx = dy @ w.T
    dlora = None
    if ad is not None:
        s, A, B = ad["s"], ad["A"], ad["B"]
        dx = dx + s * (dy @ B) @ A
        dA = s * (dy @ B).T @ x
        dB = s * dy.T @ (x @ A.T)
        if ad.get("mask") is not None:
            dB = dB * ad["mask"][:, None]
        dlora = (dA, dB)
    return dx, x.T @ dy, dy.sum(0), dlora


def attention(qkv, n_head):  # [T, 3C] -> [T, C], probabilities [H, T, T]
    T, C3 = qkv.shape
    C = C3 // 3
    q, k, v = [np.stack(np.split(a, n_head, axis=-1)) for a in np.split(qkv, 3, axis=-1)]
    mask = np.triu(np.ones((T, T)), 1) * -1e10
    P = softmax(q @ k.transpose(0, 2, 1) / np.sqrt(C // n_head) + mask)  # [H, T, T]
    return np.hstack(list(P @ v)), P, (q, k, v)


def attention_back(dout, P, qkv_split, n_head):  # [T, C] -> d qkv [T, 3C]
    q, k, v = qkv_split
    hs = q.shape[-1]
    do = np.stack(np.split(dout, n_head, axis=-1))  # [H, T, hs]
    dP = do @ v.transpose(0, 2, 1)
    dv = P.transpose(0, 2, 1) @ do
    dS = P * (dP - (dP * P).sum(-1, keepdims=True)) / np.sqrt(hs)
    dq = dS @ k
    dk = dS.transpose(0, 2, 1) @ q
    return np.concatenate([np.hstack(list(a)) for a in (dq, dk, dv)], axis=-1)


# ---- the model ----------------------------------------------------------------------------


def block_names(i):
    h = f"h.{i}."
    return {k: h + k for k in ["ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
                               "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
                               "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight",
                               "mlp.c_proj.bias"]}


def seq_loss_and_grads(p, cfg, ids, targets, lora):
    """Sum over positions of -log p(target) for one sequence; grads of that sum."""
    L, H, eps = cfg["n_layer"], cfg["n_head"], cfg.get("layer_norm_epsilon", 1e-5)
    T = len(ids)
    ad = lambda i, m: lora.get(f"h.{i}.{m}") if lora else None
    x = p["wte.weight"][ids] + p["wpe.weight"][:T]
    caches = []
    for i in range(L):
        n = block_names(i)
        a_in = layer_norm(x, p[n["ln_1.weight"]], p[n["ln_1.bias"]], eps)
        qkv = lin(a_in, p[n["attn.c_attn.weight"]], p[n["attn.c_attn.bias"]], ad(i, "attn.c_attn"))
        heads, P, qkv_split = attention(qkv, H)
        x1 = x + lin(heads, p[n["attn.c_proj.weight"]], p[n["attn.c_proj.bias"]], ad(i, "attn.c_proj"))
        m_in = layer_norm(x1, p[n["ln_2.weight"]], p[n["ln_2.bias"]], eps)
        hpre = lin(m_in, p[n["mlp.c_fc.weight"]], p[n["mlp.c_fc.bias"]], ad(i, "mlp.c_fc"))
        act = gelu(hpre)
        x2 = x1 + lin(act, p[n["mlp.c_proj.weight"]], p[n["mlp.c_proj.bias"]], ad(i, "mlp.c_proj"))
        caches.append((x, a_in, heads, P, qkv_split, x1, m_in, hpre, act))
        x = x2
    xf = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"], eps)
    logits = xf @ p["wte.weight"].T
    probs = softmax(logits)
    loss = -np.log(probs[np.arange(T), targets]).sum()

    g = {k: np.zeros_like(v) for k, v in p.items()}
    gl = {}
    dlogits = probs.copy()
    dlogits[np.arange(T), targets] -= 1
    g["wte.weight"] += dlogits.T @ xf  # the head's share of the tied wte
    dxf = dlogits @ p["wte.weight"]
    dx, g["ln_f.weight"], g["ln_f.bias"] = layer_norm_back(dxf, x, p["ln_f.weight"], eps)

    def acc_lora(i, m, d):
        if d is not None:
            for name, val in zip(("A", "B"), d):
                key = (f"h.{i}.{m}", name)
                gl[key] = gl.get(key, 0) + val

    for i in reversed(range(L)):
        n = block_names(i)
        x0, a_in, heads, P, qkv_split, x1, m_in, hpre, act = caches[i]
        dact, dw, db, dl = lin_back(dx, act, p[n["mlp.c_proj.weight"]], ad(i, "mlp.c_proj"))
        g[n["mlp.c_proj.weight"]] += dw; g[n["mlp.c_proj.bias"]] += db; acc_lora(i, "mlp.c_proj", dl)
        dh = dact * gelu_grad(hpre)
        dm, dw, db, dl = lin_back(dh, m_in, p[n["mlp.c_fc.weight"]], ad(i, "mlp.c_fc"))
        g[n["mlp.c_fc.weight"]] += dw; g[n["mlp.c_fc.bias"]] += db; acc_lora(i, "mlp.c_fc", dl)
        dx1, dg, dbb = layer_norm_back(dm, x1, p[n["ln_2.weight"]], eps)
        g[n["ln_2.weight"]] += dg; g[n["ln_2.bias"]] += dbb
        dx1 = dx1 + dx
        dheads, dw, db, dl = lin_back(dx1, heads, p[n["attn.c_proj.weight"]], ad(i, "attn.c_proj"))
        g[n["attn.c_proj.weight"]] += dw; g[n["attn.c_proj.bias"]] += db; acc_lora(i, "attn.c_proj", dl)
        dqkv = attention_back(dheads, P, qkv_split, H)
        da, dw, db, dl = lin_back(dqkv, a_in, p[n["attn.c_attn.weight"]], ad(i, "attn.c_attn"))
        g[n["attn.c_attn.weight"]] += dw; g[n["attn.c_attn.bias"]] += db; acc_lora(i, "attn.c_attn", dl)
        dx0, dg, dbb = layer_norm_back(da, x0, p[n["ln_1.weight"]], eps)
        g[n["ln_1.weight"]] += dg; g[n["ln_1.bias"]] += dbb
        dx = dx0 + dx1
    np.add.at(g["wte.weight"], ids, dx)  # the embedding's share
    g["wpe.weight"][:T] += dx
    return loss, g, gl


def batch_loss_and_grads(p, cfg, inputs, targets, lora=None):
    n = inputs.size
    total, g, gl = 0.0, None, {}
    for ids, tg in zip(inputs, targets):
        l, gs, gls = seq_loss_and_grads(p, cfg, ids, tg, lora)
        total += l
        g = gs if g is None else {k: g[k] + gs[k] for k in g}
        for k, v in gls.items():
            gl[k] = gl.get(k, 0) + v
    return total / n, {k: v / n for k, v in g.items()}, {k: v / n for k, v in gl.items()}


def self_check(p, cfg, inputs, targets, lora, g, gl, rng):
    """Central differences in float64 on a few coordinates of each kind of tensor."""
    h = 1e-6
    probes = [("p", k) for k in ["wte.weight", "wpe.weight", "h.0.attn.c_attn.weight",
                                 "h.0.ln_1.weight", "h.1.mlp.c_fc.bias", "ln_f.bias"] if k in p]
    probes += [("l", k) for k in sorted(gl)[:4]]
    for kind, key in probes:
        store = p if kind == "p" else lora[key[0]]
        name = key if kind == "p" else key[1]
        grad = g[key] if kind == "p" else gl[key]
        for _ in range(3):
            idx = tuple(rng.integers(0, s) for s in store[name].shape)
            if kind == "l" and name == "B" and lora[key[0]].get("mask") is not None \
                    and lora[key[0]]["mask"][idx[0]] == 0:
                continue
            old = store[name][idx]
            store[name][idx] = old + h
            lp = batch_loss_and_grads(p, cfg, inputs, targets, lora)[0]
            store[name][idx] = old - h
            lm = batch_loss_and_grads(p, cfg, inputs, targets, lora)[0]
            store[name][idx] = old
            fd = (lp - lm) / (2 * h)
            if abs(fd - grad[idx]) > 1e-6 + 1e-5 * abs(fd):
                sys.exit(f"oracle self-check failed at {key}{idx}: analytic {grad[idx]}, fd {fd}")


def load_model(d):
    cfg = json.load(open(os.path.join(d, "config.json")))
    p = {k.removeprefix("transformer."): v.astype(np.float64)
         for k, v in load_file(os.path.join(d, "model.safetensors")).items()}
    inputs = np.load(os.path.join(d, "inputs.npy")).astype(np.int64)
    targets = np.load(os.path.join(d, "targets.npy")).astype(np.int64)
    return cfg, p, inputs, targets


def load_lora(d, cfg, qv_only):
    acfg = json.load(open(os.path.join(d, "adapter_config.json")))
    assert acfg["peft_type"] == "LORA" and acfg["fan_in_fan_out"] is True
    s = acfg["lora_alpha"] / acfg["r"]
    t = load_file(os.path.join(d, "adapter_model.safetensors"))
    lora = {}
    C = cfg["n_embd"]
    for name, val in t.items():
        # base_model.model.h.{i}.{attn|mlp}.{module}.lora_{A|B}.weight
        module = name.removeprefix("base_model.model.").rsplit(".lora_", 1)[0]
        which = name.rsplit(".lora_", 1)[1][0]
        entry = lora.setdefault(module, {"s": s})
        entry[which] = val.astype(np.float64)
        if qv_only and module.endswith("attn.c_attn"):
            entry["mask"] = np.concatenate([np.ones(C), np.zeros(C), np.ones(C)])
    return lora


def main():
    mode = sys.argv[1]
    if mode == "peft_names":
        n_layer, targets = int(sys.argv[2]), sys.argv[3:]
        modules = {"c_attn": "attn.c_attn", "attn.c_proj": "attn.c_proj", "c_fc": "mlp.c_fc",
                   "mlp.c_proj": "mlp.c_proj"}
        names = sorted(f"base_model.model.h.{i}.{modules[t]}.lora_{m}.weight"
                       for i in range(n_layer) for t in targets for m in "AB")
        # The keys PEFT's LoraConfig.save_pretrained writes that lmlab must write too.
        keys = ["base_model_name_or_path", "bias", "fan_in_fan_out", "inference_mode",
                "init_lora_weights", "lora_alpha", "lora_dropout", "modules_to_save", "peft_type",
                "r", "target_modules", "task_type"]
        print(json.dumps({"names": names, "config_keys": keys}))
        return
    d = sys.argv[2]
    cfg, p, inputs, targets = load_model(d)
    lora = load_lora(os.path.join(d, "adapter"), cfg, "--qv-only" in sys.argv) if mode == "lora" else None
    loss, g, gl = batch_loss_and_grads(p, cfg, inputs, targets, lora)
    self_check(p, cfg, inputs, targets, lora, g, gl, np.random.default_rng(0))
    np.save(os.path.join(d, "out_loss.npy"), np.array([loss], dtype=np.float32))
    if mode == "grads":
        save_file({k: v.astype(np.float32) for k, v in g.items()},
                  os.path.join(d, "out_grads.safetensors"))
    else:
        save_file({f"base_model.model.{k[0]}.lora_{k[1]}.weight": v.astype(np.float32)
                   for k, v in gl.items()}, os.path.join(d, "out_lora_grads.safetensors"))


if __name__ == "__main__":
    main()
