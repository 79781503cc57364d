// The authoring checks `lmlab labs validate` runs on top of reading lab.toml: every reference
// (built-in or reference.py) runs on the lab's cases, every mistake that can show in the lab
// differs from the reference on at least one visible case, and no two mistakes give the same
// output on every case they share (no answer could tell them apart).
import Foundation
import Diagnosis
import LabConfig

/// One case of a lab: a test with one seed, its arguments and the expected value.
struct AuthoringCase {
    var test: LabTest
    var seed: UInt64
    var args: CaseArguments
    var expected: GradedValue
}

/// The submission seeds hidden and after_due tests are drawn with when checking a lab.
let authoringSubmissionSeeds: [UInt64] = [1, 2]

/// What the authoring checks found: problems stop the lab; warnings concern only built-in
/// catalogue mistakes, which a lab may show on hidden tests alone.
public struct AuthoringReport: Sendable, Equatable {
    public var problems: [String] = []
    public var warnings: [String] = []
}

/// Every problem of `lab`'s references and mistakes, each a sentence naming the lab, the file or
/// test and what to change. Empty when the lab is ready to grade.
public func authoringProblems(grader: Grader) -> [String] { authoringReport(grader: grader).problems }

/// The problems and the warnings of `lab`'s references and mistakes.
public func authoringReport(grader: Grader) -> AuthoringReport {
    let lab = grader.lab
    var problems = lab.componentsWithoutReference.map {
        GradingError.noReference(component: $0, lab: lab.id).description
    }
    var instructorMistakes: [PythonMistake] = []
    var instructor: InstructorCode?
    do {
        instructor = try grader.instructorCode()
        if let instructor {
            let (mistakes, loadProblems) = instructor.load()
            instructorMistakes = mistakes
            problems += loadProblems.map { "lab \(lab.id): \($0)" }
        }
    } catch { problems.append("lab \(lab.id): \(error)") }
    guard problems.isEmpty else { return AuthoringReport(problems: problems) }

    let (cases, caseProblems) = authoringCases(grader: grader)
    problems += caseProblems
    // Each mistake's outputs on the cases of its components (nil where it coincides with the
    // reference or does not apply).
    var outputs: [MistakeOutputs] = []
    let builtIn = mistakeCatalogue.filter { !Set($0.components).isDisjoint(with: lab.components.map(\.name)) }
    for mistake in builtIn {
        var byCase: [Int: GradedValue] = [:]
        for (i, c) in cases.enumerated() where mistake.components.contains(c.test.component) {
            if let output = mistake.outputs(component: c.test.component, args: c.args).first {
                byCase[i] = output
            }
        }
        // A mistake known by its NaN or its exception, not by a value, may match no value.
        outputs.append(MistakeOutputs(
            id: mistake.id, byCase: byCase,
            bySignature: mistake.nonFiniteSignature || mistake.errorSignature != nil,
            builtIn: true))
    }
    for mistake in instructorMistakes {
        var byCase: [Int: GradedValue] = [:]
        for (i, c) in cases.enumerated() where c.test.component == mistake.component {
            do {
                byCase[i] = try instructor?.output(of: mistake, args: c.args, test: c.test.name,
                                                   timeout: c.test.limits.timeSeconds)
            } catch {
                problems.append("lab \(lab.id): \(error)")
                break
            }
        }
        outputs.append(MistakeOutputs(id: mistake.id, byCase: byCase, bySignature: false,
                                      builtIn: false))
    }
    var report = AuthoringReport(problems: problems)
    for (finding, builtIn) in visibilityProblems(lab: lab, cases: cases, outputs: outputs)
        + indistinguishablePairs(lab: lab, cases: cases, outputs: outputs)
    {
        if builtIn { report.warnings.append(finding) } else { report.problems.append(finding) }
    }
    return report
}

/// A mistake's outputs by case index (absent where it does not apply).
struct MistakeOutputs {
    var id: String
    var byCase: [Int: GradedValue]
    var bySignature: Bool
    /// From lmlab's catalogue rather than the lab's mistakes.py.
    var builtIn: Bool
}

/// The lab's cases: visible tests on their seed, the others on each authoring submission seed.
func authoringCases(grader: Grader) -> (cases: [AuthoringCase], problems: [String]) {
    let lab = grader.lab
    var cases: [AuthoringCase] = []
    var problems: [String] = []
    for (index, test) in lab.tests.enumerated() {
        let seeds = test.seed.map { [$0] }
            ?? authoringSubmissionSeeds.map { caseSeed(test: test, index: index, submissionSeed: $0) }
        for seed in seeds {
            do {
                let args = try makeArguments(test: test, lab: lab, seed: seed)
                let expected = try grader.expectedValue(test, args: args, seed: seed)
                cases.append(AuthoringCase(test: test, seed: seed, args: args, expected: expected))
            } catch {
                problems.append("lab \(lab.id): test \(test.name) (seed \(seed)): the reference "
                    + "failed: \(error)")
                break
            }
        }
    }
    return (cases, problems)
}

private func tolerance(_ lab: Lab, _ component: String) -> (Tolerance, ReturnKind) {
    let c = lab.component(named: component)
    return (Tolerance(atol: c?.atol ?? 0, rtol: c?.rtol ?? 0), c?.returns ?? .tensor)
}

/// A mistake no visible test can show is one students never learn about before the deadline.
private func visibilityProblems(
    lab: Lab, cases: [AuthoringCase], outputs: [MistakeOutputs]
) -> [(String, builtIn: Bool)] {
    outputs.compactMap { mistake in
        guard !mistake.bySignature else { return nil }
        let shown = mistake.byCase.contains { i, output in
            let c = cases[i]
            guard c.test.visibility == .visible else { return false }
            let (tol, kind) = tolerance(lab, c.test.component)
            return !compare(got: output, expected: c.expected, as: kind, tolerance: tol).passed
        }
        guard !shown else { return nil }
        return ("lab \(lab.id): mistake \(mistake.id) gives the reference's answer (within the "
            + "tolerance) on every visible test; add a visible test whose inputs separate them, "
            + "or drop the mistake", mistake.builtIn)
    }
}

/// Two mistakes with the same output on every case they share cannot be told apart.
private func indistinguishablePairs(
    lab: Lab, cases: [AuthoringCase], outputs: [MistakeOutputs]
) -> [(String, builtIn: Bool)] {
    var problems: [(String, builtIn: Bool)] = []
    for a in 0..<outputs.count {
        for b in (a + 1)..<max(outputs.count, a + 1) {
            // The cases both apply to where at least one differs from the reference.
            let shared = Set(outputs[a].byCase.keys).intersection(outputs[b].byCase.keys).filter {
                i in
                let (tol, kind) = tolerance(lab, cases[i].test.component)
                return [outputs[a], outputs[b]].contains { m in
                    m.byCase[i].map {
                        !compare(got: $0, expected: cases[i].expected, as: kind, tolerance: tol).passed
                    } ?? false
                }
            }
            guard !shared.isEmpty else { continue }
            let same = shared.allSatisfy { i in
                let (tol, kind) = tolerance(lab, cases[i].test.component)
                guard let x = outputs[a].byCase[i], let y = outputs[b].byCase[i] else { return false }
                return compare(got: x, expected: y, as: kind, tolerance: matchTolerance(tol)).passed
            }
            if same {
                problems.append(("lab \(lab.id): mistakes \(outputs[a].id) and \(outputs[b].id) "
                    + "give the same output on every case they share (\(shared.count)); no "
                    + "answer can tell them apart — merge them or add a case that separates them",
                    outputs[a].builtIn && outputs[b].builtIn))
            }
        }
    }
    return problems
}
