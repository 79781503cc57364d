// `labs validate`, `labs list` and the daemon's sync see the same survey: every lab folder is
// valid or invalid with all its problems, one broken lab does not hide another's problems, and a
// lab whose component lmlab has no reference for is invalid although its lab.toml loads.
import Foundation
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading

@Suite struct LabSurveyTests {
    @Test func everyProblemOfEveryLabInOneSurvey() throws {
        let root = try makeLabsWithBrokenOnes()
        defer { try? FileManager.default.removeItem(at: root) }
        let survey = try LabSurvey(labsRoot: root)
        #expect(survey.labs.map(\.id) == ["01-attention"])
        #expect(survey.invalid.map(\.id) == ["08-extra", "09-typo"])
        let extra = try #require(survey.invalid.first)
        #expect(extra.problems.contains { $0.description.contains("flash_attention") }, "\(extra)")
        let typo = try #require(survey.invalid.last)
        #expect(typo.problems.contains { $0.description.contains("not valid TOML") }, "\(typo)")
        #expect(survey.report.contains("08-extra: ") && survey.report.contains("09-typo: "))
    }
}
