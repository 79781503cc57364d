#!/usr/bin/env python3
"""Independent NumPy oracle for merging PEFT LoRA adapters into a GPT-2, and the writer of the
peft-made fixtures it is checked against.

Usage:
  lora_peft.py merge BASE ADAPTER OUT
      Reads a GPT-2 folder BASE (config.json + model.safetensors) and a PEFT adapter folder
      ADAPTER, merges as PEFT's LoraModel does -- modules chosen by target_modules and
      layers_to_transform/layers_pattern, per-module rank and alpha from rank_pattern /
      alpha_pattern (first key k with re.match(rf"(.*\\.)?({k})$", name)), scaling alpha/r or
      alpha/sqrt(r) with use_rslora, W[in, out] += scaling * (B @ A).T for GPT-2's Conv1D --
      and writes OUT/merged.safetensors (the merged weights) and OUT/scalings.json.
  lora_peft.py make FIXTURES
      With peft and transformers installed: for each variant below, builds a tiny random
      GPT2LMHeadModel, wraps it with peft's own LoraConfig/get_peft_model, fills A and B with
      seeded random values, saves the adapter with peft's save_pretrained and the base with
      safetensors, and records peft's merge_and_unload weights (expected.safetensors). The
      folders are committed so the tests run with NumPy alone.
"""
import json
import math
import os
import re
import sys

import numpy as np

VARIANTS = {  # name -> LoraConfig keyword arguments (GPT-2 2 layers, C = 16, n_inner 24)
    "plain": dict(r=4, lora_alpha=8, target_modules=["c_attn"]),
    "rslora": dict(r=4, lora_alpha=8, target_modules=["c_attn", "c_fc"], use_rslora=True),
    "patterns": dict(r=4, lora_alpha=8, target_modules=["c_attn", "c_proj"],
                     rank_pattern={"h.1.attn.c_attn": 2, "mlp.c_proj": 6},
                     alpha_pattern={"attn.c_proj": 3}),
    "layers": dict(r=2, lora_alpha=5, target_modules=["c_attn", "mlp.c_proj"],
                   layers_to_transform=[1], layers_pattern="h"),
    "regex": dict(r=3, lora_alpha=4, target_modules=r".*\.0\.mlp\.c_fc",
                  use_rslora=True),
    "exclude": dict(r=2, lora_alpha=2, target_modules=["c_attn", "c_fc"],
                    exclude_modules=["transformer.h.0.attn.c_attn"],
                    rank_pattern={"c_fc": 3}, alpha_pattern={r"h\.1\.mlp\.c_fc": 7}),
}


def read_json(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def module_names(n_layer):
    return [f"transformer.h.{i}.{m}" for i in range(n_layer)
            for m in ("attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj")]


def selected(cfg, name):
    """PEFT's check_target_module_exists for a GPT-2 Conv1D module name."""
    excluded = cfg.get("exclude_modules")
    if isinstance(excluded, str) and re.fullmatch(excluded, name):
        return False
    if isinstance(excluded, list) and (name in excluded
                                       or any(name.endswith("." + e) for e in excluded)):
        return False
    targets = cfg["target_modules"]
    if isinstance(targets, str):
        return re.fullmatch(targets, name) is not None
    if name in targets:
        return True
    if not any(name.endswith("." + t) for t in targets):
        return False
    layers = cfg.get("layers_to_transform")
    if layers is None or layers == []:
        return True
    layers = [layers] if isinstance(layers, int) else layers
    patterns = cfg.get("layers_pattern")
    if patterns is None:
        m = re.match(r".*?\.[^.]*\.(\d+)\.", name)
    else:
        patterns = [patterns] if isinstance(patterns, str) else patterns
        m = next((re.match(rf"(?:^|.*?\.){p}\.(\d+)\.", name) for p in patterns
                  if re.match(rf"(?:^|.*?\.){p}\.(\d+)\.", name)), None)
    return m is not None and int(m.group(1)) in layers


def pattern_value(patterns, name, default):
    for key, value in (patterns or {}).items():
        if re.match(rf"(.*\.)?({key})$", name):
            return value
    return default


def merge(base, adapter, out):
    from safetensors.numpy import load_file, save_file

    config = read_json(os.path.join(base, "config.json"))
    weights = load_file(os.path.join(base, "model.safetensors"))
    cfg = read_json(os.path.join(adapter, "adapter_config.json"))
    lora = load_file(os.path.join(adapter, "adapter_model.safetensors"))
    lora = {k.replace("base_model.model.transformer.", "base_model.model."): v
            for k, v in lora.items()}
    scalings = {}
    for name in module_names(config["n_layer"]):
        if not selected(cfg, name):
            continue
        r = pattern_value(cfg.get("rank_pattern"), name, cfg["r"])
        alpha = pattern_value(cfg.get("alpha_pattern"), name, cfg["lora_alpha"])
        s = alpha / math.sqrt(r) if cfg.get("use_rslora") else alpha / r
        short = name[len("transformer."):]
        a = lora[f"base_model.model.{short}.lora_A.weight"].astype(np.float64)  # [r, in]
        b = lora[f"base_model.model.{short}.lora_B.weight"].astype(np.float64)  # [out, r]
        assert a.shape[0] == r and b.shape[1] == r, (name, a.shape, b.shape, r)
        w = weights[short + ".weight"].astype(np.float64)  # Conv1D [in, out]
        weights[short + ".weight"] = (w + s * (b @ a).T).astype(np.float32)
        scalings[short] = s
    os.makedirs(out, exist_ok=True)
    save_file(weights, os.path.join(out, "merged.safetensors"))
    with open(os.path.join(out, "scalings.json"), "w") as fh:
        json.dump(scalings, fh, sort_keys=True)


def make(fixtures):
    import torch
    from peft import LoraConfig, get_peft_model
    from safetensors.numpy import save_file
    from transformers import GPT2Config, GPT2LMHeadModel

    for index, (name, kwargs) in enumerate(VARIANTS.items()):
        torch.manual_seed(1000 + index)
        config = GPT2Config(n_layer=2, n_head=2, n_embd=16, n_inner=24, vocab_size=40,
                            n_positions=12)
        model = GPT2LMHeadModel(config).eval()
        d = os.path.join(fixtures, name)
        base = os.path.join(d, "base")
        os.makedirs(base, exist_ok=True)
        state = {k[len("transformer."):]: v.numpy().copy() for k, v in model.state_dict().items()
                 if k.startswith("transformer.") and not k.endswith((".attn.bias", ".masked_bias"))}
        save_file(state, os.path.join(base, "model.safetensors"), metadata={"format": "pt"})
        config.to_json_file(os.path.join(base, "config.json"))
        peft_model = get_peft_model(model, LoraConfig(**kwargs))
        with torch.no_grad():
            for pname, p in peft_model.named_parameters():
                if "lora_" in pname:
                    p.copy_(torch.randn_like(p) * 0.5)
        peft_model.save_pretrained(os.path.join(d, "adapter"), safe_serialization=True)
        merged = peft_model.merge_and_unload()
        expected = {k[len("transformer."):]: v.numpy().copy()
                    for k, v in merged.state_dict().items()
                    if k.startswith("transformer.") and k.endswith(".weight")}
        save_file(expected, os.path.join(d, "expected.safetensors"))
    print(f"wrote {len(VARIANTS)} variants to {fixtures}")


def main():
    if sys.argv[1] == "merge":
        merge(*sys.argv[2:5])
    elif sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
