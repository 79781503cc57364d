// A seeded random number generator that gives the same stream on every platform, so a grading
// case or an experiment seeded with 42 draws the same weights on a laptop and on the server.
//
// Algorithms (both public domain, by their authors' reference C code):
// - SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators",
//   OOPSLA 2014; C code at https://prng.di.unimi.it/splitmix64.c) expands the 64-bit seed
//   into the 256-bit state, as Vigna recommends.
// - xoshiro256** (Blackman, Vigna, "Scrambled linear pseudorandom number generators",
//   ACM TOMS 2021; C code at https://prng.di.unimi.it/xoshiro256starstar.c) makes the stream.
// Tests/Oracle/tensors_rng.py re-implements all of this in plain Python as the oracle.
import Foundation

/// SplitMix64: one 64-bit word of state; used to seed `RNG` and usable on its own.
public struct SplitMix64: Sendable, RandomNumberGenerator {
    /// The state; each call adds the golden-ratio increment 0x9E3779B97F4A7C15 to it.
    public var state: UInt64

    /// A generator whose first output mixes `seed + 0x9E3779B97F4A7C15`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** seeded by SplitMix64, with uniform, normal and bounded-integer draws whose
/// results are defined bit for bit (see each method), so streams match across platforms.
/// As a `RandomNumberGenerator` it also drives Swift's `shuffled(using:)` etc., but those
/// algorithms belong to the standard library and may change between Swift versions: use
/// `int(below:)` and friends where a stream must stay reproducible.
public struct RNG: Sendable, RandomNumberGenerator {
    /// The 256-bit xoshiro state s[0...3].
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    /// Seeds the state with the first four outputs of `SplitMix64(seed:)`.
    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        state = (sm.next(), sm.next(), sm.next(), sm.next())
    }

    /// Starts from an explicit xoshiro state (for reproducing published test vectors).
    /// The all-zero state is a fixed point of the generator and is rejected.
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(state != (0, 0, 0, 0), "xoshiro256** state must not be all zero")
        self.state = state
    }

    @inline(__always)
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        var (s0, s1, s2, s3) = state
        let result = RNG.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = RNG.rotl(s3, 45)
        state = (s0, s1, s2, s3)
        return result
    }

    /// Uniform in [0, 1): the top 24 bits of `next()` times 2^-24 (every value exact).
    public mutating func uniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Uniform in [0, 1): the top 53 bits of `next()` times 2^-53 (every value exact).
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Standard normal by Box–Muller in Double, rounded to Float:
    /// u1 = 1 - uniformDouble() in (0, 1] (so the log is finite), u2 = uniformDouble(),
    /// z = sqrt(-2 ln u1) · cos(2π u2). Each call consumes exactly two `next()` values and the
    /// sine partner is NOT cached, so the stream position never depends on call history.
    /// (log/cos come from the platform libm; glibc and Apple's agree to within an ulp or so.)
    public mutating func normal() -> Float {
        Float(normalDouble())
    }

    /// The Double from which `normal()` rounds; same draw, same two `next()` values.
    public mutating func normalDouble() -> Double {
        let u1 = 1 - uniformDouble()
        let u2 = uniformDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Uniform integer in 0..<bound without bias, by Lemire's multiply-and-reject method
    /// ("Fast random integer generation in an interval", ACM TOMS 2019): take the high word of
    /// next() · bound, rejecting draws whose low word is below (2^64 - bound) mod bound.
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "int(below:) needs a positive bound, got \(bound)")
        return Int(uint64(below: UInt64(bound)))
    }

    /// `int(below:)` over the full UInt64 range of bounds.
    public mutating func uint64(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "uint64(below:) needs a positive bound")
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold {
                m = next().multipliedFullWidth(by: bound)
            }
        }
        return m.high
    }
}

extension Tensor {
    /// Values uniform in [low, high): low + (high - low) · rng.uniform(), in row-major order.
    public static func uniform(shape: [Int], low: Float = 0, high: Float = 1, rng: inout RNG)
        -> Tensor
    {
        var t = Tensor(zeros: shape)
        let width = high - low
        for i in 0..<t.count { t.data[i] = low + width * rng.uniform() }
        return t
    }

    /// Normal values: mean + std · rng.normal(), in row-major order.
    public static func normal(shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RNG)
        -> Tensor
    {
        var t = Tensor(zeros: shape)
        for i in 0..<t.count { t.data[i] = mean + std * rng.normal() }
        return t
    }
}
