// Uploads the daemon refused after reading them (a malformed bundle, a .py that is not UTF-8):
// they cost the daemon the same work as a good one, so they count against the lab's hourly
// rate limit like submissions do. Kept in memory for the hour they count.
import Foundation

final class RefusedUploads: Sendable {
    private let times = Locked([String: [Date]]())
    static let window: TimeInterval = 3600

    private static func key(_ student: String, _ lab: String) -> String { student + "\n" + lab }

    func record(student: String, lab: String, at now: Date) {
        times.withLock { $0[Self.key(student, lab), default: []].append(now) }
    }

    /// The refusals of the hour before `now` (older ones are forgotten).
    func recent(student: String, lab: String, now: Date) -> [Date] {
        times.withLock { times in
            let key = Self.key(student, lab)
            let kept = (times[key] ?? []).filter { $0 >= now.addingTimeInterval(-Self.window) }
            times[key] = kept.isEmpty ? nil : kept
            return kept
        }
    }
}
