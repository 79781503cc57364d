#!/usr/bin/env python3
"""The peer for `lmlab bench train`: the same GPT-2 training step (forward, backward, global-norm
clipping at 1.0, AdamW with decay on matrices only) in NumPy float32, batched over B sequences.

Reads a Hugging Face GPT-2 folder (config.json + model.safetensors) and a token .npy file of
shape [B, T + 1] (inputs are the first T tokens, targets the last T), runs one warm-up step and
`--repeat` timed steps, and prints one JSON line with the timings and the first step's loss.
"""
import argparse
import json
import os
import time

import numpy as np
from safetensors.numpy import load_file

K = np.float32(np.sqrt(2 / np.pi))


def gelu(x):
    return 0.5 * x * (1 + np.tanh(K * (x + np.float32(0.044715) * x * x * x)))


def gelu_grad(x):
    t = np.tanh(K * (x + np.float32(0.044715) * x * x * x))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K * (1 + 3 * 0.044715 * x * x)


def ln_fwd(x, g, b, eps=1e-5):  # [B, T, C]
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    rstd = 1 / np.sqrt((xc * xc).mean(-1, keepdims=True) + eps)
    xh = xc * rstd
    return xh * g + b, (xh, rstd)


def ln_bwd(dy, cache, g):
    xh, rstd = cache
    dxh = dy * g
    dx = rstd * (dxh - dxh.mean(-1, keepdims=True) - xh * (dxh * xh).mean(-1, keepdims=True))
    return dx, (dy * xh).sum((0, 1)), dy.sum((0, 1))


def step(p, cfg, x_ids, y_ids):
    """Loss and gradients (dict like p) for one batch."""
    B, T = x_ids.shape
    C, H, L = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
    hs = C // H
    mask = np.triu(np.full((T, T), -np.inf, dtype=np.float32), 1)
    x = p["wte.weight"][x_ids] + p["wpe.weight"][:T]  # [B, T, C]
    caches = []
    for i in range(L):
        h = f"h.{i}."
        a, c1 = ln_fwd(x, p[h + "ln_1.weight"], p[h + "ln_1.bias"])
        qkv = a @ p[h + "attn.c_attn.weight"] + p[h + "attn.c_attn.bias"]  # [B, T, 3C]
        q, k, v = (t.reshape(B, T, H, hs).transpose(0, 2, 1, 3) for t in np.split(qkv, 3, -1))
        s = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(hs)) + mask  # [B, H, T, T]
        P = np.exp(s - s.max(-1, keepdims=True))
        P /= P.sum(-1, keepdims=True)
        o = (P @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
        x1 = x + o @ p[h + "attn.c_proj.weight"] + p[h + "attn.c_proj.bias"]
        m, c2 = ln_fwd(x1, p[h + "ln_2.weight"], p[h + "ln_2.bias"])
        hpre = m @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"]
        act = gelu(hpre)
        x2 = x1 + act @ p[h + "mlp.c_proj.weight"] + p[h + "mlp.c_proj.bias"]
        caches.append((c1, a, q, k, v, P, o, c2, m, hpre, act))
        x = x2
    xf, cf = ln_fwd(x, p["ln_f.weight"], p["ln_f.bias"])
    logits = xf @ p["wte.weight"].T  # [B, T, V]
    z = logits - logits.max(-1, keepdims=True)
    e = np.exp(z)
    probs = e / e.sum(-1, keepdims=True)
    bi, ti = np.meshgrid(np.arange(B), np.arange(T), indexing="ij")
    loss = -np.log(probs[bi, ti, y_ids]).mean()

    g = {}
    dl = probs
    dl[bi, ti, y_ids] -= 1
    dl /= B * T
    g["wte.weight"] = dl.reshape(-1, dl.shape[-1]).T @ xf.reshape(-1, C)
    dx, g["ln_f.weight"], g["ln_f.bias"] = ln_bwd(dl @ p["wte.weight"], cf, p["ln_f.weight"])
    flat = lambda t: t.reshape(-1, t.shape[-1])
    for i in reversed(range(L)):
        h = f"h.{i}."
        c1, a, q, k, v, P, o, c2, m, hpre, act = caches[i]
        g[h + "mlp.c_proj.weight"] = flat(act).T @ flat(dx)
        g[h + "mlp.c_proj.bias"] = dx.sum((0, 1))
        dh = (dx @ p[h + "mlp.c_proj.weight"].T) * gelu_grad(hpre)
        g[h + "mlp.c_fc.weight"] = flat(m).T @ flat(dh)
        g[h + "mlp.c_fc.bias"] = dh.sum((0, 1))
        dx1, g[h + "ln_2.weight"], g[h + "ln_2.bias"] = ln_bwd(dh @ p[h + "mlp.c_fc.weight"].T, c2, p[h + "ln_2.weight"])
        dx1 += dx
        g[h + "attn.c_proj.weight"] = flat(o).T @ flat(dx1)
        g[h + "attn.c_proj.bias"] = dx1.sum((0, 1))
        do = (dx1 @ p[h + "attn.c_proj.weight"].T).reshape(B, T, H, hs).transpose(0, 2, 1, 3)
        dP = do @ v.transpose(0, 1, 3, 2)
        dv = P.transpose(0, 1, 3, 2) @ do
        dS = P * (dP - (dP * P).sum(-1, keepdims=True)) / np.float32(np.sqrt(hs))
        dq, dk = dS @ k, dS.transpose(0, 1, 3, 2) @ q
        dqkv = np.concatenate([t.transpose(0, 2, 1, 3).reshape(B, T, C) for t in (dq, dk, dv)], -1)
        g[h + "attn.c_attn.weight"] = flat(a).T @ flat(dqkv)
        g[h + "attn.c_attn.bias"] = dqkv.sum((0, 1))
        dx0, g[h + "ln_1.weight"], g[h + "ln_1.bias"] = ln_bwd(dqkv @ p[h + "attn.c_attn.weight"].T, c1, p[h + "ln_1.weight"])
        dx = dx0 + dx1
    np.add.at(g["wte.weight"], x_ids.reshape(-1), flat(dx))
    g["wpe.weight"] = np.zeros_like(p["wpe.weight"])
    g["wpe.weight"][:T] = dx.sum(0)
    return loss, g


class AdamW:
    def __init__(self, p, lr, b1=0.9, b2=0.95, eps=1e-8, wd=0.1):
        self.m = {k: np.zeros_like(v) for k, v in p.items()}
        self.v = {k: np.zeros_like(v) for k, v in p.items()}
        self.lr, self.b1, self.b2, self.eps, self.wd, self.t = lr, b1, b2, eps, wd, 0

    def update(self, p, g):
        self.t += 1
        c1, c2 = 1 - self.b1**self.t, 1 - self.b2**self.t
        for k in p:
            self.m[k] = self.b1 * self.m[k] + (1 - self.b1) * g[k]
            self.v[k] = self.b2 * self.v[k] + (1 - self.b2) * g[k] * g[k]
            if p[k].ndim == 2:
                p[k] *= 1 - self.lr * self.wd
            p[k] -= self.lr * (self.m[k] / c1) / (np.sqrt(self.v[k] / c2) + self.eps)


def train_step(p, cfg, opt, x, y, max_norm=1.0):
    loss, g = step(p, cfg, x, y)
    norm = np.sqrt(sum(float((v.astype(np.float64) ** 2).sum()) for v in g.values()))
    if norm > max_norm:
        for k in g:
            g[k] *= np.float32(max_norm / (norm + 1e-6))
    opt.update(p, g)
    return loss


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", required=True, help=".npy of shape [B, T + 1]")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-4)
    args = ap.parse_args()
    cfg = json.load(open(os.path.join(args.model, "config.json")))
    p = {k.removeprefix("transformer."): v.astype(np.float32)
         for k, v in load_file(os.path.join(args.model, "model.safetensors")).items()
         if k.split(".")[-2:] not in (["attn", "bias"], ["attn", "masked_bias"])
         and k != "lm_head.weight"}
    tokens = np.load(args.tokens).astype(np.int64)
    x, y = tokens[:, :-1], tokens[:, 1:]
    opt = AdamW(p, np.float32(args.lr))
    first = train_step(p, cfg, opt, x, y)  # warm-up
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        train_step(p, cfg, opt, x, y)
        times.append(time.perf_counter() - t0)
    best = min(times)
    print(json.dumps({"batch": int(x.shape[0]), "seq_len": int(x.shape[1]), "seconds": best,
                      "mean_seconds": sum(times) / len(times), "tokens_per_s": x.size / best,
                      "first_loss": float(first), "numpy": np.__version__}))


if __name__ == "__main__":
    main()
