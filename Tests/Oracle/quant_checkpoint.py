#!/usr/bin/env python3
"""Reads a quantized GPT-2 safetensors file written by lmlab with the reference `safetensors`
library and dequantizes one linear weight from its stored codes and scales, independently of
lmlab: argv[1] = file, argv[2] = weight name (e.g. h.0.mlp.c_fc.weight). Prints JSON:
{"metadata", "dtype", "shape", "dequant": float32 bit patterns of W [in, out]}.
Storage: rows are output channels ([out, in]); q4_0 bytes hold element j (low nibble) and
j+16 (high nibble) of each 32-block; q8_0/q4_0 scales are fp16 [out, in/32]; int8 scales fp32.
"""
import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

path, name = sys.argv[1], sys.argv[2]
with safe_open(path, framework="numpy") as f:
    meta = f.metadata()
tensors = load_file(path)
codes = tensors[name]
scheme = meta["scheme"]
if scheme in ("q8_0", "q4_0"):
    d = tensors[name + "_scale"].astype(np.float32)  # [out, in/32], stored as F16
    if scheme == "q8_0":
        q = codes.astype(np.float32)  # [out, in]
    else:
        out, half = codes.shape
        blocks = codes.reshape(out, half // 16, 16)
        lo = (blocks & 0x0F).astype(np.int32) - 8
        hi = (blocks >> 4).astype(np.int32) - 8
        q = np.concatenate([lo, hi], axis=2).reshape(out, half * 2).astype(np.float32)
    rows = (q.reshape(q.shape[0], -1, 32) * d[:, :, None]).reshape(q.shape)
elif scheme in ("int8", "int8-channel"):
    s = tensors[name + "_scale"]
    rows = codes.astype(np.float32) * (s[:, None] if s.size > 1 else s[0])
else:
    rows = codes.astype(np.float32)
w = np.ascontiguousarray(rows.astype(np.float32).T)
json.dump({"metadata": meta, "dtype": str(codes.dtype), "shape": list(codes.shape),
           "dequant": w.ravel().view(np.uint32).tolist()}, sys.stdout)
