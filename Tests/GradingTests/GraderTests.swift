// The grader on a tiny lab written to a scratch folder (two functions, six tests) without the
// sandbox: pass, fail, error, timeout and missing outcomes per test, and the same module handed
// in as a .py file, a folder and a notebook.
import Foundation
import TestSupport
import Testing

@testable import Diagnosis
@testable import Grading
@testable import LabConfig

/// A scratch lab "98-fake" using the softmax and causal_mask references, plus a component the
/// student module does not define.
enum FakeLab {
    static let toml = """
        id = "98-fake"
        title = "Fake lab"
        version = "0.9.0"
        due = "2026-12-07T23:59:00Z"
        late_due = "2026-12-14T23:59:00Z"
        late_penalty = 0.5
        entry = "fake.py"
        handout = "README.md"

        [limits]
        time_seconds = 10.0
        memory_mb = 1024

        [[components]]
        name = "softmax"
        args = ["x", "axis"]
        optional = ["axis"]
        returns = "tensor"
        atol = 1e-6
        rtol = 1e-4
        summary = "Stable softmax."

        [[components]]
        name = "causal_mask"
        args = ["T"]
        returns = "tensor"
        atol = 0.0
        rtol = 0.0
        summary = "Causal mask."

        [[components]]
        name = "scaled_dot_product_attention"
        args = ["q", "k", "v", "mask"]
        optional = ["mask"]
        returns = "tensor"
        atol = 1e-4
        rtol = 1e-3
        summary = "Not written by the student."

        [[tests]]
        name = "softmax_passes"
        component = "softmax"
        points = 2.0
        visibility = "visible"
        seed = 1
        [tests.inputs]
        x = { tensor = [3, 4] }
        axis = -1

        [[tests]]
        name = "softmax_raises"
        component = "softmax"
        points = 1.0
        visibility = "visible"
        seed = 2
        [tests.inputs]
        x = { tensor = [2, 3] }
        axis = 0

        [[tests]]
        name = "softmax_hangs"
        component = "softmax"
        points = 1.0
        visibility = "hidden"
        time_seconds = 0.5
        [tests.inputs]
        x = { tensor = [5, 2], dtype = "float64" }

        [[tests]]
        name = "mask_fails"
        component = "causal_mask"
        points = 1.0
        visibility = "visible"
        seed = 3
        [tests.inputs]
        T = 4

        [[tests]]
        name = "mask_passes"
        component = "causal_mask"
        points = 1.0
        visibility = "after_due"
        [tests.inputs]
        T = 3

        [[tests]]
        name = "sdpa_missing"
        component = "scaled_dot_product_attention"
        points = 1.0
        visibility = "visible"
        seed = 4
        [tests.inputs]
        q = { tensor = [2, 3] }
        k = { tensor = [2, 3] }
        v = { tensor = [2, 3] }
        """

    /// Right for most inputs; raises for axis 0 (line 6), hangs on 5 rows, and returns the
    /// transposed (upper-triangular) mask for T = 4.
    static let module = """
        import numpy as np
        from helpers import shift

        def softmax(x, axis=-1):
            if axis == 0:
                raise ValueError("axis 0 is not supported")
            if x.shape[0] == 5:
                while True:
                    pass
            e = np.exp(shift(x, axis))
            return e / e.sum(axis=axis, keepdims=True)

        def causal_mask(T):
            m = np.tril(np.ones((T, T), dtype=bool))
            print("mask of size", T)
            return m.T if T == 4 else m

        """

    static let helpers = """
        def shift(x, axis):
            return x - x.max(axis=axis, keepdims=True)

        """

    /// The module as one file (helpers inlined), so it can be handed in alone.
    static var singleFile: String {
        module.replacingOccurrences(of: "from helpers import shift\n", with: helpers)
    }

    /// Writes the lab folder under a fresh scratch folder and loads it.
    static func make() throws -> Lab {
        let folder = try makeScratchDirectory("lmlab-fakelab").appendingPathComponent("98-fake")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try toml.write(
            to: folder.appendingPathComponent("lab.toml"), atomically: true,
            encoding: .utf8)
        try "# Fake lab\n".write(
            to: folder.appendingPathComponent("README.md"), atomically: true,
            encoding: .utf8)
        return try Lab.load(folder: folder)
    }

    static func grader(_ lab: Lab) throws -> Grader {
        try Grader(
            lab: lab, harnessDirectory: repositoryRoot.appendingPathComponent("labs/harness"),
            isolation: .none)
    }

    /// The three forms of the same submission inside a scratch folder.
    static func submissions() throws -> (file: URL, folder: URL, notebook: URL) {
        let root = try makeScratchDirectory("lmlab-fakesub")
        let file = root.appendingPathComponent("my_solution.py")
        try singleFile.write(to: file, atomically: true, encoding: .utf8)
        let folder = root.appendingPathComponent("folder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try module.write(
            to: folder.appendingPathComponent("fake.py"), atomically: true,
            encoding: .utf8)
        try helpers.write(
            to: folder.appendingPathComponent("helpers.py"), atomically: true,
            encoding: .utf8)
        let cells: [[String: Any]] = [
            ["cell_type": "markdown", "metadata": [:], "source": ["# My lab\n"]],
            [
                "cell_type": "code", "metadata": [:], "outputs": [], "execution_count": 1,
                "source": [
                    "%matplotlib inline\n", "!pip install numpy\n",
                    helpers.replacingOccurrences(of: "\n\n", with: "\n"),
                ],
            ],
            [
                "cell_type": "code", "metadata": [:], "outputs": [], "execution_count": 2,
                "source": [
                    module.replacingOccurrences(of: "from helpers import shift\n", with: "")
                ],
            ],
        ]
        let notebook = root.appendingPathComponent("lab.ipynb")
        let object: [String: Any] = [
            "cells": cells, "metadata": [:], "nbformat": 4,
            "nbformat_minor": 5,
        ]
        try JSONSerialization.data(withJSONObject: object).write(to: notebook)
        return (file, folder, notebook)
    }
}

private func byName(_ report: GradeReport) -> [String: TestResult] {
    Dictionary(uniqueKeysWithValues: report.results.map { ($0.name, $0) })
}

@Suite("Grader", .serialized, .blockingWork)
struct GraderTests {
    /// Every outcome on one grade: each test costs only itself, a hang included.
    @Test func outcomesPerTest() throws {
        let lab = try FakeLab.make()
        let forms = try FakeLab.submissions()
        let report = try FakeLab.grader(lab).grade(
            submission: forms.folder, seed: 9, mode: .instructor, submitted: testDue - day)
        let r = byName(report)
        let summary = report.results.map { "\($0.name): \($0.status.rawValue) \($0.message)" }
            .joined(separator: "\n")
        #expect(r["softmax_passes"]?.status == .passed, "\(summary)")
        #expect(r["softmax_passes"]?.score == 2)
        let raised = try #require(r["softmax_raises"])
        #expect(raised.status == .error && raised.score == 0, "\(summary)")
        #expect(raised.message == "ValueError: axis 0 is not supported", "\(raised.message)")
        #expect(raised.errorLocation == "fake.py, line 6", "\(raised.errorLocation ?? "nil")")
        #expect(raised.errorText?.contains("raise ValueError") == true)
        let hang = try #require(r["softmax_hangs"])
        #expect(hang.status == .timeout, "\(summary)")
        #expect(hang.message.contains("0.5 s"), "\(hang.message)")
        let mask = try #require(r["mask_fails"])
        #expect(mask.status == .failed && mask.comparison?.failure == .values, "\(summary)")
        // The transposed mask first differs at [0, 1] (True above the diagonal).
        #expect(mask.comparison?.worstIndex == [0, 1], "\(mask.message)")
        #expect(r["mask_passes"]?.status == .passed, "a hang must not cost later tests: \(summary)")
        let missing = try #require(r["sdpa_missing"])
        #expect(missing.status == .missing && missing.message.contains("not found in fake.py"))
        #expect(report.summary.score == 3 && report.summary.maxScore == 7)
        #expect(report.summary.finalScore == 3)
        #expect(report.timings.restarts >= 1)
        #expect(report.output.contains("mask of size 4"))
        #expect(report.graderVersion == "0.9.0+lmlab-\(lmlabVersion)")
        #expect(report.seed == 9 && report.mode == "instructor")
    }

    /// The same module as a .py under another name, as a folder with a helper module and as a
    /// notebook with magics: same verdicts on the visible tests; the late penalty applied by date.
    @Test func fileFolderAndNotebookSubmissions() throws {
        let lab = try FakeLab.make()
        let grader = try FakeLab.grader(lab)
        let forms = try FakeLab.submissions()
        let expected: [String: TestResult.Status] = [
            "softmax_passes": .passed, "softmax_raises": .error, "mask_fails": .failed,
            "sdpa_missing": .missing,
        ]
        let cases: [(URL, Date, Double)] = [
            (forms.file, testDue + day, 1),  // late: 2 points, half lost
            (forms.folder, testDue - day, 2),
            (forms.notebook, testDue + 8 * day, 0),  // after late_due
        ]
        for (submission, submitted, final) in cases {
            let report = try grader.grade(
                submission: submission, seed: 5,
                mode: .student(visibleOnly: true), submitted: submitted)
            let statuses = report.results.reduce(into: [String: TestResult.Status]()) {
                $0[$1.name] = $1.status
            }
            let verdicts = report.results.map { "\($0.name) \($0.status) \($0.message)" }
            #expect(statuses == expected, "\(submission.lastPathComponent): \(verdicts)")
            #expect(report.importError == nil, "\(report.importError ?? "")")
            #expect(
                report.summary.score == 2 && report.summary.finalScore == final,
                "\(submission.lastPathComponent): \(report.summary)")
            #expect(report.submission == submission.lastPathComponent)
        }
        let file = try grader.grade(
            submission: forms.file, seed: 5,
            mode: .student(visibleOnly: true), submitted: testDue)
        #expect(file.notes.contains("my_solution.py was graded as fake.py"), "\(file.notes)")
        let late = try grader.grade(
            submission: forms.notebook, seed: 5,
            mode: .student(visibleOnly: true), submitted: testDue + 9 * day)
        #expect(
            late.notes.contains { $0.contains("after the last accepted date") }, "\(late.notes)")
        #expect(late.notes.contains { $0.contains("%matplotlib") }, "\(late.notes)")
    }

    /// A notebook error points at the notebook cell, not the generated module's line.
    @Test func notebookErrorsNameTheCell() throws {
        let lab = try FakeLab.make()
        let forms = try FakeLab.submissions()
        let report = try FakeLab.grader(lab).grade(
            submission: forms.notebook, seed: 5, mode: .student(visibleOnly: true),
            submitted: testDue)
        let raised = try #require(report.results.first { $0.name == "softmax_raises" })
        #expect(
            raised.errorLocation?.contains("cell 3") == true,
            "\(raised.errorLocation ?? "nil")")
    }

    @Test func visibleOnlyModeRunsOnlyVisibleTests() throws {
        let lab = try FakeLab.make()
        let grader = try FakeLab.grader(lab)
        #expect(
            grader.tests(for: .student(visibleOnly: true)).map(\.test.name)
                == ["softmax_passes", "softmax_raises", "mask_fails", "sdpa_missing"])
        #expect(grader.tests(for: .student(visibleOnly: false)).count == 6)
        #expect(grader.tests(for: .instructor).map(\.index) == Array(0..<6))
    }
}

/// The benchmark's pieces that need no timing: quantiles, finding the samples, the table.
@Suite("GradingBenchmark")
struct GradingBenchmarkTests {
    @Test func quantilesInterpolateBetweenOrderStatistics() {
        // Sorted 1, 2, 3, 4: the median sits halfway between 2 and 3; p90 at 3 + 0.7·1.
        #expect(quantile([4, 1, 3, 2], 0.5) == 2.5)
        #expect(abs(quantile([4, 1, 3, 2], 0.9) - 3.7) < 1e-12)
        #expect(quantile([7], 0.9) == 7 && quantile([], 0.5) == 0)
    }

    @Test func findsOneCorrectSamplePerLab() throws {
        let samples = try correctSamples(
            submissionsRoot: repositoryRoot.appendingPathComponent("submissions"))
        let labs = try Lab.loadAll(labsRoot: repositoryRoot.appendingPathComponent("labs"))
        #expect(samples.keys.sorted() == labs.map(\.id))
        #expect(samples["01-attention"]?.url.lastPathComponent == "attention.py")
        for (lab, sample) in samples {
            #expect(
                FileManager.default.fileExists(atPath: sample.url.path), "\(lab): \(sample.url)")
        }
        #expect(throws: GradingError.self) {
            try correctSamples(submissionsRoot: URL(fileURLWithPath: "/nonexistent"))
        }
    }

    @Test func descriptionIsATable() {
        let lab = LabBenchmark(
            lab: "01-attention", submission: "s01-ada/01-attention", tests: 20, fullMarks: true,
            totals: [0.5, 0.7], p50Seconds: 0.6, p90Seconds: 0.68, stageSeconds: 0.001,
            sandboxStartSeconds: 0.2, callSeconds: 0.3, referenceSeconds: 0.05,
            compareSeconds: 0.01)
        let text = GradingBenchmarkResult(isolation: .sandbox, runs: 2, labs: [lab]).description
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(text)")
        #expect(lines[0].contains("2 runs each (sandbox)"))
        #expect(lines[1].hasPrefix("lab") && lines[1].contains("p50"))
        // 600 − (1 + 200 + 300 + 50 + 10) = 39 ms unaccounted.
        let cells = lines[2].split(separator: " ").map(String.init)
        #expect(
            cells == [
                "01-attention", "20", "600", "680", "1", "200", "300", "50", "10", "39",
                "yes",
            ], "\(cells)")
    }

    /// The benchmark's own machinery, once per lab without the sandbox (`lmlab bench grading`
    /// is the timed run): every lab's first correct sample gets full marks.
    @Test func benchmarkGradesEveryLab() throws {
        let labsRoot = repositoryRoot.appendingPathComponent("labs")
        let result = try gradingBenchmark(
            labsRoot: labsRoot,
            submissionsRoot: repositoryRoot.appendingPathComponent("submissions"),
            runs: 1, isolation: .none)
        let labs = try Lab.loadAll(labsRoot: labsRoot)
        #expect(result.labs.count == labs.count && result.labs.allSatisfy(\.fullMarks), "\(result)")
    }
}

/// A submission whose functions all spin, in a lab with a 1.5 s budget for everything.
enum SpinnerLab {
    static let toml = FakeLab.toml
        .replacingOccurrences(
            of: "time_seconds = 10.0\n", with: "time_seconds = 1.0\nsubmission_seconds = 1.5\n")
        .replacingOccurrences(of: "time_seconds = 0.5\n", with: "")

    static let module = """
        def softmax(x, axis=-1):
            while True:
                pass

        def causal_mask(T):
            while True:
                pass

        def scaled_dot_product_attention(q, k, v, mask=None):
            return q

        """
}

@Suite("Grader budget", .serialized, .blockingWork)
struct GraderBudgetTests {
    @Test func aSpinnerIsBoundedByTheSubmissionBudget() throws {
        let folder = try makeScratchDirectory("lmlab-spinlab").appendingPathComponent("98-fake")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try SpinnerLab.toml.write(
            to: folder.appendingPathComponent("lab.toml"), atomically: true, encoding: .utf8)
        try "# Spin\n".write(
            to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let lab = try Lab.load(folder: folder)
        #expect(lab.limits.submissionSeconds == 1.5)
        let file = try makeScratchDirectory("lmlab-spin").appendingPathComponent("fake.py")
        try SpinnerLab.module.write(to: file, atomically: true, encoding: .utf8)

        let report = try FakeLab.grader(lab).grade(
            submission: file, seed: 1, mode: .instructor, submitted: testDue - day)
        let r = byName(report)
        let summary = report.results.map { "\($0.name): \($0.status) \($0.message)" }
            .joined(separator: "\n")
        // The first softmax test spins for its 1 s limit; softmax's other two are not run
        #expect(r["softmax_passes"]?.status == .timeout, "\(summary)")
        #expect(r["softmax_passes"]?.message.contains("within 1 s (the time limit)") == true)
        for name in ["softmax_raises", "softmax_hangs"] {
            #expect(r[name]?.status == .missing, "\(summary)")
            #expect(
                r[name]?.message.contains("not run: an earlier test of softmax ran out of time")
                    == true, "\(summary)")
        }
        // causal_mask gets what is left of the 1.5 s, then its second test is not run
        #expect(r["mask_fails"]?.status == .timeout, "\(summary)")
        #expect(
            r["mask_fails"]?.message.contains("what was left of the submission's 1.5 s") == true,
            "\(summary)")
        #expect(r["mask_passes"]?.message.contains("ran out of time") == true, "\(summary)")
        // And the budget is used up for the last component, which would have passed quickly
        #expect(r["sdpa_missing"]?.status == .missing)
        #expect(r["sdpa_missing"]?.message.contains("used up its 1.5 s") == true, "\(summary)")
        #expect(report.summary.score == 0)
    }

    @Test func theBudgetMustBePositive() throws {
        let folder = try makeScratchDirectory("lmlab-badbudget").appendingPathComponent("98-fake")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try SpinnerLab.toml.replacingOccurrences(
            of: "submission_seconds = 1.5", with: "submission_seconds = -2"
        ).write(to: folder.appendingPathComponent("lab.toml"), atomically: true, encoding: .utf8)
        try "# x\n".write(
            to: folder.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        #expect {
            try Lab.load(folder: folder)
        } throws: { error in
            (error as? LabError)?.problems.contains {
                $0.keyPath == "limits.submission_seconds"
            } == true
        }
    }
}
