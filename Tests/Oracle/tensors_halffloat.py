"""Independent oracle for lmlab's fp16/bf16 conversions, exchanged as .npy files.

make DIR writes (all as int64 bit patterns, so NaN payloads survive untouched):
  f16_decode.npy   [65536]  float32 bits of every fp16 pattern, via numpy float16 -> float32
  enc_inputs.npy   [N]      float32 bit patterns: random words plus rounding/subnormal edges
  enc_f16.npy      [N]      fp16 bits from numpy's astype(float16)
  enc_bf16.npy     [N]      bf16 bits from a numpy bit trick (round to nearest even, NaN kept
                            with its sign and made quiet)
  bf16_decode.npy  [65536]  float32 bits of every bf16 pattern (bits << 16, NaN made quiet)
"""
import sys

import numpy as np


def save_bits(path, a):
    np.save(path, a.astype(np.int64))


def edge_inputs():
    """float32 values around every fp16 rounding boundary and the range ends."""
    h = np.arange(0, 0x7C00, dtype=np.uint32)  # every finite non-negative half
    lo = h.astype(np.uint16).view(np.float16).astype(np.float64)
    hi = (h + 1).astype(np.uint16).view(np.float16).astype(np.float64)
    mid = ((lo + hi) / 2).astype(np.float32)  # exact midpoints (ties) in float32
    mb = mid.view(np.uint32)
    cands = [mb, mb - 1, mb + 1, lo.astype(np.float32).view(np.uint32)]
    specials = np.array([0x7F800000, 0x7F800001, 0x7FC00000, 0x7FBFFFFF, 0x7F7FFFFF,
                         0x00000001, 0x00800000, 0x33000000, 0x33000001, 0x32FFFFFF,
                         0x33800000, 0x387FC000, 0x38800000, 0x477FE000, 0x477FEFFF,
                         0x477FF000, 0x477FF001, 0x47800000, 0x7F7FFFFF], dtype=np.uint32)
    pos = np.concatenate(cands + [specials])
    return np.concatenate([pos, pos | 0x80000000])


def make(d):
    rng = np.random.default_rng(20240611)
    # fp16 -> fp32 for all patterns.
    all16 = np.arange(65536, dtype=np.uint32).astype(np.uint16)
    save_bits(f"{d}/f16_decode.npy", all16.view(np.float16).astype(np.float32).view(np.uint32))

    # fp32 -> fp16: random words over all of uint32, log-uniform values in the half range,
    # and the edge cases.
    words = rng.integers(0, 2**32, size=500_000, dtype=np.uint64).astype(np.uint32)
    mags = np.exp2(rng.uniform(-27, 17, size=300_000)).astype(np.float32)
    signs = rng.choice(np.array([-1, 1], dtype=np.float32), size=mags.size)
    inputs = np.concatenate([words, (mags * signs).view(np.uint32), edge_inputs()])
    save_bits(f"{d}/enc_inputs.npy", inputs)
    with np.errstate(over="ignore"):  # overflow to inf is the behaviour under test
        f16 = inputs.view(np.float32).astype(np.float16)
    save_bits(f"{d}/enc_f16.npy", f16.view(np.uint16))

    # fp32 -> bf16 bit trick.
    b = inputs.astype(np.uint64)
    is_nan = np.isnan(inputs.view(np.float32))
    rounded = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF
    nan_bits = (b >> 16) | 0x40
    save_bits(f"{d}/enc_bf16.npy", np.where(is_nan, nan_bits, rounded))

    # bf16 -> fp32.
    w = np.arange(65536, dtype=np.uint64) << 16
    nan16 = ((w & 0x7F800000) == 0x7F800000) & ((w & 0x7FFFFF) != 0)
    save_bits(f"{d}/bf16_decode.npy", np.where(nan16, w | 0x400000, w))
    print(inputs.size)


if __name__ == "__main__":
    {"make": make}[sys.argv[1]](sys.argv[2])
