"""Checks the lab 07-llama samples against the independent NumPy oracle (llama_oracle.py) on
inputs drawn like lab.toml's: `full` samples match every function, every other sample fails at
least one, and each buggy sample fails exactly the functions its mistake reaches."""
import glob
import importlib.util
import os
import sys
import tomllib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import llama_oracle as o  # noqa: E402

# The functions each catalogued mistake reaches (the Swift catalogue's components).
REACHES = {
    "rmsnorm_subtracts_mean": {"rms_norm", "llama_block"},
    "rope_interleaved": {"rope", "grouped_query_attention", "llama_block"},
    "rope_rotates_backwards": {"rope", "grouped_query_attention", "llama_block"},
    "rope_theta_ignored": {"rope", "grouped_query_attention", "llama_block"},
    "rope_on_values": {"grouped_query_attention", "llama_block"},
    "kv_repeat_tiled": {"repeat_kv", "grouped_query_attention", "llama_block"},
    "gqa_no_causal_mask": {"grouped_query_attention", "llama_block"},
    "swiglu_gelu": {"swiglu_mlp", "llama_block"},
    "swiglu_gate_up_swapped": {"swiglu_mlp", "llama_block"},
}


def load(path):
    spec = importlib.util.spec_from_file_location("sample_" + path.split(os.sep)[-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cases(seed):
    rng = np.random.default_rng(seed)
    T, C, H, KV, F, theta, eps = 6, 16, 4, 2, 32, 100.0, 1e-6

    def f(*shape, scale=1.0, offset=0.0):
        return (offset + scale * rng.standard_normal(shape)).astype(np.float32)

    x, heads, kv = f(T, C), f(2, 6, 8), f(2, 5, 4)
    p = dict(attn_norm=f(C, scale=0.1, offset=1), w_q=f(C, C, scale=0.4), w_k=f(C, 8, scale=0.4),
             w_v=f(C, 8, scale=0.4), w_o=f(C, C, scale=0.3), mlp_norm=f(C, scale=0.1, offset=1),
             w_gate=f(C, F, scale=0.3), w_up=f(C, F, scale=0.3), w_down=f(F, C, scale=0.3))
    attn = (x, p["w_q"], p["w_k"], p["w_v"], p["w_o"], H, KV, theta)
    block = (x, p["attn_norm"], p["w_q"], p["w_k"], p["w_v"], p["w_o"], p["mlp_norm"],
             p["w_gate"], p["w_up"], p["w_down"], H, KV, theta, eps)
    return {
        "rms_norm": ((x, p["attn_norm"], eps), o.rms_norm(x, p["attn_norm"], eps)),
        "rope": ((heads, theta), o.apply_rope(heads, theta)),
        "repeat_kv": ((kv, 2), o.repeat_kv(kv, 2)),
        "swiglu_mlp": ((x, p["w_gate"], p["w_up"], p["w_down"]),
                       o.swiglu(x, p["w_gate"], p["w_up"], p["w_down"])),
        "grouped_query_attention": (attn, o.gqa(*attn)),
        "llama_block": (block, o.block(x, p, H, KV, theta, eps)),
    }


def main():
    with open(os.path.join(REPO, "submissions", "MANIFEST.toml"), "rb") as f:
        samples = [s for s in tomllib.load(f)["samples"] if s["lab"] == "07-llama"]
    problems = []
    for sample in samples:
        module = load(os.path.join(REPO, "submissions", sample["path"], sample["files"][0]))
        failing = set()
        for seed in (1, 2, 3):
            for name, (args, expected) in cases(seed).items():
                got = np.asarray(getattr(module, name)(*args), dtype=np.float64)
                if got.shape != expected.shape or not np.allclose(got, expected, 1e-3, 1e-4):
                    failing.add(name)
        verdict = sample["verdict"]
        if verdict == "full" and failing:
            problems.append(f"{sample['path']}: full but fails {sorted(failing)}")
        elif verdict == "mistake" and failing != REACHES[sample["mistake"]]:
            problems.append(f"{sample['path']}: {sample['mistake']} fails {sorted(failing)}")
        elif verdict == "uncatalogued" and not failing:
            problems.append(f"{sample['path']}: uncatalogued but passes")
    if problems or len(samples) < 11:
        print("\n".join(problems) or f"only {len(samples)} lab 07 samples")
        sys.exit(1)
    print(f"{len(samples)} lab 07 samples behave as MANIFEST.toml says")


if __name__ == "__main__":
    main()
