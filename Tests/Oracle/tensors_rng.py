"""Independent pure-Python oracle for lmlab's RNG (SplitMix64 seeding xoshiro256**).

Written from the algorithms' published descriptions (prng.di.unimi.it), not from the Swift code.
Reads JSON {"seeds": [...], "count": N, "bounds": [...]} on stdin; prints JSON per seed with the
first N outputs and the derived draws, 64-bit values as decimal strings.
"""
import json
import math
import struct
import sys

import numpy as np

M64 = (1 << 64) - 1


def splitmix64(seed):
    state = seed & M64
    while True:
        state = (state + 0x9E3779B97F4A7C15) & M64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        yield z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class Xoshiro256ss:
    def __init__(self, seed=None, state=None):
        if state is None:
            sm = splitmix64(seed)
            state = [next(sm) for _ in range(4)]
        self.s = list(state)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform_f32(self):
        return np.float32((self.next() >> 40) / 2.0**24)

    def uniform_f64(self):
        return (self.next() >> 11) / 2.0**53

    def normal_f64(self):
        u1 = 1.0 - self.uniform_f64()
        u2 = self.uniform_f64()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)

    def below(self, n):
        # Lemire: high word of x*n, rejecting when the low word < (2^64 - n) mod n.
        m = self.next() * n
        if (m & M64) < n:
            t = ((1 << 64) - n) % n
            while (m & M64) < t:
                m = self.next() * n
        return m >> 64


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f64_bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def main():
    req = json.load(sys.stdin)
    n = req["count"]
    out = []
    for seed in req["seeds"]:
        seed = int(seed)
        r = Xoshiro256ss(seed)
        raw = [str(r.next()) for _ in range(n)]
        r = Xoshiro256ss(seed)
        uf = [str(f32_bits(r.uniform_f32())) for _ in range(n)]
        r = Xoshiro256ss(seed)
        ud = [str(f64_bits(r.uniform_f64())) for _ in range(n)]
        r = Xoshiro256ss(seed)
        nd = [r.normal_f64() for _ in range(n)]
        nf = [float(np.float32(x)) for x in nd]
        ints = {}
        for b in req["bounds"]:
            r = Xoshiro256ss(seed)
            ints[str(b)] = [str(r.below(int(b))) for _ in range(n)]
        # Tensor.uniform(low=-2, high=3) and Tensor.normal(mean=0.5, std=2) in float32 maths.
        r = Xoshiro256ss(seed)
        tu = [str(f32_bits(np.float32(-2) + np.float32(5) * r.uniform_f32())) for _ in range(n)]
        r = Xoshiro256ss(seed)
        tn = [float(np.float32(0.5) + np.float32(2) * np.float32(r.normal_f64()))
              for _ in range(n)]
        out.append({"seed": str(seed), "next": raw, "uniform": uf, "uniformDouble": ud,
                    "normalDouble": nd, "normal": nf, "below": ints,
                    "tensorUniform": tu, "tensorNormal": tn})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
