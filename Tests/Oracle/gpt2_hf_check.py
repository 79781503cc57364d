#!/usr/bin/env python3
"""Checks gpt2_oracle.py's forward under a config.json (gpt2_hf) against transformers itself.

Usage: gpt2_hf_check.py DIR
For each config variant, writes a random checkpoint into DIR with gpt2_oracle.case_config, loads
it with transformers' GPT2LMHeadModel (float64) and compares the logits. Prints "ok N variants,
max |diff| X" and exits 0 when all agree to 1e-5 (the oracle stores float32 logits), "skip: …" when transformers is not installed
(the tests must run with NumPy alone), and exits 1 on a disagreement.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt2_oracle  # noqa: E402

VARIANTS = [
    {}, {"scale_attn_by_inverse_layer_idx": True}, {"scale_attn_weights": False},
    {"tie_word_embeddings": False}, {"n_inner": 24}, {"activation_function": "gelu"},
    {"activation_function": "relu"}, {"activation_function": "silu"},
    {"activation_function": "quick_gelu"}, {"activation_function": "gelu_pytorch_tanh"},
    {"layer_norm_epsilon": 1e-2},
    {"reorder_and_upcast_attn": True, "scale_attn_by_inverse_layer_idx": True},
]


def main():
    try:
        import torch
        from transformers import GPT2Config, GPT2LMHeadModel
    except ImportError as e:
        print(f"skip: transformers is not installed ({e})")
        return
    from safetensors.numpy import load_file

    root = sys.argv[1]
    worst = 0.0
    for i, overrides in enumerate(VARIANTS):
        d = os.path.join(root, f"v{i}")
        os.makedirs(d, exist_ok=True)
        config = {"model_type": "gpt2", "n_layer": 2, "n_head": 2, "n_embd": 16,
                  "vocab_size": 40, "n_positions": 12, **overrides}
        with open(os.path.join(d, "request.json"), "w") as fh:
            json.dump({"config": config, "seed": 50 + i}, fh)
        gpt2_oracle.case_config(d)
        hf = GPT2LMHeadModel(GPT2Config(**config)).double().eval()
        flat = {k: torch.from_numpy(v.astype(np.float64))
                for k, v in load_file(os.path.join(d, "model.safetensors")).items()}
        state = {("lm_head.weight" if k == "lm_head.weight" else "transformer." + k): v
                 for k, v in flat.items()}
        if config.get("tie_word_embeddings", True):
            state["lm_head.weight"] = state["transformer.wte.weight"]
        missing, unexpected = hf.load_state_dict(state, strict=False)
        missing = [m for m in missing if not m.endswith((".attn.bias", ".attn.masked_bias"))]
        if missing or unexpected:
            print(f"variant {overrides}: missing {missing}, unexpected {unexpected}")
            sys.exit(1)
        ids = np.load(os.path.join(d, "ids.npy")).astype(np.int64)
        with torch.no_grad():
            got = hf(torch.from_numpy(ids)[None]).logits[0].numpy()
        want = np.load(os.path.join(d, "out_logits.npy")).astype(np.float64)
        # out_logits.npy is float32; compare the oracle's float32 against HF's float64.
        diff = float(np.max(np.abs(got.astype(np.float32) - want)))
        worst = max(worst, diff)
        if diff > 1e-5:
            print(f"variant {overrides}: oracle and transformers differ by {diff}")
            sys.exit(1)
    print(f"ok {len(VARIANTS)} variants, max |diff| {worst:.3g}")


if __name__ == "__main__":
    main()
