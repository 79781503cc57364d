// Where the grader meets a lab's instructor-authored Python: expected values from reference.py
// for the components lab.toml's [python] names (built-in references for the rest), and
// mistakes.py's mistakes beside the built-in catalogue for diagnosis.
import Foundation
import Diagnosis
import LabConfig

extension Grader {
    /// The lab's instructor session, or nil for a lab without [python].
    public func instructorCode() throws -> InstructorCode? {
        guard lab.python != nil else { return nil }
        return try InstructorCode.shared(lab: lab, configuration: configuration)
    }

    /// The expected value of `test` on `args` (generated from `seed`).
    public func expectedValue(_ test: LabTest, args: CaseArguments, seed: UInt64) throws
        -> GradedValue
    {
        if lab.servedByPython(test.component), let instructor = try instructorCode() {
            return try instructor.expected(test: test, args: args, seed: seed)
        }
        guard let reference = references[test.component] else {
            throw GradingError.noReference(component: test.component, lab: lab.id)
        }
        return try reference(args)
    }

    /// The built-in catalogue plus the lab's mistakes.py (empty if its session cannot load).
    func diagnosisCatalogue() -> [Mistake] {
        guard let instructor = try? instructorCode() else { return mistakeCatalogue }
        return mistakeCatalogue + instructor.catalogue
    }

    /// Runs reference.py on every case `mode` grades with this submission seed (filling the
    /// cache), and checks mistakes.py: throws the instructor's error, before any student code runs.
    func computeInstructorExpectations(mode: GradeMode, seed: UInt64) throws {
        guard let instructor = try instructorCode() else { return }
        try instructor.prepare()
        for (index, test) in tests(for: mode) where lab.servedByPython(test.component) {
            let caseSeed = caseSeed(test: test, index: index, submissionSeed: seed)
            let args = try makeArguments(test: test, lab: lab, seed: caseSeed)
            _ = try instructor.expected(test: test, args: args, seed: caseSeed)
        }
    }
}
