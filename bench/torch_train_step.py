#!/usr/bin/env python3
"""The PyTorch peer for `lmlab bench train`: the same GPT-2 training step in PyTorch (CPU).

Forward as in torch_forward.py (with autograd), mean cross-entropy over B × T next tokens,
backward, global-norm clipping at 1.0 (clip_grad_norm_), torch.optim.AdamW (betas 0.9/0.95,
eps 1e-8, weight decay 0.1 on matrices only), the head tied to wte. Reads a Hugging Face GPT-2
folder and a token .npy of shape [B, T + 1], sets torch's thread count to --threads, runs one
warm-up step and `--repeat` timed steps, and prints one JSON line with the first step's loss.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.numpy import load_file


def logits_of(ids, p, n_layer, n_head, eps):  # [B, T] -> [B, T, V]
    B, T = ids.shape
    x = p["wte.weight"][ids] + p["wpe.weight"][:T]  # [B, T, C]
    C = x.shape[-1]
    hs = C // n_head
    for i in range(n_layer):
        h = f"h.{i}."
        a = F.layer_norm(x, (C,), p[h + "ln_1.weight"], p[h + "ln_1.bias"], eps)
        qkv = a @ p[h + "attn.c_attn.weight"] + p[h + "attn.c_attn.bias"]  # [B, T, 3C]
        q, k, v = (t.view(B, T, n_head, hs).transpose(1, 2) for t in qkv.split(C, -1))
        o = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # [B, H, T, hs]
        o = o.transpose(1, 2).reshape(B, T, C)
        x = x + o @ p[h + "attn.c_proj.weight"] + p[h + "attn.c_proj.bias"]
        m = F.layer_norm(x, (C,), p[h + "ln_2.weight"], p[h + "ln_2.bias"], eps)
        m = F.gelu(m @ p[h + "mlp.c_fc.weight"] + p[h + "mlp.c_fc.bias"], approximate="tanh")
        x = x + m @ p[h + "mlp.c_proj.weight"] + p[h + "mlp.c_proj.bias"]
    x = F.layer_norm(x, (C,), p["ln_f.weight"], p["ln_f.bias"], eps)
    return x @ p["wte.weight"].T


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True)
    ap.add_argument("--tokens", required=True, help=".npy of shape [B, T + 1]")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--threads", type=int, required=True, help="torch.set_num_threads")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = json.load(open(os.path.join(args.model, "config.json")))
    p = {k.removeprefix("transformer."): torch.from_numpy(v.astype(np.float32)).requires_grad_()
         for k, v in load_file(os.path.join(args.model, "model.safetensors")).items()
         if k.split(".")[-2:] not in (["attn", "bias"], ["attn", "masked_bias"])
         and k != "lm_head.weight"}
    tokens = torch.from_numpy(np.load(args.tokens).astype(np.int64))
    x, y = tokens[:, :-1], tokens[:, 1:]
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    decay = [t for t in p.values() if t.ndim == 2]
    rest = [t for t in p.values() if t.ndim != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": rest, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)

    def step():
        opt.zero_grad(set_to_none=True)
        logits = logits_of(x, p, cfg["n_layer"], cfg["n_head"], eps)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(p.values()), 1.0)
        opt.step()
        return loss.item()

    first = step()  # warm-up
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    best = min(times)
    print(json.dumps({"batch": int(x.shape[0]), "seq_len": int(x.shape[1]), "seconds": best,
                      "mean_seconds": sum(times) / len(times), "tokens_per_s": x.numel() / best,
                      "first_loss": first, "threads": torch.get_num_threads(),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
