#!/usr/bin/env python3
"""The PyTorch peer for `lmlab bench forward`: GPT-2's forward in PyTorch (CPU) on the same weights.

Written as a PyTorch user would: F.layer_norm, F.scaled_dot_product_attention (causal), GELU with
the tanh approximation, the tied head, under torch.inference_mode(). Reads a Hugging Face GPT-2
folder and a token-id .npy file, sets torch's thread count to --threads, runs the forward
`--repeat` times after a warm-up and prints one JSON line with the timings.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import load_file


def forward(ids, p, n_layer, n_head, eps):  # [T] -> [T, V]
    T = ids.shape[0]
    x = p["wte.weight"][ids] + p["wpe.weight"][:T]  # [T, C]
    C = x.shape[1]
    hs = C // n_head
    for i in range(n_layer):
        h = f"h.{i}."
        a = F.layer_norm(x, (C,), p[h + "ln_1.weight"], p[h + "ln_1.bias"], eps)
        qkv = torch.addmm(p[h + "attn.c_attn.bias"], a, p[h + "attn.c_attn.weight"])  # [T, 3C]
        q, k, v = (t.view(T, n_head, hs).transpose(0, 1) for t in qkv.split(C, -1))  # [H, T, hs]
        o = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # [H, T, hs]
        o = o.transpose(0, 1).reshape(T, C)
        x = x + torch.addmm(p[h + "attn.c_proj.bias"], o, p[h + "attn.c_proj.weight"])
        m = F.layer_norm(x, (C,), p[h + "ln_2.weight"], p[h + "ln_2.bias"], eps)
        m = F.gelu(torch.addmm(p[h + "mlp.c_fc.bias"], m, p[h + "mlp.c_fc.weight"]),
                   approximate="tanh")
        x = x + torch.addmm(p[h + "mlp.c_proj.bias"], m, p[h + "mlp.c_proj.weight"])
    x = F.layer_norm(x, (C,), p["ln_f.weight"], p["ln_f.bias"], eps)
    return x @ p["wte.weight"].T  # [T, V]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True)
    ap.add_argument("--ids", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, required=True, help="torch.set_num_threads")
    ap.add_argument("--logits-out", help="write the last logits here (.npy) for a cross-check")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = json.load(open(os.path.join(args.model, "config.json")))
    params = {k.removeprefix("transformer."): torch.from_numpy(v.astype(np.float32))
              for k, v in load_file(os.path.join(args.model, "model.safetensors")).items()}
    ids = torch.from_numpy(np.load(args.ids).astype(np.int64))
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    with torch.inference_mode():
        forward(ids, params, cfg["n_layer"], cfg["n_head"], eps)  # warm-up
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            logits = forward(ids, params, cfg["n_layer"], cfg["n_head"], eps)
            times.append(time.perf_counter() - t0)
    if args.logits_out:
        np.save(args.logits_out, logits.numpy().astype(np.float32))
    best = min(times)
    print(json.dumps({"tokens": int(len(ids)), "seconds": best, "tokens_per_s": len(ids) / best,
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
