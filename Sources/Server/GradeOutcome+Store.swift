// Maps a grader's outcome onto the store's grade record (its tests are already the store's
// test-result records).
import Foundation
import Store

extension GradeOutcome {
    func gradeRecord(gradedAt: Date = Date()) -> GradeRecord {
        GradeRecord(
            graderVersion: graderVersion, seed: seed, score: score, maxScore: maxScore,
            gradedAt: gradedAt)
    }
}
