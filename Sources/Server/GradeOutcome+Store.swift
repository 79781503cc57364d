// Maps a grader's outcome onto the store's grade and test-result records.
import Foundation
import Store

extension GradeOutcome {
    func gradeRecord(gradedAt: Date = Date()) -> GradeRecord {
        GradeRecord(
            graderVersion: graderVersion, seed: seed, score: score, maxScore: maxScore,
            gradedAt: gradedAt)
    }

    var testResultRecords: [TestResultRecord] {
        tests.map { test in
            TestResultRecord(
                name: test.name, component: test.component, points: test.points,
                maxPoints: test.maxPoints, status: TestStatus(test.status),
                visibility: test.visibility, diagnosis: test.diagnosis,
                diagnosisNearMiss: test.nearMiss, message: test.message,
                maxAbsError: test.maxAbsError, maxRelError: test.maxRelError,
                seconds: test.seconds)
        }
    }
}

extension TestStatus {
    init(_ status: TestOutcome.Status) {
        switch status {
        case .pass: self = .pass
        case .fail: self = .fail
        case .error: self = .error
        case .timeout: self = .timeout
        case .crash: self = .crash
        }
    }
}
