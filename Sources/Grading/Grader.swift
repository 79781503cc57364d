// The grader: stages a submission, starts one harness session, runs every test (a hang or a crash
// costs that test only), compares with the reference, diagnoses, scores, and records the seed,
// the versions and the timings.
import Foundation
import Harness
import Diagnosis
import LabConfig

/// lmlab's own version, recorded with every grade beside the lab's version.
public let lmlabVersion = "0.1.0"

/// Which tests run and who the report is for.
public enum GradeMode: Sendable, Equatable {
    /// A student's self-check (visibleOnly: only the visible tests) or a student submission.
    case student(visibleOnly: Bool)
    case instructor
}

/// Where the time went, for the benchmark breakdown.
public struct GradeTimings: Sendable, Codable, Equatable {
    public var stageSeconds = 0.0
    /// Spawn → ready, summed over (re)starts.
    public var sandboxStartSeconds = 0.0
    public var callSeconds = 0.0
    public var referenceSeconds = 0.0
    /// Comparison and diagnosis.
    public var compareSeconds = 0.0
    public var totalSeconds = 0.0
    public var restarts = 0
}

/// A grade: every test's result, the score and what is needed to reproduce and audit it.
public struct GradeReport: Sendable, Codable, Equatable {
    public var lab: String
    public var labTitle: String
    /// "<lab version>+lmlab-<lmlab version>".
    public var graderVersion: String
    public var submission: String
    public var seed: UInt64
    public var mode: String
    public var submittedAt: Date
    public var due: Date
    public var results: [TestResult]
    public var summary: ScoreSummary
    /// The student's syntax/import error (file and line), when the module did not import.
    public var importError: String?
    /// What the student's code printed (capped).
    public var output: String
    /// Notes from staging and the harness (dropped notebook magics…).
    public var notes: [String]
    public var timings: GradeTimings
    /// Set when the sandbox was killed from outside mid-grade (CallOutcome.interrupted): the
    /// results are incomplete through no fault of the student, and `grade` throws instead.
    public var interruption: String? = nil
}

/// Grades submissions of one lab with one harness configuration.
public struct Grader: Sendable {
    public var lab: Lab
    public var configuration: HarnessConfiguration
    /// Warm sandboxes to start submissions in (nil or empty: every runner starts cold).
    public var pool: SandboxPool?

    public init(lab: Lab, configuration: HarnessConfiguration) {
        self.lab = lab
        self.configuration = configuration
    }

    /// A grader for `lab` whose harness lives in `harnessDirectory` (labs/harness). With
    /// `.sandbox` isolation this refuses (HarnessError.sandboxUnavailable) if bwrap cannot run.
    public init(lab: Lab, harnessDirectory: URL, isolation: Isolation) throws {
        let sandbox = try Sandbox.make(harnessDirectory: harnessDirectory, isolation: isolation)
        self.init(lab: lab, configuration: HarnessConfiguration(
            sandbox: sandbox, isolation: isolation,
            limits: SandboxLimits(memoryMB: lab.limits.memoryMB), preloadTorch: lab.usesTorch))
    }

    /// The tests a mode runs.
    public func tests(for mode: GradeMode) -> [(index: Int, test: LabTest)] {
        lab.tests.enumerated().filter { _, test in
            mode != .student(visibleOnly: true) || test.visibility == .visible
        }.map { ($0.offset, $0.element) }
    }

    /// Grades the submission at `submission` (.py, folder or .ipynb).
    public func grade(submission: URL, seed: UInt64? = nil, mode: GradeMode,
                      submitted: Date = Date()) throws -> GradeReport
    {
        let start = Date()
        var timings = GradeTimings()
        let submissionSeed = seed ?? freshSubmissionSeed()
        // The instructor's expected values first: a failing reference.py stops the grade here,
        // an instructor error and never a student's score.
        let t0 = Date()
        try computeInstructorExpectations(mode: mode, seed: submissionSeed)
        timings.referenceSeconds += Date().timeIntervalSince(t0)
        // In a warm sandbox when the pool has one: the submission is staged into its folder.
        let (staged, session) = try openSession(
            for: submission, entry: lab.entry, configuration: configuration, pool: pool)
        defer { staged.remove() }
        timings.stageSeconds = Date().timeIntervalSince(start) - timings.referenceSeconds
        defer { session.close() }
        var report = run(session: session, staged: staged, seed: submissionSeed, mode: mode,
                         timings: &timings)
        if let interruption = report.interruption {
            throw GradingError.interrupted(interruption)
        }
        // Prints still in the pipe are drained only once the runner is gone: close first, then
        // take the output (run() read it while the last calls' stderr could still be in flight).
        session.close()
        report.output = session.output
        report.submission = submission.lastPathComponent
        report.submittedAt = submitted
        let penalty = lab.lateRule.penalty(at: submitted)
        report.summary = ScoreSummary(results: report.results, penalty: penalty ?? 1)
        if penalty == nil {
            report.notes.append("submitted after the last accepted date: scored 0")
        }
        timings.totalSeconds = Date().timeIntervalSince(start)
        report.timings = timings
        return report
    }

    /// Runs the tests of `mode` on an already started (or startable) session with one
    /// submission seed. Used by `grade` and, with many seeds on one session, by the tests.
    public func run(session: HarnessSession, staged: StagedSubmission, seed: UInt64,
                    mode: GradeMode, timings: inout GradeTimings) -> GradeReport
    {
        var importError: String?
        var functions: [String] = []
        do {
            functions = try session.start()
        } catch HarnessError.importFailed(let error) {
            importError = describeImportFailure(staged.remap(error), lab: lab)
        } catch {
            importError = "\(error)"
        }
        var results: [TestResult] = []
        // One submission's tests share a wall-clock budget, and a component that timed out
        // once is not called again: a spinning function would only time out again, holding
        // the grader for each remaining test's limit.
        let start = Date()
        let budget = lab.limits.submissionSeconds
        var timedOut: Set<String> = []
        let catalogue = diagnosisCatalogue()
        var interruption: String?
        for (index, test) in tests(for: mode) {
            let caseSeed = caseSeed(test: test, index: index, submissionSeed: seed)
            let remaining = budget - Date().timeIntervalSince(start)
            if timedOut.contains(test.component) {
                results.append(notRun(
                    test, seed: caseSeed,
                    reason: "an earlier test of \(test.component) ran out of time, so its other"
                        + " tests were not run"))
                continue
            }
            if remaining <= 0 {
                results.append(notRun(
                    test, seed: caseSeed,
                    reason: "the submission used up its \(formatNumber(budget)) s for all tests"
                        + " (limits.submission_seconds)"))
                continue
            }
            var outcome: CallOutcome?
            let result = runTest(test, seed: caseSeed, session: session, staged: staged,
                                 available: importError == nil ? Set(functions) : [],
                                 importError: importError, catalogue: catalogue,
                                 budget: remaining < test.limits.timeSeconds ? remaining : nil,
                                 outcome: &outcome, timings: &timings)
            if result.status == .timeout { timedOut.insert(test.component) }
            results.append(result)
            if case .interrupted(let status)? = outcome {
                interruption = "the sandbox was killed from outside (\(status)) while running"
                    + " \(test.component)"
                break
            }
        }
        let harness = session.timings
        timings.sandboxStartSeconds = harness.startups.reduce(0, +)
        timings.callSeconds = harness.calls.reduce(0) { $0 + $1.wallSeconds }
        timings.restarts = session.restarts
        return GradeReport(
            lab: lab.id, labTitle: lab.title, graderVersion: "\(lab.version)+lmlab-\(lmlabVersion)",
            submission: staged.entry, seed: seed,
            mode: mode == .instructor ? "instructor" : "student", submittedAt: Date(), due: lab.due,
            results: results, summary: ScoreSummary(results: results, penalty: 0),
            importError: importError, output: session.output,
            notes: staged.notes + session.notes, timings: timings,
            interruption: interruption)
    }

    /// A test that was not run, saying why; it scores 0.
    private func notRun(_ test: LabTest, seed: UInt64, reason: String) -> TestResult {
        var result = TestResult(
            name: test.name, component: test.component, visibility: test.visibility.rawValue,
            points: test.points, score: 0, status: .missing, seed: seed, message: "",
            comparison: nil, diagnosis: nil, errorLocation: nil, errorText: nil, traceback: nil,
            inputs: [:], seconds: 0)
        result.message = "not run: \(reason)"
        return result
    }

    /// Runs one test; `budget`, when set, is what is left of the submission's time and is
    /// shorter than the test's own limit, so it bounds the call instead.
    private func runTest(_ test: LabTest, seed: UInt64, session: HarnessSession,
                         staged: StagedSubmission, available: Set<String>, importError: String?,
                         catalogue: [Mistake], budget: Double? = nil,
                         outcome callOutcome: inout CallOutcome?,
                         timings: inout GradeTimings) -> TestResult
    {
        var result = TestResult(
            name: test.name, component: test.component, visibility: test.visibility.rawValue,
            points: test.points, score: 0, status: .failed, seed: seed, message: "",
            comparison: nil, diagnosis: nil, errorLocation: nil, errorText: nil, traceback: nil,
            inputs: [:], seconds: 0)
        guard let component = lab.component(named: test.component) else {
            result.status = .error
            result.message = GradingError.noReference(component: test.component, lab: lab.id)
                .description
            return result
        }
        let args: CaseArguments
        let expected: GradedValue
        do {
            let t0 = Date()
            args = try makeArguments(test: test, lab: lab, seed: seed)
            result.inputs = args.values.mapValues(\.summary)
            expected = try expectedValue(test, args: args, seed: seed)
            timings.referenceSeconds += Date().timeIntervalSince(t0)
        } catch {
            result.status = .error
            result.message = "lmlab could not build this test: \(error)"
            return result
        }
        if importError != nil {
            // The reason is said once, with the report (GradeReport.importError), not per test.
            result.status = .missing
            result.message = "not run: your module did not import (the reason is above)"
            return result
        }
        guard available.contains(test.component) else {
            result.status = .missing
            result.message = "function \(test.component) not found in \(lab.entry) — did you "
                + "rename it?"
            return result
        }
        let call = args.names.compactMap { args[$0]?.harnessValue }
        let outcome = session.call(
            test.component, args: call, timeout: budget ?? test.limits.timeSeconds,
            framework: test.framework)
        callOutcome = outcome
        switch outcome {
        case .value(let value, let seconds):
            result.seconds = seconds
            let t0 = Date()
            let got = GradedValue(value)
            let tolerance = Tolerance(atol: component.atol, rtol: component.rtol)
            let comparison = compare(got: got, expected: expected, as: component.returns,
                                     tolerance: tolerance)
            result.comparison = comparison
            result.message = comparison.message
            if comparison.passed {
                result.status = .passed
                result.score = test.points
            } else {
                result.slice = ValueSlice(got: got, expected: expected, comparison: comparison)
                result.diagnosis = diagnose(
                    component: test.component, args: args, got: got, expected: expected,
                    returns: component.returns, tolerance: tolerance, comparison: comparison,
                    catalogue: catalogue)
                result.attention = result.diagnosis.flatMap {
                    attentionFigure(
                        component: test.component, args: args, diagnosis: $0, got: got,
                        catalogue: catalogue)
                }
            }
            timings.compareSeconds += Date().timeIntervalSince(t0)
        case .studentError(let error):
            let error = staged.remap(error)
            result.status = .error
            result.message = "\(error.type): \(error.message)"
            result.errorLocation = error.location
            result.errorText = error.text
            result.traceback = error.traceback
            result.diagnosis = diagnose(component: test.component, errorType: error.type,
                                        message: error.message, catalogue: catalogue)
        case .timeout(let seconds):
            result.status = .timeout
            result.seconds = seconds
            result.message = budget.map {
                "no answer within \(formatNumber($0)) s, what was left of the submission's "
                    + "\(formatNumber(lab.limits.submissionSeconds)) s for all tests"
            } ?? "no answer within \(formatNumber(test.limits.timeSeconds)) s (the time limit)"
            result.message += " — an infinite loop, or a loop over elements that should be one "
                + "NumPy operation?"
        case .crashed(let status, let logTail):
            result.status = .crashed
            result.message = "Python stopped (\(status)) while running \(test.component)"
            result.traceback = logTail.isEmpty ? nil : logTail
        case .memoryExceeded(let detail):
            result.status = .memoryExceeded
            result.message = "ran out of memory (limit \(lab.limits.memoryMB) MB): \(detail)"
        case .interrupted(let status):
            // Reported by `run` as the grade's interruption; this result is never shown.
            result.status = .crashed
            result.message = "the sandbox was killed from outside (\(status))"
        }
        return result
    }
}

/// The packages besides Python's standard library that the sandboxed harness gives student code.
public let gradedPackages = ["numpy"]

/// Why the student's module did not import. A missing module gets one clear sentence naming it
/// and what the lab allows, instead of a traceback.
func describeImportFailure(_ error: StudentError, lab: Lab) -> String {
    guard error.type == "ModuleNotFoundError",
        let name = error.message.split(separator: "'", omittingEmptySubsequences: false)
            .dropFirst().first, !name.isEmpty
    else { return describe(error) }
    let module = name.split(separator: ".").first.map(String.init) ?? String(name)
    var text = "your code imports '\(module)'"
    if let location = error.location { text += " (\(location))" }
    text += ", which the grader does not have. \(lab.id) is graded with Python's standard"
        + " library and " + gradedPackages.joined(separator: ", ")
        + " only: remove the import (do this part with NumPy) and submit again."
    return text
}

private func describe(_ error: StudentError) -> String {
    var text = "\(error.type): \(error.message)"
    if let location = error.location { text += " (\(location))" }
    if let source = error.text, !source.isEmpty { text += "\n    \(source)" }
    return text
}
