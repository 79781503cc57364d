// Comparison against hand-worked values: shape, element kind, NaN/Inf, max abs/rel error and
// where it is, allclose exactly at its boundary, and the exact kinds (ids, ints, text, mappings,
// string lists) with the first differing position.
import Foundation
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading

/// A float32 reference array (what the reference transformer returns).
private func f32(_ values: [Float], _ shape: [Int]) -> GradedValue { .floats(values, shape: shape) }

/// A float64 student answer.
private func f64(_ values: [Double], _ shape: [Int]) -> GradedValue {
    .array(NumericArray(shape: shape, values: values, kind: .float, dtype: "<f8"))
}

private func i64(_ values: [Int], _ shape: [Int]) -> GradedValue {
    .array(NumericArray(ints: values, shape: shape))
}

private let loose = Tolerance(atol: 1e-3, rtol: 1e-3)

@Suite("Compare")
struct CompareTests {
    // MARK: shape and kind

    @Test func transposedAnswerIsAShapeFailure() {
        let c = compare(
            got: f64([1, 2, 3, 4, 5, 6], [3, 2]), expected: f32([1, 2, 3, 4, 5, 6], [2, 3]),
            as: .tensor, tolerance: loose)
        #expect(!c.passed && c.failure == .shape)
        #expect(c.message.contains("shape [3, 2], expected [2, 3]"), "\(c.message)")
    }

    @Test func oneElementAnswerMayComeBackAsAScalar() {
        let c = compare(
            got: .float(0.5), expected: f32([0.5], [1, 1]), as: .tensor, tolerance: loose)
        #expect(c.passed, "\(c.message)")
        let d = compare(
            got: f64([0.5], [1]), expected: f32([0.5], [1, 1]), as: .tensor,
            tolerance: loose)
        #expect(d.passed, "\(d.message)")
    }

    @Test func integerAnswerWhereFloatsAreExpectedIsADtypeFailure() {
        let c = compare(
            got: i64([1, 0], [2]), expected: f32([1, 0], [2]), as: .tensor,
            tolerance: loose)
        #expect(!c.passed && c.failure == .dtype, "\(c.message)")
        #expect(c.message.contains("<i8"), "\(c.message)")
    }

    @Test func floatAnswerWhereIDsAreExpectedIsADtypeFailure() {
        let c = compare(
            got: f64([5, 7, 9], [3]), expected: .ids([5, 7, 9]), as: .ids,
            tolerance: .exact)
        #expect(!c.passed && c.failure == .dtype, "\(c.message)")
        let list = compare(
            got: .list([.int(5), .float(7), .int(9)]), expected: .ids([5, 7, 9]),
            as: .ids, tolerance: .exact)
        #expect(!list.passed && list.failure == .dtype && list.worstIndex == [1], "\(list.message)")
    }

    @Test func floatMaskWhereBoolsAreExpectedIsADtypeFailure() {
        let want = GradedValue.array(
            NumericArray(bools: [true, false, true, true], shape: [2, 2]))
        let c = compare(
            got: f64([1, 0, 1, 1], [2, 2]), expected: want, as: .tensor,
            tolerance: .exact)
        #expect(!c.passed && c.failure == .dtype, "\(c.message)")
    }

    /// Quantized integers are compared exactly whatever the tolerance, and floats are refused.
    @Test func integerReferenceArraysAreComparedExactly() {
        let want = i64([-3, 0, 127], [3])
        let near = compare(
            got: i64([-3, 1, 127], [3]), expected: want, as: .tensor,
            tolerance: Tolerance(atol: 2, rtol: 0.5))
        #expect(
            !near.passed && near.failure == .values && near.worstIndex == [1],
            "\(near.message)")
        let floats = compare(
            got: f64([-3, 0, 127], [3]), expected: want, as: .tensor,
            tolerance: Tolerance(atol: 2, rtol: 0.5))
        #expect(!floats.passed && floats.failure == .dtype, "\(floats.message)")
        let same = compare(
            got: .array(
                NumericArray(
                    shape: [3], values: [-3, 0, 127], kind: .int,
                    dtype: "|i1")),
            expected: want, as: .tensor, tolerance: .exact)
        #expect(same.passed, "\(same.message)")
    }

    // MARK: NaN and inf

    @Test func nanAndInfWhereTheReferenceIsFiniteAreCounted() {
        let c = compare(
            got: f64([1, .nan, 3, .infinity], [2, 2]), expected: f32([1, 2, 3, 4], [2, 2]),
            as: .tensor, tolerance: loose)
        #expect(!c.passed && c.failure == .nonFinite)
        #expect(c.worstIndex == [0, 1], "\(String(describing: c.worstIndex))")
        #expect(c.message.contains("NaN at [0, 1]") && c.message.contains("2 of 4"), "\(c.message)")
        #expect(c.fractionClose == 0.5)
    }

    @Test func nanWhereTheReferenceIsNaNAndInfOfTheSameSignPass() {
        let want = f64([.nan, 1, -.infinity], [3])
        let c = compare(
            got: f64([.nan, 1, -.infinity], [3]), expected: want, as: .tensor,
            tolerance: loose)
        #expect(c.passed, "\(c.message)")
        let wrongSign = compare(
            got: f64([.nan, 1, .infinity], [3]), expected: want, as: .tensor,
            tolerance: loose)
        #expect(
            !wrongSign.passed && wrongSign.failure == .nonFinite && wrongSign.worstIndex == [2],
            "\(wrongSign.message)")
        // A finite answer where the reference is NaN is wrong too.
        let finite = compare(
            got: f64([0, 1, -.infinity], [3]), expected: want, as: .tensor,
            tolerance: loose)
        #expect(!finite.passed && finite.worstIndex == [0], "\(finite.message)")
    }

    // MARK: errors

    @Test func messageShowsTheFailingElementWhenTheLargestErrorIsWithinTolerance() {
        // At [1] the error 1.25 is within 0.25 + 0.5·2; at [0] 0.75 + 2⁻⁵² is not.
        let c = compare(
            got: f64([1.75 + 0x1p-52, -0.75], [2]), expected: f64([1, -2], [2]),
            as: .tensor, tolerance: Tolerance(atol: 0.25, rtol: 0.5))
        #expect(
            c.message.contains(
                "max abs error 1.25 at [1]; furthest outside the tolerance at "
                    + "[0]; expected 1, got 1.75"), "\(c.message)")
    }

    /// Errors 0.25 at [0, 0] (relative 0.5) and 0.5 at [1, 2] (relative 1/12): the worst
    /// absolute error and the worst relative error are at different places.
    @Test func maxAbsoluteAndRelativeErrorsAndTheWorstIndex() {
        let want = f32([0.5, 2, 3, 4, 5, 6], [2, 3])
        let got = f64([0.75, 2, 3, 4, 5, 6.5], [2, 3])
        let c = compare(got: got, expected: want, as: .tensor, tolerance: loose)
        #expect(!c.passed && c.failure == .values)
        #expect(
            c.maxAbsError == 0.5 && c.maxRelError == 0.5,
            "abs \(String(describing: c.maxAbsError)) rel \(String(describing: c.maxRelError))")
        // worstIndex is the element furthest outside the tolerance, not the largest abs error.
        #expect(c.worstIndex == [0, 0])
        #expect(c.fractionClose == 4.0 / 6.0)
        // The worst ratio is at [0, 0]: 0.25 / (1e-3 + 1e-3·0.5) = 166.67.
        let ratio = c.errorRatio ?? .nan
        #expect(abs(ratio - 0.25 / 1.5e-3) < 1e-9, "ratio \(ratio)")
        #expect(
            c.message.contains(
                "max abs error 0.5 at [1, 2]; furthest outside the tolerance "
                    + "at [0, 0]; expected 0.5, got 0.75"), "\(c.message)")
        #expect(c.message.contains("2 of 6 values outside"), "\(c.message)")
    }

    /// |got − expected| ≤ atol + rtol·|expected| passes exactly at the bound (binary-exact
    /// numbers: 0.25 + 0.5·1 = 0.75), and 2⁻⁵² beyond it (still exact in binary) fails.
    @Test func allcloseBoundaryIsInclusive() {
        let tolerance = Tolerance(atol: 0.25, rtol: 0.5)
        let at = compare(
            got: f64([1.75, -0.75], [2]), expected: f64([1, -2], [2]), as: .tensor,
            tolerance: tolerance)
        #expect(at.passed, "\(at.message)")
        #expect(at.errorRatio == 1)
        let above = compare(
            got: f64([1.75 + 0x1p-52, -0.75], [2]), expected: f64([1, -2], [2]),
            as: .tensor, tolerance: tolerance)
        #expect(
            !above.passed && above.failure == .values && above.worstIndex == [0],
            "\(above.message)")
        // At −2 the bound is 0.25 + 0.5·2 = 1.25: −0.75 is on it, a hair further is not.
        let negative = compare(
            got: f64([1, -0.75 + 0x1p-52], [2]), expected: f64([1, -2], [2]),
            as: .tensor, tolerance: tolerance)
        #expect(!negative.passed && negative.worstIndex == [1], "\(negative.message)")
    }

    /// A student computing in float64 differs from the float32 reference by float32 rounding
    /// only: float(0.1f) − 0.1 = 1.4901161138336505e-09, float(0.2f) − 0.2 = 2.98e-09.
    @Test func float64AnswerAgainstFloat32Reference() {
        let c = compare(
            got: f64([0.1, 0.2], [2]), expected: f32([0.1, 0.2], [2]), as: .tensor,
            tolerance: Tolerance(atol: 1e-6, rtol: 1e-4))
        #expect(c.passed, "\(c.message)")
        let expectedMax = 0.20000000298023223876953125 - 0.2
        #expect(
            abs((c.maxAbsError ?? 0) - expectedMax) < 1e-20,
            "max abs \(String(describing: c.maxAbsError)) vs \(expectedMax)")
        #expect(c.worstIndex == [1])
        let exact = compare(
            got: f64([0.1, 0.2], [2]), expected: f32([0.1, 0.2], [2]), as: .tensor,
            tolerance: .exact)
        #expect(!exact.passed && exact.errorRatio == .infinity, "\(exact.message)")
    }

    @Test func floatKindTakesScalarsAndZeroDimensionalArrays() {
        let want = GradedValue.float(2.0)
        let c = compare(got: f64([2.0005], []), expected: want, as: .float, tolerance: loose)
        #expect(c.passed, "\(c.message)")
        let far = compare(got: .float(2.01), expected: want, as: .float, tolerance: loose)
        #expect(!far.passed && far.failure == .values)
        let text = compare(got: .text("2.0"), expected: want, as: .float, tolerance: loose)
        #expect(!text.passed && text.failure == .type)
    }

    // MARK: exact kinds

    @Test func idsDifferAtTheFirstPosition() {
        let want = GradedValue.ids([5, 7, 9])
        let c = compare(
            got: .list([.int(5), .int(8), .int(9)]), expected: want, as: .ids,
            tolerance: .exact)
        #expect(!c.passed && c.failure == .mismatch && c.worstIndex == [1])
        #expect(c.message.contains("position 1: expected 7, got 8"), "\(c.message)")
        let short = compare(
            got: .list([.int(5), .int(7)]), expected: want, as: .ids,
            tolerance: .exact)
        #expect(!short.passed && short.worstIndex == [2])
        #expect(short.message.contains("first missing: 9"), "\(short.message)")
        let array = compare(got: i64([5, 7, 9], [3]), expected: want, as: .ids, tolerance: .exact)
        #expect(array.passed, "\(array.message)")
    }

    /// An int64 too large for Swift's Int after the trip through Double must fail, not trap.
    @Test func hugeIntegersDoNotCrashTheGrader() {
        let huge = GradedValue.array(
            NumericArray(
                shape: [2], values: [5, 9.3e18], kind: .int,
                dtype: "<i8"))
        let c = compare(got: huge, expected: .ids([5, 7]), as: .ids, tolerance: .exact)
        #expect(!c.passed && c.worstIndex == [1], "\(c.message)")
        let scalar = compare(
            got: .list([
                .array(
                    NumericArray(
                        shape: [], values: [-1e300], kind: .int,
                        dtype: "<i8"))
            ]),
            expected: .ids([5]), as: .ids, tolerance: .exact)
        #expect(!scalar.passed, "\(scalar.message)")
    }

    @Test func intsAreExactButMayArriveAsIntegralFloats() {
        #expect(compare(got: .float(3), expected: .int(3), as: .int, tolerance: .exact).passed)
        let fractional = compare(got: .float(3.5), expected: .int(3), as: .int, tolerance: .exact)
        #expect(!fractional.passed && fractional.failure == .dtype)
        let wrong = compare(got: .int(4), expected: .int(3), as: .int, tolerance: .exact)
        #expect(!wrong.passed && wrong.failure == .mismatch)
        #expect(wrong.message == "expected 3, got 4", "\(wrong.message)")
    }

    @Test func textDiffersAtTheFirstCharacter() {
        let c = compare(
            got: .text("hello wxrld"), expected: .text("hello world"), as: .text,
            tolerance: .exact)
        #expect(!c.passed && c.failure == .mismatch && c.worstIndex == [7])
        #expect(c.message.contains("character 7"), "\(c.message)")
        let longer = compare(
            got: .text("hello world!"), expected: .text("hello world"),
            as: .text, tolerance: .exact)
        #expect(!longer.passed && longer.worstIndex == [11], "\(longer.message)")
        let accented = compare(got: .text("é"), expected: .text("é"), as: .text, tolerance: .exact)
        #expect(accented.passed)
    }

    @Test func mappingsReportMissingKeysAndDifferingValues() {
        let want = GradedValue.dict(["32": .text("Ġ"), "33": .text("!"), "255": .text("ÿ")])
        let missing = compare(
            got: .dict(["32": .text("Ġ"), "255": .text("ÿ")]), expected: want,
            as: .mapping, tolerance: .exact)
        #expect(!missing.passed && missing.failure == .mismatch)
        #expect(missing.message.contains("1 keys missing (first: 33)"), "\(missing.message)")
        let differing = compare(
            got: .dict(["32": .text(" "), "33": .text("!"), "255": .text("ÿ")]), expected: want,
            as: .mapping, tolerance: .exact)
        #expect(!differing.passed)
        #expect(
            differing.message.contains("key 32 differs: expected \"Ġ\", got \" \""),
            "\(differing.message)")
        #expect(compare(got: want, expected: want, as: .mapping, tolerance: .exact).passed)
    }

    @Test func stringListsDifferAtTheFirstItem() {
        let want = GradedValue.strings(["Hello", " world", "!"])
        let c = compare(
            got: .strings(["Hello", "world", "!"]), expected: want, as: .strings,
            tolerance: .exact)
        #expect(!c.passed && c.worstIndex == [1])
        #expect(c.message.contains("expected \" world\", got \"world\""), "\(c.message)")
        let notText = compare(
            got: .list([.text("Hello"), .int(1)]), expected: want, as: .strings,
            tolerance: .exact)
        #expect(!notText.passed && notText.failure == .dtype && notText.worstIndex == [1])
    }

    // MARK: against NumPy

    /// Random cases (values k/1024, exact in binary and in JSON) against NumPy's isclose, max
    /// abs/rel error and argmax in Tests/Oracle/grading_compare.py.
    @Test func agreesWithNumPyOnRandomCases() throws {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        let tolerance = Tolerance(atol: 1e-3, rtol: 1e-2)
        var cases: [[String: Any]] = []
        var pairs: [(got: [Double], want: [Double], shape: [Int])] = []
        for shape in [[7], [3, 5], [2, 3, 4], [16, 9]] {
            let n = shape.reduce(1, *)
            let want = (0..<n).map { _ in Double(next(4096) - 2048) / 1024 }
            let got = want.map { w -> Double in
                if w == 0 { return 0 }
                switch next(10) {
                case 0: return w + Double(next(200) - 100) / 1024  // far off
                case 1, 2: return w + Double(next(5) - 2) / 1024  // near the tolerance
                default: return w
                }
            }
            pairs.append((got, want, shape))
            cases.append([
                "got": got, "want": want, "shape": shape, "atol": tolerance.atol,
                "rtol": tolerance.rtol,
            ])
        }
        let input = try JSONSerialization.data(withJSONObject: cases)
        let output = try runOracle("grading_compare.py", input: input)
        let oracle = try #require(
            try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
        #expect(oracle.count == pairs.count)
        for (pair, numpy) in zip(pairs, oracle) {
            let c = compareArrays(
                got: f64(pair.got, pair.shape),
                expected: NumericArray(
                    shape: pair.shape, values: pair.want,
                    kind: .float, dtype: "<f8"),
                tolerance: tolerance)
            let outside = numpy["outside"] as? Int ?? -1
            let n = pair.want.count
            #expect(c.passed == (outside == 0), "shape \(pair.shape): \(c.message)")
            #expect(
                c.maxAbsError == numpy["max_abs"] as? Double,
                "max abs \(c.maxAbsError ?? .nan) vs NumPy \(numpy["max_abs"] ?? "")")
            // Long decimals lose their last bit in Foundation's JSON parser: compare to 1e-14.
            let numpyRel = numpy["max_rel"] as? Double ?? .nan
            let relDiff = abs((c.maxRelError ?? .nan) - numpyRel)
            #expect(
                relDiff <= 1e-14 * numpyRel,
                "max rel \(c.maxRelError ?? .nan) vs NumPy \(numpyRel) (differ by \(relDiff))")
            #expect(
                c.fractionClose == Double(n - outside) / Double(n),
                "fraction close \(c.fractionClose ?? .nan), NumPy rejects \(outside) of \(n)")
            let at = (c.passed ? numpy["max_abs_at"] : numpy["worst_at"]) as? [Int]
            #expect(c.worstIndex == at, "worst index \(c.worstIndex ?? []) vs NumPy \(at ?? [])")
        }
    }
}
