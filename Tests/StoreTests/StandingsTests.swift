// The trigger-kept standings and diagnosis counts, cross-checked against a brute-force
// computation in Swift over a random class (best/latest, late penalties, regrades, ties).
import Foundation
import GRDB
import LabConfig
import TestSupport
import Testing

@testable import Store

struct StandingsTests {
    /// What the test knows about one submission, independently of the store.
    struct Known {
        var id: Int64
        var student: String
        var lab: String
        var submittedAt: Date
        var penalty: Double
        var late: Bool
        /// The current grade: score out of 10 and its results.
        var score: Double
        var results: [TestResultRecord]
    }

    static let diagnoses = ["no-scale", "wrong-axis", "mask-late", "off-by-one"]

    func randomResults(_ rng: inout SystemRandomNumberGenerator) -> [TestResultRecord] {
        (1...3).map { index in
            let pass = Bool.random(using: &rng)
            let diagnosis = pass || Int.random(in: 0..<4, using: &rng) == 0
                ? nil : StandingsTests.diagnoses.randomElement(using: &rng)
            return TestResultRecord(
                name: "t\(index)", component: index == 3 ? "extra" : "core",
                points: pass ? 2 : 0, maxPoints: 2, status: pass ? .pass : .fail,
                diagnosis: diagnosis, diagnosisNearMiss: diagnosis != nil
                    && Int.random(in: 0..<5, using: &rng) == 0)
        }
    }

    /// Grades every queued submission with a random score from a small set (many ties).
    func gradeQueue(
        _ store: LabStore, known: inout [Int64: Known], rng: inout SystemRandomNumberGenerator
    ) throws {
        while let claimed = try store.claimNext(worker: "w", lease: 60, now: at(5000)) {
            let score: Double = [0, 2.5, 5, 7.5, 10].randomElement(using: &rng) ?? 0
            let results = randomResults(&rng)
            try store.complete(
                id: claimed.id, worker: "w",
                grade: GradeRecord(
                    graderVersion: "g", seed: 1, score: score, maxScore: 10, gradedAt: at(5000)),
                results: results)
            known[claimed.id]?.score = score
            known[claimed.id]?.results = results
        }
    }

    /// The counted submission of each non-instructor student of `lab` under `counting`, in
    /// leaderboard order, computed by brute force over `known`.
    func expectedBoard(_ known: [Known], lab: String, counting: Counting) -> [Known] {
        func adjusted(_ k: Known) -> Double { k.score * (1.0 - k.penalty) }
        let graded = known.filter { $0.lab == lab && $0.student != "prof" && $0.score >= 0 }
        var counted: [Known] = []
        for (_, mine) in Dictionary(grouping: graded, by: \.student) {
            let pick: Known?
            switch counting {
            case .best:
                pick = mine.min { a, b in
                    if adjusted(a) != adjusted(b) { return adjusted(a) > adjusted(b) }
                    if a.submittedAt != b.submittedAt { return a.submittedAt < b.submittedAt }
                    return a.id < b.id
                }
            case .latest:
                pick = mine.max { a, b in (a.submittedAt, a.id) < (b.submittedAt, b.id) }
            }
            if let pick { counted.append(pick) }
        }
        return counted.sorted { a, b in
            if adjusted(a) != adjusted(b) { return adjusted(a) > adjusted(b) }
            if a.submittedAt != b.submittedAt { return a.submittedAt < b.submittedAt }
            return a.id < b.id
        }
    }

    @Test func standingsMatchBruteForceOverARandomClass() throws {
        var rng = SystemRandomNumberGenerator()
        let store = try LabStore.inMemory()
        let students = (0..<40).map { String(format: "s%02d", $0) }
        for id in students { try store.addStudent(id: id, name: "Name \(id)", now: t0) }
        try store.addStudent(id: "prof", name: "Prof", isInstructor: true, now: t0)
        try store.syncLab(attentionLab, now: t0)  // best, due +1000, late −25 %
        try store.syncLab(
            LabRecord(
                id: "gpt2", version: "1", title: "GPT-2", due: at(1000), lateDue: at(2000),
                latePenalty: 0.5, counting: .latest),
            now: t0)

        var known: [Int64: Known] = [:]
        // Rounds of submissions (times from a small set: ties on time too), each graded; some
        // students are regraded between rounds; a few submissions stay queued at the end.
        for round in 0..<4 {
            for student in students + ["prof"] where Int.random(in: 0..<3, using: &rng) > 0 {
                let lab = Bool.random(using: &rng) ? "attention" : "gpt2"
                let seconds = Double([100, 200, 900, 1200, 1500].randomElement(using: &rng) ?? 0)
                let penalty = seconds > 1000 ? (lab == "attention" ? 0.25 : 0.5) : 0
                let id = try store.enqueue(
                    student: student, lab: lab, filename: "a.py",
                    content: Data("\(student) \(round)".utf8), source: .cli,
                    submittedAt: at(seconds))
                known[id] = Known(
                    id: id, student: student, lab: lab, submittedAt: at(seconds),
                    penalty: penalty, late: seconds > 1000, score: -1, results: [])
            }
            if round == 3 { break }  // the last round stays queued
            try gradeQueue(store, known: &known, rng: &rng)
            for student in students.shuffled(using: &rng).prefix(6) {
                try store.regrade(lab: Bool.random(using: &rng) ? "attention" : "gpt2",
                                  student: student)
            }
            try store.regrade(lab: "gpt2", student: "prof")
            try gradeQueue(store, known: &known, rng: &rng)
        }
        let all = Array(known.values)

        for lab in ["attention", "gpt2"] {
            for counting in Counting.allCases {
                let expected = expectedBoard(all, lab: lab, counting: counting)
                let board = try store.leaderboard(lab: lab, counting: counting, includeNames: true)
                #expect(board.map(\.submissionID) == expected.map(\.id), "\(lab) \(counting)")
                #expect(board.map(\.studentID) == expected.map(\.student))
                #expect(board.map(\.score) == expected.map { $0.score * (1.0 - $0.penalty) })
                #expect(board.map(\.late) == expected.map(\.late))
                #expect(board.map(\.submittedAt) == expected.map(\.submittedAt))
                #expect(board.map(\.rank) == Array(1..<(board.count + 1)))
            }

            // The class report under the lab's own rule.
            let counting: Counting = lab == "attention" ? .best : .latest
            let counted = expectedBoard(all, lab: lab, counting: counting)
            let report = try store.classReport(lab: lab)
            #expect(report.graded == counted.count)
            #expect(report.lateCount == counted.filter(\.late).count)
            var histogram = Array(repeating: 0, count: 10)
            for k in counted {
                histogram[min(Int((k.score * (1.0 - k.penalty) / 10 * 10).rounded(.down)), 9)] += 1
            }
            #expect(report.histogram.map(\.count) == histogram, "\(lab)")

            var passes: [String: (passed: Int, total: Int)] = [:]
            for k in counted {
                for r in k.results {
                    let key = "\(r.name)/\(r.component ?? "")"
                    passes[key, default: (0, 0)].total += 1
                    if r.status == .pass { passes[key, default: (0, 0)].passed += 1 }
                }
            }
            #expect(
                report.passRates.map { "\($0.name)/\($0.component ?? "") \($0.passed)/\($0.total)" }
                    == passes.keys.sorted().map { "\($0) \(passes[$0]!.passed)/\(passes[$0]!.total)" })

            var occurrences: [String: Int] = [:]
            var who: [String: Set<String>] = [:]
            for k in all where k.lab == lab && k.student != "prof" && k.score >= 0 {
                for r in k.results where !r.diagnosisNearMiss {
                    guard let d = r.diagnosis else { continue }
                    occurrences[d, default: 0] += 1
                    who[d, default: []].insert(k.student)
                }
            }
            let expectedDiagnoses = occurrences.keys.map {
                DiagnosisCount(diagnosis: $0, occurrences: occurrences[$0]!, students: who[$0]!.count)
            }.sorted { a, b in
                (-a.students, -a.occurrences, a.diagnosis) < (-b.students, -b.occurrences, b.diagnosis)
            }
            #expect(report.diagnoses == expectedDiagnoses, "\(lab)")

            let submitted = Set(all.filter { $0.lab == lab }.map(\.student))
            #expect(report.missingStudents == students.filter { !submitted.contains($0) })
            #expect(report.submitters == students.filter { submitted.contains($0) }.count)
            #expect(report.rosterSize == students.count)
        }
    }

    @Test func migrationBackfillsFromExistingGrades() throws {
        // Given a database at schema v2 holding graded work (written as rows, as v2 did):
        //   alice  1 +100  6.0 (grade 1)     2 +1500 late 10.0 → 7.5 (grade 2)
        //   bob    3 +150  9.0 (grade 3, replaced) → 7.5 (grade 4, current)
        //   prof   4 +50   10.0 (instructor)
        // Results: grade 1 t1 "no-scale"; grade 3 t1 "wrong-axis" (not current);
        //          grade 4 t1 "no-scale", t2 "no-scale" near miss; grade 5 (prof) t1 "no-scale"
        let queue = try DatabaseQueue(configuration: LabStore.makeConfiguration())
        try LabStore.migrator.migrate(queue, upTo: "v2-tracking")
        try queue.write { db in
            for (id, instructor) in [("alice", false), ("bob", false), ("prof", true)] {
                try db.execute(
                    sql: """
                        INSERT INTO students (id, name, pseudonym, is_instructor, created_at)
                        VALUES (?, ?, ?, ?, ?)
                        """,
                    arguments: [id, id, "p-\(id)", instructor, t0])
            }
            try db.execute(
                sql: """
                    INSERT INTO labs (id, version, title, due, late_penalty, counting, synced_at)
                    VALUES ('attention', '1', 'A', ?, 0.25, 'best', ?)
                    """,
                arguments: [at(1000), t0])
            let submissions: [(Int64, String, Double, Bool)] = [
                (1, "alice", 100, false), (2, "alice", 1500, true), (3, "bob", 150, false),
                (4, "prof", 50, false),
            ]
            for (id, student, seconds, late) in submissions {
                try db.execute(
                    sql: """
                        INSERT INTO submissions (id, student_id, lab_id, sha256, filename, size,
                            submitted_at, status, score, max_score, late, penalty, source)
                        VALUES (?, ?, 'attention', ?, 'a.py', 1, ?, 'graded', 0, 10, ?, ?, 'cli')
                        """,
                    arguments: [
                        id, student, String(repeating: "a", count: 64), at(seconds), late,
                        late ? 0.25 : 0,
                    ])
            }
            let grades: [(Int64, Int64, Double, Bool)] = [
                (1, 1, 6, true), (2, 2, 10, true), (3, 3, 9, false), (4, 3, 7.5, true),
                (5, 4, 10, true),
            ]
            for (id, submission, score, current) in grades {
                try db.execute(
                    sql: """
                        INSERT INTO grades (id, submission_id, grader_version, seed, score,
                                            max_score, graded_at, is_current)
                        VALUES (?, ?, 'g', 1, ?, 10, ?, ?)
                        """,
                    arguments: [id, submission, score, t0, current])
            }
            let results: [(Int64, Int64, String, String?, Bool)] = [
                (1, 1, "t1", "no-scale", false), (2, 2, "t1", nil, false),
                (3, 3, "t1", "wrong-axis", false), (4, 3, "t1", "no-scale", false),
                (4, 3, "t2", "no-scale", true), (5, 4, "t1", "no-scale", false),
            ]
            for (grade, submission, name, diagnosis, nearMiss) in results {
                try db.execute(
                    sql: """
                        INSERT INTO test_results (submission_id, grade_id, name, points,
                            max_points, status, visibility, diagnosis, diagnosis_near_miss)
                        VALUES (?, ?, ?, 0, 5, 'fail', 'visible', ?, ?)
                        """,
                    arguments: [submission, grade, name, diagnosis, nearMiss])
            }
        }
        // When the store opens it (running v3-standings)
        let store = try LabStore(queue, blobs: try BlobStore(root: try makeScratchDirectory()))
        // Then best: bob 7.5 at +150 before alice's late 7.5 at +1500; latest: the same two
        let best = try store.leaderboard(lab: "attention", counting: .best, includeNames: true)
        #expect(best.map(\.submissionID) == [3, 2])
        #expect(best.map(\.score) == [7.5, 7.5])
        let latest = try store.leaderboard(lab: "attention", counting: .latest)
        #expect(latest.map(\.submissionID) == [3, 2])
        // No-scale: alice (grade 1) and bob (grade 4, its near miss left out); wrong-axis was
        // only in bob's replaced grade; the instructor is left out.
        let report = try store.classReport(lab: "attention")
        #expect(report.diagnoses == [DiagnosisCount(diagnosis: "no-scale", occurrences: 2, students: 2)])
        #expect(report.lateCount == 1)
    }
}
