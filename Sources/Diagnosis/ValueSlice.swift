// A few values of a failing answer beside the expected ones, for the feedback: the row (along
// the last axis) holding the element furthest outside the tolerance, at most `width` values
// around it. It shows a student *how* their numbers are off (a sign, a factor, a shifted row)
// where one number in a sentence cannot.

/// Expected and got on a small slice of a failing array answer.
public struct ValueSlice: Sendable, Codable, Hashable {
    /// The row's index on the leading axes (empty for a 1-d answer).
    public var row: [Int]
    /// The first column shown, and how many columns the row has.
    public var start: Int
    public var columns: Int
    /// The column of the worst element.
    public var worst: Int
    public var expected: [Double]
    public var got: [Double]

    /// Values shown at most.
    public static let width = 8

    public init(row: [Int], start: Int, columns: Int, worst: Int, expected: [Double], got: [Double]) {
        (self.row, self.start, self.columns, self.worst) = (row, start, columns, worst)
        (self.expected, self.got) = (expected, got)
    }

    /// The slice around `comparison.worstIndex` when both values are arrays of one shape;
    /// nil for a pass, a shape or kind mismatch, scalars and text.
    public init?(got: GradedValue, expected: GradedValue, comparison: Comparison) {
        guard !comparison.passed, let index = comparison.worstIndex, !index.isEmpty,
            case .array(let g) = got, case .array(let e) = expected, g.shape == e.shape,
            index.count == e.shape.count, let columns = e.shape.last, columns > 0
        else { return nil }
        let worst = index[index.count - 1]
        guard worst >= 0, worst < columns else { return nil }
        let start = min(max(0, worst - Self.width / 2), max(0, columns - Self.width))
        let end = min(columns, start + Self.width)
        // Row-major: the row's first element is the flat index of `row` times the row length.
        var rowOffset = 0
        for (axis, i) in index.dropLast().enumerated() { rowOffset = rowOffset * e.shape[axis] + i }
        let base = rowOffset * columns
        self.init(
            row: Array(index.dropLast()), start: start, columns: columns, worst: worst,
            expected: (start..<end).map { e.values[base + $0] },
            got: (start..<end).map { g.values[base + $0] })
    }
}
