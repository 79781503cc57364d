// Labs 05-lora and 06-quantization: the references (Training and Quantization modules) and each
// catalogued mistake against the independent NumPy oracle Tests/Oracle/labs56_reference.py,
// compared under each component's own lab.toml rule, plus a few hand-worked values.
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import Harness
@testable import LabConfig

/// The labs of the course's second half (SampleClass56Tests grades their samples, SampleClassTests
/// the others).
let labs56IDs: Set<String> = ["05-lora", "06-quantization"]

let labs56MistakeIDs: Set<String> = [
    "lora_alpha_not_scaled", "lora_ba_transposed", "lora_merge_wrong_sign", "int8_128_not_127",
    "quant_floor_not_round", "per_tensor_not_per_channel", "q4_0_nibble_order", "scale_not_fp16",
]

/// An oracle array or literal as the case argument the grader would generate.
private func argument(_ json: Any) throws -> CaseValue {
    let object = try #require(json as? [String: Any])
    if let value = object["value"] {
        if let n = value as? NSNumber {
            return String(cString: n.objCType) == "d" ? .float(n.doubleValue) : .int(n.intValue)
        }
        if let items = value as? [String] { return .list(items.map { .string($0) }) }
        return .null
    }
    let shape = try #require(object["shape"] as? [Int])
    let dtype = try #require(object["dtype"] as? String)
    let values = try #require((object["f"] ?? object["i"]) as? [Double])
    switch dtype {
    case "<f4", "<f8":
        return .float32(Tensor(shape: shape, data: values.map(Float.init)))
    case "|i1":
        return .typed(try HarnessTensor(dtype: .int8, shape: shape,
                                        bytes: Data(values.map { UInt8(bitPattern: Int8($0)) })))
    case "|u1":
        return .typed(try HarnessTensor(dtype: .uint8, shape: shape,
                                        bytes: Data(values.map { UInt8($0) })))
    case "<f2":
        var data = Data()
        for bits in floatsToHalfBits(values.map(Float.init)) {
            data.append(UInt8(bits & 0xFF))
            data.append(UInt8(bits >> 8))
        }
        return .typed(try HarnessTensor(dtype: .float16, shape: shape, bytes: data))
    default:
        throw GradingError.badArgument("oracle", "a known dtype, not \(dtype)")
    }
}

private func output(_ json: Any) throws -> GradedValue {
    let object = try #require(json as? [String: Any])
    let shape = try #require(object["shape"] as? [Int])
    if let values = object["f"] as? [Double] {
        // JSON decimals of float32 values may parse one double ulp off: round them back.
        let isSingle = (object["dtype"] as? String) != "<f8"
        let exact = isSingle ? values.map { Double(Float($0)) } : values
        return .array(NumericArray(shape: shape, values: exact, kind: .float, dtype: "<f8"))
    }
    let values = try #require(object["i"] as? [Double])
    return .array(NumericArray(shape: shape, values: values, kind: .int, dtype: "<i8"))
}

private func loadCases() throws -> [OracleCase] {
    let data = try runOracle("labs56_reference.py")
    let items = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    return try items.map { c in
        let args = try #require(c["args"] as? [String: Any])
        let mistakes = (c["mistakes"] as? [String: [Any]]) ?? [:]
        return OracleCase(
            component: try #require(c["component"] as? String),
            args: CaseArguments(names: Array(args.keys), values: try args.mapValues(argument)),
            correct: try output(c["correct"] as Any),
            mistakes: try mistakes.mapValues { try $0.map(output) })
    }
}

/// Each component's return kind and tolerance, from the labs' own lab.toml.
private func rules() throws -> [String: (ReturnKind, Tolerance)] {
    var table: [String: (ReturnKind, Tolerance)] = [:]
    for id in labs56IDs.sorted() {
        let lab = try Lab.load(folder: repositoryRoot.appendingPathComponent("labs/\(id)"))
        for c in lab.components {
            table[c.name] = (c.returns, Tolerance(atol: c.atol, rtol: c.rtol))
        }
    }
    return table
}

@Suite(.blockingWork) struct Labs56Tests {
    @Test func labsLoadAndEveryComponentHasAReference() throws {
        for id in labs56IDs.sorted() {
            let lab = try Lab.load(folder: repositoryRoot.appendingPathComponent("labs/\(id)"))
            #expect(lab.id == id)
            for c in lab.components {
                #expect(references[c.name] != nil, "\(id): no reference for \(c.name)")
            }
            // Every test's arguments generate and the reference accepts them.
            for (index, test) in lab.tests.enumerated() {
                let args = try makeArguments(test: test, lab: lab, seed: UInt64(index + 1))
                let reference = try #require(references[test.component])
                _ = try reference(args)
            }
        }
    }

    @Test func referencesMatchTheOracle() throws {
        let rules = try rules()
        for c in try loadCases() {
            let (kind, tolerance) = try #require(rules[c.component])
            let reference = try #require(references[c.component])
            let got = try reference(c.args)
            let result = compare(got: got, expected: c.correct, as: kind, tolerance: tolerance)
            #expect(result.passed, "\(c.component): \(result.message)")
        }
    }

    @Test func everyMistakeMatchesTheOracle() throws {
        let rules = try rules()
        var seen: Set<String> = []
        for c in try loadCases() {
            let (kind, tolerance) = try #require(rules[c.component])
            for (id, oracleOutputs) in c.mistakes {
                let m = try #require(catalogueMistake(id), "\(id) is not in the catalogue")
                #expect(m.components.contains(c.component), "\(id) should apply to \(c.component)")
                let swift = m.outputs(component: c.component, args: c.args)
                for (i, o) in oracleOutputs.enumerated() {
                    let found = swift.contains {
                        compare(got: $0, expected: o, as: kind, tolerance: tolerance).passed
                    }
                    #expect(found, "oracle variant \(i) of \(id) on \(c.component) not produced")
                }
                for (i, s) in swift.enumerated() {
                    let results = oracleOutputs.map {
                        compare(got: s, expected: $0, as: kind, tolerance: tolerance)
                    }
                    #expect(results.contains { $0.passed },
                            "\(id) variant \(i) on \(c.component): \(results.map(\.message))")
                }
                seen.insert(id)
            }
        }
        #expect(seen == labs56MistakeIDs, "not covered: \(labs56MistakeIDs.subtracting(seen))")
    }

    @Test func diagnosisNamesEachMistakeAndNeverTheCorrectAnswer() throws {
        let rules = try rules()
        for c in try loadCases() {
            let (kind, tolerance) = try #require(rules[c.component])
            let ok = compare(got: c.correct, expected: c.correct, as: kind, tolerance: tolerance)
            #expect(diagnose(component: c.component, args: c.args, got: c.correct,
                             expected: c.correct, returns: kind, tolerance: tolerance,
                             comparison: ok) == nil)
            for (id, outputs) in c.mistakes {
                for got in outputs {
                    let comparison = compare(got: got, expected: c.correct, as: kind,
                                             tolerance: tolerance)
                    #expect(!comparison.passed, "\(id) on \(c.component) passes the test")
                    let d = diagnose(component: c.component, args: c.args, got: got,
                                     expected: c.correct, returns: kind, tolerance: tolerance,
                                     comparison: comparison)
                    #expect(d?.mistakeID == id,
                            "\(c.component) with \(id): diagnosed \(d?.mistakeID ?? "nothing")")
                }
            }
        }
    }

    @Test func noTwoMistakesCoincide() throws {
        let rules = try rules()
        for c in try loadCases() {
            let (kind, tolerance) = try #require(rules[c.component])
            let outputs = mistakeCatalogue.flatMap { m in
                m.outputs(component: c.component, args: c.args).map { (m.id, $0) }
            }
            for i in outputs.indices {
                for j in outputs.indices where j > i && outputs[i].0 != outputs[j].0 {
                    let same = compare(got: outputs[i].1, expected: outputs[j].1, as: kind,
                                       tolerance: tolerance)
                    #expect(!same.passed, "\(outputs[i].0) and \(outputs[j].0) coincide on \(c.component)")
                }
            }
        }
    }

    /// Values worked by hand from the handouts' definitions.
    @Test func handWorkedValues() throws {
        func run(_ component: String, _ values: [String: CaseValue]) throws -> GradedValue {
            let reference = try #require(references[component])
            return try reference(CaseArguments(names: Array(values.keys), values: values))
        }
        // int8: absmax 2 -> scale 2/127; 0.5·127/2 = 31.75 -> 32, -2 -> -127, 1/127·… = 0.
        let w = Tensor(shape: [2, 2], data: [0.5, -2, 0.0, 1])
        #expect(try run("int8_scale", ["w": .float32(w)]) == .float(Double(Float(2) / 127)))
        let codes = try run("quantize_int8", ["w": .float32(w)])
        #expect(codes == .array(NumericArray(shape: [2, 2], values: [32, -127, 0, 64], kind: .int,
                                             dtype: "|i1")))
        // Per column: scales 0.5/127 and 2/127 -> codes [[127, -127], [0, 64]].
        let perChannel = try run("quantize_int8_per_channel", ["w": .float32(w)])
        #expect(perChannel == .array(NumericArray(shape: [2, 2], values: [127, -127, 0, 64],
                                                  kind: .int, dtype: "|i1")))
        // fp16: 1/3 -> 0.333251953125 (0x3555); 65519 -> 65504; 1e-8 -> 0.
        let half = try run("to_fp16", ["x": .float32(Tensor(shape: [3], data: [1.0 / 3, 65519, 1e-8]))])
        #expect(half == .floats([0.333251953125, 65504, 0], shape: [3]))
        // Q4_0 packing: codes 0…31 mod 16 -> byte j = j | (j + 16 mod 16) << 4 = j·17.
        let nibbles = (0..<32).map { UInt8($0 % 16) }
        let packed = try run("q4_0_pack", ["codes": .typed(try HarnessTensor(
            dtype: .uint8, shape: [1, 32], bytes: Data(nibbles)))])
        #expect(packed == .array(NumericArray(shape: [1, 16], values: (0..<16).map { Double($0 * 17) },
                                              kind: .int, dtype: "|u1")))
        // Q8_0 of a ramp 1…32: d = 32/127, codes round(k·127/32) half away from zero.
        let ramp = Tensor(shape: [1, 32], data: (1...32).map(Float.init))
        let q8 = try run("q8_0_quantize", ["w": .float32(ramp)])
        let expected = (1...32).map { k -> Double in (Double(k) * 127 / 32).rounded(.toNearestOrAwayFromZero) }
        #expect(q8 == .array(NumericArray(shape: [1, 32], values: expected, kind: .int, dtype: "|i1")))
        // LoRA trainable count of GPT-2 small's c_attn at r = 8: 12·8·(768 + 2304).
        let count = try run("lora_trainable_params", [
            "n_layer": .int(12), "n_embd": .int(768), "r": .int(8), "targets": .list([.string("c_attn")]),
        ])
        #expect(count == .int(294_912))
    }
}
