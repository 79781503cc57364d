#!/usr/bin/env python3
"""Checks what lmlab's commands expose against independent NumPy computations.

Usage:
  cli_check.py generate MODEL PROMPT_IDS TEMPERATURE TOP_K TOP_P SEED < explain.jsonl
      MODEL is a GPT-2 folder with GPT-2's own config; stdin holds `lmlab model generate
      --explain K` lines. Recomputes every step: the logits with gpt2_oracle's NumPy GPT-2,
      u from the documented stream (xoshiro256** seeded by SplitMix64, (next() >> 40) * 2^-24,
      tensors_rng.py), the token by the documented sampling rule, and the top-K probabilities.
  cli_check.py quantdump DUMP MODEL SCHEME
      DUMP is `lmlab experiment quantize --dump DUMP` for MODEL in SCHEME (q8_0 or q4_0):
      every linear layer's codes and scales must equal quant_schemes.py's transcription of
      ggml's reference applied to MODEL's weights, and the dequantized weights its dequant.
Prints "ok ..." and exits 0, or prints the first disagreement and exits 1.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt2_oracle  # noqa: E402
import quant_schemes  # noqa: E402
from tensors_rng import Xoshiro256ss  # noqa: E402


def fail(message):
    print(message)
    sys.exit(1)


def sample(logits, temperature, top_k, top_p, u):
    """The documented rule (Sources/Transformer/Sampling.swift), written from its comment."""
    if temperature == 0:
        return int(np.argmax(logits))
    z = logits.astype(np.float64) / np.float64(np.float32(temperature))
    p = np.exp(z - z.max())
    p /= p.sum()
    order = sorted(range(len(p)), key=lambda i: (-p[i], i))
    if 0 < top_k < len(order):
        order = order[:top_k]
    if top_p < 1:
        cumulative, keep = 0.0, len(order)
        for i, t in enumerate(order):
            cumulative += p[t]
            if cumulative >= np.float64(np.float32(top_p)):
                keep = i + 1
                break
        order = order[:max(keep, 1)]
    kept = sum(p[t] for t in order)
    cumulative = 0.0
    for t in order:
        cumulative += p[t] / kept
        if cumulative > u:
            return t
    return order[-1]


def check_generate(model, prompt, temperature, top_k, top_p, seed):
    from safetensors.numpy import load_file

    config = gpt2_oracle.json.load(open(os.path.join(model, "config.json")))
    params = gpt2_oracle.nest(load_file(os.path.join(model, "model.safetensors")), config["n_layer"])
    eps = config.get("layer_norm_epsilon", 1e-5)
    ids = [int(t) for t in prompt.replace(",", " ").split()]
    rng = Xoshiro256ss(seed=seed)
    steps = [json.loads(line) for line in sys.stdin if line.strip()]
    if not steps:
        fail("no --explain lines on stdin")
    worst = 0.0
    for n, step in enumerate(steps):
        logits = gpt2_oracle.gpt2(np.array(ids), **params, n_head=config["n_head"], eps=eps)[-1]
        u = float(rng.uniform_f32()) if temperature > 0 else 0.0
        # u is a Float printed in its shortest form: compare it as float32.
        if step["step"] != n or np.float32(step["u"]) != np.float32(u):
            fail(f"step {n}: u {step['u']} but the documented stream gives {u}")
        token = sample(logits, temperature, top_k, top_p, u)
        if step["token"] != token:
            fail(f"step {n}: lmlab chose {step['token']}, the rule gives {token}")
        t = temperature if temperature > 0 else 1.0
        z = logits / t
        p = np.exp(z - z.max())
        p /= p.sum()
        for tid, logit, prob in step["top"]:
            worst = max(worst, abs(prob - p[tid]), abs(logit - logits[tid]))
        top_ids = [row[0] for row in step["top"]]
        want = sorted(range(len(p)), key=lambda i: (-p[i], i))[:len(top_ids)]
        if top_ids != want:
            fail(f"step {n}: top ids {top_ids}, NumPy's {want}")
        ids.append(token)
    if worst > 1e-4:
        fail(f"logits or probabilities differ by {worst}")
    print(f"ok {len(steps)} steps, max |diff| {worst:.3g}")


def check_quantdump(dump, model, scheme):
    from safetensors.numpy import load_file

    weights = load_file(os.path.join(model, "model.safetensors"))
    stored = load_file(os.path.join(dump, "quantized.safetensors"))
    dequant = load_file(os.path.join(dump, "dequantized.safetensors"))
    row_fn = {"q8_0": quant_schemes.q8_0_row, "q4_0": quant_schemes.q4_0_row}[scheme]
    names = [k for k in weights if k.endswith(".weight") and (".attn.c_" in k or ".mlp.c_" in k)]
    for name in sorted(names):
        w = weights[name].astype(np.float32)  # Conv1D [in, out]; ggml rows are W.T
        codes, scales, deq = [], [], []
        for row in np.ascontiguousarray(w.T):
            c, s, d = row_fn(row)
            codes.append(c)
            scales.append(s)
            deq.append(d)
        want_codes = np.array(codes)
        got_codes = stored[name].astype(np.int64)
        if got_codes.shape != want_codes.shape or (got_codes != want_codes).any():
            fail(f"{name}: codes differ from ggml's definition")
        got_scales = stored[name + "_scale"].view(np.uint16).astype(np.int64)
        if (got_scales != np.array(scales)).any():
            fail(f"{name}: scales differ from ggml's definition")
        want_deq = np.array(deq, dtype=np.float32).T
        if (dequant[name].view(np.uint32) != want_deq.view(np.uint32)).any():
            fail(f"{name}: dequantized weights differ")
    print(f"ok {len(names)} tensors")


def main():
    if sys.argv[1] == "generate":
        model, prompt, temperature, top_k, top_p, seed = sys.argv[2:8]
        check_generate(model, prompt, float(temperature), int(top_k), float(top_p), int(seed))
    elif sys.argv[1] == "quantdump":
        check_quantdump(*sys.argv[2:5])
    else:
        fail(__doc__)


if __name__ == "__main__":
    main()
