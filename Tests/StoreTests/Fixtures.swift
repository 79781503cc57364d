// Shared fixtures for the store tests: fixed instants, a lab, a small roster.
import Foundation
import Testing

@testable import Store

/// A fixed instant; tests add whole seconds (the database keeps milliseconds).
let t0 = Date(timeIntervalSince1970: 1_700_000_000)

func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

/// Lab "attention": due at t0+1000, refused after t0+2000, late work loses 25%.
let attentionLab = LabRecord(
    id: "attention", version: "1", title: "Scaled dot-product attention", due: at(1000),
    lateDue: at(2000), latePenalty: 0.25, counting: .best, rateLimitPerHour: 10)

let rosterCSV = """
    id,name,email
    alice,Alice Martin,alice@uni.example
    bob,Bob Chen,bob@uni.example
    carol,Carol Diaz,carol@uni.example
    dave,Dave Evans,dave@uni.example
    erin,Erin Fox,erin@uni.example
    """

/// An in-memory store with the roster, an instructor "prof" and the attention lab.
func makeStore() throws -> LabStore {
    let store = try LabStore.inMemory()
    try store.importRoster(csv: rosterCSV, now: t0)
    try store.addStudent(id: "prof", name: "Prof. Ada", isInstructor: true, now: t0)
    try store.syncLab(attentionLab, now: t0)
    return store
}

/// Enqueues, claims and completes one submission with `score`/10 and the given results.
@discardableResult
func gradedSubmission(
    _ store: LabStore, student: String, at seconds: TimeInterval, score: Double,
    results: [TestResultRecord] = [], lab: String = "attention"
) throws -> Int64 {
    let id = try store.enqueue(
        student: student, lab: lab, filename: "attention.py",
        content: Data("# \(student) at \(seconds)\n".utf8), source: .cli,
        submittedAt: at(seconds))
    let claimed = try #require(try store.claimNext(worker: "w", lease: 60, now: at(seconds)))
    #expect(claimed.id == id)
    try store.complete(
        id: id, worker: "w",
        grade: GradeRecord(
            graderVersion: "g1", seed: 7, score: score, maxScore: 10,
            gradedAt: at(seconds + 1)),
        results: results)
    return id
}
