// The feedback's slice of a failing answer, worked by hand: the worst element's row, at most
// eight values around it, clamped to the row's ends; nothing for a pass or mismatched shapes.
import Testing

@testable import Diagnosis

@Suite struct ValueSliceTests {
    static func array(_ values: [Double], _ shape: [Int]) -> GradedValue {
        .array(NumericArray(shape: shape, values: values, kind: .float, dtype: "<f4"))
    }

    @Test func theWorstRowAroundTheWorstColumn() throws {
        // [2, 10]: expected[i][j] = 10 i + j; the answer is off by 5 at [1, 7] only.
        let expected = (0..<20).map(Double.init)
        var got = expected
        got[17] += 5
        let comparison = compare(
            got: Self.array(got, [2, 10]), expected: Self.array(expected, [2, 10]), as: .tensor,
            tolerance: Tolerance(atol: 1e-4, rtol: 0))
        #expect(comparison.worstIndex == [1, 7])
        let slice = try #require(ValueSlice(
            got: Self.array(got, [2, 10]), expected: Self.array(expected, [2, 10]),
            comparison: comparison))
        // Columns 2…9 (eight, ending at the row's end), row 1.
        #expect(slice.row == [1] && slice.start == 2 && slice.columns == 10 && slice.worst == 7)
        #expect(slice.expected == [12, 13, 14, 15, 16, 17, 18, 19])
        #expect(slice.got == [12, 13, 14, 15, 16, 22, 18, 19])
    }

    @Test func shortRowsWholeAndNothingForAPassOrAMismatch() throws {
        let e = Self.array([1, 2, 3], [3]), g = Self.array([1, -2, 3], [3])
        let tolerance = Tolerance(atol: 1e-6, rtol: 0)
        let slice = try #require(ValueSlice(
            got: g, expected: e, comparison: compare(got: g, expected: e, as: .tensor, tolerance: tolerance)))
        #expect(slice.row == [] && slice.start == 0 && slice.expected == [1, 2, 3] && slice.got == [1, -2, 3])
        #expect(slice.worst == 1)
        let pass = compare(got: e, expected: e, as: .tensor, tolerance: tolerance)
        #expect(ValueSlice(got: e, expected: e, comparison: pass) == nil)
        let wrongShape = Self.array([1, 2], [2])
        #expect(ValueSlice(
            got: wrongShape, expected: e,
            comparison: compare(got: wrongShape, expected: e, as: .tensor, tolerance: tolerance)) == nil)
    }
}
