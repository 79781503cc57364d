// The one late rule: a submission up to the due date is on time; after it, up to late_due, it is
// late and loses the lab's penalty; after late_due it is refused. Without a due date nothing is
// late; without a late_due late work is always accepted, with the penalty. The grader's score,
// the store's queue (and so its standings, exports and the HTTP API) all ask this type.
import Foundation

/// A lab's deadlines and late penalty, as lab.toml gives them and the store keeps them.
public struct LateRule: Sendable, Equatable {
    /// Submissions after `due` are late; nil: no deadline.
    public var due: Date?
    /// Submissions after `lateDue` are refused; nil: late work is always accepted.
    public var lateDue: Date?
    /// The fraction of the score a late submission loses, in 0...1.
    public var penalty: Double

    public init(due: Date?, lateDue: Date?, penalty: Double) {
        self.due = due
        self.lateDue = lateDue
        self.penalty = penalty
    }

    /// Whether a submission made at `submitted` is late (exactly at the due date is on time).
    public func isLate(_ submitted: Date) -> Bool {
        due.map { submitted > $0 } ?? false
    }

    /// Whether submissions made at `submitted` are refused (exactly at late_due is accepted).
    public func isClosed(at submitted: Date) -> Bool {
        lateDue.map { submitted > $0 } ?? false
    }

    /// The fraction deducted from a submission made at `submitted`: 0 when on time, `penalty`
    /// when late; nil when submissions are closed.
    public func penalty(at submitted: Date) -> Double? {
        if !isLate(submitted) { return 0 }
        return isClosed(at: submitted) ? nil : penalty
    }

    /// `score` after a deduction of `penalty` (a fraction in 0...1).
    public static func applying(_ penalty: Double, to score: Double) -> Double {
        score * (1 - penalty)
    }
}

extension Lab {
    /// This lab's deadlines and late penalty.
    public var lateRule: LateRule { LateRule(due: due, lateDue: lateDue, penalty: latePenalty) }
}
