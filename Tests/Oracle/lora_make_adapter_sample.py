"""Makes the lab-05 folder sample that carries a PEFT LoRA adapter for the course base model
(`lmlab experiment base-model`: 4 layers, n_embd 128, vocab 2048, context 128):
submissions/s10-ken/05-lora/{lora.py, adapter/adapter_config.json, adapter/adapter_model.safetensors}.
Deterministic (NumPy seed 2027); lora.py is s05-barbara's correct solution. The daemon grades
lora.py and then verifies the adapter on its base model (labs/05-lora/lab.toml [verify]).
Appends the sample's [[samples]] entry to submissions/MANIFEST.toml if missing."""
import json
import os
import shutil

import numpy as np
from safetensors.numpy import save_file

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
N_LAYER, N_EMBD, RANK, ALPHA = 4, 128, 4, 8.0


def main():
    folder = os.path.join(REPO, "submissions", "s10-ken", "05-lora")
    adapter = os.path.join(folder, "adapter")
    os.makedirs(adapter, exist_ok=True)
    shutil.copyfile(os.path.join(REPO, "submissions", "s05-barbara", "05-lora", "lora.py"),
                    os.path.join(folder, "lora.py"))
    rng = np.random.default_rng(2027)
    tensors = {}
    for i in range(N_LAYER):  # c_attn: W [C, 3C]; A [r, in], B [out, r] as PEFT stores them
        name = f"base_model.model.h.{i}.attn.c_attn"
        tensors[f"{name}.lora_A.weight"] = (rng.standard_normal((RANK, N_EMBD)) / np.sqrt(N_EMBD)).astype(np.float32)
        tensors[f"{name}.lora_B.weight"] = (0.01 * rng.standard_normal((3 * N_EMBD, RANK))).astype(np.float32)
    save_file(tensors, os.path.join(adapter, "adapter_model.safetensors"), metadata={"format": "pt"})
    config = {
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": RANK, "lora_alpha": ALPHA,
        "lora_dropout": 0.0, "target_modules": ["c_attn"], "fan_in_fan_out": True,
        "bias": "none", "base_model_name_or_path": "lmlab-course-base", "inference_mode": True,
    }
    with open(os.path.join(adapter, "adapter_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")

    manifest = os.path.join(REPO, "submissions", "MANIFEST.toml")
    with open(manifest, encoding="utf-8") as f:
        text = f.read()
    if 'path = "s10-ken/05-lora"' not in text:
        entry = "\n".join([
            "", "[[samples]]", 'student = "s10-ken"', 'lab = "05-lora"',
            'path = "s10-ken/05-lora"', 'form = "folder"',
            'files = ["adapter/adapter_config.json", "adapter/adapter_model.safetensors", "lora.py"]',
            'verdict = "full"',
            'note = "folder: correct lora.py and a rank-4 c_attn adapter for the course base model'
            ' (verified by the daemon)"', ""])
        with open(manifest, "a", encoding="utf-8") as f:
            f.write(entry)
    print(f"wrote {folder}")


if __name__ == "__main__":
    main()
