// The self-check's own rate limit, apart from the submissions' (a check counts for nothing, so
// it needs no durable record): at most `perHour` checks per student and lab in any hour.
import Foundation

final class CheckRateLimiter: Sendable {
    let perHour: Int
    private let recent = Locked<[String: [Date]]>([:])

    init(perHour: Int) {
        self.perHour = perHour
    }

    /// Records a check at `now`, or throws 429 with the seconds until the oldest one ages out.
    func admit(student: String, lab: String, now: Date = Date()) throws {
        let key = student + "\u{0}" + lab
        let window: TimeInterval = 3600
        try recent.withLock { recent in
            let kept = (recent[key] ?? []).filter { now.timeIntervalSince($0) < window }
            if kept.count >= perHour, let oldest = kept.first {
                recent[key] = kept
                let retry = max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up)))
                throw ServerError.checkRateLimited(lab: lab, limit: perHour, retryAfterSeconds: retry)
            }
            recent[key] = kept + [now]
        }
    }
}
