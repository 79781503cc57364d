// Instructor-authored components (reference.py, mistakes.py): lab 08 graded end to end from its
// Python alone; every bad-input case of the instructor's code is an instructor error naming the
// file and function, never a student's score; the two sessions never see each other's files.
import Foundation
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import Harness
@testable import LabConfig

private let shippedLabs = repositoryRoot.appendingPathComponent("labs")
private let harness = shippedLabs.appendingPathComponent("harness")

private func grader(_ folder: URL, isolation: Isolation = .none) throws -> Grader {
    try Grader(lab: try Lab.load(folder: folder), harnessDirectory: harness, isolation: isolation)
}

/// A scaffolded lab in a scratch folder, with `edit` applied to its files (name → text).
private func scratchLab(_ edits: [String: (String) -> String] = [:]) throws -> URL {
    let root = try makeScratchDirectory("python-lab")
    let folder = try scaffoldLab(id: "09-scratch", labsRoot: root)
    for (file, edit) in edits {
        let url = folder.appendingPathComponent(file)
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        try edit(text).write(to: url, atomically: true, encoding: .utf8)
    }
    return folder
}

/// A student's file for the scaffolded lab.
private func studentFile(_ body: String) throws -> URL {
    let folder = try makeScratchDirectory("python-lab-student")
    let file = folder.appendingPathComponent("solution.py")
    try ("import os\nimport numpy as np\n\n" + body).write(to: file, atomically: true, encoding: .utf8)
    return file
}

private let correctStudent = "def scale_and_shift(x, a, b):\n    return a * x + b\n"

@Suite(.serialized, .blockingWork) struct PythonLabTests {
    @Test func lab08MistakesAreNamedOnTheirSamplesAndNoOther() throws {
        let g = try grader(shippedLabs.appendingPathComponent("08-sampling"))
        let ids = Set(try #require(try g.instructorCode()).prepare().map(\.id))
        #expect(ids.count >= 5)
        let samples = try loadSamples().filter { $0.lab == "08-sampling" && $0.verdict == "mistake" }
        #expect(Set(samples.compactMap(\.mistake)) == ids, "every lab 08 mistake needs a sample")
        try expectOnlyItsMistakeNamed(samples, grader: g)
        for sample in try loadSamples() where sample.lab == "08-sampling" && sample.verdict == "uncatalogued" {
            let r = try g.grade(submission: submissionURL(sample), seed: 7, mode: .instructor)
            #expect(r.summary.score < r.summary.maxScore)
            #expect(r.results.allSatisfy { $0.diagnosis?.kind != .mistake }, "\(report(r))")
        }
    }

    /// The instructor's session runs in the bubblewrap sandbox like the student's.
    @Test func lab08GradesInTheSandbox() throws {
        let g = try grader(shippedLabs.appendingPathComponent("08-sampling"), isolation: .sandbox)
        let sample = try #require(try loadSamples().first { $0.lab == "08-sampling" && $0.verdict == "full" })
        let r = try g.grade(submission: submissionURL(sample), seed: 11, mode: .instructor)
        #expect(r.summary.score == r.summary.maxScore, "\(report(r))")
    }

    /// The expected value is the instructor's reference, not anything built in: a NumPy value
    /// worked by hand (2 · x + 0.5 on the visible test's x) against the cached expectation.
    @Test func expectedValuesComeFromReferencePy() throws {
        let g = try grader(try scratchLab())
        let test = try #require(g.lab.tests.first)
        let args = try makeArguments(test: test, lab: g.lab, seed: 1)
        let x = try args.tensor("x")
        guard case .array(let a) = try g.expectedValue(test, args: args, seed: 1) else {
            Issue.record("not an array")
            return
        }
        #expect(a.shape == [4, 8])
        for (got, xi) in zip(a.values, x.data) { #expect(abs(got - (2 * Double(xi) + 0.5)) < 1e-6) }
    }

    @Test func theScaffoldValidatesAndTriesAsWritten() throws {
        let g = try grader(try scratchLab())
        #expect(authoringProblems(grader: g) == [])
        let table = try tryLab(grader: g, solution: nil)
        #expect(table.rows.first?.name == "reference.py" && table.rows.first?.score == 2)
        let mistake = try #require(table.rows.first { $0.name == "shift_before_scale" })
        #expect(mistake.recognised && mistake.score == 0, "\(renderTryout(table))")
        #expect(renderTryout(table).contains("shift_before_scale"))
    }

    /// `labs try` starts the solution's sandbox warm while it simulates the mistakes: the same
    /// table as a cold try, from one warm sandbox that is used and not replaced.
    @Test func tryGradesTheSolutionInAWarmSandbox() throws {
        let g = try grader(try scratchLab())
        let cold = try tryLab(grader: g, solution: nil)
        let pool = SandboxPool(size: 1, refills: false)
        defer { pool.close() }
        let warm = try tryLab(grader: g, solution: nil, pool: pool)
        #expect(warm == cold)
        let counts = pool.counts
        #expect(counts.started == 1 && counts.taken == 1 && counts.missed == 0, "\(counts)")
        #expect(pool.readyCount == 0)
    }

    @Test func badInstructorCodeIsNamedAndNeverScored() throws {
        // (edit, what the message must contain)
        let cases: [([String: (String) -> String], [String])] = [
            (["reference.py": { $0.replacingOccurrences(of: "def scale_and_shift", with: "def other") }],
             ["reference.py", "no function scale_and_shift"]),
            (["mistakes.py": { $0 + "MISTAKES = MISTAKES + MISTAKES\n" }],
             ["mistakes.py", "\"shift_before_scale\" is used twice"]),
            (["mistakes.py": { $0.replacingOccurrences(of: "def shift_before_scale(x, a, b)",
                                                       with: "def shift_before_scale(x, a, c)") }],
             ["mistakes.py", "shift_before_scale(x, a, c)", "(x, a, b)"]),
            (["reference.py": { $0.replacingOccurrences(
                of: "+ b\n", with: "+ b + np.random.rand()\n") }],
             ["reference.py", "scale_and_shift gave two different results"]),
            (["reference.py": { $0.replacingOccurrences(
                of: "return a * np.asarray(x, dtype=np.float64) + b",
                with: "return float(np.sum(x))") }],
             ["reference.py", "scale_and_shift returned", "returns = \"tensor\""]),
            (["reference.py": { $0.replacingOccurrences(
                of: "    return a *", with: "    raise ValueError('oops')\n    return a *") }],
             ["reference.py", "scale_and_shift raised", "ValueError: oops"]),
            (["reference.py": { $0.replacingOccurrences(
                of: "    return a *", with: "    while True:\n        pass\n    return a *") },
              "lab.toml": { $0.replacingOccurrences(of: "time_seconds = 10.0", with: "time_seconds = 1.0") }],
             ["reference.py", "scale_and_shift gave no answer within"]),
            (["reference.py": { $0.replacingOccurrences(
                of: "    return a *", with: "    import os\n    os._exit(3)\n    return a *") }],
             ["reference.py", "Python stopped while running scale_and_shift"]),
        ]
        for (edits, needles) in cases {
            let g = try grader(try scratchLab(edits))
            let problems = authoringProblems(grader: g).joined(separator: "\n")
            for needle in needles { #expect(problems.contains(needle), "\(needle) in: \(problems)") }
            // Grading stops with the instructor's error before any score exists.
            #expect(throws: InstructorCodeError.self) {
                _ = try g.grade(submission: try studentFile(correctStudent), seed: 3, mode: .instructor)
            }
        }
    }

    /// After a crash the runner restarts and the bridge loads the instructor's files again: the
    /// hidden test (a = -1.5) crashes, the mistake's output on the visible one is still computed.
    @Test func theInstructorSessionReloadsAfterACrash() throws {
        let g = try grader(try scratchLab(["reference.py": {
            $0.replacingOccurrences(
                of: "    return a *", with: "    if a < 0:\n        import os\n        os._exit(3)\n    return a *")
        }]))
        let problems = authoringProblems(grader: g)
        #expect(problems.count == 1 && problems[0].contains("Python stopped"), "\(problems)")
    }

    @Test func validateCatchesAMistakeEqualToTheReferenceAndAnIndistinguishablePair() throws {
        let same = try grader(try scratchLab(["mistakes.py": {
            $0.replacingOccurrences(of: "return a * (np.asarray(x, dtype=np.float64) + b)",
                                    with: "return a * np.asarray(x, dtype=np.float64) + b")
        }]))
        #expect(authoringProblems(grader: same).contains {
            $0.contains("shift_before_scale gives the reference's answer")
        })
        let twin = try grader(try scratchLab(["mistakes.py": {
            $0.replacingOccurrences(of: "MISTAKES = [", with: """
                def shift_first(x, a, b):
                    return a * x + a * b


                MISTAKES = [
                    {"id": "shift_first", "component": "scale_and_shift", "function": shift_first,
                     "title": "Shift first", "hint": "Scale, then shift."},
                """)
        }]))
        #expect(authoringProblems(grader: twin).contains {
            $0.contains("mistakes shift_before_scale and shift_first") || $0.contains("mistakes shift_first and shift_before_scale")
        }, "\(authoringProblems(grader: twin))")
    }

    /// The student's code gets only its arguments in a folder holding only its own file; the
    /// instructor's code runs in a folder without the student's file.
    @Test func neitherSessionSeesTheOthersFiles() throws {
        let g = try grader(try scratchLab(["reference.py": {
            $0.replacingOccurrences(of: "    return a *", with: """
                    import os
                    if os.path.exists("solution.py") or os.path.exists("student_marker.py"):
                        raise RuntimeError("instructor code can see a student's file")
                    return a *
                """)
        }]))
        let student = try studentFile("""
            def scale_and_shift(*args):
                raise RuntimeError(f"{len(args)} args; files {sorted(os.listdir('.'))}")
            """)
        try "x = 1\n".write(to: student.deletingLastPathComponent().appendingPathComponent(
            "student_marker.py"), atomically: true, encoding: .utf8)
        let r = try g.grade(submission: student, seed: 5, mode: .instructor)
        for result in r.results {
            #expect(result.message.contains("RuntimeError: 3 args; files ['solution.py']"),
                    "\(result.message)")
        }
    }

    /// A built-in component extended with an instructor's mistake from mistakes.py.
    @Test func aBuiltInComponentGetsAnInstructorMistake() throws {
        let root = try makeScratchDirectory("builtin-extended")
        let folder = root.appendingPathComponent("10-softmax")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try """
            id = "10-softmax"
            title = "Softmax"
            version = "1.0.0"
            due = "2027-01-01T00:00:00Z"
            entry = "softmax.py"
            handout = "softmax.py"

            [python]
            mistakes = "mistakes.py"

            [[components]]
            name = "softmax"
            args = ["x", "axis"]
            optional = ["axis"]
            returns = "tensor"
            atol = 1e-6
            rtol = 1e-5

            [[tests]]
            name = "rows"
            component = "softmax"
            points = 1.0
            visibility = "visible"
            seed = 1
            [tests.inputs]
            x = { tensor = [3, 5] }
            axis = -1

            """.write(to: folder.appendingPathComponent("lab.toml"), atomically: true, encoding: .utf8)
        try "def softmax(x, axis=-1):\n    raise NotImplementedError\n".write(
            to: folder.appendingPathComponent("softmax.py"), atomically: true, encoding: .utf8)
        try """
            import numpy as np


            def softmax_of_exp(x, axis=-1):
                e = np.exp(np.exp(x) - np.max(np.exp(x), axis=axis, keepdims=True))
                return e / e.sum(axis=axis, keepdims=True)


            MISTAKES = [{"id": "softmax_of_exp", "component": "softmax", "function": softmax_of_exp,
                         "title": "Softmax of exp(x)", "hint": "Take the softmax of x itself."}]

            """.write(to: folder.appendingPathComponent("mistakes.py"), atomically: true, encoding: .utf8)
        let g = try grader(folder)
        #expect(authoringProblems(grader: g) == [])
        let student = try makeScratchDirectory("builtin-student").appendingPathComponent("softmax.py")
        try """
            import numpy as np


            def softmax(x, axis=-1):
                z = np.exp(x)
                e = np.exp(z - z.max(axis=axis, keepdims=True))
                return e / e.sum(axis=axis, keepdims=True)

            """.write(to: student, atomically: true, encoding: .utf8)
        let r = try g.grade(submission: student, seed: 1, mode: .instructor)
        #expect(r.results.first?.diagnosis?.mistakeID == "softmax_of_exp", "\(report(r))")
    }

    /// No shipped lab has a problem; labs 07 and 08 not even a warning (some built-in mistakes
    /// of labs 02–05 show on hidden tests only: warnings, not problems).
    @Test func everyShippedLabPassesTheAuthoringChecks() throws {
        for lab in try Lab.loadAll(labsRoot: shippedLabs) {
            let report = authoringReport(grader: try Grader(lab: lab, harnessDirectory: harness,
                                                            isolation: .none))
            #expect(report.problems.isEmpty, "\(lab.id):\n\(report.problems.joined(separator: "\n"))")
            if ["07-llama", "08-sampling"].contains(lab.id) {
                #expect(report.warnings.isEmpty, "\(lab.id):\n\(report.warnings.joined(separator: "\n"))")
            }
        }
    }
}
