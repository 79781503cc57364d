// The trigger-kept standings and diagnosis counts, cross-checked against a brute-force
// computation in Swift over a random class (best/latest, late penalties, regrades, ties).
import Foundation
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
}
