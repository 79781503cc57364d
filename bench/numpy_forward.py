#!/usr/bin/env python3
"""The peer for `lmlab bench forward`: the same GPT-2 forward in NumPy on the same weights.

Reads a Hugging Face GPT-2 folder (config.json + model.safetensors) and a token-id .npy file,
runs the full forward to logits `--repeat` times and prints one JSON line with the timings.
"""
import argparse
import json
import os
import time

import numpy as np
from safetensors.numpy import load_file


def gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def layer_norm(x, g, b, eps=1e-5):
    mean = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    return g * (x - mean) / np.sqrt(var + eps) + b


def attention(x, w_attn, b_attn, w_proj, b_proj, n_head):  # [T, C] -> [T, C]
    T, C = x.shape
    qkv = x @ w_attn + b_attn  # [T, 3C]
    q, k, v = np.split(qkv, 3, axis=-1)  # 3 x [T, C]
    hs = C // n_head
    q, k, v = (a.reshape(T, n_head, hs).transpose(1, 0, 2) for a in (q, k, v))  # [H, T, hs]
    mask = np.triu(np.full((T, T), -np.inf, dtype=x.dtype), k=1)
    att = softmax(q @ k.transpose(0, 2, 1) / np.sqrt(hs) + mask)  # [H, T, T]
    out = (att @ v).transpose(1, 0, 2).reshape(T, C)  # [T, C]
    return out @ w_proj + b_proj


def forward(ids, p, n_layer, n_head):  # [T] -> [T, V]
    x = p["wte.weight"][ids] + p["wpe.weight"][: len(ids)]
    for i in range(n_layer):
        h = f"h.{i}."
        a = layer_norm(x, p[h + "ln_1.weight"], p[h + "ln_1.bias"])
        x = x + attention(a, p[h + "attn.c_attn.weight"], p[h + "attn.c_attn.bias"],
                          p[h + "attn.c_proj.weight"], p[h + "attn.c_proj.bias"], n_head)
        m = layer_norm(x, p[h + "ln_2.weight"], p[h + "ln_2.bias"])
        m = gelu(m @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"])
        x = x + m @ p[h + "mlp.c_proj.weight"] + p[h + "mlp.c_proj.bias"]
    x = layer_norm(x, p["ln_f.weight"], p["ln_f.bias"])
    return x @ p["wte.weight"].T


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True)
    ap.add_argument("--ids", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--logits-out", help="write the last logits here (.npy) for a cross-check")
    args = ap.parse_args()
    cfg = json.load(open(os.path.join(args.model, "config.json")))
    params = {k.removeprefix("transformer."): v.astype(np.float32)
              for k, v in load_file(os.path.join(args.model, "model.safetensors")).items()}
    ids = np.load(args.ids).astype(np.int64)
    forward(ids, params, cfg["n_layer"], cfg["n_head"])  # warm-up
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        logits = forward(ids, params, cfg["n_layer"], cfg["n_head"])
        times.append(time.perf_counter() - t0)
    if args.logits_out:
        np.save(args.logits_out, logits.astype(np.float32))
    best = min(times)
    print(json.dumps({"tokens": int(len(ids)), "seconds": best, "tokens_per_s": len(ids) / best,
                      "numpy": np.__version__}))


if __name__ == "__main__":
    main()
