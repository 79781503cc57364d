// `lmlab bench service`: a generated course (students × labs × submissions, each with a grade
// and test results) to time the leaderboard and the class report, and the sample class graded
// through the worker pool to measure submissions graded per minute.
import Foundation
import GRDB
import Store
import Tensors

public struct GeneratedCourse: Sendable, Equatable {
    public var students: Int
    public var labs: [String]
    public var submissions: Int
    public var testResults: Int
    public var seconds: Double
}

/// Fills a fresh data directory with `students` × `labs` × `perStudent` graded submissions,
/// each with `tests` results, in one transaction of prepared inserts.
public func generateCourse(
    directory: URL, students: Int, labs labCount: Int, perStudent: Int, tests: Int,
    now: Date = Date()
) throws -> GeneratedCourse {
    let start = Date()
    let store = try LabStore.open(directory: directory)  // creates and migrates the schema
    _ = store
    let path = directory.appendingPathComponent(LabStore.databaseFilename).path
    var configuration = LabStore.makeConfiguration()
    configuration.foreignKeysEnabled = false  // rows are consistent by construction
    let queue = try DatabaseQueue(path: path, configuration: configuration)
    // Tensors' SplitMix64: a fixed, fast generator, so the course is the same on every run.
    var rng = SplitMix64(seed: 42)
    let labIDs = (1...labCount).map { String(format: "bench-%02d", $0) }
    let mistakes = ["no_scaling", "softmax_wrong_axis", "mask_after_softmax", "causal_off_by_one"]
    let pointsPerTest = 5.0
    let maxScore = pointsPerTest * Double(tests)
    var submissionCount = 0
    var resultCount = 0
    try queue.inTransaction { db in
        let student = try db.makeStatement(
            sql: """
                INSERT INTO students (id, name, email, pseudonym, is_instructor, created_at)
                VALUES (?, ?, ?, ?, 0, ?)
                """)
        for index in 0..<students {
            let id = String(format: "b%05d", index)
            try student.execute(arguments: [id, "Student \(index)", "\(id)@example.edu",
                                            "bench-\(id)", now])
        }
        for (index, lab) in labIDs.enumerated() {
            let due = now.addingTimeInterval(Double(index - labCount) * 7 * 86400)
            try db.execute(
                sql: """
                    INSERT INTO labs (id, version, title, due, late_due, late_penalty, counting,
                                      rate_limit_per_hour, synced_at)
                    VALUES (?, '1.0.0', ?, ?, ?, 0.2, ?, 20, ?)
                    """,
                arguments: [lab, "Bench lab \(index + 1)", due, due.addingTimeInterval(7 * 86400),
                            index % 2 == 0 ? "best" : "latest", now])
        }
        let submission = try db.makeStatement(
            sql: """
                INSERT INTO submissions (id, student_id, lab_id, sha256, filename, size,
                    submitted_at, status, attempts, grader_version, seed, score, max_score, late,
                    penalty, graded_at, source)
                VALUES (?, ?, ?, ?, 'attention.py', 2048, ?, 'graded', 1, '1.0.0+lmlab-0.1.0', ?,
                        ?, ?, ?, ?, ?, 'demo')
                """)
        let grade = try db.makeStatement(
            sql: """
                INSERT INTO grades (id, submission_id, grader_version, seed, score, max_score,
                                    graded_at, is_current)
                VALUES (?, ?, '1.0.0+lmlab-0.1.0', ?, ?, ?, ?, 1)
                """)
        let result = try db.makeStatement(
            sql: """
                INSERT INTO test_results (submission_id, grade_id, name, component, points,
                    max_points, status, visibility, diagnosis, diagnosis_near_miss, message,
                    seconds)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'visible', ?, 0, ?, 0.01)
                """)
        let sha = String(repeating: "a", count: 64)
        var id: Int64 = 0
        for (labIndex, lab) in labIDs.enumerated() {
            let due = now.addingTimeInterval(Double(labIndex - labCount) * 7 * 86400)
            for index in 0..<students {
                let studentID = String(format: "b%05d", index)
                let skill = Double(rng.next() % 1000) / 1000
                for attempt in 0..<perStudent {
                    id += 1
                    // Spread over the week before the due date; about 5% land in the late week.
                    let late = rng.next() % 20 == 0
                    let offset = late
                        ? Double(rng.next() % 600_000)
                        : -Double(attempt + 1) * 3600 - Double(rng.next() % 3600)
                    let submittedAt = due.addingTimeInterval(offset)
                    var passes: [Bool] = []
                    for _ in 0..<tests {
                        passes.append(Double(rng.next() % 1000) / 1000 < skill)
                    }
                    let score = Double(passes.filter { $0 }.count) * pointsPerTest
                    try submission.execute(arguments: [
                        id, studentID, lab, sha, submittedAt, Int64(id), score, maxScore, late,
                        late ? 0.2 : 0.0, submittedAt.addingTimeInterval(30),
                    ])
                    try grade.execute(arguments: [
                        id, id, Int64(id), score, maxScore, submittedAt.addingTimeInterval(30),
                    ])
                    for (test, passed) in passes.enumerated() {
                        let diagnosis: String? =
                            passed ? nil : mistakes[Int(rng.next() % UInt64(mistakes.count))]
                        try result.execute(arguments: [
                            id, id, "test_\(test + 1)", "component_\(test % 3 + 1)",
                            passed ? pointsPerTest : 0, pointsPerTest, passed ? "pass" : "fail",
                            diagnosis, passed ? "ok" : "max abs error 0.5",
                        ])
                        resultCount += 1
                    }
                    submissionCount += 1
                }
            }
        }
        return .commit
    }
    try queue.close()
    return GeneratedCourse(
        students: students, labs: labIDs, submissions: submissionCount,
        testResults: resultCount, seconds: Date().timeIntervalSince(start))
}

/// The median wall time of `body` over `runs` runs, in milliseconds.
public func medianMilliseconds(runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<max(1, runs) {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        times.append((Double(seconds) + Double(attoseconds) / 1e18) * 1000)
    }
    times.sort()
    return times[times.count / 2]
}
