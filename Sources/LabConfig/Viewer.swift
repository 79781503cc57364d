// The one visibility rule: what a viewer (a student at a given time, an instructor, someone
// anonymous) may see of a grade — each test's name, status, numbers and diagnosis, and which
// points are in the total they are shown. Every output (terminal, Markdown, JSON, HTTP,
// leaderboards, reports, exports) asks this file; none decides on its own.
import Foundation

/// Who is looking at a grade.
public enum Viewer: Sendable, Equatable {
    /// A student at a given time: visible tests in full; hidden tests only as a count and their
    /// points; after_due tests not at all (not even in the total) until the due date has passed.
    case student(now: Date)
    /// Instructors see everything, at any time.
    case instructor
    /// Someone not signed in: no test of anyone; totals as a student would see them at `now`.
    case anonymous(now: Date)
}

/// What a viewer may see of a test: everything (name, status, numbers, diagnosis, message),
/// only that it exists (counted in a tally of how many passed and their points), or nothing.
public enum TestView: Sendable, Equatable { case full, summary, none }

extension Viewer {
    /// What this viewer may see of a test with `visibility` in a lab due at `due` (nil: the
    /// lab has no due date, so "after the due date" has always begun). A visibility lmlab does
    /// not know is treated as hidden.
    public func view(of visibility: String, due: Date?) -> TestView {
        let kind = Visibility(rawValue: visibility) ?? .hidden
        switch self {
        case .instructor:
            return .full
        case .anonymous:
            return .none
        case .student(let now):
            switch kind {
            case .visible: return .full
            case .hidden: return .summary
            case .afterDue: return isPastDue(due, now: now) ? .full : .none
            }
        }
    }

    /// Whether a test's points are part of the total this viewer is shown (a score, a
    /// leaderboard entry): before the due date an after_due test's points would give its
    /// result away, so only instructors see them counted.
    public func counts(_ visibility: String, due: Date?) -> Bool {
        switch self {
        case .instructor:
            return true
        case .student(let now), .anonymous(let now):
            return Visibility(rawValue: visibility) != .afterDue || isPastDue(due, now: now)
        }
    }

    /// Whether this viewer may see every point of every grade of a lab due at `due`: then the
    /// stored totals can be shown as they are.
    public func seesWholeTotals(due: Date?) -> Bool {
        counts(Visibility.afterDue.rawValue, due: due)
    }

    private func isPastDue(_ due: Date?, now: Date) -> Bool {
        guard let due else { return true }
        return now > due
    }
}

/// A grade's tests as one viewer sees them: those shown in full, those only tallied, and those
/// withheld until the due date.
public struct ViewedTests<Test> {
    public var shown: [Test] = []
    public var tallied: [Test] = []
    public var withheld: [Test] = []

    /// Sorts `tests` by `viewer.view(of:due:)`; `visibility` reads a test's visibility.
    public init(
        _ tests: [Test], visibility: (Test) -> String, due: Date?, viewer: Viewer
    ) {
        for test in tests {
            switch viewer.view(of: visibility(test), due: due) {
            case .full: shown.append(test)
            case .summary: tallied.append(test)
            case .none:
                // Tests a viewer cannot see but whose points they are shown (an anonymous
                // viewer's totals) stay in the tally; the rest wait for the due date.
                if viewer.counts(visibility(test), due: due) {
                    tallied.append(test)
                } else {
                    withheld.append(test)
                }
            }
        }
    }
}

/// What a viewer is told of the tests they may not see one by one: how many there are, how many
/// passed and their points; and how many (worth how many points) are withheld until the due date.
public struct TestTally: Sendable, Codable, Equatable {
    public var hiddenTests: Int
    public var hiddenPassed: Int
    public var hiddenScore: Double
    public var hiddenMaxScore: Double
    /// Tests shown (and counted) only after the due date.
    public var afterDueTests: Int
    public var afterDueMaxScore: Double

    /// Nothing tallied: every test is shown.
    public init() {
        (hiddenTests, hiddenPassed, hiddenScore, hiddenMaxScore) = (0, 0, 0, 0)
        (afterDueTests, afterDueMaxScore) = (0, 0)
    }

    public init<Test>(
        _ tests: ViewedTests<Test>, passed: (Test) -> Bool, score: (Test) -> Double,
        maxScore: (Test) -> Double
    ) {
        hiddenTests = tests.tallied.count
        hiddenPassed = tests.tallied.filter(passed).count
        hiddenScore = tests.tallied.reduce(0) { $0 + score($1) }
        hiddenMaxScore = tests.tallied.reduce(0) { $0 + maxScore($1) }
        afterDueTests = tests.withheld.count
        afterDueMaxScore = tests.withheld.reduce(0) { $0 + maxScore($1) }
    }
}
