"""Lab 06 — Quantization: int8, fp16, Q8_0 and Q4_0 (starter).

NumPy only. Compute in float32 as the handout says (the codes are compared exactly).
int8 functions take a GPT-2 Conv1D weight w [in, out]; an output channel is a COLUMN.
Q8_0 / Q4_0 functions take a matrix [out, in] stored as ggml does: each row is split into
blocks of 32 consecutive weights (in is a multiple of 32), one fp16 scale per block.
Check yourself with:  lmlab check quantize.py --lab 06-quantization
"""
import numpy as np


def int8_scale(w):
    """Symmetric int8 scale of the whole matrix: max |w| / 127 (a float)."""
    raise NotImplementedError


def quantize_int8(w):
    """int8 codes of w with one scale: round(w / scale) (np.round: halves to even), clipped to
    [-127, 127], dtype np.int8, same shape as w."""
    raise NotImplementedError


def int8_channel_scales(w):
    """One scale per output channel of w [in, out]: max |column| / 127, float32 [out]."""
    raise NotImplementedError


def quantize_int8_per_channel(w):
    """int8 codes of w [in, out], column j divided by its own scale; np.int8 [in, out]."""
    raise NotImplementedError


def dequantize_int8(q, scale):
    """q [in, out] int8 times scale (a float, or [out] one per column) -> float32 [in, out]."""
    raise NotImplementedError


def to_fp16(x):
    """x rounded to the nearest IEEE half-precision value (ties to even), back as float32."""
    raise NotImplementedError


def q8_0_quantize(w):
    """Q8_0 codes of w [out, in] (ggml): per block of 32, d = absmax / 127, id = 1 / d (0 if
    d == 0), code = x * id rounded half AWAY from zero (C's roundf). np.int8 [out, in]."""
    raise NotImplementedError


def q8_0_scales(w):
    """Q8_0 block scales of w [out, in]: d = absmax / 127 rounded to fp16, [out, in / 32]."""
    raise NotImplementedError


def q8_0_dequantize(codes, scales):
    """codes [out, in] int8, scales [out, in / 32] float16 -> float32 [out, in]."""
    raise NotImplementedError


def q8_0_matmul(x, codes, scales):
    """y = x @ dequant(W).T for a Q8_0 weight W [out, in]: x [T, in] -> [T, out]."""
    raise NotImplementedError


def q4_0_quantize(w):
    """Q4_0 codes of w [out, in] (ggml), unpacked: per block of 32, m = the weight of largest
    magnitude WITH its sign (the first on ties), d = m / -8, id = 1 / d (0 if d == 0),
    code = min(15, int(x * id + 8.5)). np.uint8 [out, in], values 0…15."""
    raise NotImplementedError


def q4_0_scales(w):
    """Q4_0 block scales of w [out, in]: d = m / -8 rounded to fp16, [out, in / 32]."""
    raise NotImplementedError


def q4_0_pack(codes):
    """codes [out, in] (0…15) -> bytes np.uint8 [out, in / 2]: in each block of 32, byte j
    holds code j in its low nibble and code j + 16 in its high nibble."""
    raise NotImplementedError


def q4_0_unpack(packed):
    """The inverse of q4_0_pack: bytes [out, in / 2] -> codes np.uint8 [out, in]."""
    raise NotImplementedError
