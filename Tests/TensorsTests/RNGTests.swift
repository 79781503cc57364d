// RNG against published SplitMix64 / xoshiro256** vectors and a pure-Python re-implementation
// (Tests/Oracle/tensors_rng.py) for raw words, uniforms, normals and bounded integers.
import Foundation
import TestSupport
import Testing

@testable import Tensors

@Test func splitMix64MatchesPublishedValues() {
    // Seed 1234567: the sequence given with the algorithm on Rosetta Code
    // ("Pseudo-random numbers/Splitmix64").
    var a = SplitMix64(seed: 1_234_567)
    let wantA: [UInt64] = [
        6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
        4_593_380_528_125_082_431, 16_408_922_859_458_223_821,
    ]
    #expect((0..<5).map { _ in a.next() } == wantA)
    // Seed 0x1a2b3c4d5e6f7531: Apache Commons RNG's SplitMix64 reference test.
    var b = SplitMix64(seed: 0x1A2B_3C4D_5E6F_7531)
    let wantB: [UInt64] = [0x4141_3027_68C9_E9D0, 0x64DF_48C4_EAB5_1B1A, 0x4E72_3B53_DBD9_01B3]
    #expect((0..<3).map { _ in b.next() } == wantB)
}

@Test func xoshiroMatchesAuthorsReferenceOutput() {
    // State and outputs from the authors' C code, as quoted by Apache Commons RNG's
    // XoShiRo256StarStarTest.
    var rng = RNG(
        state: (
            0x012D_E1BA_BB3C_4104, 0xA5A8_18B8_FC5A_A503, 0xB124_EA2B_701F_4993,
            0x18E0_3749_33D8_C782
        ))
    let want: [UInt64] = [
        0x462C_422D_F780_C48E, 0xA82F_1F60_31C1_83E6, 0x8A11_3820_E8D2_CA8D,
        0x1AC7_023A_2653_4958, 0xAC8E_41D0_101E_109C, 0x46E3_4BC1_3EDD_63C4,
    ]
    #expect((0..<6).map { _ in rng.next() } == want)
}

struct RNGOracle: Codable {
    var seed: String
    var next: [String]
    var uniform: [String]
    var uniformDouble: [String]
    var normalDouble: [Double]
    var normal: [Double]
    var below: [String: [String]]
    var tensorUniform: [String]
    var tensorNormal: [Double]
}

@Test func streamsMatchPythonOracle() throws {
    let seeds: [UInt64] = [0, 42, (1 << 63) + 5]
    let bounds: [UInt64] = [1, 3, 10, 1_000_003, (1 << 63) + 1, UInt64.max]
    let n = 1000
    let request: [String: Any] = [
        "seeds": seeds.map(String.init), "count": n, "bounds": bounds.map(String.init),
    ]
    let input = try JSONSerialization.data(withJSONObject: request)
    let out = try runOracle("tensors_rng.py", input: input)
    let oracle = try JSONDecoder().decode([RNGOracle].self, from: out)
    #expect(oracle.count == seeds.count)
    for (seed, want) in zip(seeds, oracle) {
        #expect(want.seed == String(seed))
        func draw<T>(_ f: (inout RNG) -> T) -> [T] {
            var rng = RNG(seed: seed)
            return (0..<n).map { _ in f(&rng) }
        }
        #expect(draw { $0.next() }.map(String.init) == want.next, "seed \(seed): next()")
        #expect(
            draw { $0.uniform() }.map { String($0.bitPattern) } == want.uniform,
            "seed \(seed): uniform()")
        #expect(
            draw { $0.uniformDouble() }.map { String($0.bitPattern) } == want.uniformDouble,
            "seed \(seed): uniformDouble()")
        // Normals go through libm log/cos; allow a few ulps, report the worst.
        let nd = draw { $0.normalDouble() }
        let ndDiff = zip(nd, want.normalDouble).map { abs($0 - $1) }.max() ?? 0
        #expect(ndDiff <= 1e-14, "seed \(seed): normalDouble max diff \(ndDiff)")
        let nf = draw { $0.normal() }
        let nfDiff = zip(nf, want.normal).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(nfDiff <= 1e-6, "seed \(seed): normal max diff \(nfDiff)")
        for bound in bounds {
            let got = draw { $0.uint64(below: bound) }.map(String.init)
            #expect(got == want.below[String(bound)], "seed \(seed): uint64(below: \(bound))")
            if bound < 1 << 62 {
                let gotInt = draw { $0.int(below: Int(bound)) }.map(String.init)
                #expect(gotInt == want.below[String(bound)], "seed \(seed): int(below: \(bound))")
            }
        }
        var rng = RNG(seed: seed)
        let tu = Tensor.uniform(shape: [10, 100], low: -2, high: 3, rng: &rng)
        #expect(tu.shape == [10, 100])
        #expect(tu.data.map { String($0.bitPattern) } == want.tensorUniform, "seed \(seed)")
        rng = RNG(seed: seed)
        let tn = Tensor.normal(shape: [1000], mean: 0.5, std: 2, rng: &rng)
        let tnDiff = zip(tn.data, want.tensorNormal).map { abs(Double($0) - $1) }.max() ?? 0
        #expect(tnDiff <= 4e-6, "seed \(seed): Tensor.normal max diff \(tnDiff)")
    }
}

@Test func worksAsASwiftRandomNumberGenerator() {
    var rng = RNG(seed: 7)
    var copy = rng
    // Swift's own algorithms accept it, and a copy replays the same stream.
    let shuffled = (0..<10).shuffled(using: &rng)
    #expect(shuffled.sorted() == Array(0..<10))
    #expect((0..<10).shuffled(using: &copy) == shuffled)
}
