// The one late rule: a submission up to the due date is on time; after it, up to late_due, it is
// late and loses the lab's penalty; after late_due it is refused. Without a due date nothing is
// late; without a late_due late work is always accepted, with the penalty. The grader's score,
// the store's queue (whose decision standings, exports and feedback read) and the daemon's
// refusal before it reads an upload all ask this type.
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

    /// Where a submission made at a given time stands under the rule.
    public enum Standing: Sendable, Equatable {
        /// Up to the due date (exactly at it is on time), or the lab has none.
        case onTime
        /// After the due date, up to late_due (exactly at it is accepted): loses `penalty`.
        case late(penalty: Double)
        /// After late_due: refused.
        case closed(lateDue: Date)
    }

    /// Where a submission made at `submitted` stands.
    public func standing(at submitted: Date) -> Standing {
        guard let due, submitted > due else { return .onTime }
        if let lateDue, submitted > lateDue { return .closed(lateDue: lateDue) }
        return .late(penalty: penalty)
    }

    /// The fraction deducted from a submission made at `submitted`: 0 when on time, `penalty`
    /// when late; nil when submissions are closed.
    public func penalty(at submitted: Date) -> Double? {
        switch standing(at: submitted) {
        case .onTime: return 0
        case .late(let penalty): return penalty
        case .closed: return nil
        }
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
