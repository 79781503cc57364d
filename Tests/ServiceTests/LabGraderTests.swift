// The real grader behind the daemon, on two samples whose verdicts the sample generator
// (Tests/Oracle/labs_make_samples.py, recorded in submissions/MANIFEST.toml) fixed: a correct
// solution scores full marks; s05-barbara's attention has exactly the no_scaling mistake.
import Foundation
import LabConfig
import Server
import TestSupport
import Testing

@testable import Service

@Suite(.serialized, .blockingWork) struct LabGraderTests {
    static func grader() throws -> LabGrader {
        let labs = repositoryRoot.appendingPathComponent("labs")
        let lab = try Lab.load(folder: labs.appendingPathComponent("01-attention"))
        return try LabGrader(
            labs: [lab], harnessDirectory: labs.appendingPathComponent("harness"),
            isolation: .none)
    }

    static func job(_ sample: String, id: Int64) -> GradeJob {
        let path = repositoryRoot.appendingPathComponent("submissions/\(sample)/attention.py")
        return GradeJob(
            submissionID: id, studentID: "s", labID: "01-attention", contentPath: path,
            filename: "attention.py", seed: 7)
    }

    @Test func correctSampleScoresFullMarks() async throws {
        let outcome = try await Self.grader().grade(Self.job("s01-ada/01-attention", id: 1))
        #expect(outcome.maxScore > 0)
        #expect(outcome.score == outcome.maxScore, "\(outcome.tests.filter { $0.status != .pass })")
        #expect(outcome.tests.allSatisfy { $0.status == .pass })
        #expect(outcome.seed == 7)
    }

    @Test func mistakeSampleIsDiagnosed() async throws {
        let outcome = try await Self.grader().grade(Self.job("s05-barbara/01-attention", id: 2))
        #expect(outcome.score < outcome.maxScore)
        let diagnoses = Set(outcome.tests.compactMap { $0.diagnosisNearMiss ? nil : $0.diagnosis })
        #expect(diagnoses == ["no_scaling"])
    }

    @Test func unknownLabIsAClearError() async throws {
        var job = Self.job("s01-ada/01-attention", id: 3)
        job.labID = "99-nothing"
        await #expect(throws: LabGraderError.self) { try await Self.grader().grade(job) }
    }
}
