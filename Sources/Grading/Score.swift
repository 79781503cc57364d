// Scoring: each test is all or nothing (its points if it passes, 0 otherwise — partial credit
// per element would reward answers that are wrong in a systematic way, which is what the
// mistakes are); the total before and after the late penalty (LateRule.swift). What a viewer
// may see of it is Viewer.swift.
import Foundation
import Diagnosis
import LabConfig

/// One test's result in a grade.
public struct TestResult: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case passed, failed
        /// The function raised; `error` holds the student's exception.
        case error
        case timeout, crashed
        case memoryExceeded = "memory_exceeded"
        /// The function is not in the submission (or the module did not import).
        case missing
    }

    public var name: String
    public var component: String
    public var visibility: String
    public var points: Double
    public var score: Double
    public var status: Status
    public var seed: UInt64
    /// The comparison verdict or the error, in one or two sentences.
    public var message: String
    public var comparison: Comparison?
    public var diagnosis: Diagnosis?
    /// The student's exception (type, message, file, line, source line) when status == .error.
    public var errorLocation: String?
    public var errorText: String?
    public var traceback: String?
    public var inputs: [String: String]
    public var seconds: Double
    /// A failing attention test's weights beside its diagnosed mistake's (the heatmaps).
    public var attention: AttentionFigure? = nil
    /// Expected vs got on a few values of a failing array answer.
    public var slice: ValueSlice? = nil

    public var passed: Bool { status == .passed }
}

/// Sums of points, before and after the late penalty.
public struct ScoreSummary: Sendable, Codable, Equatable {
    public var score: Double
    public var maxScore: Double
    public var penalty: Double
    public var finalScore: Double

    public init(results: [TestResult], penalty: Double) {
        score = results.reduce(0) { $0 + $1.score }
        maxScore = results.reduce(0) { $0 + $1.points }
        self.penalty = penalty
        finalScore = (LateRule.applying(penalty, to: score) * 1000).rounded() / 1000
    }
}

/// A number without a needless ".0": 3, 2.5, 0.125.
public func formatPoints(_ value: Double) -> String {
    if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
    return String(format: "%.3g", value)
}

/// 0.8333 → "83%".
public func formatPercent(_ fraction: Double) -> String {
    "\(Int((fraction * 100).rounded()))%"
}
